import { mkdtempSync, rmSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startGateway, type Gateway } from '../../gateway/app.js';
import { configFromDocument } from '../../gateway/config.js';
import { createLogger, silentLogger } from '../../gateway/log.js';
import { forkSandbox } from '../../gateway/sandbox-process.js';
import { generateCounty } from '../../sandbox/county/index.js';
import { RELAXED_RATE_LIMITS } from '../helpers/gateway.js';

/**
 * The sandbox in its own process (`sandbox.process: separate`, what `npm start` runs): the
 * gateway reaches each agency over its protocol, stops the process on close, and survives the
 * process dying. With DATABASE_URL set, housing and social care are loaded into PostgreSQL.
 */
const SEED = 5;
const HOUSEHOLDS = 20;
const databaseUrl = process.env.DATABASE_URL || undefined;
const AGENCIES = ['health', 'police', 'education', 'housing', 'social-care'];

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function sql(url: string, text: string): Promise<Record<string, unknown>[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(text)).rows;
  } finally {
    await client.end();
  }
}

describe('the sandbox in its own process', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'mash-sandbox-process-'));
  const logLines: string[] = [];
  let gateway: Gateway;

  beforeAll(async () => {
    const config = configFromDocument(
      {
        auth: { demoIssuer: true },
        sandbox: { enabled: true, seed: SEED, households: HOUSEHOLDS, healthPort: 0, policePort: 0, overnightIncidents: false, process: 'separate' },
        connectors: AGENCIES.map((kind) => ({ kind, timeoutMs: 3000 })),
        limits: RELAXED_RATE_LIMITS,
        incidents: { pollEverySeconds: 0 },
        encompass: { workEverySeconds: 0 },
      },
      join(process.cwd(), 'mash-gateway.config.yaml'),
      { PORT: 0, HOST: '127.0.0.1', DATA_DIR: dataDir, DATABASE_URL: databaseUrl, LOG_LEVEL: 'debug', MASH_CONFIG: 'unused', SHUTDOWN_GRACE_MS: 2000 },
    );
    const destination = new Writable({
      write(chunk, _encoding, callback) {
        logLines.push(...String(chunk).split('\n').filter(Boolean));
        callback();
      },
    });
    gateway = await startGateway(config, { inMemoryStore: true, logger: createLogger({ level: 'debug', destination }) });
  }, 300_000);

  afterAll(async () => {
    await gateway?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('runs the agencies in a child process and keeps only the public facts of the county', () => {
    const child = gateway.sandboxProcess!;
    expect(child.pid).not.toBe(process.pid);
    expect(alive(child.pid)).toBe(true);
    expect(gateway.sandbox).toBeUndefined();
    const county = generateCounty({ seed: SEED, households: HOUSEHOLDS });
    expect(gateway.sandboxFacts).toMatchObject({ persons: county.persons.length, households: county.households.length, featuredChild: { nhsNumber: county.featured.child.nhsNumber } });
    expect(gateway.sandboxFacts!.childrensServices?.name).toBe(county.localAuthority.childrensServices.name);
  });

  it('reaches every agency over its own protocol', async () => {
    const { addresses } = gateway.sandboxProcess!;
    const patient = await fetch(`${addresses.health}/metadata`);
    expect(patient.status).toBe(200);
    expect((await patient.json()).resourceType).toBe('CapabilityStatement');
    expect(new URL(addresses.police).hostname).toBe('127.0.0.1');
    expect((await readdir(addresses.educationDir)).some((name) => /\.xml$/i.test(name))).toBe(true);
    const [tenancies] = await sql(addresses.housing!, 'SELECT count(*)::int AS n FROM tenancies');
    expect(tenancies!.n).toBeGreaterThan(0);
    const [persons] = await sql(addresses.socialCare!, 'SELECT count(*)::int AS n FROM person');
    expect(persons!.n).toBeGreaterThan(0);
    if (databaseUrl) {
      // PostgreSQL mode: each SQL agency in its own schema of that server.
      expect(new URL(addresses.housing!).searchParams.get('options')).toBe('-c search_path=sandbox_housing');
      const schemas = await sql(databaseUrl, `SELECT schema_name FROM information_schema.schemata WHERE schema_name IN ('sandbox_housing', 'sandbox_social_care') ORDER BY 1`);
      expect(schemas.map((row) => row.schema_name)).toEqual(['sandbox_housing', 'sandbox_social_care']);
    } else {
      // Embedded: PGlite served over the PostgreSQL wire protocol on loopback.
      expect(new URL(addresses.housing!).hostname).toBe('127.0.0.1');
    }
    const health = await gateway.federation.health('test-request');
    expect(health.map((h) => [h.agency, h.ok])).toEqual(AGENCIES.map((agency) => [agency, true]));
  });

  it('stops a sandbox process on close, leaving no process behind', async () => {
    // Only the agencies a gateway connects to: no SQL database is loaded for this one.
    const sandbox = await forkSandbox({ seed: SEED, households: 5, agencies: ['health', 'education'] }, { logger: silentLogger });
    expect(alive(sandbox.pid)).toBe(true);
    expect(sandbox.addresses.housing).toBeUndefined();
    expect(sandbox.addresses.socialCare).toBeUndefined();
    await sandbox.close();
    expect(alive(sandbox.pid)).toBe(false);
    await expect(readdir(sandbox.addresses.educationDir)).rejects.toMatchObject({ code: 'ENOENT' });
  }, 300_000);

  it('reports a sandbox process that dies, and shows its agencies down while the gateway answers', async () => {
    const child = gateway.sandboxProcess!;
    process.kill(child.pid, 'SIGKILL');
    expect(await child.exited).toMatchObject({ signal: 'SIGKILL' });
    await vi.waitFor(() => expect(logLines.some((line) => line.includes('the sandbox process exited') && line.includes('"level":50'))).toBe(true));
    // Education notices its directory has gone at its next refresh (every 5 s). With
    // DATABASE_URL, housing and social care live in PostgreSQL, which is still up.
    const stillServed = databaseUrl ? ['housing', 'social-care'] : [];
    await vi.waitFor(
      async () => {
        const health = await gateway.federation.health('test-request');
        expect(health.filter((h) => h.ok).map((h) => h.agency)).toEqual(stillServed);
      },
      { timeout: 15_000, interval: 500 },
    );
    expect((await fetch(`${gateway.url}/healthz`)).status).toBe(200);
  }, 30_000);
});
