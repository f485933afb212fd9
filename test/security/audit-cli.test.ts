import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AccessEvent } from '../../gateway/audit/index.js';
import { ERROR_CODES } from '../../gateway/errors.js';
import { openStore } from '../../gateway/store/index.js';
import { lockDataDir } from '../../gateway/store/data-dir-lock.js';
import { startTestGateway, type TestGateway } from '../helpers/gateway.js';

/** `mash-gateway audit ...` as an IG officer runs it: a separate process on the same data directory. */
function runCli(args: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'gateway/cli.ts', ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += String(chunk)));
    child.stderr.on('data', (chunk) => (stderr += String(chunk)));
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

/**
 * Issue 11, item 12: PGlite serves one process. The audit CLI run while the gateway holds the
 * embedded store must not lose its own audit event: it refuses, naming the running gateway.
 */
describe('the audit CLI and a running gateway on one embedded store', () => {
  let t: TestGateway | undefined;
  const dir = mkdtempSync(join(tmpdir(), 'mash-cli-lock-'));
  let env: Record<string, string>;

  beforeAll(async () => {
    t = await startTestGateway({ inMemoryStore: false });
    const configPath = join(dir, 'config.yaml');
    writeFileSync(configPath, `policy: ${join(process.cwd(), 'policies/mash-disclosure-policy.yaml')}\nauth: { demoIssuer: true }\nconnectors: [{ kind: health, baseUrl: 'http://127.0.0.1:9/fhir' }]\n`);
    env = { DATA_DIR: t.config.dataDir, MASH_CONFIG: configPath, DATABASE_URL: '', LOG_LEVEL: 'silent' };
  });
  afterAll(async () => {
    await t?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses with STORE_LOCKED (exit 7) naming the running gateway, records nothing it cannot keep, and works once the gateway stops', async () => {
    const refused = await runCli(['audit', 'export'], env);
    expect(refused.code).toBe(ERROR_CODES.STORE_LOCKED.exit);
    expect(refused.code).toBe(7);
    expect(refused.stdout).toBe('');
    expect(refused.stderr).toContain('is in use by the running gateway');
    expect(refused.stderr).toContain(`pid ${process.pid}`);
    expect(refused.stderr).toMatch(/Stop that process first/);

    // The gateway's store is untouched and still its own.
    const exportsWhileRunning = await t!.gateway.store.query(`SELECT 1 FROM audit_event WHERE body->>'operation' = 'auditExport'`);
    expect(exportsWhileRunning.rows).toHaveLength(0);

    const dataDir = t!.config.dataDir;
    await t!.gateway.close();
    const ran = await runCli(['audit', 'export'], env);
    expect(ran.stderr).toBe('');
    expect(ran.code).toBe(0);
    // Its own audit event was kept: the next process to open the store finds it.
    const store = await openStore({ dataDir: join(dataDir, 'pglite') });
    try {
      const { rows } = await store.query<{ body: AccessEvent }>(`SELECT body FROM audit_event WHERE body->>'operation' = 'auditExport'`);
      expect(rows).toHaveLength(1);
      expect(rows[0]!.body.actor?.roles).toEqual(['audit-cli']);
    } finally {
      await store.close();
    }
    rmSync(dataDir, { recursive: true, force: true });
    t = undefined;
  }, 120_000);

  it('lets one holder at a time have a data directory, and says who holds it', async () => {
    const dataDir = join(dir, 'store');
    const held = await lockDataDir(dataDir, { command: 'gateway' });
    try {
      await expect(openStore({ dataDir })).rejects.toMatchObject({ code: 'STORE_LOCKED', message: expect.stringContaining(`pid ${process.pid}`) });
    } finally {
      await held.release();
    }
    const store = await openStore({ dataDir });
    await store.close();
  });
});
