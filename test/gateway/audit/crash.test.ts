import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createAuditLog, readDataDirPublicKeys, verifyAudit, writeCheckpoint, loadAuditSigner } from '../../../gateway/audit/index.js';
import { openStore, type Store } from '../../../gateway/store/index.js';
import { dropSchema, openPostgresTestStore, testDatabaseUrl, uniqueSchema } from '../../helpers/stores.js';
import { accessEventInput } from './fixtures.js';
import { startWorker } from './workers.js';

interface CrashTarget {
  name: 'pglite' | 'postgres';
  env(dataDir: string): Record<string, string>;
  reopen(dataDir: string): Promise<Store>;
  cleanUp(): Promise<void>;
}

function targets(): CrashTarget[] {
  const list: CrashTarget[] = [
    {
      name: 'pglite',
      env: (dataDir) => ({ AUDIT_WORKER_STORE: 'pglite', AUDIT_WORKER_DATA_DIR: dataDir }),
      reopen: (dataDir) => openStore({ dataDir: join(dataDir, 'pglite') }),
      cleanUp: async () => undefined,
    },
  ];
  const databaseUrl = testDatabaseUrl();
  if (databaseUrl !== undefined) {
    const schema = uniqueSchema('audit_crash');
    list.push({
      name: 'postgres',
      env: (dataDir) => ({ AUDIT_WORKER_STORE: 'postgres', AUDIT_WORKER_DATA_DIR: dataDir, AUDIT_WORKER_SCHEMA: schema }),
      reopen: () => openPostgresTestStore(schema, { keepSchema: true }),
      cleanUp: () => dropSchema(databaseUrl, schema),
    });
  }
  return list;
}

describe.each(targets())('crash safety on $name', (target) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'mash-audit-crash-'));
  let store: Store | undefined;
  afterEach(async () => {
    await store?.close();
    await target.cleanUp();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('keeps every event it reported committed after SIGKILL mid-load; the chain verifies and writing continues', async () => {
    const worker = startWorker({
      ...target.env(dataDir),
      AUDIT_WORKER_COUNT: '0',
      AUDIT_WORKER_CONCURRENCY: '32',
      AUDIT_WORKER_CHECKPOINT: '100',
    });
    await worker.ready;
    await worker.reported(1500);
    worker.child.kill('SIGKILL');
    expect(await worker.exited).toBe('SIGKILL');
    const reported = [...worker.committed];
    expect(reported.length).toBeGreaterThanOrEqual(1500);

    store = await target.reopen(dataDir);
    // Every append the "client" saw succeed has its committed event, at the seq it was told.
    const { rows } = await store.query<{ id: string; seq: number }>('SELECT id, seq FROM audit_event WHERE id = ANY($1::uuid[])', [
      reported.map((r) => r.id),
    ]);
    const stored = new Map(rows.map((row) => [row.id, Number(row.seq)]));
    expect(reported.filter((r) => stored.get(r.id) !== r.seq)).toEqual([]);

    // After restart the chain and every checkpoint written before the kill verify...
    const publicKeys = await readDataDirPublicKeys(dataDir);
    expect(publicKeys).toHaveLength(1);
    const before = await verifyAudit(store, { publicKeys });
    expect(before).toMatchObject({ ok: true });
    expect(before.ok && before.headSeq).toBeGreaterThanOrEqual(Math.max(...reported.map((r) => r.seq)));
    expect(before.ok && before.checkpoints).toBeGreaterThanOrEqual(1);

    // ...and writing continues from the head the dead process left.
    const log = createAuditLog(store);
    const next = await log.append(accessEventInput({ requestId: 'after-restart' }));
    await log.close();
    expect(before.ok && next.seq).toBe(before.ok && before.headSeq + 1);
    await writeCheckpoint(store, await loadAuditSigner({ dataDir }));
    expect(await verifyAudit(store, { publicKeys })).toMatchObject({ ok: true, headSeq: next.seq, unsigned: 0 });
  }, 120_000);
});
