import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeJwt } from 'jose';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  createAuthenticator,
  loadDemoIssuer,
  NO_DEMO_ISSUER_MESSAGE,
  runTokenCommand,
  TOKEN_USAGE,
} from '../../../gateway/auth/index.js';

let dataDir: string;
let out: string;
let err: string;

beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'mash-token-'));
  out = '';
  err = '';
});
afterEach(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

const run = (argv: string[], demoIssuerEnabled = true) =>
  runTokenCommand(argv, {
    dataDir,
    demoIssuerEnabled,
    stdout: (s) => {
      out += s;
    },
    stderr: (s) => {
      err += s;
    },
  });

const fullArgs = ['--sub', 'pc-4471', '--name', 'Sam Okafor', '--agency', 'police', '--role', 'mash-researcher'];

describe('mash-gateway token', () => {
  it('prints a token, alone on stdout, that the gateway verifies', async () => {
    expect(await run([...fullArgs, '--role', 'mash-manager', '--ttl', '8h'])).toBe(0);
    expect(err).toBe('');
    expect(out).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+\n$/);
    const token = out.trim();
    const { config } = await loadDemoIssuer(dataDir);
    await expect(createAuthenticator([config]).authenticate(`Bearer ${token}`)).resolves.toEqual({
      id: 'pc-4471',
      name: 'Sam Okafor',
      agency: 'police',
      roles: ['mash-researcher', 'mash-manager'],
      issuer: config.issuer,
    });
    const { exp, iat } = decodeJwt(token);
    expect((exp ?? 0) - (iat ?? 0)).toBe(8 * 3600);
  });

  it('refuses with exit 2 when no demo issuer is configured', async () => {
    expect(await run(fullArgs, false)).toBe(2);
    expect(out).toBe('');
    expect(err).toContain(NO_DEMO_ISSUER_MESSAGE);
  });

  it('reports a missing --sub clearly, with the usage line, and exits 2', async () => {
    expect(await run(fullArgs.slice(2))).toBe(2);
    expect(out).toBe('');
    expect(err).toMatch(/missing --sub ID/);
    expect(err).toContain(TOKEN_USAGE);
  });

  it('names every missing option at once', async () => {
    expect(await run(['--sub', 'pc-4471'])).toBe(2);
    expect(err).toMatch(/missing --name NAME, --agency AGENCY, --role ROLE/);
  });

  it('refuses an unknown option with exit 2', async () => {
    expect(await run([...fullArgs, '--admin'])).toBe(2);
    expect(err).toContain(TOKEN_USAGE);
  });

  it('refuses a bad --ttl with exit 2 and an example', async () => {
    expect(await run([...fullArgs, '--ttl', '2w'])).toBe(2);
    expect(out).toBe('');
    expect(err).toMatch(/like 15m, 1h/);
  });

  it('refuses an agency or a role the demo issuer may not assert, naming what it may, with exit 2', async () => {
    expect(await run(['--sub', 'x-1', '--name', 'X', '--agency', 'probation', '--role', 'mash-researcher'])).toBe(2);
    expect(out).toBe('');
    expect(err).toMatch(/may not assert agency "probation"; use one of .*local-authority/);
    err = '';
    expect(await run(['--sub', 'x-1', '--name', 'X', '--agency', 'police', '--role', 'superuser'])).toBe(2);
    expect(out).toBe('');
    expect(err).toMatch(/may not assert role "superuser"; use roles of the policy: .*mash-researcher/);
  });

  it('prints usage for --help and exits 0', async () => {
    expect(await run(['--help'])).toBe(0);
    expect(out).toContain(TOKEN_USAGE);
  });
});

describe('token --school', () => {
  it('puts a school DSL’s LAESTAB in the "school" claim, and refuses one that is not 7 digits', async () => {
    expect(await run([...fullArgs, '--role', 'school-dsl', '--school', '9804001'])).toBe(0);
    expect(decodeJwt(out.trim()).school).toBe('9804001');
    out = '';
    expect(await run([...fullArgs, '--school', '980400'])).toBe(2);
    expect(out).toBe('');
    expect(err).toContain('LAESTAB');
  });
});
