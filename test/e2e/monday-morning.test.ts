import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readDataDirPublicKeys, readEvents, verifyAudit, verifyChain, type RecordedEvent } from '../../gateway/audit/index.js';
import { DEMO_ISSUER } from '../../gateway/auth/index.js';
import { RECORD_DECISION, SIGN_OFF_DECISION } from '../helpers/decision.js';
import { docxParts, pdfPages } from '../helpers/documents.js';
import { LINK, OPEN_ENQUIRY, PROFILE, startTestGateway, type TestGateway } from '../helpers/gateway.js';

/**
 * The researcher's Monday morning, end to end over HTTP on the sandbox county with all five
 * agencies: fifteen referrals of mixed RAG arrive and the triage queue orders them; the top one (the
 * county's featured child, RED) is assigned to a researcher, who finds the child, links every
 * agency's record in one step, confirms the household (the mother, with her relevance recorded),
 * reads the chronology and the risk indicators, logs a phone call, writes and exports the précis
 * (PDF and DOCX, read back); the force's reviewer, told in their inbox, approves the held police
 * detail, which the researcher then reads; a MASH manager signs off the decision and the enquiry
 * closes. Every step is in the audit log under the actor who took it, and the log verifies.
 */

const AGENCIES = ['health', 'police', 'education', 'housing', 'social-care'];
const TEAM = 'social-care';
/** Monday 30 November 2026, 09:30 in London (GMT): the gateway's clock for the whole flow. */
const NOW = new Date('2026-11-30T09:30:00Z');
const CALL = 'Dr Asha Patel said the child was seen with a bruised wrist on Friday; the mother said she fell.';
const ANALYSIS = 'Two agencies describe the same night. A strategy discussion is needed today.';

const QUEUE = /* GraphQL */ `
  query Queue($team: String!, $filter: EnquiryQueueFilter) {
    enquiryQueue(team: $team, filter: $filter, first: 50) {
      totalCount auditEventId
      entries { enquiryId referralReference rag receivedAt deadline overdue timeLeftSeconds assignee { id issuer } member }
    }
  }
`;
const ASSIGN = 'mutation($e: ID!, $actorId: ID!, $issuer: String!) { assignEnquiry(enquiryId: $e, actorId: $actorId, issuer: $issuer) { assignee { id } } }';
const INBOX = 'query { notifications(first: 100) { notifications { id kind text enquiryId referralReference reviewRequestId addressedTo } } }';
const SEARCH_PEOPLE = /* GraphQL */ `
  query Search($e: ID!, $q: PersonSearchInput!) {
    searchPeople(enquiryId: $e, query: $q) { auditEventId people { key band records { agency personId band } } }
  }
`;
const LINK_PERSON = /* GraphQL */ `
  mutation LinkPerson($e: ID!, $search: ID!, $key: String!) {
    linkPerson(enquiryId: $e, searchEventId: $search, key: $key, label: "Referred child") { id relation links { agency personId } }
  }
`;
const HOUSEHOLD = /* GraphQL */ `
  query Household($e: ID!, $s: ID!) {
    household(enquiryId: $e, subjectId: $s) {
      auditEventId agencies { agency status }
      candidates { key band relation records { agency personId } }
    }
  }
`;
const RELEVANCE = 'mutation($e: ID!, $s: ID!, $r: String!) { recordRelevance(enquiryId: $e, subjectId: $s, relevance: $r) { id relevance } }';
const CHRONOLOGY = /* GraphQL */ `
  query Chronology($e: ID!, $s: ID!) {
    chronology(enquiryId: $e, subjectId: $s) {
      auditEventId
      subjects { id relation focus }
      entries { reference kind source agency category decision type narrative withheldFields subject { id } }
      groups { id agencies }
    }
  }
`;
const INDICATORS = 'query($e: ID!, $s: ID!) { riskIndicators(enquiryId: $e, subjectId: $s) { auditEventId indicators { id count references } } }';
const LOG_CONTACT = 'mutation($e: ID!, $i: LogContactInput!) { logContact(enquiryId: $e, input: $i) { id reference } }';
const CONTACT_LOG = 'query($e: ID!, $s: ID) { contactLog(enquiryId: $e, subjectId: $s) { auditEventId subjects { entries { reference decision narrative } } } }';
const REFERENCE = 'ref auditEventId category subjectId fields personId';
const CONTENT = `title sections { key heading subjectId agency analysis statements { id kind text relevance references { ${REFERENCE} } withheld { agency category subjectId } } }`;
const DRAFT = `query($e: ID!) { precis(enquiryId: $e) { latestVersion disclosureEventId auditEventId content { ${CONTENT} } } }`;
const SAVE = 'mutation($e: ID!, $base: Int!, $content: PrecisContentInput!) { savePrecis(enquiryId: $e, baseVersion: $base, content: $content) { version contentSha256 } }';
const EXPORT = 'mutation($e: ID!, $v: Int!, $f: PrecisFormat!) { exportPrecis(enquiryId: $e, version: $v, format: $f) { format fileName base64 sha256 unavailable auditEventId } }';
const REQUESTS = '{ reviewRequests(status: PENDING) { id enquiryId subjectId agency category } }';
const SUMMARY = 'query($id: ID!) { reviewRequestSummary(id: $id) { auditEventId records { provenance { recordId } withheldFields } } }';
const APPROVE = 'mutation($id: ID!) { approveReview(id: $id, reason: "Relevant to the strategy discussion") { status } }';
const DECISIONS = 'query($e: ID!) { mashDecisions(enquiryId: $e) { id status recordedBy decidedBy } }';
const CLOSE = 'mutation($e: ID!) { closeEnquiry(enquiryId: $e, decision: "Strategy discussion convened") { status closureDecisionId } }';

/** The content as a client sends it back: the fields of the input types only. */
function asInput(content: any) {
  return {
    title: content.title,
    sections: content.sections.map((s: any) => ({
      key: s.key,
      heading: s.heading,
      subjectId: s.subjectId,
      agency: s.agency,
      analysis: s.analysis,
      statements: s.statements.map((st: any) => ({ id: st.id, kind: st.kind, text: st.text, relevance: st.relevance, references: st.references, withheld: st.withheld })),
    })),
  };
}

const at = (iso: string) => new Date(iso).toISOString();

/**
 * The fifteen referrals, in the order the queue's rules put them: RAG; then (no indicators computed
 * yet) the deadline, overdue first; then unassigned before assigned; then the oldest referral.
 * A deadline given is earlier than the RAG timescale's (a researcher may set an earlier one).
 */
const REFERRALS: { ref: string; rag: 'RED' | 'AMBER' | 'GREEN'; receivedAt: string; deadline?: string; assigned?: true; why: string }[] = [
  { ref: 'MON-01', rag: 'RED', receivedAt: '2026-11-30T09:00:00Z', why: 'the only RED: due at 13:00 (4 working hours)' },
  { ref: 'MON-02', rag: 'AMBER', receivedAt: '2026-11-28T08:00:00Z', why: 'overdue since Sunday 08:00' },
  { ref: 'MON-05', rag: 'AMBER', receivedAt: '2026-11-30T07:00:00Z', deadline: '2026-11-30T12:00:00Z', why: 'due at 12:00' },
  { ref: 'MON-06', rag: 'AMBER', receivedAt: '2026-11-30T07:30:00Z', deadline: '2026-11-30T16:00:00Z', why: 'due at 16:00, received before MON-07' },
  { ref: 'MON-07', rag: 'AMBER', receivedAt: '2026-11-30T08:15:00Z', deadline: '2026-11-30T16:00:00Z', why: 'due at 16:00, received after MON-06' },
  { ref: 'MON-03', rag: 'AMBER', receivedAt: '2026-11-29T20:00:00Z', why: 'due at 20:00' },
  { ref: 'MON-04', rag: 'AMBER', receivedAt: '2026-11-30T08:00:00Z', why: 'due Tuesday 08:00' },
  { ref: 'MON-15', rag: 'AMBER', receivedAt: '2026-11-30T09:15:00Z', why: 'due Tuesday 09:15' },
  { ref: 'MON-08', rag: 'GREEN', receivedAt: '2026-11-26T08:00:00Z', why: 'overdue since Sunday 08:00' },
  { ref: 'MON-09', rag: 'GREEN', receivedAt: '2026-11-27T10:00:00Z', why: 'due at 10:00' },
  { ref: 'MON-11', rag: 'GREEN', receivedAt: '2026-11-27T15:00:00Z', why: 'due at 15:00, unassigned' },
  { ref: 'MON-10', rag: 'GREEN', receivedAt: '2026-11-27T15:00:00Z', assigned: true, why: 'due at 15:00, assigned' },
  { ref: 'MON-12', rag: 'GREEN', receivedAt: '2026-11-28T12:00:00Z', why: 'due Tuesday 12:00' },
  { ref: 'MON-13', rag: 'GREEN', receivedAt: '2026-11-29T12:00:00Z', why: 'due Wednesday 12:00' },
  { ref: 'MON-14', rag: 'GREEN', receivedAt: '2026-11-30T08:30:00Z', why: 'due Thursday 08:30' },
];

describe('Monday morning: a referral from the queue to a signed-off decision', () => {
  let t: TestGateway;
  const tokens: Record<'intake' | 'researcher' | 'manager' | 'reviewer', string> = { intake: '', researcher: '', manager: '', reviewer: '' };
  const ACTORS = {
    intake: { sub: 'mash-intake-1', name: 'Ira Intake', agency: 'social-care', roles: ['mash-researcher'] },
    researcher: { sub: 'mash-researcher-1', name: 'Riley Researcher', agency: 'social-care', roles: ['mash-researcher'] },
    manager: { sub: 'mash-manager-1', name: 'Morgan Manager', agency: 'social-care', roles: ['mash-manager'] },
    reviewer: { sub: 'ppu-reviewer-1', name: 'Pat Reviewer', agency: 'police', roles: ['agency-reviewer'] },
  } as const;

  beforeAll(async () => {
    t = await startTestGateway({ agencies: AGENCIES, households: 40, now: () => NOW });
    for (const [who, claims] of Object.entries(ACTORS)) {
      tokens[who as keyof typeof tokens] = await t.token({ ...claims, roles: [...claims.roles] });
      await t.graphql('{ me { id } }', {}, tokens[who as keyof typeof tokens]); // signed in once: a known actor
    }
  }, 60_000);
  afterAll(async () => t?.close());

  /** One request that must succeed: its data. */
  async function ok(who: keyof typeof tokens, query: string, variables: Record<string, unknown> = {}): Promise<any> {
    const response = await t.graphql(query, variables, tokens[who]);
    expect(response.body.errors, `${who}: ${query.slice(0, 60)}`).toBeUndefined();
    return response.body.data;
  }

  it('runs the flow, every step audited under its actor, and the audit log verifies', async () => {
    const county = t.gateway.sandbox!.county;
    const { child, parent } = county.featured;

    // 1. Fifteen referrals arrive (logged by the MASH's intake); the top one is the featured child.
    const enquiryOf = new Map<string, string>();
    for (const [n, referral] of [...REFERRALS].sort((a, b) => a.ref.localeCompare(b.ref)).entries()) {
      const featured = referral.ref === 'MON-01';
      const input = {
        referralReference: referral.ref,
        ...(featured || n % 2 === 0
          ? { purpose: 's47', consentRecorded: false }
          : { purpose: 's17', consentRecorded: true, consent: { givenBy: 'Mother (parental responsibility)', scope: 'Child in need assessment' } }),
        rag: referral.rag,
        receivedAt: referral.receivedAt,
        ...(referral.deadline ? { deadline: referral.deadline } : {}),
        source: { kind: 'AGENCY', organisation: 'Northfield Academy', referrerName: 'Dana Lead', referrerRole: 'Designated safeguarding lead' },
        concernCategories: featured ? ['domestic-abuse', 'physical-abuse'] : ['neglect'],
        referralText: featured ? `${child.given[0]} came to school with a bruised wrist and said there was shouting at home last night.` : 'Concerns about the home conditions.',
      };
      const opened = await ok('intake', OPEN_ENQUIRY, { input });
      enquiryOf.set(referral.ref, opened.openEnquiry.id);
    }
    const enquiryId = enquiryOf.get('MON-01')!;
    // MON-10 was picked up by the intake officer on Friday.
    await ok('manager', ASSIGN, { e: enquiryOf.get('MON-10'), actorId: ACTORS.intake.sub, issuer: DEMO_ISSUER });

    // 2. The queue orders them: the order the rules imply, for the manager and the researcher alike.
    const queue = (await ok('manager', QUEUE, { team: TEAM })).enquiryQueue;
    expect(queue.totalCount).toBe(REFERRALS.length);
    expect(queue.entries.map((e: any) => e.referralReference), REFERRALS.map((r) => `${r.ref}: ${r.why}`).join('\n')).toEqual(REFERRALS.map((r) => r.ref));
    const top = queue.entries[0];
    expect(top).toMatchObject({ enquiryId, rag: 'RED', deadline: at('2026-11-30T13:00:00Z'), overdue: false, timeLeftSeconds: 3.5 * 3600, assignee: null });
    for (const entry of queue.entries) {
      const referral = REFERRALS.find((r) => r.ref === entry.referralReference)!;
      expect(entry.receivedAt).toBe(at(referral.receivedAt));
      expect(entry.overdue).toBe(Date.parse(entry.deadline) < NOW.getTime());
      expect(entry.assignee?.id ?? null).toBe(referral.assigned ? ACTORS.intake.sub : null);
    }
    expect((await ok('researcher', QUEUE, { team: TEAM })).enquiryQueue.entries.map((e: any) => e.enquiryId)).toEqual(queue.entries.map((e: any) => e.enquiryId));

    // The manager gives the top referral to the researcher, who is told and finds it in their queue.
    await ok('manager', ASSIGN, { e: enquiryId, actorId: ACTORS.researcher.sub, issuer: DEMO_ISSUER });
    const assignedNote = (await ok('researcher', INBOX)).notifications.notifications;
    expect(assignedNote).toContainEqual(expect.objectContaining({ kind: 'ENQUIRY_ASSIGNED', enquiryId, referralReference: 'MON-01', addressedTo: 'ACTOR' }));
    const mine = (await ok('researcher', QUEUE, { team: TEAM, filter: { assignment: 'ASSIGNED_TO_ME' } })).enquiryQueue.entries;
    expect(mine.map((e: any) => e.referralReference)).toEqual(['MON-01']);
    expect(mine[0]).toMatchObject({ member: true, assignee: { id: ACTORS.researcher.sub, issuer: DEMO_ISSUER } });

    // 3. The researcher finds the child: one likely person with a record at each of the five agencies.
    const search = (await ok('researcher', SEARCH_PEOPLE, { e: enquiryId, q: { nhsNumber: child.nhsNumber, family: child.family, given: child.given[0], birthDate: child.birthDate } })).searchPeople;
    const best = search.people[0];
    expect(best.key).toBe('P1');
    expect(best.band).toBe('CERTAIN');
    expect(best.records.map((r: any) => r.agency).sort()).toEqual([...AGENCIES].sort());

    // 4. ... and links all five agencies' records as one subject, in one step.
    const childSubject = (await ok('researcher', LINK_PERSON, { e: enquiryId, search: search.auditEventId, key: best.key })).linkPerson;
    const key = (r: { agency: string; personId: string }) => `${r.agency}:${r.personId}`;
    expect(childSubject.relation).toBe('CHILD');
    expect(childSubject.links.map(key).sort()).toEqual(best.records.map(key).sort());
    const childId = childSubject.id as string;

    // 5. The household: the mother is proposed; the researcher confirms her and records why she is relevant.
    const household = (await ok('researcher', HOUSEHOLD, { e: enquiryId, s: childId })).household;
    const isMother = (c: any) => c.records.some((r: any) => r.agency === 'health' && county.truth.health.get(r.personId) === parent.id);
    const mother = household.candidates.find(isMother);
    expect(mother, 'the mother is a household candidate').toBeDefined();
    expect(mother).toMatchObject({ relation: 'ADULT', band: expect.stringMatching(/^(CERTAIN|PROBABLE)$/) });
    let motherId: string | undefined;
    for (const record of mother.records) {
      const linked = await ok('researcher', LINK, { input: { enquiryId, agency: record.agency, personId: record.personId, ...(motherId ? { subjectId: motherId } : { relation: 'ADULT', label: 'Mother' }) } });
      motherId = linked.linkSubject.id;
    }
    const relevance = 'Mother and main carer; present on the night of the domestic abuse call-out.';
    expect((await ok('researcher', RELEVANCE, { e: enquiryId, s: motherId, r: relevance })).recordRelevance).toEqual({ id: motherId, relevance });

    // 6. The chronology of the child and her mother, and the risk indicators that fired.
    const chronology = (await ok('researcher', CHRONOLOGY, { e: enquiryId, s: childId })).chronology;
    expect(chronology.subjects.map((s: any) => [s.id, s.relation, s.focus])).toEqual([[childId, 'CHILD', true], [motherId, 'ADULT', false]]);
    const agenciesInChronology = new Set(chronology.entries.map((e: any) => e.agency));
    for (const agency of AGENCIES) expect(agenciesInChronology, agency).toContain(agency);
    // With her relevance recorded, the mother's clinical records are in it, not a marker.
    expect(chronology.entries.some((e: any) => e.subject.id === motherId && e.category === 'health.clinical' && e.decision === 'DISCLOSED')).toBe(true);
    // Police detail waits for the force's approval: summarised, the narrative held back.
    const heldDetail = chronology.entries.filter((e: any) => e.subject.id === childId && e.category === 'police.detail' && e.kind !== 'WITHHELD');
    expect(heldDetail.length).toBeGreaterThan(0);
    for (const entry of heldDetail) expect(entry).toMatchObject({ decision: 'SUMMARISED', narrative: null, withheldFields: expect.arrayContaining(['narrative']) });
    const indicators = (await ok('researcher', INDICATORS, { e: enquiryId, s: childId })).riskIndicators;
    expect(indicators.indicators.map((i: any) => i.id)).toContain('current-cp-plan-or-cin');
    const references = new Set(chronology.entries.map((e: any) => e.reference));
    for (const indicator of indicators.indicators) for (const reference of indicator.references) expect(references, `${indicator.id} cites ${reference}`).toContain(reference);
    // The queue now carries the count that fired (for a member).
    const snapshot = (await ok('researcher', `query { enquiryQueue(team: "${TEAM}", filter: { rag: RED }) { entries { enquiryId riskIndicators { fired } } } }`)).enquiryQueue.entries[0];
    expect(snapshot).toEqual({ enquiryId, riskIndicators: { fired: indicators.indicators.length } });

    // 7. A phone call with the GP, logged and read back through the gate.
    const call = {
      subjectId: childId,
      contactName: 'Dr Asha Patel',
      contactRole: 'GP',
      agency: 'health',
      organisation: 'Riverside Surgery',
      channel: 'PHONE',
      occurredAt: at('2026-11-30T09:20:00Z'),
      account: CALL,
      category: 'health.clinical',
    };
    const receipt = (await ok('researcher', LOG_CONTACT, { e: enquiryId, i: call })).logContact;
    const contactLog = (await ok('researcher', CONTACT_LOG, { e: enquiryId, s: childId })).contactLog;
    expect(contactLog.subjects[0].entries).toEqual([{ reference: receipt.reference, decision: 'DISCLOSED', narrative: CALL }]);

    // 8. The précis: drafted from what was disclosed, the researcher's analysis added, saved, exported.
    const draft = (await ok('researcher', DRAFT, { e: enquiryId })).precis;
    expect(draft.latestVersion).toBe(0);
    const content = asInput(draft.content);
    const statements = content.sections.flatMap((s: any) => s.statements);
    const known = statements.filter((s: any) => s.kind === 'KNOWN');
    expect(new Set(known.map((s: any) => s.references[0].ref.split(':')[0]))).toEqual(new Set(AGENCIES));
    expect(statements.some((s: any) => s.kind === 'WITHHELD' && s.withheld.agency === 'police' && s.withheld.category === 'police.detail')).toBe(true);
    const analysis = content.sections.find((s: any) => s.key === 'analysis');
    expect(analysis).toBeDefined();
    analysis.analysis = ANALYSIS;
    const saved = (await ok('researcher', SAVE, { e: enquiryId, base: 0, content })).savePrecis;
    expect(saved.version).toBe(1);

    // A short statement of the child's health record, and its citation, must be in both files.
    const healthStatement = known
      .filter((s: any) => s.references[0].ref.startsWith('health:') && s.references[0].subjectId === childId)
      .sort((a: any, b: any) => a.text.length - b.text.length)[0];
    const exported: Record<string, any> = {};
    for (const format of ['PDF', 'DOCX']) {
      const file = (await ok('researcher', EXPORT, { e: enquiryId, v: 1, f: format })).exportPrecis;
      expect(file).toMatchObject({ format, unavailable: 0, fileName: `precis-${enquiryId}-v1.${format.toLowerCase()}` });
      const bytes = Buffer.from(file.base64, 'base64');
      expect(file.sha256).toBe(createHash('sha256').update(bytes).digest('hex'));
      exported[format] = { ...file, bytes };
    }
    const words = (s: string) => s.replace(/\s+/g, ' ').trim();
    const pdfText = words((await pdfPages(exported.PDF.bytes)).join(' '));
    expect(pdfText).toContain('OFFICIAL-SENSITIVE');
    expect(pdfText).toContain(ANALYSIS);
    expect(pdfText).toContain(words(healthStatement.text));
    expect(pdfText).toContain(healthStatement.references[0].ref);
    const docx = await docxParts(exported.DOCX.bytes);
    expect(words(docx.body)).toContain(ANALYSIS);
    expect(words(docx.body)).toContain(words(healthStatement.text));
    expect(docx.footnotes).toContain(healthStatement.references[0].ref);
    expect(docx.headers.join(' ')).toContain('OFFICIAL-SENSITIVE');

    // 9. The force's reviewer is told a review waits, reads what approval releases, and approves.
    const waiting = (await ok('reviewer', INBOX)).notifications.notifications.filter((n: any) => n.kind === 'REVIEW_REQUESTED' && n.enquiryId === enquiryId);
    expect(waiting.length).toBeGreaterThan(0);
    for (const note of waiting) expect(note).toMatchObject({ referralReference: 'MON-01', addressedTo: 'TEAM', text: expect.stringMatching(/^A review of police\.detail about (Child|Adult) 1 in enquiry MON-01 is waiting\.$/) });
    // The child's and the mother's requests read differently: each says which subject, never a name.
    expect(new Set(waiting.map((n: any) => n.text)).size).toBe(waiting.length);
    const requests = (await ok('reviewer', REQUESTS)).reviewRequests.filter((r: any) => r.enquiryId === enquiryId);
    const childRequest = requests.find((r: any) => r.subjectId === childId && r.category === 'police.detail');
    expect(childRequest).toBeDefined();
    expect(waiting.find((n: any) => n.reviewRequestId === childRequest.id)).toMatchObject({ text: 'A review of police.detail about Child 1 in enquiry MON-01 is waiting.' });
    const summary = (await ok('reviewer', SUMMARY, { id: childRequest.id })).reviewRequestSummary;
    expect(summary.records.map((r: any) => r.provenance.recordId).sort()).toEqual(heldDetail.map((e: any) => e.reference.replace(/^police:/, '')).sort());
    expect((await ok('reviewer', APPROVE, { id: childRequest.id })).approveReview.status).toBe('APPROVED');
    expect((await ok('researcher', INBOX)).notifications.notifications).toContainEqual(
      expect.objectContaining({ kind: 'REVIEW_DECIDED', reviewRequestId: childRequest.id, text: 'Your review request for police.detail about Child 1 in enquiry MON-01 was approved.' }),
    );
    // The researcher now reads the police detail that was held.
    const profile = (await ok('researcher', PROFILE, { enquiryId, subjectId: childId })).profile;
    const police = profile.agencies.find((a: any) => a.agency === 'police');
    const released = [...police.involvements, ...police.states, ...police.events].filter((r: any) => r.category === 'police.detail');
    expect(released.map((r: any) => `police:${r.provenance.recordId}`).sort()).toEqual(heldDetail.map((e: any) => e.reference).sort());
    for (const record of released) {
      expect(record.decision).toBe('DISCLOSED');
      expect(record.narrative).toMatch(/\S/);
    }

    // 10. The researcher records the MASH decision; the manager signs it off; the enquiry closes.
    const decision = (
      await ok('researcher', RECORD_DECISION, {
        enquiryId,
        input: { level: '4', outcome: 'STRATEGY_DISCUSSION', rationale: ANALYSIS, nextSteps: [{ action: 'Strategy discussion with police and health', owner: { teamName: 'Assessment team 2' }, due: '2026-11-30' }] },
      })
    ).recordDecision;
    expect(decision).toMatchObject({ status: 'AWAITING_SIGN_OFF', recordedBy: ACTORS.researcher.sub });
    expect((await ok('manager', DECISIONS, { e: enquiryId })).mashDecisions).toEqual([{ id: decision.id, status: 'AWAITING_SIGN_OFF', recordedBy: ACTORS.researcher.sub, decidedBy: null }]);
    const signed = (await ok('manager', SIGN_OFF_DECISION, { enquiryId, decisionId: decision.id, comment: 'Agreed.' })).signOffDecision;
    expect(signed).toMatchObject({ status: 'SIGNED_OFF', decidedBy: ACTORS.manager.sub });
    expect((await ok('researcher', CLOSE, { e: enquiryId })).closeEnquiry).toEqual({ status: 'CLOSED', closureDecisionId: decision.id });
    expect((await ok('manager', QUEUE, { team: TEAM })).enquiryQueue.entries.map((e: any) => e.referralReference)).toEqual(REFERRALS.slice(1).map((r) => r.ref));

    // 11. Every step is in the audit log, under the actor who took it; the chain and its signed checkpoints verify.
    const events = await readEvents(t.gateway.store, { limit: 10_000 });
    const step = (operation: string, who: keyof typeof ACTORS, match: (e: RecordedEvent) => boolean = (e) => e.enquiry?.id === enquiryId): RecordedEvent[] => {
      const found = events.filter((e) => e.operation === operation && e.outcome === 'success' && match(e));
      expect(found.length, `${operation} by ${who}`).toBeGreaterThan(0);
      for (const e of found) expect(e.actor, `${operation} by ${who}`).toMatchObject({ id: ACTORS[who].sub, issuer: DEMO_ISSUER, agency: ACTORS[who].agency });
      return found;
    };
    const opened = events.filter((e) => e.operation === 'openEnquiry' && e.outcome === 'success');
    expect(new Set(opened.map((e) => e.enquiry?.id))).toEqual(new Set(enquiryOf.values()));
    step('openEnquiry', 'intake');
    step('enquiryQueue', 'manager', (e) => e.id === queue.auditEventId);
    step('assignEnquiry', 'manager');
    step('notifications', 'researcher', (e) => e.actor?.id === ACTORS.researcher.sub);
    step('searchPeople', 'researcher', (e) => e.id === search.auditEventId);
    const link = step('linkPerson', 'researcher');
    expect(link).toHaveLength(1);
    expect(link[0]!.subjects[0]!.links.map(key).sort()).toEqual(best.records.map(key).sort());
    step('household', 'researcher', (e) => e.id === household.auditEventId);
    expect(step('linkSubject', 'researcher')).toHaveLength(mother.records.length);
    step('recordRelevance', 'researcher');
    const chronologyEvent = step('chronology', 'researcher', (e) => e.id === chronology.auditEventId)[0]!;
    expect(chronologyEvent.subjects.map((s) => s.subjectId)).toEqual([childId, motherId]);
    step('riskIndicators', 'researcher', (e) => e.id === indicators.auditEventId);
    step('logContact', 'researcher');
    step('contactLog', 'researcher', (e) => e.id === contactLog.auditEventId);
    step('precis', 'researcher', (e) => e.id === draft.disclosureEventId);
    step('precisDraft', 'researcher', (e) => e.id === draft.auditEventId);
    step('savePrecis', 'researcher');
    for (const format of ['PDF', 'DOCX']) {
      const [event] = step('exportPrecis', 'researcher', (e) => e.id === exported[format].auditEventId);
      // The hash of exactly the bytes that left, recorded before they were returned.
      expect(event!.document).toMatchObject({ version: 1, format, sha256: exported[format].sha256 });
    }
    step('notifications', 'reviewer', (e) => e.actor?.id === ACTORS.reviewer.sub);
    step('reviewRequests', 'reviewer', (e) => e.actor?.id === ACTORS.reviewer.sub);
    step('reviewRequestSummary', 'reviewer', (e) => e.id === summary.auditEventId);
    step('approveReview', 'reviewer');
    step('profile', 'researcher', (e) => e.id === profile.auditEventId);
    step('recordDecision', 'researcher');
    step('mashDecisions', 'manager');
    step('signOffDecision', 'manager');
    step('closeEnquiry', 'researcher');
    // Nothing about this enquiry was refused along the way.
    expect(events.filter((e) => e.enquiry?.id === enquiryId && e.outcome !== 'success').map((e) => `${e.operation} ${e.outcome} ${e.outcomeCode}`)).toEqual([]);

    expect(await verifyChain(t.gateway.store)).toMatchObject({ ok: true });
    // Sign the head now (as the gateway does every N events or T seconds) and verify as `audit verify` does.
    const checkpoint = await t.gateway.audit.checkpoint();
    const closedAt = events.find((e) => e.operation === 'closeEnquiry' && e.enquiry?.id === enquiryId)!.seq;
    expect(checkpoint!.seq).toBeGreaterThanOrEqual(closedAt);
    const audit = await verifyAudit(t.gateway.store, { publicKeys: await readDataDirPublicKeys(t.config.dataDir) });
    expect(audit).toMatchObject({ ok: true, checked: expect.any(Number) });
    expect(audit.ok && audit.lastCheckpoint!.seq).toBeGreaterThanOrEqual(closedAt);
  }, 120_000);
});
