import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GatewayError } from '../../../gateway/errors.js';
import { createAuditLog, readEvents, verifyChain, type CommittedEvent } from '../../../gateway/audit/index.js';
import type { Store } from '../../../gateway/store/index.js';
import { storeKinds } from '../../helpers/stores.js';
import { accessEventInput } from './fixtures.js';

/**
 * Group commit as the store sees it: the transactions that wrote the audit rows are counted by the
 * store itself (each row's xmin is the id of the transaction that inserted it), not by the log's own
 * counters and not by timing.
 */
async function writingTransactions(store: Store): Promise<number> {
  const { rows } = await store.query<{ n: number }>('SELECT count(DISTINCT xmin::text)::int AS n FROM audit_event');
  return rows[0]!.n;
}

async function requestIdsInLog(store: Store): Promise<string[]> {
  return (await readEvents(store, { limit: 1000 })).map((e) => e.requestId);
}

/** A store whose audit_append statements fail while `down` is set, as a dropped connection would. */
function storeThatGoesDown(store: Store, state: { down: boolean; commitThenFail?: boolean }): Store {
  const failIfDown = () => {
    if (state.down) throw new GatewayError('STORE_UNAVAILABLE', 'connection terminated (simulated)');
  };
  return {
    kind: store.kind,
    close: () => store.close(),
    async query(sql, params) {
      if (!sql.includes('audit_append')) return store.query(sql, params);
      if (state.commitThenFail === true) {
        // The statement reaches the database and commits, but its answer never comes back.
        await store.query(sql, params);
        state.commitThenFail = false;
        state.down = true;
      }
      failIfDown();
      return store.query(sql, params);
    },
    transaction(fn) {
      return store.transaction(async (tx) =>
        fn({
          async query(sql, params) {
            if (sql.includes('audit_append')) failIfDown();
            return tx.query(sql, params);
          },
        }),
      );
    },
  };
}

describe.each(storeKinds())('audit group commit on $name', (kind) => {
  let store: Store;
  beforeEach(async () => {
    store = await kind.open();
  });
  afterEach(async () => {
    await store.close();
  });

  it('commits 200 concurrent appends in far fewer transactions than events, counted by the store', async () => {
    const log = createAuditLog(store);
    const committed = await Promise.all(Array.from({ length: 200 }, (_, i) => log.append(accessEventInput({ requestId: `c${i}` }))));
    expect(committed.map((c) => c.seq)).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
    const transactions = await writingTransactions(store);
    expect(transactions).toBeGreaterThanOrEqual(1);
    expect(transactions).toBeLessThanOrEqual(10);
    expect(log.stats().transactions).toBe(transactions);
    expect(await verifyChain(store)).toMatchObject({ ok: true, count: 200, headSeq: 200 });
  });

  it('groups the appends of concurrent requests that also use the store, each arriving on its own', async () => {
    const log = createAuditLog(store);
    // Forty requests each read from the store and then record their access, as a resolver does:
    // on PGlite the reads and the audit statements share one connection and take turns.
    const committed = await Promise.all(
      Array.from({ length: 40 }, async (_, i) => {
        await store.query('SELECT count(*) FROM audit_event');
        return log.append(accessEventInput({ requestId: `r${i}` }));
      }),
    );
    expect(new Set(committed.map((c) => c.seq)).size).toBe(40);
    expect(await writingTransactions(store)).toBeLessThanOrEqual(10);
    expect(await verifyChain(store)).toMatchObject({ ok: true, count: 40 });
  });

  it('sends a lone append at once, in a transaction of its own', async () => {
    const log = createAuditLog(store);
    for (let i = 0; i < 3; i += 1) await log.append(accessEventInput({ requestId: `alone-${i}` }));
    expect(await writingTransactions(store)).toBe(3);
  });

  it('refuses every waiter of a batch that fails part-way through its rows and keeps the chain whole', async () => {
    const log = createAuditLog(store, { maxBatch: 8 });
    await store.transaction(async (tx) => {
      await tx.query(`CREATE FUNCTION audit_fault_mid_batch() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN IF NEW.request_id = 'poison' THEN RAISE EXCEPTION 'disk full (simulated)'; END IF; RETURN NEW; END; $$`);
      await tx.query('CREATE TRIGGER audit_fault_mid_batch BEFORE INSERT ON audit_event FOR EACH ROW EXECUTE FUNCTION audit_fault_mid_batch()');
    });

    // Three batches of eight; the fifth row of the second fails after four of its rows were inserted.
    const requestIds = Array.from({ length: 24 }, (_, i) => (i === 12 ? 'poison' : `e${i}`));
    const results = await Promise.allSettled(requestIds.map((requestId) => log.append(accessEventInput({ requestId }))));

    const refused = results.flatMap((r, i) => (r.status === 'rejected' ? [i] : []));
    expect(refused).toEqual(Array.from({ length: 8 }, (_, i) => 8 + i));
    for (const i of refused) expect((results[i] as PromiseRejectedResult).reason).toMatchObject({ code: 'AUDIT_UNAVAILABLE' });
    const committed = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
    expect(committed.map((c) => c.seq)).toEqual(Array.from({ length: 16 }, (_, i) => i + 1));

    // None of the failed batch's rows is in the log, not even those inserted before the fault.
    const expected = requestIds.filter((_, i) => i < 8 || i >= 16);
    expect(await requestIdsInLog(store)).toEqual(expected);
    expect(await verifyChain(store)).toMatchObject({ ok: true, count: 16, headHash: committed.at(-1)!.hash });

    await store.query('DROP TRIGGER audit_fault_mid_batch ON audit_event');
    const after = await log.append(accessEventInput({ requestId: 'after' }));
    expect(after.seq).toBe(17);
    expect(await verifyChain(store)).toMatchObject({ ok: true, count: 17, headHash: after.hash });
  });

  it('acknowledges no waiter while the store is down, and continues the chain when it is back', async () => {
    const state = { down: false };
    const log = createAuditLog(storeThatGoesDown(store, state));
    const before = await log.append(accessEventInput({ requestId: 'before' }));

    state.down = true;
    const results = await Promise.allSettled(Array.from({ length: 30 }, (_, i) => log.append(accessEventInput({ requestId: `down-${i}` }))));
    expect(results.every((r) => r.status === 'rejected' && (r.reason as GatewayError).code === 'AUDIT_UNAVAILABLE')).toBe(true);
    expect(log.stats()).toMatchObject({ pending: 0, events: 1 });
    expect(await requestIdsInLog(store)).toEqual(['before']);

    state.down = false;
    const after = await Promise.all(Array.from({ length: 5 }, (_, i) => log.append(accessEventInput({ requestId: `after-${i}` }))));
    expect(after.map((c) => c.seq)).toEqual([2, 3, 4, 5, 6]);
    expect(await verifyChain(store)).toMatchObject({ ok: true, count: 6, headHash: after.at(-1)!.hash });
    expect(before.seq).toBe(1);
  });

  it('refuses the waiters of a batch whose commit went through unanswered while the store stayed down; the chain goes on after it', async () => {
    const state = { down: false, commitThenFail: false };
    const log = createAuditLog(storeThatGoesDown(store, state));
    await log.append(accessEventInput({ requestId: 'before' }));

    state.commitThenFail = true;
    const results = await Promise.allSettled(Array.from({ length: 10 }, (_, i) => log.append(accessEventInput({ requestId: `lost-${i}` }))));
    // Refused, though their rows did commit: an access is answered only once its event is known to
    // be recorded, and one recorded but refused discloses nothing.
    expect(results.every((r) => r.status === 'rejected')).toBe(true);

    state.down = false;
    const after: CommittedEvent = await log.append(accessEventInput({ requestId: 'after' }));
    expect(after.seq).toBe(12);
    expect(await verifyChain(store)).toMatchObject({ ok: true, count: 12, headHash: after.hash });
    expect((await requestIdsInLog(store)).at(-1)).toBe('after');
  });
});
