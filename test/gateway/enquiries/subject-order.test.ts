import { copyFile, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKnownActors, type Actor } from '../../../gateway/auth/index.js';
import { createEnquiryRepository, createEnquiryService, createReviewRepository, createSearchShownRepository, type EnquiryService } from '../../../gateway/enquiries/index.js';
import { silentLogger } from '../../../gateway/log.js';
import type { Store } from '../../../gateway/store/index.js';
import { applyMigrations, MIGRATIONS_DIR } from '../../../gateway/store/migrate.js';
import { openPglite } from '../../../gateway/store/pglite.js';
import { loadPolicyFile } from '../../../policies/index.js';
import { storeKinds } from '../../helpers/stores.js';

const policy = loadPolicyFile();
const researcher: Actor = { id: 'researcher-1', name: 'Riley Researcher', agency: 'social-care', roles: ['mash-researcher'], issuer: 'test' };
const NOW = new Date(Date.UTC(2026, 10, 26, 9, 0));
const SEARCH_EVENT = '00000000-0000-4000-8000-000000000001';
/** The household, in the order the researcher links them: the child first, then the adults. */
const HOUSEHOLD = ['Child', 'Mother', 'Father', 'Grandmother', 'Uncle', 'Lodger'];
const person = (i: number) => ({ agency: 'health', personId: `pat-${i + 1}` });

/**
 * An enquiry's subjects are listed in the order they joined it, even when several join in the same
 * millisecond (their created_at ties, and the ids that used to break the tie are random).
 */
describe.each(storeKinds())('the order of subjects on $name', (kind) => {
  let store: Store;
  let enquiries: EnquiryService;

  beforeAll(async () => {
    store = await kind.open();
    enquiries = createEnquiryService({
      repository: createEnquiryRepository(store),
      reviews: createReviewRepository(store),
      shown: createSearchShownRepository(store),
      policy,
      agencies: () => ['health'],
      knownActors: createKnownActors(store),
    });
  });
  afterAll(async () => store?.close());

  /** An enquiry whose household is linked one subject after another, every one at the same instant. */
  async function householdLinkedAtOnce(round: number): Promise<{ enquiryId: string; ids: string[] }> {
    const enquiryId = (await enquiries.open(researcher, { referralReference: `REF-ORDER-${round}`, purpose: 's47', consentRecorded: false, rag: 'RED' }, NOW)).id;
    await createSearchShownRepository(store).record(enquiryId, HOUSEHOLD.map((_, i) => person(i)), { auditEventId: SEARCH_EVENT, actorId: researcher.id, issuer: researcher.issuer }, NOW);
    const ids: string[] = [];
    for (const [i, label] of HOUSEHOLD.entries()) {
      const { subject } = await enquiries.linkSubject(researcher, { enquiryId, ...person(i), label, relation: i === 0 ? 'child' : 'adult' }, NOW);
      ids.push(subject.id);
    }
    return { enquiryId, ids };
  }

  it('lists subjects created in the same millisecond in the order they were created, every time', async () => {
    for (let round = 0; round < 8; round++) {
      const { enquiryId, ids } = await householdLinkedAtOnce(round);
      const enquiry = await enquiries.get(researcher, enquiryId);
      expect(new Set(enquiry.subjects.map((s) => s.createdAt))).toEqual(new Set([NOW.toISOString()]));
      expect(enquiry.subjects.map((s) => s.label)).toEqual(HOUSEHOLD);
      expect(enquiry.subjects.map((s) => s.id)).toEqual(ids);
      // Read again, the order is the same.
      expect((await enquiries.get(researcher, enquiryId)).subjects.map((s) => s.id)).toEqual(ids);
    }
  });

  it('keeps the creation order when subjects are added to two enquiries interleaved', async () => {
    const [a, b] = await Promise.all([0, 1].map(async (n) => (await enquiries.open(researcher, { referralReference: `REF-PAIR-${n}`, purpose: 's47', consentRecorded: false, rag: 'RED' }, NOW)).id));
    const repository = createEnquiryRepository(store);
    const added: Record<string, string[]> = { [a!]: [], [b!]: [] };
    for (let i = 0; i < 5; i++) {
      for (const enquiryId of [a!, b!]) added[enquiryId]!.push(await repository.addSubject(enquiryId, { relation: 'adult', label: `Adult ${i}` }, researcher, NOW));
    }
    for (const enquiryId of [a!, b!]) expect((await repository.get(enquiryId))!.subjects.map((s) => s.id)).toEqual(added[enquiryId]);
  });
});

describe('migration 014 on subjects that joined before it', () => {
  it('numbers them in the order they were listed (created at, then id) and lists a later subject after them', async () => {
    const driver = await openPglite({});
    const before = await mkdtemp(join(tmpdir(), 'mash-mig-'));
    try {
      for (const file of (await readdir(MIGRATIONS_DIR)).filter((f) => f < '014')) await copyFile(new URL(file, MIGRATIONS_DIR), join(before, file));
      expect(await applyMigrations(driver, silentLogger, pathToFileURL(`${before}/`))).not.toContain('014_subject_order');
      const store = driver.store;
      await store.query(
        `INSERT INTO enquiry (id, referral_reference, purpose, legal_basis, consent_recorded, rag, deadline, opened_at, opened_by, opened_by_issuer, owner_agency, computed_deadline, access_ends_at, received_at, concern_categories)
         VALUES ('e1', 'REF-1', 's47', 'https://example.test', false, 'RED', '2026-11-27T17:00:00Z', '2026-11-26T09:00:00Z', 'researcher-1', 'test', 'social-care', '2026-11-27T17:00:00Z', '2026-11-28T17:00:00Z', '2026-11-26T09:00:00Z', '[]'::jsonb)`,
      );
      // Inserted out of order; s-b and s-a tie on created_at (the id broke the tie).
      await store.query(
        `INSERT INTO enquiry_subject (id, enquiry_id, relation, label, created_at, created_by, created_by_issuer) VALUES
           ('s-c', 'e1', 'adult', 'Third', '2026-11-26T09:05:00Z', 'researcher-1', 'test'),
           ('s-b', 'e1', 'adult', 'Second', '2026-11-26T09:01:00Z', 'researcher-1', 'test'),
           ('s-a', 'e1', 'child', 'First', '2026-11-26T09:01:00Z', 'researcher-1', 'test')`,
      );

      expect(await applyMigrations(driver, silentLogger)).toContain('014_subject_order');
      const repository = createEnquiryRepository(store);
      expect((await repository.get('e1'))!.subjects.map((s) => s.label)).toEqual(['First', 'Second', 'Third']);
      // A subject added now is listed last, even with an earlier created_at than those before it.
      await repository.addSubject('e1', { relation: 'adult', label: 'Fourth' }, { issuer: 'test', id: 'researcher-1' }, new Date('2026-11-26T09:00:00Z'));
      expect((await repository.get('e1'))!.subjects.map((s) => s.label)).toEqual(['First', 'Second', 'Third', 'Fourth']);
      const { rows } = await store.query<{ n: number }>('SELECT count(*)::int AS n FROM enquiry_subject WHERE seq IS NULL');
      expect(rows).toEqual([{ n: 0 }]);
    } finally {
      await driver.store.close();
      await rm(before, { recursive: true, force: true });
    }
  });
});
