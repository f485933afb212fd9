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

  it('accepts inserts', async () => {
    const log = createAuditLog(store);
    await expect(log.append(accessEventInput())).resolves.toMatchObject({ seq: 2 });
  });
});
