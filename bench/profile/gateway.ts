/**
 * bench:profile's gateway: the whole gateway in its own process (auth, enquiry check, policy, gate,
 * committed audit), with the health connector calling the agency process over FHIR. The store is
 * PGlite in a temporary data directory, or PostgreSQL (its own schema, dropped at the end) when
 * `{ databaseUrl }` is given.
 *
 * Messages: `{ type: 'start', healthBaseUrl, databaseUrl? }` -> `{ type: 'ready', url, token, store }`;
 * `{ type: 'cpu' }` -> `{ type: 'cpu', usage, audit }` (process.cpuUsage and the audit counters);
 * `{ type: 'profile-start' }` and `{ type: 'profile-stop', path }` -> `{ type: 'profiled' }`: a V8 CPU
 * profile of the measured runs only (not start-up), written to `path` (keep it out of the repository);
 * `{ type: 'stop' }` closes the gateway and exits.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { startGateway, type Gateway } from '../../gateway/app.js';
import { configFromDocument } from '../../gateway/config.js';
import { openStore } from '../../gateway/store/index.js';
import { RELAXED_RATE_LIMITS } from '../../test/helpers/gateway.js';

interface Start {
  type: 'start';
  healthBaseUrl: string;
  databaseUrl?: string;
}

let gateway: Gateway | undefined;
let cleanup = async () => {};

async function start(message: Start): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'mash-bench-profile-'));
  const config = configFromDocument(
    {
      auth: { demoIssuer: true },
      sandbox: { enabled: false },
      connectors: [{ kind: 'health', baseUrl: message.healthBaseUrl, timeoutMs: 5000 }],
      // The gateway's own cost per request, not its rate limits (bench:abuse measures those).
      limits: RELAXED_RATE_LIMITS,
      incidents: { pollEverySeconds: 0 },
      encompass: { workEverySeconds: 0 },
    },
    join(process.cwd(), 'mash-gateway.config.yaml'),
    { PORT: 0, HOST: '127.0.0.1', DATA_DIR: dataDir, DATABASE_URL: undefined, LOG_LEVEL: 'silent', MASH_CONFIG: 'unused', SHUTDOWN_GRACE_MS: 5000 },
  );
  const schema = `bench_profile_${randomBytes(4).toString('hex')}`;
  const store = message.databaseUrl ? await openStore({ databaseUrl: message.databaseUrl, schema }) : undefined;
  gateway = await startGateway(config, store ? { store } : {});
  cleanup = async () => {
    await gateway!.close();
    if (store && message.databaseUrl) {
      await store.close();
      const client = new pg.Client({ connectionString: message.databaseUrl });
      await client.connect();
      await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await client.end();
    }
    rmSync(dataDir, { recursive: true, force: true });
  };
  const token = await gateway.demoIssuer!.sign({ sub: 'bench', name: 'Bench Researcher', agency: 'social-care', roles: ['mash-researcher'], ttl: '2h' });
  process.send!({ type: 'ready', url: `${gateway.url}/graphql`, token, store: gateway.store.kind });
}

const inspector = new Session();

process.on('message', async (message: Start | { type: 'cpu' | 'stop' | 'profile-start' } | { type: 'profile-stop'; path: string }) => {
  if (message.type === 'start') await start(message);
  if (message.type === 'profile-start') {
    inspector.connect();
    await inspector.post('Profiler.enable');
    await inspector.post('Profiler.start');
  }
  if (message.type === 'profile-stop') {
    const { profile } = await inspector.post('Profiler.stop');
    writeFileSync(message.path, JSON.stringify(profile));
    inspector.disconnect();
    process.send!({ type: 'profiled' });
  }
  if (message.type === 'cpu') process.send!({ type: 'cpu', usage: process.cpuUsage(), audit: gateway?.audit.stats() });
  if (message.type === 'stop') {
    await cleanup();
    process.exit(0);
  }
});
