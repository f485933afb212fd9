import { Writable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GatewayError } from '../../../gateway/errors.js';
import {
  AUDIT_UNAVAILABLE_MESSAGE,
  createAuditLog,
  GENESIS_HASH,
  hashEvent,
  readEvents,
  verifyChain,
} from '../../../gateway/audit/index.js';
import { createLogger } from '../../../gateway/log.js';
import type { Store } from '../../../gateway/store/index.js';
import { storeKinds } from '../../helpers/stores.js';
import { accessEventInput } from './fixtures.js';

const fixedClock = () => new Date('2024-05-01T09:30:00.000Z');

function capturingLogger() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  return { logger: createLogger({ level: 'debug', destination }), lines };
}

/** A fault inside the database: every insert into audit_event raises, as a full disk would. */
async function installFault(store: Store): Promise<void> {
  await store.transaction(async (tx) => {
    await tx.query(`CREATE FUNCTION audit_fault() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN RAISE EXCEPTION 'disk full (simulated)'; END; $$`);
    await tx.query('CREATE TRIGGER audit_fault BEFORE INSERT ON audit_event FOR EACH ROW EXECUTE FUNCTION audit_fault()');
  });
}

async function removeFault(store: Store): Promise<void> {
  await store.query('DROP TRIGGER audit_fault ON audit_event');
}

describe.each(storeKinds())('audit log on $name', (kind) => {
  let store: Store;
  beforeEach(async () => {
    store = await kind.open();
  });
  afterEach(async () => {
    await store.close();
  });

  it('records an event with a new id, the time, and empty subjects and decisions by default', async () => {
    const log = createAuditLog(store, { now: fixedClock });
    const committed = await log.append(
      accessEventInput({ subjects: undefined, decisions: undefined, outcome: 'refused', outcomeCode: 'FORBIDDEN_NO_ENQUIRY' }),
    );
    expect(committed.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    const [event] = await readEvents(store, { limit: 10 });
    expect(event).toMatchObject({
      id: committed.id,
      seq: 1,
      hash: committed.hash,
      at: '2024-05-01T09:30:00.000Z',
      subjects: [],
      decisions: [],
      outcome: 'refused',
      outcomeCode: 'FORBIDDEN_NO_ENQUIRY',
    });
  });

  it('chains each event to the one before, starting from the genesis hash', async () => {
    const log = createAuditLog(store, { now: fixedClock });
    const first = await log.append(accessEventInput({ requestId: 'r1' }));
    const second = await log.append(accessEventInput({ requestId: 'r2' }));
    expect([first.seq, second.seq]).toEqual([1, 2]);

    const events = await readEvents(store, { limit: 10 });
    const body = ({ seq: _seq, hash: _hash, ...event }: (typeof events)[number]) => event;
    expect(first.hash).toBe(hashEvent(GENESIS_HASH, body(events[0]!)));
    expect(second.hash).toBe(hashEvent(first.hash, body(events[1]!)));
    const { rows } = await store.query<{ prev_hash: string }>('SELECT prev_hash FROM audit_event ORDER BY seq');
    expect(rows.map((r) => r.prev_hash)).toEqual([GENESIS_HASH, first.hash]);
  });

  it('keeps the indexed columns in step with the event', async () => {
    const log = createAuditLog(store, { now: fixedClock });
    await log.append(accessEventInput({ requestId: 'r9', actor: null, enquiry: undefined, operation: 'authenticate', outcome: 'refused' }));
    const { rows } = await store.query('SELECT request_id, operation, outcome, actor_id, enquiry_id, at FROM audit_event');
    expect(rows).toEqual([
      { request_id: 'r9', operation: 'authenticate', outcome: 'refused', actor_id: null, enquiry_id: null, at: fixedClock() },
    ]);
  });

  it('stores text that jsonb and JCS cannot hold (NUL, lone surrogates) in a form that still verifies', async () => {
    const log = createAuditLog(store);
    await log.append(accessEventInput({ reason: 'bad\u0000input \uD800 here' }));
    const [event] = await readEvents(store, { limit: 1 });
    expect(event!.reason).toBe('bad\uFFFDinput \uFFFD here');
    expect(await verifyChain(store)).toMatchObject({ ok: true, count: 1 });
  });

  it('stores a "__proto__" key as a key, and the event still verifies', async () => {
    const log = createAuditLog(store);
    await log.append({ ...accessEventInput(), ...(JSON.parse('{"__proto__":{"polluted":true}}') as object) });
    const { rows } = await store.query<{ body: Record<string, unknown> }>('SELECT body FROM audit_event');
    expect(Object.keys(rows[0]!.body)).toContain('__proto__');
    expect(await verifyChain(store)).toMatchObject({ ok: true, count: 1 });
  });

  it('verifies a chain of appended events and reports its head', async () => {
    const log = createAuditLog(store);
    let last;
    for (let i = 0; i < 5; i += 1) last = await log.append(accessEventInput({ requestId: `r${i}` }));
    expect(await verifyChain(store)).toEqual({ ok: true, count: 5, headSeq: 5, headHash: last!.hash });
  });

  it('verifies an empty log', async () => {
    expect(await verifyChain(store)).toEqual({ ok: true, count: 0, headSeq: 0, headHash: GENESIS_HASH });
  });

  it('commits 500 concurrent appends with contiguous seqs, a valid chain and fewer transactions than events', async () => {
    const log = createAuditLog(store, { maxBatch: 128 });
    const committed = await Promise.all(
      Array.from({ length: 500 }, (_, i) => log.append(accessEventInput({ requestId: `req-${i}` }))),
    );
    expect(committed.map((c) => c.seq)).toEqual(Array.from({ length: 500 }, (_, i) => i + 1));
    expect(new Set(committed.map((c) => c.hash)).size).toBe(500);

    // Arrival order is chain order.
    const events = await readEvents(store, { limit: 500 });
    expect(events.map((e) => e.requestId)).toEqual(committed.map((_, i) => `req-${i}`));
    expect(events.map((e) => e.id)).toEqual(committed.map((c) => c.id));

    const stats = log.stats();
    expect(stats.events).toBe(500);
    expect(stats.transactions).toBeLessThan(500);
    expect(stats.transactions).toBeGreaterThanOrEqual(Math.ceil(500 / 128));
    expect(stats.pending).toBe(0);
    expect(await verifyChain(store)).toMatchObject({ ok: true, count: 500, headSeq: 500 });
  });

  it('groups appends that arrive while a write is in flight into the next transaction', async () => {
    const log = createAuditLog(store);
    const first = log.append(accessEventInput({ requestId: 'lead' }));
    // These arrive after the first transaction has started.
    await new Promise((resolve) => setImmediate(resolve));
    const followers = Array.from({ length: 20 }, (_, i) => log.append(accessEventInput({ requestId: `f${i}` })));
    await Promise.all([first, ...followers]);
    expect(log.stats().transactions).toBeLessThanOrEqual(3);
    expect(await verifyChain(store)).toMatchObject({ ok: true, count: 21 });
  });

  it('resolves append only after the transaction has committed', async () => {
    const log = createAuditLog(store);
    const committed = await log.append(accessEventInput());
    // Visible to any other reader at once: the transaction is over.
    const { rows } = await store.query<{ id: string }>('SELECT id FROM audit_event WHERE seq = $1', [committed.seq]);
    expect(rows).toEqual([{ id: committed.id }]);
  });

  it('continues the chain left by an earlier audit log on the same store (reads the head from the table)', async () => {
    const earlier = createAuditLog(store);
    const a = await earlier.append(accessEventInput());
    await earlier.close();
    const later = createAuditLog(store);
    const b = await later.append(accessEventInput());
    expect(b.seq).toBe(a.seq + 1);
    expect(await verifyChain(store)).toMatchObject({ ok: true, count: 2, headHash: b.hash });
  });

  it('fails closed: when the insert fails every event of the batch is refused with AUDIT_UNAVAILABLE', async () => {
    const log = createAuditLog(store);
    await log.append(accessEventInput({ requestId: 'before' }));
    await installFault(store);

    const results = await Promise.allSettled(
      Array.from({ length: 10 }, (_, i) => log.append(accessEventInput({ requestId: `during-${i}` }))),
    );
    for (const result of results) {
      expect(result.status).toBe('rejected');
      const error = (result as PromiseRejectedResult).reason as GatewayError;
      expect(error).toBeInstanceOf(GatewayError);
      expect(error.code).toBe('AUDIT_UNAVAILABLE');
      expect(error.message).toBe(AUDIT_UNAVAILABLE_MESSAGE);
      expect(error.cause).toBeDefined();
    }
    expect(log.stats().failedTransactions).toBeGreaterThanOrEqual(1);

    await removeFault(store);
    const after = await log.append(accessEventInput({ requestId: 'after' }));
    expect(after.seq).toBe(2);
    expect(await verifyChain(store)).toMatchObject({ ok: true, count: 2, headHash: after.hash });
    expect((await readEvents(store, { limit: 10 })).map((e) => e.requestId)).toEqual(['before', 'after']);
  });

  it('never leaves a gap when the batch ahead of a pipelined one fails: the one behind is chained again', async () => {
    const log = createAuditLog(store, { pipeline: 2 });
    await log.append(accessEventInput({ requestId: 'before' }));
    await store.transaction(async (tx) => {
      await tx.query(`CREATE FUNCTION audit_poison() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN IF NEW.request_id = 'poison' THEN RAISE EXCEPTION 'refused (simulated)'; END IF; RETURN NEW; END; $$`);
      await tx.query('CREATE TRIGGER audit_poison BEFORE INSERT ON audit_event FOR EACH ROW EXECUTE FUNCTION audit_poison()');
    });

    // One burst with nothing in flight goes as two batches, the second chained onto the first and
    // sent before it commits; the first holds the poisoned event.
    const requestIds = ['poison', ...Array.from({ length: 127 }, (_, i) => `burst-${i}`)];
    const results = await Promise.allSettled(requestIds.map((requestId) => log.append(accessEventInput({ requestId }))));
    const refused = results.filter((r) => r.status === 'rejected').length;
    const committed = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
    expect(refused).toBe(64);
    expect(results.slice(0, 64).every((r) => r.status === 'rejected')).toBe(true);
    expect(committed.map((c) => c.seq)).toEqual(Array.from({ length: 64 }, (_, i) => i + 2));
    expect(log.stats()).toMatchObject({ failedTransactions: 1, events: 65 });
    expect(log.stats().retries).toBeGreaterThanOrEqual(1);

    expect(await verifyChain(store)).toMatchObject({ ok: true, count: 65, headHash: committed.at(-1)!.hash });
    const events = await readEvents(store, { limit: 100 });
    expect(events.map((e) => e.requestId)).toEqual(['before', ...requestIds.slice(64)]);
  });

  it('fails closed when the store is closed', async () => {
    const log = createAuditLog(store);
    await store.close();
    const error = await log.append(accessEventInput()).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'GatewayError', code: 'AUDIT_UNAVAILABLE', message: AUDIT_UNAVAILABLE_MESSAGE });
    expect((error as GatewayError).cause).toMatchObject({ code: 'STORE_UNAVAILABLE' });
  });

  it('refuses a malformed event on its own without failing the others of its batch', async () => {
    const log = createAuditLog(store);
    const good = log.append(accessEventInput({ requestId: 'good' }));
    const bad = log.append({ ...accessEventInput(), requestId: undefined as unknown as string });
    await expect(bad).rejects.toMatchObject({ code: 'AUDIT_UNAVAILABLE' });
    await expect(good).resolves.toMatchObject({ seq: 1 });
  });

  it('logs only ids, counts and error codes when a batch fails, never event contents', async () => {
    const { logger, lines } = capturingLogger();
    const log = createAuditLog(store, { logger });
    await installFault(store);
    await log.append(accessEventInput({ reason: 'concern raised by school' })).catch(() => undefined);
    const output = lines.join('');
    expect(output).toContain('audit batch could not be recorded');
    expect(output).toContain('"events":1');
    expect(output).toContain('"code":"P0001"');
    for (const personal of ['Alex Example', 'sw-114', 'enq-2024-0042', 'nhs-p-77', 'concern raised', 'disk full']) {
      expect(output).not.toContain(personal);
    }
  });

  it('waits for queued events on close and refuses appends after it', async () => {
    const log = createAuditLog(store);
    const pending = Array.from({ length: 10 }, () => log.append(accessEventInput()));
    await log.close();
    expect(log.stats().pending).toBe(0);
    await expect(Promise.all(pending)).resolves.toHaveLength(10);
    await expect(log.append(accessEventInput())).rejects.toMatchObject({ code: 'AUDIT_UNAVAILABLE' });
  });

  it('chains onto the head another writer left when its own idea of the head is stale', async () => {
    const a = createAuditLog(store);
    const b = createAuditLog(store);
    expect((await a.append(accessEventInput({ requestId: 'a1' }))).seq).toBe(1);
    expect((await b.append(accessEventInput({ requestId: 'b1' }))).seq).toBe(2);
    // `a` last wrote seq 1 and chains onto it without reading the head: seq 2 is taken, the batch
    // rolls back whole and is chained again onto seq 2.
    expect((await a.append(accessEventInput({ requestId: 'a2' }))).seq).toBe(3);
    expect(a.stats()).toMatchObject({ retries: 1, failedTransactions: 0, events: 2 });
    expect(await verifyChain(store)).toMatchObject({ ok: true, count: 3 });
    expect((await readEvents(store, { limit: 10 })).map((e) => e.requestId)).toEqual(['a1', 'b1', 'a2']);
  });

  it('tries a batch once more when its connection had died', async () => {
    let failures = 1;
    const flaky: Store = {
      ...store,
      kind: store.kind,
      query: (sql, params) => store.query(sql, params),
      close: () => store.close(),
      transaction(fn) {
        if (failures-- > 0) return Promise.reject(new GatewayError('STORE_UNAVAILABLE', 'connection terminated'));
        return store.transaction(fn);
      },
    };
    const log = createAuditLog(flaky);
    await expect(log.append(accessEventInput())).resolves.toMatchObject({ seq: 1 });
    expect(log.stats()).toMatchObject({ retries: 1, failedTransactions: 0 });
  });

  it('resolves, without writing twice, a batch whose commit went through but whose answer was lost', async () => {
    let lose = 1;
    const lossy: Store = {
      ...store,
      kind: store.kind,
      query: (sql, params) => store.query(sql, params),
      close: () => store.close(),
      async transaction(fn) {
        const result = await store.transaction(fn);
        if (lose-- > 0) throw new GatewayError('STORE_UNAVAILABLE', 'connection lost during COMMIT');
        return result;
      },
    };
    const log = createAuditLog(lossy);
    const committed = await log.append(accessEventInput({ requestId: 'once' }));
    expect(committed.seq).toBe(1);
    const events = await readEvents(store, { limit: 10 });
    expect(events.map((e) => [e.seq, e.id])).toEqual([[1, committed.id]]);
  });

  it('reads events in pages after a given seq', async () => {
    const log = createAuditLog(store);
    await Promise.all(Array.from({ length: 7 }, (_, i) => log.append(accessEventInput({ requestId: `r${i}` }))));
    const page = await readEvents(store, { afterSeq: 3, limit: 2 });
    expect(page.map((e) => [e.seq, e.requestId])).toEqual([
      [4, 'r3'],
      [5, 'r4'],
    ]);
    await expect(readEvents(store, { limit: 0 })).rejects.toMatchObject({ code: 'BAD_INPUT' });
  });
});
