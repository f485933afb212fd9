import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createAuditLog, readDataDirPublicKeys, readEvents, verifyAudit, verifyChain } from '../../../gateway/audit/index.js';
import type { Store } from '../../../gateway/store/index.js';
import { dropSchema, openPostgresTestStore, testDatabaseUrl, uniqueSchema } from '../../helpers/stores.js';
import { accessEventInput } from './fixtures.js';
import { startWorker } from './workers.js';

// Two Store instances on one schema stand for two gateway processes sharing one PostgreSQL.
describe.skipIf(testDatabaseUrl() === undefined)('audit log shared by several gateway processes (PostgreSQL)', () => {
  const schema = uniqueSchema('audit_mp');
  const stores: Store[] = [];
  const dataDirs: string[] = [];
  afterEach(async () => {
    await Promise.all(stores.splice(0).map((s) => s.close()));
    await dropSchema(testDatabaseUrl()!, schema);
    for (const dir of dataDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it('keeps one valid, signed chain when two OS processes append and checkpoint at once', async () => {
    const perProcess = 1000;
    const workers = ['a', 'b'].map((prefix) => {
      const dataDir = mkdtempSync(join(tmpdir(), `mash-audit-mp-${prefix}-`));
      dataDirs.push(dataDir);
      return startWorker({
        AUDIT_WORKER_STORE: 'postgres',
        AUDIT_WORKER_SCHEMA: schema,
        // Each process has its own data directory, hence its own checkpoint key.
        AUDIT_WORKER_DATA_DIR: dataDir,
        AUDIT_WORKER_COUNT: String(perProcess),
        AUDIT_WORKER_CONCURRENCY: '16',
        AUDIT_WORKER_PREFIX: prefix,
        AUDIT_WORKER_CHECKPOINT: '100',
        AUDIT_WORKER_WAIT_FOR_GO: '1',
      });
    });
    await Promise.all(workers.map((w) => w.ready));
    for (const worker of workers) worker.go();
    for (const worker of workers) expect(await worker.exited, worker.stderr()).toBe(0);

    // Every append each process saw commit has a distinct seq, and together they are 1..2000.
    const seqs = workers.flatMap((w) => w.committed.map((c) => c.seq)).sort((x, y) => x - y);
    expect(seqs).toEqual(Array.from({ length: 2 * perProcess }, (_, i) => i + 1));
    for (const worker of workers) expect(worker.stats()).toMatchObject({ events: perProcess, failedTransactions: 0, pending: 0 });

    stores.push(await openPostgresTestStore(schema, { keepSchema: true }));
    const publicKeys = (await Promise.all(dataDirs.map(readDataDirPublicKeys))).flat();
    expect(await verifyAudit(stores[0]!, { publicKeys })).toMatchObject({ ok: true, headSeq: 2 * perProcess, unsigned: 0 });

    // One chain, both processes in it, each in its own arrival order.
    const events = await readEvents(stores[0]!, { limit: 10_000 });
    for (const prefix of ['a', 'b']) {
      const own = events.filter((e) => e.requestId.startsWith(`${prefix}-`)).map((e) => Number(e.requestId.slice(2)));
      expect(own).toEqual(Array.from({ length: perProcess }, (_, i) => i + 1));
    }
    const switches = events.filter((e, i) => i > 0 && e.requestId[0] !== events[i - 1]!.requestId[0]).length;
    expect(switches).toBeGreaterThan(1);
  }, 120_000);

  it('keeps one valid chain when two processes append concurrently', async () => {
    stores.push(await openPostgresTestStore(schema, { keepSchema: true }), await openPostgresTestStore(schema, { keepSchema: true }));
    const [a, b] = stores.map((store) => createAuditLog(store, { maxBatch: 32 }));
    const perProcess = 300;
    const appends = [];
    for (let i = 0; i < perProcess; i += 1) {
      appends.push(a!.append(accessEventInput({ requestId: `a-${i}` })));
      appends.push(b!.append(accessEventInput({ requestId: `b-${i}` })));
      if (i % 50 === 0) await new Promise((resolve) => setImmediate(resolve));
    }
    const committed = await Promise.all(appends);

    const seqs = committed.map((c) => c.seq).sort((x, y) => x - y);
    expect(seqs).toEqual(Array.from({ length: 2 * perProcess }, (_, i) => i + 1));
    expect(await verifyChain(stores[0]!)).toMatchObject({ ok: true, count: 2 * perProcess });
    expect(a!.stats().transactions + b!.stats().transactions).toBeLessThan(2 * perProcess);

    // Each process's own events keep their arrival order within the shared chain.
    const events = await readEvents(stores[1]!, { limit: 10_000 });
    const fromA = events.filter((e) => e.requestId.startsWith('a-')).map((e) => e.requestId);
    expect(fromA).toEqual(Array.from({ length: perProcess }, (_, i) => `a-${i}`));
  });

  it('recovers after its database connections are cut, without breaking the chain', async () => {
    stores.push(await openPostgresTestStore(schema, { keepSchema: true }), await openPostgresTestStore(schema, { keepSchema: true }));
    const [gateway, admin] = stores as [Store, Store];
    const log = createAuditLog(gateway);
    await log.append(accessEventInput({ requestId: 'before' }));

    // Cut every connection of the gateway's pool, and only those (the database is shared with other
    // tests): occupy all pooled connections at once to learn their backend pids.
    const busy = await Promise.all(
      Array.from({ length: 10 }, () => gateway.query<{ pid: number }>('SELECT pg_backend_pid() AS pid, pg_sleep(0.05)')),
    );
    const pids = [...new Set(busy.map((r) => r.rows[0]!.pid))];
    await admin.query('SELECT pg_terminate_backend(pid) FROM unnest($1::int[]) AS pid', [pids]);

    // The first use of a dead connection may fail (fail closed); the log must then work again.
    const outcomes = await Promise.allSettled([log.append(accessEventInput({ requestId: 'during' }))]);
    if (outcomes[0]!.status === 'rejected') expect(outcomes[0].reason).toMatchObject({ code: 'AUDIT_UNAVAILABLE' });
    const after = await log.append(accessEventInput({ requestId: 'after' }));
    expect(after.seq).toBeGreaterThanOrEqual(2);
    expect(await verifyChain(admin)).toMatchObject({ ok: true, headHash: after.hash });
  });
});
