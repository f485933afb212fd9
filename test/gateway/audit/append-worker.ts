/**
 * A gateway process, reduced to its audit log: opens the store, appends access events under
 * concurrent load, and prints `<event id> <seq>` on stdout for each append that resolved (that is,
 * whose transaction committed), the way the gateway answers a request only after its event commits.
 * Used by crash.test.ts (SIGKILL mid-run) and multi-process.test.ts (two writers on one PostgreSQL).
 *
 * Environment:
 *   AUDIT_WORKER_STORE        pglite | postgres
 *   AUDIT_WORKER_DATA_DIR     data directory: PGlite in <dir>/pglite, the signing key in <dir>/audit-signing
 *   AUDIT_WORKER_SCHEMA       PostgreSQL schema (with DATABASE_URL)
 *   AUDIT_WORKER_COUNT        appends to make, then exit 0 (0: until killed)
 *   AUDIT_WORKER_CONCURRENCY  appends in flight at once (default 16)
 *   AUDIT_WORKER_PREFIX       request id prefix (default "w")
 *   AUDIT_WORKER_CHECKPOINT   sign a checkpoint every N events (default 0: off)
 *   AUDIT_WORKER_WAIT_FOR_GO  when 1, wait for a line "go" on stdin after `ready` (to start several together)
 *
 * Ends with a line `stats <json>` (AuditLog.stats()) and `done`.
 */
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { createAuditLog, loadAuditSigner } from '../../../gateway/audit/index.js';
import { openStore } from '../../../gateway/store/index.js';
import { accessEventInput } from './fixtures.js';

const env = process.env;
const dataDir = env.AUDIT_WORKER_DATA_DIR ?? '';
const count = Number(env.AUDIT_WORKER_COUNT ?? 0);
const concurrency = Number(env.AUDIT_WORKER_CONCURRENCY ?? 16);
const prefix = env.AUDIT_WORKER_PREFIX ?? 'w';
const checkpointEvery = Number(env.AUDIT_WORKER_CHECKPOINT ?? 0);

const store =
  env.AUDIT_WORKER_STORE === 'postgres'
    ? await openStore({ databaseUrl: env.DATABASE_URL ?? '', ...(env.AUDIT_WORKER_SCHEMA ? { schema: env.AUDIT_WORKER_SCHEMA } : {}) })
    : await openStore({ dataDir: join(dataDir, 'pglite') });
const checkpoints = checkpointEvery > 0 ? { signer: await loadAuditSigner({ dataDir }), everyEvents: checkpointEvery } : undefined;
const log = createAuditLog(store, checkpoints === undefined ? {} : { checkpoints });
process.stdout.write('ready\n');
if (env.AUDIT_WORKER_WAIT_FOR_GO === '1') {
  const lines = createInterface({ input: process.stdin });
  await new Promise<void>((resolve) => lines.on('line', (line) => line === 'go' && resolve()));
  lines.close();
}

let started = 0;
async function client(): Promise<void> {
  while (count === 0 || started < count) {
    started += 1;
    const committed = await log.append(accessEventInput({ requestId: `${prefix}-${started}` }));
    process.stdout.write(`${committed.id} ${committed.seq}\n`);
  }
}
await Promise.all(Array.from({ length: concurrency }, client));
await log.close();
await store.close();
process.stdout.write(`stats ${JSON.stringify(log.stats())}\ndone\n`);
