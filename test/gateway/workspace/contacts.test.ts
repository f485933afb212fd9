import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAuditLog, readEvents, type AuditLog } from '../../../gateway/audit/index.js';
import { createKnownActors, type Actor } from '../../../gateway/auth/index.js';
import type { AccessServices, RequestScope } from '../../../gateway/disclosure/index.js';
import { createEnquiryRepository, createEnquiryService, createReviewRepository, createSearchShownRepository, type EnquiryService } from '../../../gateway/enquiries/index.js';
import { silentLogger } from '../../../gateway/log.js';
import { createSchema } from '../../../gateway/resolvers/index.js';
import type { Store } from '../../../gateway/store/index.js';
import { createContactLogRepository, createContactLogService, type ContactLogDisclosure, type ContactLogService, type LogContactInput } from '../../../gateway/workspace/contacts/index.js';
import { createAbilityCache, loadPolicyFile } from '../../../policies/index.js';
import { signedOffDecision } from '../../helpers/decision.js';
import { storeKinds } from '../../helpers/stores.js';

const policy = loadPolicyFile();
const abilities = createAbilityCache(policy);
const ISSUER = 'https://idp.test';
const researcher: Actor = { id: 'researcher-1', name: 'Riley Researcher', agency: 'social-care', roles: ['mash-researcher'], issuer: ISSUER };
const outsider: Actor = { id: 'researcher-2', name: 'Olu Outsider', agency: 'social-care', roles: ['mash-researcher'], issuer: ISSUER };
/** Thursday morning, inside the policy's effective dates. */
const NOW = new Date('2026-11-26T09:00:00Z');
const AGENCIES = ['health', 'police', 'education', 'housing', 'social-care'];
const HEALTH_CONTACT = { name: 'Health safeguarding team', phone: '01632 960100' };
const RELAPSE = 'Mother told the GP of a relapse into heroin use last week';

/** Only what the contact log asks of the federation: the connected agencies and their contacts. */
const federation = {
  agencies: () => AGENCIES,
  manifests: () => AGENCIES.map((agency) => ({ agency, contact: agency === 'health' ? HEALTH_CONTACT : { name: `${agency} safeguarding` } })),
};

const call = (overrides: Partial<LogContactInput> & { subjectId: string }): LogContactInput => ({
  agency: 'health',
  category: 'health.clinical',
  channel: 'phone',
  occurredAt: '2026-11-25T15:30:00Z',
  contactName: 'Dr Asha Patel',
  contactRole: 'GP',
  contactPhone: '01632 960123',
  account: RELAPSE,
  ...overrides,
});

const byCategory = (read: ContactLogDisclosure) => Object.fromEntries(read.entries.map((e) => [`${e.record.agency}/${e.record.category}`, e]));
const markers = (read: ContactLogDisclosure) => read.disclosure.agencies.flatMap((a) => a.withheld.map((m) => ({ agency: m.agency, label: m.label, count: m.count, awaiting: m.awaiting ?? null, contact: m.contact.name })));

describe.each(storeKinds())('contact log on $name', (kind) => {
  let store: Store;
  let audit: AuditLog;
  let enquiries: EnquiryService;
  let contacts: ContactLogService;
  let services: AccessServices;
  const scope = (actor: Actor): RequestScope => ({ requestId: `req-${Math.random()}`, actor, federation: {} as RequestScope['federation'] });

  /** An enquiry of `purpose` with a child (health and police links) and a household adult (no relevance yet). */
  async function enquiry(purpose: string, consent = false) {
    const opened = await enquiries.open(researcher, { referralReference: `REF-${purpose}`, purpose, consentRecorded: consent, ...(consent ? { consent: { givenBy: 'Mother', scope: 'Assessment' } } : {}), rag: 'AMBER' }, NOW);
    await services.shown.record(opened.id, [{ agency: 'health', personId: 'pat-1' }, { agency: 'police', personId: 'NOM1' }, { agency: 'police', personId: 'NOM2' }], { auditEventId: '00000000-0000-4000-8000-000000000001', actorId: researcher.id, issuer: ISSUER }, NOW);
    const child = (await enquiries.linkSubject(researcher, { enquiryId: opened.id, agency: 'health', personId: 'pat-1', label: 'Child 1' }, NOW)).subject;
    // The adult is linked a minute after the child, so the subjects' order (by when each joined) is fixed.
    const adult = (await enquiries.linkSubject(researcher, { enquiryId: opened.id, agency: 'police', personId: 'NOM2', relation: 'adult', label: 'Mother' }, new Date(NOW.getTime() + 60_000))).subject;
    return { enquiryId: opened.id, child: child.id, adult: adult.id };
  }
  const read = async (actor: Actor, enquiryId: string, subjectId?: string) => (await contacts.read(scope(actor), enquiryId, subjectId)).subjects;

  beforeAll(async () => {
    store = await kind.open();
    audit = createAuditLog(store);
    const reviews = createReviewRepository(store);
    const shown = createSearchShownRepository(store);
    const knownActors = createKnownActors(store);
    enquiries = createEnquiryService({ repository: createEnquiryRepository(store), reviews, shown, policy, agencies: () => AGENCIES, knownActors });
    services = { enquiries, reviews, shown, policy, store, audit, abilities, federation, logger: silentLogger, now: () => NOW } as unknown as AccessServices;
    contacts = createContactLogService(services, createContactLogRepository(store));
  });
  afterAll(async () => {
    await audit?.close();
    await store?.close();
  });

  describe('the same disclosure rules as an agency record of the category', () => {
    let s47: Awaited<ReturnType<typeof enquiry>>;
    const ids: Record<string, string> = {};

    beforeAll(async () => {
      s47 = await enquiry('s47');
      ids.clinical = (await contacts.log(researcher, s47.enquiryId, call({ subjectId: s47.child }), NOW)).entry.id;
      ids.summary = (await contacts.log(researcher, s47.enquiryId, call({ subjectId: s47.child, category: 'health.summary', channel: 'email', account: 'Was not brought to two appointments' }), NOW)).entry.id;
      ids.police = (await contacts.log(researcher, s47.enquiryId, call({ subjectId: s47.child, agency: 'police', category: 'police.detail', contactName: 'DC Jo Reed', contactRole: 'Detective constable', account: 'Intelligence that the father is dealing' }), NOW)).entry.id;
      ids.other = (await contacts.log(researcher, s47.enquiryId, call({ subjectId: s47.child, agency: 'other', organisation: 'Oak Tree Counselling', contactName: 'Kim Lee', contactRole: 'Counsellor', account: 'The child self-harms' }), NOW)).entry.id;
      ids.adult = (await contacts.log(researcher, s47.enquiryId, call({ subjectId: s47.adult, account: 'Mother is on a methadone script' }), NOW)).entry.id;
    });

    it('under s47 discloses clinical information in full, with its provenance and reference', async () => {
      const [child] = await read(researcher, s47.enquiryId, s47.child);
      const entries = byCategory(child!);
      expect(entries['health/health.clinical']).toMatchObject({
        id: ids.clinical,
        reference: `contact:${ids.clinical}`,
        subjectId: s47.child,
        recordedBy: { id: researcher.id, issuer: ISSUER, name: researcher.name },
        record: {
          kind: 'event',
          decision: 'disclose',
          tier: 'T3',
          provenance: { system: 'mash-contact-log', recordId: ids.clinical },
          fields: { type: 'contact-phone', title: 'Phone call (health)', start: '2026-11-25T15:30:00.000Z', narrative: RELAPSE, contactName: 'Dr Asha Patel', contactRole: 'GP', contactPhone: '01632 960123' },
        },
      });
      // Another organisation's information is decided by its category: clinical, so disclosed under s47.
      expect(entries['other/health.clinical']!.record.fields).toMatchObject({ narrative: 'The child self-harms', service: 'Oak Tree Counselling', title: 'Phone call (other organisation)' });
      expect(entries['health/health.summary']!.record.decision).toBe('disclose');
    });

    it('holds police detail for the force’s approval (ORIG): the summary meanwhile, a marker, and a review request', async () => {
      const [child] = await read(researcher, s47.enquiryId, s47.child);
      const police = byCategory(child!)['police/police.detail']!;
      expect(police.record.decision).toBe('summarise');
      expect(police.record.fields.narrative).toBeUndefined();
      expect(police.record.withheldFields).toContain('narrative');
      expect(police.record.fields).toMatchObject({ contactName: 'DC Jo Reed', start: '2026-11-25T15:30:00.000Z' });
      expect(markers(child!)).toEqual([{ agency: 'police', label: expect.stringContaining('Police detail'), count: 1, awaiting: 'originator-approval', contact: 'police safeguarding' }]);
      const requests = await services.reviews.listForAgency('police', 'pending');
      expect(requests.filter((r) => r.enquiryId === s47.enquiryId)).toMatchObject([{ subjectId: s47.child, category: 'police.detail' }]);
      // Approved by the force, the entry is disclosed as the force's records would be.
      const reviewer: Actor = { id: 'reviewer-1', name: 'Rae Reviewer', agency: 'police', roles: ['agency-reviewer'], issuer: ISSUER };
      await enquiries.decideReview(reviewer, requests.find((r) => r.enquiryId === s47.enquiryId)!.id, true, null, NOW);
      const [after] = await read(researcher, s47.enquiryId, s47.child);
      expect(byCategory(after!)['police/police.detail']!.record.fields.narrative).toBe('Intelligence that the father is dealing');
    });

    it('withholds a household adult’s clinical information until the enquiry records why they are relevant (WT23)', async () => {
      const [before] = await read(researcher, s47.enquiryId, s47.adult);
      expect(before!.entries).toEqual([]);
      expect(markers(before!)).toMatchObject([{ agency: 'health', count: 1, contact: HEALTH_CONTACT.name }]);
      await enquiries.recordRelevance(researcher, s47.enquiryId, s47.adult, 'Mother: the main carer', NOW);
      const [after] = await read(researcher, s47.enquiryId, s47.adult);
      expect(after!.entries.map((e) => e.record.fields.narrative)).toEqual(['Mother is on a methadone script']);
    });

    it('shows a school DSL nothing of it: not under Operation Encompass, not under s47', async () => {
      const enquiry = (await enquiries.get(researcher, s47.enquiryId))!;
      const child = enquiry.subjects.find((s) => s.id === s47.child)!;
      for (const purpose of ['operation-encompass', 's47']) {
        const dsl = abilities({ roles: ['school-dsl'], purpose, consent: false, relation: 'child', relevance: false });
        const seen = await contacts.discloseFor({ ...enquiry, purpose }, child, dsl, () => undefined);
        expect(seen.entries).toEqual([]);
        expect(markers(seen)).toEqual([]);
        expect(seen.disclosure.decisions.every((d) => d.decision === 'deny')).toBe(true);
      }
    });

    it('reads every subject when none is named, and audits the read like profile (entry ids, never what was said)', async () => {
      const before = (await readEvents(store, { limit: 10_000 })).length;
      const answer = await contacts.read(scope(researcher), s47.enquiryId, undefined);
      expect(answer.subjects.map((s) => s.subject.id)).toEqual([s47.child, s47.adult]);
      const event = (await readEvents(store, { limit: 10_000 })).slice(before).find((e) => e.id === answer.auditEventId)!;
      expect(event).toMatchObject({ operation: 'contactLog', outcome: 'success', enquiry: { id: s47.enquiryId, purpose: 's47' } });
      expect(event.subjects.map((s) => s.subjectId)).toEqual([s47.child, s47.adult]);
      expect(event.decisions).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ agency: 'health', category: 'health.clinical', decision: 'disclose', recordIds: [ids.clinical] }),
          expect.objectContaining({ agency: 'other', category: 'health.clinical', decision: 'disclose', recordIds: [ids.other] }),
        ]),
      );
      expect(JSON.stringify(event)).not.toMatch(/relapse|heroin|methadone|self-harms/);
    });

    it('refuses and audits a read by a non-member, and a subject not in the enquiry', async () => {
      await expect(contacts.read(scope(outsider), s47.enquiryId, s47.child)).rejects.toMatchObject({ code: 'FORBIDDEN_NOT_MEMBER' });
      await expect(contacts.read(scope(researcher), s47.enquiryId, 'no-such-subject')).rejects.toMatchObject({ code: 'FORBIDDEN_SUBJECT_NOT_LINKED' });
      const refused = (await readEvents(store, { limit: 10_000 })).filter((e) => e.operation === 'contactLog' && e.outcome === 'refused');
      expect(refused.map((e) => e.outcomeCode)).toEqual(expect.arrayContaining(['FORBIDDEN_NOT_MEMBER', 'FORBIDDEN_SUBJECT_NOT_LINKED']));
    });
  });

  it('under early help without consent: clinical entries are absent, summary entries are a marker', async () => {
    const eh = await enquiry('early-help');
    await contacts.log(researcher, eh.enquiryId, call({ subjectId: eh.child }), NOW);
    await contacts.log(researcher, eh.enquiryId, call({ subjectId: eh.child, agency: 'other', organisation: 'Oak Tree Counselling' }), NOW);
    await contacts.log(researcher, eh.enquiryId, call({ subjectId: eh.child, category: 'health.summary', account: 'Missed the 2-year check' }), NOW);
    const [child] = await read(researcher, eh.enquiryId, eh.child);
    expect(child!.entries).toEqual([]);
    expect(markers(child!)).toEqual([{ agency: 'health', label: expect.stringContaining('Health summary'), count: 1, awaiting: null, contact: HEALTH_CONTACT.name }]);
    expect(child!.disclosure.decisions.map((d) => [d.agency, d.category, d.decision])).toEqual(
      expect.arrayContaining([
        ['health', 'health.clinical', 'deny'],
        ['other', 'health.clinical', 'deny'],
        ['health', 'health.summary', 'withhold'],
      ]),
    );
  });

  it('under s17 with agreement: clinical entries are summarised (when, how and who; not what was said)', async () => {
    const s17 = await enquiry('s17', true);
    await contacts.log(researcher, s17.enquiryId, call({ subjectId: s17.child }), NOW);
    const [child] = await read(researcher, s17.enquiryId, s17.child);
    const [entry] = child!.entries;
    expect(entry!.record.decision).toBe('summarise');
    expect(entry!.record.fields).toEqual({ type: 'contact-phone', title: 'Phone call (health)', start: '2026-11-25T15:30:00.000Z', contactName: 'Dr Asha Patel', contactRole: 'GP', contactPhone: '01632 960123' });
    expect(entry!.record.withheldFields).toEqual(['narrative']);
  });

  describe('writing', () => {
    let s47: Awaited<ReturnType<typeof enquiry>>;
    beforeAll(async () => {
      s47 = await enquiry('s47');
    });
    const count = async () => (await store.query<{ n: number }>('SELECT count(*)::int AS n FROM contact_log_entry WHERE enquiry_id = $1', [s47.enquiryId])).rows[0]!.n;

    it.each([
      ['a sealed category', { category: 'health.sexual-health' }, 'category'],
      ['an identity category', { category: 'health.identity' }, 'category'],
      ['a category of another agency', { category: 'police.flags' }, 'category'],
      ['a category the policy does not name', { category: 'health.dental' }, 'category'],
      ['an agency that is not connected', { agency: 'probation', category: 'health.clinical' }, 'agency'],
      ['another organisation without its name', { agency: 'other' }, 'organisation'],
      ['a contact in the future', { occurredAt: '2026-11-26T10:00:00Z' }, 'occurredAt'],
      ['a contact more than 20 years ago', { occurredAt: '2001-01-01T00:00:00Z' }, 'occurredAt'],
      ['a date that is not a date-time', { occurredAt: '2026-11-25' }, 'occurredAt'],
      ['an unknown channel', { channel: 'fax' }, 'channel'],
      ['an empty account', { account: '  ' }, 'account'],
      ['an account over 8000 characters', { account: 'x'.repeat(8001) }, 'account'],
      ['no contact name', { contactName: '' }, 'contactName'],
      ['a malformed email address', { contactEmail: 'gp at surgery' }, 'contactEmail'],
      ['a malformed phone number', { contactPhone: 'call me' }, 'contactPhone'],
    ])('refuses %s (BAD_INPUT naming the field) and writes nothing', async (_, overrides, field) => {
      const before = await count();
      const refusal = contacts.log(researcher, s47.enquiryId, call({ subjectId: s47.child, ...(overrides as Partial<LogContactInput>) }), NOW);
      await expect(refusal).rejects.toMatchObject({ code: 'BAD_INPUT', details: { field } });
      await expect(refusal.catch((e: Error) => e.message)).resolves.not.toMatch(/heroin/);
      expect(await count()).toBe(before);
    });

    it('refuses a subject of another enquiry, and a non-member', async () => {
      const other = await enquiry('s47');
      await expect(contacts.log(researcher, s47.enquiryId, call({ subjectId: other.child }), NOW)).rejects.toMatchObject({ code: 'FORBIDDEN_SUBJECT_NOT_LINKED' });
      await expect(contacts.log(outsider, s47.enquiryId, call({ subjectId: s47.child }), NOW)).rejects.toMatchObject({ code: 'FORBIDDEN_NOT_MEMBER' });
    });

    it('is append-only: no update path, and the database refuses UPDATE, DELETE and TRUNCATE', async () => {
      const { entry } = await contacts.log(researcher, s47.enquiryId, call({ subjectId: s47.child }), NOW);
      expect(Object.keys(contacts).sort()).toEqual(['abilityFor', 'discloseFor', 'log', 'read']);
      const mutations = Object.keys(createSchema().getMutationType()!.getFields()).filter((name) => /contact/i.test(name));
      expect(mutations).toEqual(['logContact']);
      await expect(store.query("UPDATE contact_log_entry SET account = 'edited' WHERE id = $1", [entry.id])).rejects.toThrow(/append-only/);
      await expect(store.query('DELETE FROM contact_log_entry WHERE id = $1', [entry.id])).rejects.toThrow(/append-only/);
      await expect(store.query('TRUNCATE contact_log_entry')).rejects.toThrow(/append-only/);
      const [child] = await read(researcher, s47.enquiryId, s47.child);
      expect(child!.entries.find((e) => e.id === entry.id)!.record.fields.narrative).toBe(RELAPSE);
    });

    it('records a correction as a new entry that names the one it corrects; both stay', async () => {
      const { entry: original } = await contacts.log(researcher, s47.enquiryId, call({ subjectId: s47.child, account: 'Seen at A&E on Monday' }), NOW);
      const { entry: correction } = await contacts.log(researcher, s47.enquiryId, call({ subjectId: s47.child, account: 'Seen at A&E on Tuesday, not Monday', corrects: original.id }), NOW);
      expect(correction.corrects).toBe(original.id);
      const [child] = await read(researcher, s47.enquiryId, s47.child);
      const shown = Object.fromEntries(child!.entries.map((e) => [e.id, e]));
      expect(shown[original.id]).toMatchObject({ corrects: null, correctedBy: [correction.id] });
      expect(shown[correction.id]).toMatchObject({ corrects: original.id, correctedBy: [] });
      expect(shown[original.id]!.record.fields.narrative).toBe('Seen at A&E on Monday');
    });

    it('refuses to correct an entry the caller cannot read, of another subject, or that does not exist, alike (NOT_FOUND)', async () => {
      const eh = await enquiry('early-help');
      const { entry: hidden } = await contacts.log(researcher, eh.enquiryId, call({ subjectId: eh.child }), NOW); // clinical: denied under early help without consent
      const { entry: adults } = await contacts.log(researcher, s47.enquiryId, call({ subjectId: s47.adult, category: 'health.summary' }), NOW);
      for (const [enquiryId, subjectId, corrects] of [
        [eh.enquiryId, eh.child, hidden.id],
        [s47.enquiryId, s47.child, adults.id],
        [s47.enquiryId, s47.child, 'no-such-entry'],
      ] as const) {
        await expect(contacts.log(researcher, enquiryId, call({ subjectId, category: 'health.summary', corrects }), NOW)).rejects.toMatchObject({ code: 'NOT_FOUND', details: { field: 'corrects' } });
      }
    });

    it('refuses writing and reading once the enquiry is closed', async () => {
      const closing = await enquiry('s47');
      await contacts.log(researcher, closing.enquiryId, call({ subjectId: closing.child }), NOW);
      await signedOffDecision(store, closing.enquiryId, researcher, NOW);
      await enquiries.close(researcher, closing.enquiryId, 'NFA', NOW);
      await expect(contacts.log(researcher, closing.enquiryId, call({ subjectId: closing.child }), NOW)).rejects.toMatchObject({ code: 'FORBIDDEN_ENQUIRY_CLOSED' });
      await expect(contacts.read(scope(researcher), closing.enquiryId, closing.child)).rejects.toMatchObject({ code: 'FORBIDDEN_ENQUIRY_CLOSED' });
    });
  });
});
