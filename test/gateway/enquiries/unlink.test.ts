import { copyFile, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createKnownActors, type Actor } from '../../../gateway/auth/index.js';
import { createEnquiryRepository, createEnquiryService, createReviewRepository, createSearchShownRepository, type EnquiryService } from '../../../gateway/enquiries/index.js';
import { silentLogger } from '../../../gateway/log.js';
import type { Store } from '../../../gateway/store/index.js';
import { applyMigrations, MIGRATIONS_DIR } from '../../../gateway/store/migrate.js';
import { openPglite } from '../../../gateway/store/pglite.js';
import { loadPolicyFile } from '../../../policies/index.js';
import { signedOffDecision } from '../../helpers/decision.js';
import { storeKinds } from '../../helpers/stores.js';

const policy = loadPolicyFile();
const researcher: Actor = { id: 'researcher-1', name: 'Riley Researcher', agency: 'social-care', roles: ['mash-researcher'], issuer: 'test' };
const outsider: Actor = { id: 'researcher-2', name: 'Olu Outsider', agency: 'police', roles: ['mash-researcher'], issuer: 'test' };
const at = (minutes: number) => new Date(Date.UTC(2026, 10, 26, 9, minutes));
const reason = 'Different date of birth: not the referred child';
/** These tests are about undoing links: the search that showed the persons is recorded directly. */
const SEARCH_EVENT = '00000000-0000-4000-8000-000000000001';
const shownBySearch = [
  { agency: 'health', personId: 'pat-1' },
  { agency: 'police', personId: 'NOM0000003' },
];

/** Undoing a confirmed link: kept as history, never read again, and the same person may be linked again. */
describe.each(storeKinds())('unlinking a subject on $name', (kind) => {
  let store: Store;
  let enquiries: EnquiryService;
  let enquiryId: string;
  let subjectId: string;

  beforeEach(async () => {
    store = await kind.open();
    const repository = createEnquiryRepository(store);
    const shown = createSearchShownRepository(store);
    enquiries = createEnquiryService({ repository, reviews: createReviewRepository(store), shown, policy, agencies: () => ['health', 'police', 'education'], knownActors: createKnownActors(store) });
    const opened = await enquiries.open(researcher, { referralReference: 'REF-1', purpose: 's47', consentRecorded: false, rag: 'RED' }, at(0));
    enquiryId = opened.id;
    await shown.record(enquiryId, shownBySearch, { auditEventId: SEARCH_EVENT, actorId: researcher.id }, at(0));
    subjectId = (await enquiries.linkSubject(researcher, { enquiryId, agency: 'health', personId: 'pat-1', label: 'Child 1' }, at(1))).subject.id;
    await enquiries.linkSubject(researcher, { enquiryId, subjectId, agency: 'police', personId: 'NOM0000003' }, at(2));
  });
  afterEach(async () => store?.close());

  it('refuses to link a record to a subject with a relation, label or relevance that disagrees with the subject, and links nothing', async () => {
    await enquiries.unlinkSubject(researcher, { enquiryId, subjectId, agency: 'police', personId: 'NOM0000003', reason }, at(3));
    const link = (extra: Record<string, string>) => enquiries.linkSubject(researcher, { enquiryId, subjectId, agency: 'police', personId: 'NOM0000003', ...extra }, at(4));
    await expect(link({ relation: 'ADULT' })).rejects.toMatchObject({ code: 'BAD_INPUT', details: { field: 'relation' }, message: expect.stringMatching(/is a child; a record linked to it cannot make it an adult/) });
    await expect(link({ label: 'Mother' })).rejects.toMatchObject({ code: 'BAD_INPUT', details: { field: 'label' } });
    await expect(link({ relevance: 'Lives with the child' })).rejects.toMatchObject({ code: 'BAD_INPUT', details: { field: 'relevance' }, message: expect.stringMatching(/use recordRelevance/) });
    const read = await enquiries.authoriseRead(researcher, enquiryId, subjectId, at(5));
    expect(read.subject.links.map((l) => l.agency)).toEqual(['health']);
    // Repeating what the subject already is, is not a disagreement.
    const linked = await link({ relation: 'CHILD', label: 'Child 1' });
    expect(linked.subject.links.map((l) => l.agency).sort()).toEqual(['health', 'police']);
  });

  it('keeps the undone link as history and reads only the links in force', async () => {
    const { subject, link } = await enquiries.unlinkSubject(researcher, { enquiryId, subjectId, agency: 'police', personId: 'NOM0000003', reason: `  ${reason} ` }, at(3));
    expect(subject.links.map((l) => `${l.agency}/${l.personId}`)).toEqual(['health/pat-1']);
    expect(subject.unlinked).toEqual([
      { agency: 'police', personId: 'NOM0000003', linkedAt: at(2).toISOString(), linkedBy: 'researcher-1', unlinkedAt: at(3).toISOString(), unlinkedBy: 'researcher-1', reason },
    ]);
    expect(link).toEqual(subject.unlinked[0]);
    const read = await enquiries.authoriseRead(researcher, enquiryId, subjectId, at(4));
    expect(read.subject.links).toEqual([{ agency: 'health', personId: 'pat-1', linkedAt: at(1).toISOString(), linkedBy: 'researcher-1' }]);
    // Nothing was deleted: both rows are still in the table.
    const { rows } = await store.query<{ n: number }>('SELECT count(*)::int AS n FROM subject_link WHERE subject_id = $1', [subjectId]);
    expect(rows).toEqual([{ n: 2 }]);
  });

  it('refuses to read a subject whose only links were all undone, saying so', async () => {
    await enquiries.unlinkSubject(researcher, { enquiryId, subjectId, agency: 'police', personId: 'NOM0000003', reason }, at(3));
    await enquiries.unlinkSubject(researcher, { enquiryId, subjectId, agency: 'health', personId: 'pat-1', reason }, at(4));
    await expect(enquiries.authoriseRead(researcher, enquiryId, subjectId, at(5))).rejects.toMatchObject({
      code: 'FORBIDDEN_SUBJECT_NOT_LINKED',
      message: expect.stringContaining('its links were undone'),
    });
  });

  it('links the same person again after an undo, and undoes that link too, keeping both in history', async () => {
    await enquiries.unlinkSubject(researcher, { enquiryId, subjectId, agency: 'police', personId: 'NOM0000003', reason }, at(3));
    const relinked = await enquiries.linkSubject(researcher, { enquiryId, subjectId, agency: 'police', personId: 'NOM0000003' }, at(4));
    expect(relinked.subject.links.map((l) => `${l.agency}/${l.personId}@${l.linkedAt}`)).toEqual([`health/pat-1@${at(1).toISOString()}`, `police/NOM0000003@${at(4).toISOString()}`]);
    expect(relinked.subject.unlinked).toHaveLength(1);
    // Linking a person already linked changes nothing (no second row in force).
    const again = await enquiries.linkSubject(researcher, { enquiryId, subjectId, agency: 'police', personId: 'NOM0000003' }, at(5));
    expect(again.subject.links).toHaveLength(2);
    const second = await enquiries.unlinkSubject(researcher, { enquiryId, subjectId, agency: 'police', personId: 'NOM0000003', reason: 'Linked by mistake again' }, at(6));
    expect(second.subject.unlinked.map((l) => [l.linkedAt, l.unlinkedAt, l.reason])).toEqual([
      [at(2).toISOString(), at(3).toISOString(), reason],
      [at(4).toISOString(), at(6).toISOString(), 'Linked by mistake again'],
    ]);
    expect(second.link.linkedAt).toBe(at(4).toISOString());
  });

  it('relinks within the same instant as the undo (an injected clock)', async () => {
    await enquiries.unlinkSubject(researcher, { enquiryId, subjectId, agency: 'police', personId: 'NOM0000003', reason }, at(3));
    await enquiries.linkSubject(researcher, { enquiryId, subjectId, agency: 'police', personId: 'NOM0000003' }, at(3));
    const again = await enquiries.unlinkSubject(researcher, { enquiryId, subjectId, agency: 'police', personId: 'NOM0000003', reason }, at(3));
    expect(again.subject.unlinked).toHaveLength(2);
    expect(again.subject.links).toHaveLength(1);
  });

  it('requires a reason', async () => {
    for (const blank of ['', '   ']) {
      await expect(enquiries.unlinkSubject(researcher, { enquiryId, subjectId, agency: 'police', personId: 'NOM0000003', reason: blank }, at(3))).rejects.toMatchObject({
        code: 'BAD_INPUT',
        message: expect.stringContaining('Say why the link is undone'),
      });
    }
    await expect(enquiries.unlinkSubject(researcher, { enquiryId, subjectId, agency: 'police', personId: 'NOM0000003', reason: 'x'.repeat(2001) }, at(3))).rejects.toMatchObject({ code: 'BAD_INPUT' });
    expect((await enquiries.get(researcher, enquiryId)).subjects[0]!.links).toHaveLength(2);
  });

  it('says clearly when there is no such link or subject, or the link was already undone', async () => {
    await expect(enquiries.unlinkSubject(researcher, { enquiryId, subjectId, agency: 'education', personId: 'C980200115896', reason }, at(3))).rejects.toMatchObject({
      code: 'NOT_FOUND',
      message: expect.stringContaining('has no link to education person C980200115896'),
    });
    await expect(enquiries.unlinkSubject(researcher, { enquiryId, subjectId: 'no-such-subject', agency: 'police', personId: 'NOM0000003', reason }, at(3))).rejects.toMatchObject({
      code: 'NOT_FOUND',
      message: expect.stringContaining('is not part of enquiry'),
    });
    await enquiries.unlinkSubject(researcher, { enquiryId, subjectId, agency: 'police', personId: 'NOM0000003', reason }, at(3));
    await expect(enquiries.unlinkSubject(researcher, { enquiryId, subjectId, agency: 'police', personId: 'NOM0000003', reason }, at(4))).rejects.toMatchObject({
      code: 'NOT_FOUND',
      message: expect.stringContaining('was already undone'),
    });
  });

  it('is for members of an open enquiry only', async () => {
    await expect(enquiries.unlinkSubject(outsider, { enquiryId, subjectId, agency: 'police', personId: 'NOM0000003', reason }, at(3))).rejects.toMatchObject({ code: 'FORBIDDEN_NOT_MEMBER' });
    await signedOffDecision(store, enquiryId, researcher, at(4));
    await enquiries.close(researcher, enquiryId, 'No further action', at(4));
    await expect(enquiries.unlinkSubject(researcher, { enquiryId, subjectId, agency: 'police', personId: 'NOM0000003', reason }, at(5))).rejects.toMatchObject({ code: 'FORBIDDEN_ENQUIRY_CLOSED' });
    expect((await enquiries.get(researcher, enquiryId)).subjects[0]!.links).toHaveLength(2);
  });

  it('lets one of two members undoing the same link at once succeed and tells the other', async () => {
    await createKnownActors(store).record(outsider, at(3));
    await enquiries.addMember(researcher, enquiryId, { actorId: outsider.id, issuer: outsider.issuer, reason: 'Police researcher for the strategy discussion' }, at(3));
    const results = await Promise.allSettled([
      enquiries.unlinkSubject(researcher, { enquiryId, subjectId, agency: 'police', personId: 'NOM0000003', reason }, at(4)),
      enquiries.unlinkSubject(outsider, { enquiryId, subjectId, agency: 'police', personId: 'NOM0000003', reason }, at(4)),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(results.find((r) => r.status === 'rejected')).toMatchObject({ reason: { code: 'NOT_FOUND' } });
    expect((await enquiries.get(researcher, enquiryId)).subjects[0]!.unlinked).toHaveLength(1);
  });

  it('refuses a second row in force for the same person, whatever the caller does', async () => {
    await expect(
      store.query(`INSERT INTO subject_link (subject_id, agency, person_id, linked_at, linked_by) VALUES ($1, 'police', 'NOM0000003', now(), 'x')`, [subjectId]),
    ).rejects.toThrow();
    await expect(store.query(`UPDATE subject_link SET unlinked_at = now() WHERE subject_id = $1 AND agency = 'police'`, [subjectId])).rejects.toThrow(); // no who or why
  });
});

describe('the 005_subject_unlink migration on an existing store', () => {
  it('keeps every link made before it in force, and lets them be undone and made again', async () => {
    const before = await mkdtemp(join(tmpdir(), 'mash-migrations-'));
    const driver = await openPglite({});
    try {
      for (const file of (await readdir(MIGRATIONS_DIR)).filter((f) => f < '005')) await copyFile(new URL(file, MIGRATIONS_DIR), join(before, file));
      await applyMigrations(driver, silentLogger, pathToFileURL(`${before}/`));
      const store = driver.store;
      await store.query(`INSERT INTO enquiry (id, referral_reference, purpose, legal_basis, rag, deadline, opened_at, opened_by) VALUES ('e1', 'REF-1', 's47', 'https://example.test', 'RED', '2026-11-27T17:00:00Z', '2026-11-26T09:00:00Z', 'researcher-1')`);
      await store.query(`INSERT INTO enquiry_member (enquiry_id, actor_id, added_at, added_by) VALUES ('e1', 'researcher-1', '2026-11-26T09:00:00Z', 'researcher-1')`);
      await store.query(`INSERT INTO enquiry_subject (id, enquiry_id, relation, created_at, created_by) VALUES ('s1', 'e1', 'child', '2026-11-26T09:00:00Z', 'researcher-1')`);
      await store.query(`INSERT INTO subject_link (subject_id, agency, person_id, linked_at, linked_by) VALUES ('s1', 'health', 'pat-1', '2026-11-26T09:01:00Z', 'researcher-1'), ('s1', 'police', 'NOM0000003', '2026-11-26T09:02:00Z', 'researcher-1')`);

      expect(await applyMigrations(driver, silentLogger)).toContain('005_subject_unlink');
      // Members recorded before issuers were kept match nobody (008_actor_issuer) until re-keyed.
      await store.query(`UPDATE enquiry_member SET actor_issuer = $1 WHERE actor_id = 'researcher-1'`, [researcher.issuer]);
      const shown = createSearchShownRepository(store);
      await shown.record('e1', shownBySearch, { auditEventId: SEARCH_EVENT, actorId: researcher.id }, at(0));
      const enquiries = createEnquiryService({ repository: createEnquiryRepository(store), reviews: createReviewRepository(store), shown, policy, agencies: () => ['health', 'police'], knownActors: createKnownActors(store) });
      const subject = (await enquiries.get(researcher, 'e1')).subjects[0]!;
      expect(subject.links.map((l) => l.personId)).toEqual(['pat-1', 'NOM0000003']);
      expect(subject.unlinked).toEqual([]);
      const undone = await enquiries.unlinkSubject(researcher, { enquiryId: 'e1', subjectId: 's1', agency: 'police', personId: 'NOM0000003', reason }, at(3));
      expect(undone.subject.links.map((l) => l.personId)).toEqual(['pat-1']);
      const again = await enquiries.linkSubject(researcher, { enquiryId: 'e1', subjectId: 's1', agency: 'police', personId: 'NOM0000003' }, at(4));
      expect(again.subject.links.map((l) => l.personId)).toEqual(['pat-1', 'NOM0000003']);
    } finally {
      await driver.store.close();
      await rm(before, { recursive: true, force: true });
    }
  });
});
