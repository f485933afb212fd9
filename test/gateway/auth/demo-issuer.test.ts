import { mkdtemp, readFile, rm, stat, writeFile, chmod } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createAuthenticator, DEMO_AUDIENCE, DEMO_ISSUER, loadDemoIssuer, parseTtl } from '../../../gateway/auth/index.js';
import { GatewayError } from '../../../gateway/errors.js';

let dataDir: string;
const keyFile = () => join(dataDir, 'demo-issuer', 'private-key.jwk.json');
const claims = { sub: 'sw-101', name: 'Jo Patel', agency: 'social-care', roles: ['mash-researcher'] };

beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'mash-auth-'));
});
afterEach(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

describe('loadDemoIssuer', () => {
  it('creates an ES256 key on first run in a 0600 file, with the kid its JWK thumbprint', async () => {
    const nested = join(dataDir, 'nested', 'dir');
    const issuer = await loadDemoIssuer(nested);
    const file = join(nested, 'demo-issuer', 'private-key.jwk.json');
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    const stored = JSON.parse(await readFile(file, 'utf8'));
    expect(stored).toMatchObject({ kty: 'EC', crv: 'P-256', kid: issuer.config.keys?.[0]?.kid });
    expect(typeof stored.d).toBe('string');
  });

  it('keeps its key across loads (same kid), so earlier tokens still verify', async () => {
    const first = await loadDemoIssuer(dataDir);
    const token = await first.sign(claims);
    const second = await loadDemoIssuer(dataDir);
    expect(second.config.keys?.[0]?.kid).toBe(first.config.keys?.[0]?.kid);
    await expect(createAuthenticator([second.config]).authenticate(`Bearer ${token}`)).resolves.toMatchObject({
      id: 'sw-101',
    });
  });

  it('agrees on one key when loaded concurrently', async () => {
    const issuers = await Promise.all([loadDemoIssuer(dataDir), loadDemoIssuer(dataDir), loadDemoIssuer(dataDir)]);
    expect(new Set(issuers.map((issuer) => issuer.config.keys?.[0]?.kid)).size).toBe(1);
  });

  it('tightens a key file readable by others back to 0600', async () => {
    await loadDemoIssuer(dataDir);
    await chmod(keyFile(), 0o644);
    await loadDemoIssuer(dataDir);
    expect((await stat(keyFile())).mode & 0o777).toBe(0o600);
  });

  it('refuses a key file that is not an ES256 private key, with CONFIG_INVALID', async () => {
    await loadDemoIssuer(dataDir);
    await writeFile(keyFile(), '{"kty":"oct","k":"c2VjcmV0"}');
    await expect(loadDemoIssuer(dataDir)).rejects.toMatchObject({ code: 'CONFIG_INVALID' });
  });

  it('publishes only the public key in its issuer config', async () => {
    const { config } = await loadDemoIssuer(dataDir);
    expect(config).toMatchObject({ issuer: DEMO_ISSUER, audience: DEMO_AUDIENCE, algorithms: ['ES256'] });
    expect(config.keys).toHaveLength(1);
    expect(config.keys?.[0]).not.toHaveProperty('d');
  });

  it('signs tokens the authenticator turns into the Actor', async () => {
    const issuer = await loadDemoIssuer(dataDir);
    const token = await issuer.sign({ ...claims, roles: ['mash-researcher', 'mash-manager'], ttl: '15m' });
    await expect(createAuthenticator([issuer.config]).authenticate(`Bearer ${token}`)).resolves.toEqual({
      id: 'sw-101',
      name: 'Jo Patel',
      agency: 'social-care',
      roles: ['mash-researcher', 'mash-manager'],
      issuer: DEMO_ISSUER,
    });
  });

  it('refuses to sign without a role, with BAD_INPUT', async () => {
    const issuer = await loadDemoIssuer(dataDir);
    await expect(issuer.sign({ ...claims, roles: [] })).rejects.toMatchObject({ code: 'BAD_INPUT' });
  });
});

describe('parseTtl', () => {
  it.each([
    ['90s', 90],
    ['15m', 900],
    ['1h', 3600],
    ['8h', 28_800],
    ['1d', 86_400],
    ['24h', 86_400],
  ])('reads %s as %i seconds', (ttl, seconds) => {
    expect(parseTtl(ttl)).toBe(seconds);
  });

  it.each(['', 'soon', '1w', '-1h', '1.5h', '0m'])('refuses %j with BAD_INPUT and an example', (ttl) => {
    let error: unknown;
    try {
      parseTtl(ttl);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(GatewayError);
    expect((error as GatewayError).code).toBe('BAD_INPUT');
    expect((error as GatewayError).message).toMatch(/1h/);
  });

  it('refuses a lifetime beyond 24h', () => {
    expect(() => parseTtl('25h')).toThrow(/24h maximum/);
    expect(() => parseTtl('2d')).toThrow(/24h maximum/);
  });
});
