import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAuditLog } from '../../../gateway/audit/index.js';
import type { Store } from '../../../gateway/store/index.js';
import { storeKinds } from '../../helpers/stores.js';
import { accessEventInput } from './fixtures.js';

describe.each(storeKinds())('audit_event on $name', (kind) => {
  let store: Store;
  beforeAll(async () => {
    store = await kind.open();
    const log = createAuditLog(store);
    await log.append(accessEventInput());
    await log.close();
  });
  afterAll(async () => {
    await store.close();
  });

  it.each([
    ['UPDATE', `UPDATE audit_event SET outcome = 'refused'`],
    ['DELETE', 'DELETE FROM audit_event'],
    ['TRUNCATE', 'TRUNCATE audit_event'],
  ])('refuses %s in the database itself', async (_operation, sql) => {
    await expect(store.query(sql)).rejects.toThrow('audit_event is append-only');
    const { rows } = await store.query<{ n: number; outcome: string }>('SELECT count(*)::int AS n, min(outcome) AS outcome FROM audit_event');
    expect(rows).toEqual([{ n: 1, outcome: 'success' }]);
  });

  it.each([
    ['upper-case hex', 'A'.repeat(64)],
    ['63 digits', '0'.repeat(63)],
    ['65 digits', '0'.repeat(65)],
    ['a trailing newline', `${'0'.repeat(63)}\n`],
    ['a non-ASCII digit', `${'0'.repeat(62)}\u0660`],
  ])('refuses a hash with %s in the database itself', async (_what, bad) => {
    const insert = (prevHash: string, hash: string) =>
      store.query(
        `INSERT INTO audit_event (seq, id, at, request_id, operation, outcome, prev_hash, hash, body)
         VALUES (1000, gen_random_uuid(), now(), 'r', 'o', 'success', $1, $2, '{}')`,
        [prevHash, hash],
      );
    const good = 'a'.repeat(64);
    await expect(insert(bad, good)).rejects.toMatchObject({ code: '23514' });
    await expect(insert(good, bad)).rejects.toMatchObject({ code: '23514' });
  });

  it('appends through audit_append only onto the event a batch names, as committed', async () => {
    const { rows } = await store.query<{ seq: number; hash: string; prev_hash: string }>(
      'SELECT seq, hash, prev_hash FROM audit_event ORDER BY seq DESC LIMIT 1',
    );
    const head = rows[0]!;
    const event = JSON.stringify({
      id: '00000000-0000-4000-8000-000000000001',
      at: '2024-05-01T09:30:00.000Z',
      requestId: 'r',
      operation: 'o',
      outcome: 'success',
    });
    const append = (firstSeq: number, prevHash: string) =>
      store.query('SELECT audit_append($1::bigint, $2::text, $3::text[], $4::text)', [firstSeq, prevHash, ['b'.repeat(64)], `[${event}]`]);
    // Onto a hash the event before does not have, past the head (a gap), or before the first event.
    await expect(append(head.seq + 1, 'c'.repeat(64))).rejects.toMatchObject({ code: '40001' });
    await expect(append(head.seq + 2, head.hash)).rejects.toMatchObject({ code: '40001' });
    await expect(append(1, 'c'.repeat(64))).rejects.toMatchObject({ code: '40001' });
    // Onto an event that is no longer the head: the seq is taken.
    await expect(append(head.seq, head.prev_hash)).rejects.toMatchObject({ code: '23505' });
    const after = await store.query<{ n: number }>('SELECT count(*)::int AS n FROM audit_event');
    expect(after.rows).toEqual([{ n: head.seq }]);
  });

  it('accepts inserts', async () => {
    const log = createAuditLog(store);
    await expect(log.append(accessEventInput())).resolves.toMatchObject({ seq: 2 });
  });
});
