import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readEvents, verifyChain } from '../../gateway/audit/index.js';
import { createSearchShownRepository } from '../../gateway/enquiries/index.js';
import { docxParts, pdfPages } from '../helpers/documents.js';
import { enquiryInput, LINK, OPEN_ENQUIRY, SEARCH, startTestGateway, type TestGateway } from '../helpers/gateway.js';
import { police, POLICE_PERSON } from '../helpers/test-police.js';

const REFERENCE = 'ref auditEventId category subjectId fields personId';
const CONTENT = `title sections { key heading subjectId agency analysis statements { id kind text relevance available references { ${REFERENCE} } withheld { agency category subjectId } } }`;
const DRAFT = `query Draft($enquiryId: ID!) { precis(enquiryId: $enquiryId) { enquiryId latestVersion disclosureEventId auditEventId content { ${CONTENT} } } }`;
const SAVE = 'mutation Save($enquiryId: ID!, $baseVersion: Int!, $content: PrecisContentInput!) { savePrecis(enquiryId: $enquiryId, baseVersion: $baseVersion, content: $content) { version savedBy savedByIssuer savedAt contentSha256 changes { key change } } }';
const VERSION = `query Version($enquiryId: ID!, $version: Int!) { precisVersion(enquiryId: $enquiryId, version: $version) { unavailable auditEventId info { version } content { ${CONTENT} } } }`;
const LOG_CONTACT = 'mutation($e: ID!, $i: LogContactInput!) { logContact(enquiryId: $e, input: $i) { id reference } }';
const CONTACT_LOG = 'query($e: ID!, $s: ID) { contactLog(enquiryId: $e, subjectId: $s) { auditEventId subjects { entries { id reference } } } }';
const EXPORT = 'mutation Export($enquiryId: ID!, $version: Int!, $format: PrecisFormat!) { exportPrecis(enquiryId: $enquiryId, version: $version, format: $format) { version format mediaType fileName base64 sha256 bytes unavailable auditEventId } }';

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

describe('the précis over HTTP: draft, save, conflict, export', () => {
  let t: TestGateway;
  let researcher: string;
  let enquiryId: string;
  let subjectId: string;

  beforeAll(async () => {
    t = await startTestGateway({ extraConnectors: [police], households: 20 });
    researcher = await t.token();
    const opened = await t.graphql(OPEN_ENQUIRY, { input: enquiryInput({ purpose: 's47' }) }, researcher);
    enquiryId = opened.body.data.openEnquiry.id;
    const nhsNumber = t.gateway.sandbox!.county.featured.child.nhsNumber;
    const search = await t.graphql(SEARCH, { enquiryId, query: { nhsNumber } }, researcher);
    const personId = search.body.data.searchPeople.agencies.find((a: any) => a.agency === 'health').people[0].personId;
    subjectId = (await t.graphql(LINK, { input: { enquiryId, agency: 'health', personId, label: 'Child A' } }, researcher)).body.data.linkSubject.id;
    // The test force's search finds no one: the search that showed its person is recorded directly.
    await createSearchShownRepository(t.gateway.store).record(enquiryId, [{ agency: 'police', personId: POLICE_PERSON }], { auditEventId: search.body.data.searchPeople.auditEventId, actorId: 'researcher-1' }, new Date());
    await t.graphql(LINK, { input: { enquiryId, subjectId, agency: 'police', personId: POLICE_PERSON } }, researcher);
  });
  afterAll(async () => t?.close());

  it('drafts, saves, refuses a stale save with the current version, and exports files whose hash is the audited one', async () => {
    const draft = await t.graphql(DRAFT, { enquiryId }, researcher);
    expect(draft.body.errors).toBeUndefined();
    const { content, latestVersion, disclosureEventId } = draft.body.data.precis;
    expect(latestVersion).toBe(0);
    const statements = content.sections.flatMap((s: any) => s.statements);
    expect(statements.some((s: any) => s.kind === 'KNOWN' && s.references[0].ref.startsWith('health:') && s.references[0].auditEventId === disclosureEventId)).toBe(true);
    expect(statements.some((s: any) => s.kind === 'WITHHELD' && s.withheld.agency === 'police')).toBe(true);
    expect(draft.text).not.toContain('neighbour reported shouting');

    const saved = await t.graphql(SAVE, { enquiryId, baseVersion: 0, content: asInput(content) }, researcher);
    expect(saved.body.errors).toBeUndefined();
    expect(saved.body.data.savePrecis).toMatchObject({ version: 1, savedBy: 'researcher-1', changes: expect.arrayContaining([{ key: 'analysis', change: 'ADDED' }]) });
    const stale = await t.graphql(SAVE, { enquiryId, baseVersion: 0, content: asInput(content) }, researcher);
    expect(stale.body.errors[0].extensions).toMatchObject({ code: 'CONFLICT', currentVersion: 1, baseVersion: 0 });

    const tooLong = asInput(content);
    tooLong.sections[0].statements[0].text = 'x'.repeat(4001);
    const refused = await t.graphql(SAVE, { enquiryId, baseVersion: 1, content: tooLong }, researcher);
    expect(refused.body.errors[0].extensions.code).toBe('BAD_INPUT');
    expect(refused.body.errors[0].message).toMatch(/content\.sections\[0\]\.statements\[0\]\.text is too long/);

    const read = await t.graphql(VERSION, { enquiryId, version: 1 }, researcher);
    expect(read.body.data.precisVersion).toMatchObject({ unavailable: 0, info: { version: 1 } });

    const pdf = (await t.graphql(EXPORT, { enquiryId, version: 1, format: 'PDF' }, researcher)).body.data.exportPrecis;
    const docx = (await t.graphql(EXPORT, { enquiryId, version: 1, format: 'DOCX' }, researcher)).body.data.exportPrecis;
    const pdfBytes = Buffer.from(pdf.base64, 'base64');
    const docxBytes = Buffer.from(docx.base64, 'base64');
    expect(pdf.sha256).toBe(createHash('sha256').update(pdfBytes).digest('hex'));
    expect(docx.sha256).toBe(createHash('sha256').update(docxBytes).digest('hex'));
    const pdfText = (await pdfPages(pdfBytes)).join(' ');
    expect(pdfText).toContain('OFFICIAL-SENSITIVE');
    expect(pdfText).toContain('police:OCC-1');
    expect(pdfText).not.toContain('neighbour reported shouting');
    const parts = await docxParts(docxBytes);
    expect(parts.body).toContain('Child 1: Child A: police');
    expect(parts.footnotes).toContain('police:OCC-1');

    const events = await readEvents(t.gateway.store, { limit: 10_000 });
    for (const file of [pdf, docx]) {
      const event = events.find((e) => e.id === file.auditEventId)!;
      expect(event.document).toMatchObject({ sha256: file.sha256, version: 1, format: file.format });
    }
    expect(events.filter((e) => e.operation === 'savePrecis').map((e) => e.outcome)).toEqual(['success', 'refused', 'refused']);
    // Operational logs carry no statement text and no record content.
    expect(t.logLines.join('\n')).not.toContain('Domestic abuse call-out');
    // The export events, with their hashes, are part of the chain like any other.
    expect((await verifyChain(t.gateway.store)).ok).toBe(true);
  });

  it('cites a contact-log entry of the enquiry and exports it with when, whom and which agency; an entry of another enquiry is BAD_INPUT naming the citation', async () => {
    const occurredAt = new Date(Date.now() - 3600_000);
    const call = (subject: string) => ({ subjectId: subject, agency: 'health', organisation: 'Riverside Surgery', category: 'health.clinical', channel: 'PHONE', occurredAt: occurredAt.toISOString(), contactName: 'Dr Asha Patel', contactRole: 'GP', account: 'GP says the mother disclosed a relapse.' });
    const logged = await t.graphql(LOG_CONTACT, { e: enquiryId, i: call(subjectId) }, researcher);
    expect(logged.body.errors).toBeUndefined();
    const entry = logged.body.data.logContact;
    const log = await t.graphql(CONTACT_LOG, { e: enquiryId, s: subjectId }, researcher);
    expect(log.body.data.contactLog.subjects[0].entries.map((e: any) => e.reference)).toContain(entry.reference);

    // An entry of another enquiry about the same child.
    const otherId = (await t.graphql(OPEN_ENQUIRY, { input: enquiryInput({ purpose: 's47' }) }, researcher)).body.data.openEnquiry.id;
    const search = await t.graphql(SEARCH, { enquiryId: otherId, query: { nhsNumber: t.gateway.sandbox!.county.featured.child.nhsNumber } }, researcher);
    const personId = search.body.data.searchPeople.agencies.find((a: any) => a.agency === 'health').people[0].personId;
    const otherSubject = (await t.graphql(LINK, { input: { enquiryId: otherId, agency: 'health', personId } }, researcher)).body.data.linkSubject.id;
    const otherEntry = (await t.graphql(LOG_CONTACT, { e: otherId, i: call(otherSubject) }, researcher)).body.data.logContact;

    const versions = (await t.graphql('query V($enquiryId: ID!) { precisVersions(enquiryId: $enquiryId) { version } }', { enquiryId }, researcher)).body.data.precisVersions;
    const base = versions.at(-1).version;
    const current = asInput((await t.graphql(VERSION, { enquiryId, version: base }, researcher)).body.data.precisVersion.content);
    const reference = { ref: entry.reference, auditEventId: log.body.data.contactLog.auditEventId, category: 'health.clinical', subjectId, fields: ['type', 'start', 'contactName', 'contactRole'], personId: null };
    const withContact = (ref: typeof reference) => ({
      ...current,
      sections: [...current.sections, { key: 'contacts', heading: 'What the GP told us', subjectId, agency: null, analysis: null, statements: [{ id: 'c1', kind: 'KNOWN', text: 'The GP reports a relapse by the mother.', relevance: null, references: [ref], withheld: null }] }],
    });
    const at = `content.sections[${current.sections.length}].statements[0].references[0].ref`;

    const refused = await t.graphql(SAVE, { enquiryId, baseVersion: base, content: withContact({ ...reference, ref: otherEntry.reference }) }, researcher);
    expect(refused.body.errors[0].extensions).toMatchObject({ code: 'BAD_INPUT', field: at });
    expect(refused.body.errors[0].message).toContain(`${otherEntry.reference} is not an entry of the contact log of enquiry ${enquiryId}`);

    const saved = await t.graphql(SAVE, { enquiryId, baseVersion: base, content: withContact(reference) }, researcher);
    expect(saved.body.errors).toBeUndefined();
    const version = saved.body.data.savePrecis.version;
    const read = (await t.graphql(VERSION, { enquiryId, version }, researcher)).body.data.precisVersion;
    const cited = read.content.sections.flatMap((s: any) => s.statements).find((s: any) => s.id === 'c1');
    expect(cited).toMatchObject({ available: true, references: [reference] });

    const docx = (await t.graphql(EXPORT, { enquiryId, version, format: 'DOCX' }, researcher)).body.data.exportPrecis;
    const parts = await docxParts(Buffer.from(docx.base64, 'base64'));
    // The day and time in London, as people there read them: "2 December 2026, 15:30".
    const london = (options: Intl.DateTimeFormatOptions) => new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/London', ...options }).format(occurredAt);
    const when = `${london({ day: 'numeric', month: 'long', year: 'numeric' })}, ${london({ hour: '2-digit', minute: '2-digit', hourCycle: 'h23' })}`;
    expect(parts.footnotes).toContain(`Contact log: Phone call on ${when} with Dr Asha Patel (GP), health (Riverside Surgery); ${entry.reference}, health.clinical: disclosed under audit event ${reference.auditEventId}.`);
    expect(parts.body + parts.footnotes).not.toContain('disclosed a relapse');
  });

  it('refuses a caller who is not a member, at every operation', async () => {
    const outsider = await t.token({ sub: 'outsider-1', name: 'Olu Outsider', agency: 'police' });
    for (const [query, variables] of [
      [DRAFT, { enquiryId }],
      [VERSION, { enquiryId, version: 1 }],
      [EXPORT, { enquiryId, version: 1, format: 'PDF' }],
      ['query V($enquiryId: ID!) { precisVersions(enquiryId: $enquiryId) { version } }', { enquiryId }],
    ] as const) {
      const answer = await t.graphql(query, variables, outsider);
      expect(answer.body.errors[0].extensions.code).toBe('FORBIDDEN_NOT_MEMBER');
      expect(answer.body.data).toBeNull();
    }
  });
});
