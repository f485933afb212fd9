import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createKnownActors, type Actor } from '../../../gateway/auth/index.js';
import { createEnquiryRepository, createEnquiryService, createReviewRepository, createSearchShownRepository, type EnquiryService } from '../../../gateway/enquiries/index.js';
import { openStore, type Store } from '../../../gateway/store/index.js';
import { loadPolicyFile } from '../../../policies/index.js';
import { dropSchema, openPostgresTestStore, testDatabaseUrl, uniqueSchema } from '../../helpers/stores.js';

const policy = loadPolicyFile();
const researcher: Actor = { id: 'researcher-1', name: 'Riley Researcher', agency: 'social-care', roles: ['mash-researcher'], issuer: 'test' };
const at = (minutes: number) => new Date(Date.UTC(2026, 10, 26, 9, minutes));
const SEARCH_EVENT = '00000000-0000-4000-8000-000000000001';

/**
 * Two handles on one store, as two gateway processes (or replicas) would have. PGlite cannot be
 * opened twice, so there the second "process" is a second service (its own held enquiries) and
 * raw SQL on the same store; on PostgreSQL it is a second connection pool on the same schema.
 */
interface TwoHandles {
  first: Store;
  second: Store;
  close(): Promise<void>;
}
const kinds: Array<{ name: string; open(): Promise<TwoHandles> }> = [
  {
    name: 'pglite',
    async open() {
      const store = await openStore();
      return { first: store, second: store, close: () => store.close() };
    },
  },
  ...(testDatabaseUrl() === undefined
    ? []
    : [
        {
          name: 'postgres',
          async open(): Promise<TwoHandles> {
            const schema = uniqueSchema('held');
            const first = await openPostgresTestStore(schema, { keepSchema: true });
            const second = await openPostgresTestStore(schema, { keepSchema: true });
            return {
              first,
              second,
              async close() {
                await first.close();
                await second.close();
                await dropSchema(testDatabaseUrl()!, schema);
              },
            };
          },
        },
      ]),
];

/** Counts the statements a store runs outside transactions (the held enquiry's version check among them). */
function counting(store: Store): { store: Store; statements: string[] } {
  const statements: string[] = [];
  return {
    statements,
    store: { ...store, query: (sql, params) => (statements.push(sql.replace(/\s+/g, ' ').trim()), store.query(sql, params)), transaction: (fn) => store.transaction(fn), close: () => store.close() },
  };
}

const serviceOn = (store: Store): EnquiryService =>
  createEnquiryService({ repository: createEnquiryRepository(store), reviews: createReviewRepository(store), shown: createSearchShownRepository(store), policy, agencies: () => ['health', 'police'], knownActors: createKnownActors(store) });

/**
 * The enquiry a gateway holds between requests (its authorisation state) is used only while the
 * database says it is current: whatever another process changes is refused or seen on the very
 * next read.
 */
describe.each(kinds)('the held enquiry on $name', (kind) => {
  let handles: TwoHandles;
  let statements: string[];
  let here: EnquiryService;
  let elsewhere: EnquiryService;
  let enquiryId: string;
  let subjectId: string;

  beforeEach(async () => {
    handles = await kind.open();
    const counted = counting(handles.first);
    statements = counted.statements;
    here = serviceOn(counted.store);
    elsewhere = serviceOn(handles.second);
    enquiryId = (await here.open(researcher, { referralReference: 'REF-1', purpose: 's47', consentRecorded: false, rag: 'RED' }, at(0))).id;
    await createSearchShownRepository(handles.first).record(enquiryId, [{ agency: 'health', personId: 'pat-1' }, { agency: 'police', personId: 'NOM0000003' }], { auditEventId: SEARCH_EVENT, actorId: researcher.id }, at(0));
    subjectId = (await here.linkSubject(researcher, { enquiryId, agency: 'health', personId: 'pat-1', label: 'Child 1' }, at(1))).subject.id;
    // Held: this process has read the enquiry since its last change.
    await here.authoriseRead(researcher, enquiryId, subjectId, at(2));
  });
  afterEach(async () => handles?.close());

  it('answers a burst of reads with one primary-key read of the version each, while nothing changes', async () => {
    statements.length = 0;
    for (let i = 0; i < 3; i += 1) await here.authoriseRead(researcher, enquiryId, subjectId, at(3));
    expect(statements).toEqual(Array(3).fill('SELECT version FROM enquiry WHERE id = $1'));
  });

  it('refuses a member removed by another process on the very next read', async () => {
    await handles.second.query('DELETE FROM enquiry_member WHERE enquiry_id = $1 AND actor_issuer = $2 AND actor_id = $3', [enquiryId, researcher.issuer, researcher.id]);
    await expect(here.authoriseRead(researcher, enquiryId, subjectId, at(3))).rejects.toMatchObject({ code: 'FORBIDDEN_NOT_MEMBER' });
    await expect(here.authoriseSearch(researcher, enquiryId, at(3))).rejects.toMatchObject({ code: 'FORBIDDEN_NOT_MEMBER' });
  });

  it('refuses an enquiry another process closed on the very next read', async () => {
    await handles.second.query('UPDATE enquiry SET closed_at = $2, closed_by = $3, closure_decision = $4 WHERE id = $1', [enquiryId, at(3), 'manager-1', 'No further action']);
    await expect(here.authoriseRead(researcher, enquiryId, subjectId, at(4))).rejects.toMatchObject({ code: 'FORBIDDEN_ENQUIRY_CLOSED' });
  });

  it('refuses a subject whose links another process undid on the very next read', async () => {
    await elsewhere.unlinkSubject(researcher, { enquiryId, subjectId, agency: 'health', personId: 'pat-1', reason: 'Not the referred child' }, at(3));
    await expect(here.authoriseRead(researcher, enquiryId, subjectId, at(4))).rejects.toMatchObject({ code: 'FORBIDDEN_SUBJECT_NOT_LINKED' });
  });

  it('sees consent, a purpose change and a new link made by another process on the very next read', async () => {
    await elsewhere.recordConsent(researcher, enquiryId, { givenBy: 'Parent', scope: 'All agencies' }, at(3));
    expect((await here.authoriseRead(researcher, enquiryId, subjectId, at(4))).enquiry.consentRecorded).toBe(true);
    await elsewhere.linkSubject(researcher, { enquiryId, subjectId, agency: 'police', personId: 'NOM0000003' }, at(5));
    expect((await here.authoriseRead(researcher, enquiryId, subjectId, at(6))).subject.links.map((l) => l.agency)).toEqual(['health', 'police']);
    await handles.second.query(`INSERT INTO enquiry_purpose_change (id, enquiry_id, from_purpose, to_purpose, reason, changed_at, changed_by, changed_by_issuer) VALUES ('pc-1', $1, 's47', 's17', 'Threshold not met', $2, 'manager-1', 'test')`, [enquiryId, at(7)]);
    await handles.second.query(`UPDATE enquiry SET purpose = 's17' WHERE id = $1`, [enquiryId]);
    expect((await here.authoriseSearch(researcher, enquiryId, at(8))).purpose).toBe('s17');
  });

  it('gives each caller its own copy: a change to one answer is not the next', async () => {
    const first = await here.authoriseRead(researcher, enquiryId, subjectId, at(3));
    first.enquiry.members.length = 0;
    first.subject.links.length = 0;
    const next = await here.authoriseRead(researcher, enquiryId, subjectId, at(3));
    expect(next.enquiry.members.map((m) => m.actorId)).toEqual(['researcher-1']);
    expect(next.subject.links.map((l) => l.agency)).toEqual(['health']);
  });
});
