import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createAuditLog, GENESIS_HASH, hashEvent, verifyChain, type CommittedEvent } from '../../../gateway/audit/index.js';
import type { Store } from '../../../gateway/store/index.js';
import { storeKinds } from '../../helpers/stores.js';
import { accessEventInput, tamper } from './fixtures.js';

describe.each(storeKinds())('verifyChain on $name', (kind) => {
  let store: Store;
  let committed: CommittedEvent[];
  beforeEach(async () => {
    store = await kind.open();
    const log = createAuditLog(store);
    committed = [];
    // One at a time, so the test does not depend on batching.
    for (let i = 1; i <= 10; i += 1) committed.push(await log.append(accessEventInput({ requestId: `r${i}` })));
  });
  afterEach(async () => {
    await store.close();
  });

  it('accepts an untouched chain, reading it in pages of any size', async () => {
    const expected = { ok: true, count: 10, headSeq: 10, headHash: committed[9]!.hash };
    expect(await verifyChain(store)).toEqual(expected);
    expect(await verifyChain(store, { pageSize: 3 })).toEqual(expected);
    expect(await verifyChain(store, { pageSize: 1 })).toEqual(expected);
  });

  it('verifies from a given seq, trusting the hash before it', async () => {
    expect(await verifyChain(store, { fromSeq: 7 })).toEqual({ ok: true, count: 4, headSeq: 10, headHash: committed[9]!.hash });
    expect(await verifyChain(store, { fromSeq: 11 })).toEqual({ ok: true, count: 0, headSeq: 10, headHash: committed[9]!.hash });
  });

  it('names the seq of an event whose content was altered', async () => {
    await tamper(store, async (tx) => {
      await tx.query(`UPDATE audit_event SET body = jsonb_set(body, '{outcome}', '"refused"'), outcome = 'refused' WHERE seq = 4`);
    });
    expect(await verifyChain(store, { pageSize: 3 })).toMatchObject({ ok: false, seq: 4, problem: 'altered' });
  });

  it('catches an indexed column changed without touching the hashed body', async () => {
    await tamper(store, async (tx) => {
      await tx.query(`UPDATE audit_event SET actor_id = 'someone-else' WHERE seq = 6`);
    });
    expect(await verifyChain(store)).toMatchObject({ ok: false, seq: 6, problem: 'altered', detail: expect.stringContaining('actor_id') });
  });

  it('names the first seq of events deleted from the middle', async () => {
    await tamper(store, async (tx) => {
      await tx.query('DELETE FROM audit_event WHERE seq IN (5, 6)');
    });
    expect(await verifyChain(store)).toMatchObject({ ok: false, seq: 5, problem: 'missing' });
  });

  it('notices the first event deleted', async () => {
    await tamper(store, async (tx) => {
      await tx.query('DELETE FROM audit_event WHERE seq = 1');
    });
    expect(await verifyChain(store)).toMatchObject({ ok: false, seq: 1, problem: 'missing' });
  });

  it('names the seq where two events were swapped', async () => {
    await tamper(store, async (tx) => {
      await tx.query('UPDATE audit_event SET seq = seq + 1000 WHERE seq IN (3, 4)');
      await tx.query('UPDATE audit_event SET seq = 4 WHERE seq = 1003');
      await tx.query('UPDATE audit_event SET seq = 3 WHERE seq = 1004');
    });
    expect(await verifyChain(store)).toMatchObject({ ok: false, seq: 3, problem: 'reordered' });
  });

  it('names the seq of an event re-hashed onto a forged predecessor', async () => {
    await tamper(store, async (tx) => {
      const { rows } = await tx.query<{ body: unknown }>('SELECT body FROM audit_event WHERE seq = 8');
      const forgedPrev = 'a'.repeat(64);
      await tx.query('UPDATE audit_event SET prev_hash = $1, hash = $2 WHERE seq = 8', [forgedPrev, hashEvent(forgedPrev, rows[0]!.body)]);
    });
    expect(await verifyChain(store)).toMatchObject({ ok: false, seq: 8, problem: 'broken-link' });
  });

  it('names the next seq when an event is rewritten with a recomputed hash', async () => {
    await tamper(store, async (tx) => {
      const { rows } = await tx.query<{ body: Record<string, unknown>; prev_hash: string }>(
        'SELECT body, prev_hash FROM audit_event WHERE seq = 2',
      );
      const body = { ...rows[0]!.body, operation: 'searchPeople' };
      await tx.query(`UPDATE audit_event SET body = $1::jsonb, operation = 'searchPeople', hash = $2 WHERE seq = 2`, [
        JSON.stringify(body),
        hashEvent(rows[0]!.prev_hash, body),
      ]);
    });
    expect(await verifyChain(store)).toMatchObject({ ok: false, seq: 3, problem: 'broken-link' });
  });

  it('reports a missing anchor when asked to verify from beyond the head', async () => {
    expect(await verifyChain(store, { fromSeq: 20 })).toMatchObject({ ok: false, seq: 19, problem: 'missing' });
  });

  it('starts the first event from the genesis hash', async () => {
    await tamper(store, async (tx) => {
      const { rows } = await tx.query<{ body: unknown }>('SELECT body FROM audit_event WHERE seq = 1');
      const prev = 'b'.repeat(64);
      await tx.query('UPDATE audit_event SET prev_hash = $1, hash = $2 WHERE seq = 1', [prev, hashEvent(prev, rows[0]!.body)]);
    });
    expect(await verifyChain(store)).toMatchObject({ ok: false, seq: 1, problem: 'broken-link' });
    expect(GENESIS_HASH).not.toBe('b'.repeat(64));
  });
});
