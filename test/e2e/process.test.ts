import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

/** The gateway as `npm start` runs it: a real process, alive on /healthz, ready on /readyz, stopped by Ctrl-C. */
describe('the gateway process', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mash-process-'));
  let child: ChildProcess | undefined;
  afterAll(() => {
    if (child && child.exitCode === null) child.kill('SIGKILL'); // never leave a gateway behind
    rmSync(dir, { recursive: true, force: true });
  });

  it('starts on the embedded store in development mode, answers /healthz and /readyz, and exits 0 on SIGINT', async () => {
    const configPath = join(dir, 'config.yaml');
    writeFileSync(
      configPath,
      `policy: ${join(process.cwd(), 'policies/mash-disclosure-policy.yaml')}\nauth: { demoIssuer: true }\nsandbox: { enabled: true, seed: 3, households: 20, healthPort: 0, policePort: 0 }\nconnectors: [{ kind: health }]\n`,
    );
    child = spawn(process.execPath, ['--import', 'tsx', 'gateway/main.ts'], {
      env: { ...process.env, NODE_ENV: 'development', PORT: '0', DATA_DIR: join(dir, 'data'), MASH_CONFIG: configPath, DATABASE_URL: '', LOG_LEVEL: 'info' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const gateway = child;
    let output = '';
    gateway.stdout!.on('data', (chunk) => (output += String(chunk)));
    gateway.stderr!.on('data', (chunk) => (output += String(chunk)));
    const exited = new Promise<number | null>((resolve) => gateway.on('exit', (code) => resolve(code)));

    const url = await new Promise<string>((resolve, reject) => {
      const poll = setInterval(() => {
        const match = /ready at (http:\/\/[\d.:]+)\/graphql/.exec(output);
        if (match) {
          clearInterval(poll);
          resolve(match[1]!);
        }
      }, 50);
      void exited.then(() => {
        clearInterval(poll);
        reject(new Error(`gateway exited before it was ready:\n${output}`));
      });
    });
    const health = await fetch(`${url}/healthz`);
    expect(health.status).toBe(200);
    const ready = await fetch(`${url}/readyz`);
    expect(ready.status).toBe(200);
    expect(output).toContain('development mode');

    gateway.kill('SIGINT');
    expect(await exited).toBe(0);
    expect(output).toContain('"msg":"stopped"');
  }, 60_000);
});
