import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { lstatSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type Gateway } from '../../gateway/app.js';
import { readEvents } from '../../gateway/audit/index.js';
import { configFromDocument, type GatewayConfig } from '../../gateway/config.js';
import { isGatewayError } from '../../gateway/errors.js';
import { silentLogger } from '../../gateway/log.js';

/**
 * Production mode (issue 11, item 13): what it refuses at start, what it turns off, the security
 * headers on every response, and the owner-only data directory (in every mode).
 */

const ISSUER = 'https://login.council.example/';
const AUDIENCE = 'mash-gateway';
const CONFIG_PATH = join(process.cwd(), 'mash-gateway.config.yaml');

interface Signer {
  issuer: Record<string, unknown>;
  token(claims?: Partial<{ sub: string; name: string; agency: string; roles: string[] }>): Promise<string>;
}

/** A registered agency issuer with an inline public key, and tokens signed by it. */
async function realIssuer(): Promise<Signer> {
  const { publicKey, privateKey } = await generateKeyPair('ES256');
  const jwk = { ...(await exportJWK(publicKey)), kid: 'council-1', alg: 'ES256', use: 'sig' };
  return {
    issuer: { issuer: ISSUER, audience: AUDIENCE, keys: [jwk], algorithms: ['ES256'], agencies: ['social-care'], roles: ['mash-researcher'] },
    token: (claims = {}) => signWith(privateKey, { sub: 'researcher-1', name: 'Riley Researcher', agency: 'social-care', roles: ['mash-researcher'], ...claims }),
  };
}

function signWith(key: CryptoKey, claims: { sub: string; name: string; agency: string; roles: string[] }): Promise<string> {
  const { sub, ...rest } = claims;
  return new SignJWT(rest).setProtectedHeader({ alg: 'ES256', kid: 'council-1' }).setIssuer(ISSUER).setAudience(AUDIENCE).setSubject(sub).setIssuedAt().setExpirationTime('10m').sign(key);
}

const ENV = { PORT: 0, HOST: '127.0.0.1', DATABASE_URL: undefined, LOG_LEVEL: 'silent' as const, MASH_CONFIG: 'unused', SHUTDOWN_GRACE_MS: 2000 };

/** A production configuration: one real issuer, no demo issuer, no sandbox, a health system by address. */
function productionDocument(issuer: Record<string, unknown>, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    mode: 'production',
    auth: { demoIssuer: false, issuers: [issuer] },
    sandbox: { enabled: false },
    connectors: [{ kind: 'health', baseUrl: 'http://127.0.0.1:9/fhir', timeoutMs: 500 }],
    ...extra,
  };
}

function refusal(document: Record<string, unknown>, nodeEnv?: string): string {
  try {
    configFromDocument(document, CONFIG_PATH, { ...ENV, DATA_DIR: tmpdir(), NODE_ENV: nodeEnv });
  } catch (error) {
    expect(isGatewayError(error) && error.code).toBe('CONFIG_INVALID');
    return (error as Error).message;
  }
  throw new Error('the configuration was accepted');
}

async function post(url: string, body: unknown, token?: string, headers: Record<string, string> = {}) {
  const response = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  return { response, text, body: JSON.parse(text) as { data?: unknown; errors?: { message: string; extensions: { code: string } }[] } };
}

describe('production mode refuses to start', () => {
  let signer: Signer;
  let child: ChildProcess | undefined;
  beforeAll(async () => {
    signer = await realIssuer();
  });
  afterAll(() => {
    if (child && child.exitCode === null) child.kill('SIGKILL'); // a gateway that started is never left behind
  });

  it('with the demo issuer (naming auth.demoIssuer)', () => {
    const message = refusal(productionDocument(signer.issuer, { auth: { demoIssuer: true, issuers: [signer.issuer] } }));
    expect(message).toMatch(/production mode/);
    expect(message).toMatch(/auth\.demoIssuer/);
  });

  it('with the sandbox (naming sandbox.enabled)', () => {
    const message = refusal(productionDocument(signer.issuer, { sandbox: { enabled: true } }));
    expect(message).toMatch(/sandbox\.enabled/);
  });

  it('without a real issuer (naming auth.issuers)', () => {
    const message = refusal(productionDocument(signer.issuer, { auth: { demoIssuer: false, issuers: [] } }));
    expect(message).toMatch(/auth\.issuers/);
  });

  it('when NODE_ENV=production, whatever the file leaves out', () => {
    const { mode: _mode, ...withoutMode } = productionDocument(signer.issuer, { auth: { demoIssuer: true, issuers: [] } });
    expect(refusal(withoutMode, 'production')).toMatch(/auth\.demoIssuer/);
  });

  it('when the file says development but NODE_ENV says production (naming mode)', () => {
    const message = refusal({ ...productionDocument(signer.issuer), mode: 'development' }, 'production');
    expect(message).toMatch(/\bmode\b/);
    expect(message).toMatch(/NODE_ENV/);
  });

  it('as a process: NODE_ENV=production with the demo configuration exits 9 naming the setting', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mash-production-'));
    try {
      const started = (child = spawn(process.execPath, ['--import', 'tsx', 'gateway/main.ts'], {
        env: { ...process.env, NODE_ENV: 'production', PORT: '0', DATA_DIR: join(dir, 'data'), MASH_CONFIG: CONFIG_PATH, DATABASE_URL: '', LOG_LEVEL: 'silent' },
        stdio: ['ignore', 'pipe', 'pipe'],
      }));
      let stderr = '';
      started.stderr.on('data', (chunk) => (stderr += String(chunk)));
      const code = await new Promise<number | null>((resolve) => started.on('exit', resolve));
      expect(code).toBe(9);
      expect(stderr).toMatch(/auth\.demoIssuer/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it('accepts a production configuration with a real issuer', () => {
    const config = configFromDocument(productionDocument(signer.issuer), CONFIG_PATH, { ...ENV, DATA_DIR: tmpdir(), NODE_ENV: undefined });
    expect(config.mode).toBe('production');
  });
});

const SECURITY_HEADERS = {
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
  'cache-control': 'no-store',
};

function expectSecurityHeaders(response: Response, what: string): void {
  for (const [name, value] of Object.entries(SECURITY_HEADERS)) expect(response.headers.get(name), `${what}: ${name}`).toBe(value);
}

describe('a gateway in production mode', () => {
  let signer: Signer;
  let gateway: Gateway;
  let config: GatewayConfig;
  let root: string;
  let token: string;

  beforeAll(async () => {
    signer = await realIssuer();
    root = mkdtempSync(join(tmpdir(), 'mash-production-'));
    // A data directory that does not exist yet: the gateway creates it.
    config = configFromDocument(productionDocument(signer.issuer), CONFIG_PATH, { ...ENV, DATA_DIR: join(root, 'data'), NODE_ENV: undefined });
    gateway = await startGateway(config, { logger: silentLogger });
    token = await signer.token();
  }, 120_000);
  afterAll(async () => {
    await gateway?.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('answers an ordinary query', async () => {
    const { body } = await post(gateway.url, { query: '{ me { id } }' }, token);
    expect(body.errors).toBeUndefined();
  });

  it('refuses introspection with INTROSPECTION_DISABLED, and audits the refusal', async () => {
    for (const query of ['{ __schema { types { name } } }', '{ __type(name: "Query") { fields { name } } }', '{ me { id } a: __schema { queryType { name } } }']) {
      const { response, text, body } = await post(gateway.url, { query }, token);
      expect(response.status).toBe(400);
      expect(body.data ?? null).toBeNull();
      expect(body.errors![0]!.extensions.code).toBe('INTROSPECTION_DISABLED');
      expect(text).not.toContain('searchPeople');
    }
    const events = await readEvents(gateway.store, { limit: 10_000 });
    const refused = events.filter((e) => e.operation === 'introspection');
    expect(refused.length).toBeGreaterThanOrEqual(3);
    expect(refused[0]).toMatchObject({ outcome: 'refused', outcomeCode: 'INTROSPECTION_DISABLED' });
  });

  it('still answers __typename (not introspection of the schema)', async () => {
    const { body } = await post(gateway.url, { query: '{ __typename }' }, token);
    expect(body).toEqual({ data: { __typename: 'Query' } });
  });

  it('gives no "Did you mean" suggestions for fields, arguments or enum values', async () => {
    const field = await post(gateway.url, { query: '{ mee { id } }' }, token);
    const argument = await post(gateway.url, { query: '{ enquiry(idd: "x") { id } }' }, token);
    const enumValue = await post(
      gateway.url,
      { query: 'mutation($i: OpenEnquiryInput!) { openEnquiry(input: $i) { id } }', variables: { i: { referralReference: 'REF-1', purpose: 's47', consentRecorded: false, rag: 'REDD', deadline: new Date(Date.now() + 86_400_000).toISOString() } } },
      token,
    );
    for (const { body, text } of [field, argument, enumValue]) {
      expect(body.errors!.length).toBeGreaterThan(0);
      expect(text).not.toMatch(/did you mean/i);
    }
    expect(field.text).not.toContain('"me"');
    expect(enumValue.text).not.toContain('\\"RED\\"');
    // The error still says what was wrong.
    expect(field.body.errors![0]!.message).toMatch(/Cannot query field "mee"/);
  });

  it('sends the security headers on API answers, refusals, health checks and unknown paths, without HSTS over plain http', async () => {
    const responses: [string, Response][] = [
      ['graphql', (await post(gateway.url, { query: '{ me { id } }' }, token)).response],
      ['graphql error', (await post(gateway.url, { query: '{ mee }' }, token)).response],
      ['unauthenticated', (await post(gateway.url, { query: '{ me { id } }' })).response],
      ['healthz', await fetch(`${gateway.url}/healthz`)],
      ['readyz', await fetch(`${gateway.url}/readyz`)],
      ['404', await fetch(`${gateway.url}/no-such-page`)],
      // A client cannot switch HSTS on by claiming https: no proxy is trusted here.
      ['forwarded', await fetch(`${gateway.url}/healthz`, { headers: { 'x-forwarded-proto': 'https' } })],
    ];
    for (const [what, response] of responses) {
      expectSecurityHeaders(response, what);
      expect(response.headers.get('strict-transport-security'), what).toBeNull();
      if (!response.bodyUsed) await response.body?.cancel();
    }
  });

  it('keeps the data directory and every file in it owner-only (0700 directories, 0600 files)', () => {
    const dataDir = config.dataDir;
    const open: string[] = [];
    let files = 0;
    const walk = (path: string) => {
      const info = lstatSync(path);
      if ((info.mode & 0o077) !== 0) open.push(`${path} ${(info.mode & 0o777).toString(8)}`);
      if (info.isDirectory()) for (const name of readdirSync(path)) walk(join(path, name));
      else files += 1;
    };
    walk(dataDir);
    expect(files).toBeGreaterThan(100); // the embedded store's files are there
    expect(lstatSync(dataDir).mode & 0o777).toBe(0o700);
    expect(open).toEqual([]);
  });
});

describe('strict-transport-security', () => {
  let signer: Signer;
  beforeAll(async () => {
    signer = await realIssuer();
  });

  it('is sent behind a configured trusted proxy that says https, and only then', async () => {
    const config = configFromDocument(productionDocument(signer.issuer, { http: { trustProxy: ['127.0.0.1', '::1'] } }), CONFIG_PATH, { ...ENV, DATA_DIR: mkdtempSync(join(tmpdir(), 'mash-hsts-')), NODE_ENV: undefined });
    const gateway = await startGateway(config, { logger: silentLogger, inMemoryStore: true });
    try {
      const https = await fetch(`${gateway.url}/healthz`, { headers: { 'x-forwarded-proto': 'https' } });
      expect(https.headers.get('strict-transport-security')).toMatch(/^max-age=\d+/);
      expectSecurityHeaders(https, 'proxied https');
      const plain = await fetch(`${gateway.url}/healthz`, { headers: { 'x-forwarded-proto': 'http' } });
      expect(plain.headers.get('strict-transport-security')).toBeNull();
      const none = await fetch(`${gateway.url}/healthz`);
      expect(none.headers.get('strict-transport-security')).toBeNull();
    } finally {
      await gateway.close();
      rmSync(config.dataDir, { recursive: true, force: true });
    }
  }, 60_000);

  it('is sent when TLS terminates at the gateway', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mash-tls-'));
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-subj', '/CN=127.0.0.1', '-days', '1'], { stdio: 'ignore' });
    const config = configFromDocument(
      productionDocument(signer.issuer, { http: { tls: { cert: join(dir, 'cert.pem'), key: join(dir, 'key.pem') } } }),
      CONFIG_PATH,
      { ...ENV, DATA_DIR: join(dir, 'data'), NODE_ENV: undefined },
    );
    const gateway = await startGateway(config, { logger: silentLogger, inMemoryStore: true });
    try {
      expect(gateway.url).toMatch(/^https:/);
      const headers = await new Promise<Record<string, string | string[] | undefined>>((resolve, reject) => {
        const req = httpsRequest(`${gateway.url}/healthz`, { rejectUnauthorized: false }, (res) => {
          res.resume();
          resolve(res.headers);
        });
        req.on('error', reject);
        req.end();
      });
      expect(headers['strict-transport-security']).toMatch(/^max-age=\d+/);
      expect(headers['x-content-type-options']).toBe('nosniff');
    } finally {
      await gateway.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
