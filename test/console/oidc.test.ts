/// <reference lib="dom" />
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type Gateway } from '../../gateway/app.js';
import { RELAXED_RATE_LIMITS } from '../helpers/gateway.js';
import { configFromDocument } from '../../gateway/config.js';
import { HTML_CONTENT_SECURITY_POLICY } from '../../gateway/http/headers.js';
import { silentLogger } from '../../gateway/log.js';
import { checkScreen, launchBrowser, openConsole } from './browser.js';

/**
 * Production sign-in: the console signs in with an OpenID Connect provider (authorization code
 * flow with PKCE) against a gateway in production mode. The provider is a minimal one written
 * here: discovery, an authorization endpoint that checks the request and sends the browser
 * straight back with a code, a token endpoint that checks the PKCE verifier, a JWKS the
 * gateway verifies the tokens with, and (when `endSession` is set) an end_session_endpoint that
 * checks the RP-initiated logout request and sends the browser back.
 */

const CLIENT_ID = 'mash-console';
const AUDIENCE = 'mash-gateway';
const USER = { sub: 'council-researcher-7', name: 'Riley Researcher', agency: 'social-care', roles: ['mash-researcher'] };

interface Grant {
  clientId: string;
  redirectUri: string;
  challenge: string;
  nonce: string;
}

interface Provider {
  issuer: string;
  origin: string;
  /** The gateway's address, for the redirect URI the provider accepts. */
  gatewayUrl: string;
  /** When set, the provider answers with a state other than the one it was sent. */
  forgeState: boolean;
  /** What the provider refused, and why, in the order it happened. */
  refusals: string[];
  /** Every authorization request's parameters. */
  authorizations: URLSearchParams[];
  /** When set, discovery names an end_session_endpoint (OpenID Connect RP-Initiated Logout 1.0). */
  endSession: boolean;
  /** Every end-session request's parameters. */
  logouts: URLSearchParams[];
  /** Codes exchanged with a verifier that matched their S256 challenge. */
  exchanged: number;
  /** Tokens handed out (access and ID tokens). */
  issued: string[];
  close(): Promise<void>;
}

const base64url = (buffer: Buffer) => buffer.toString('base64url');

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

async function startProvider(): Promise<Provider> {
  const { publicKey, privateKey } = await generateKeyPair('ES256');
  const jwk: JWK = { ...(await exportJWK(publicKey)), kid: 'idp-1', alg: 'ES256', use: 'sig' };
  const grants = new Map<string, Grant>();
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const issuer = `${origin}/idp`;
  const provider: Provider = {
    issuer,
    origin,
    gatewayUrl: '',
    forgeState: false,
    refusals: [],
    authorizations: [],
    endSession: false,
    logouts: [],
    exchanged: 0,
    issued: [],
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
  const sign = (key: CryptoKey, claims: Record<string, unknown>, audience: string) =>
    new SignJWT(claims).setProtectedHeader({ alg: 'ES256', kid: 'idp-1' }).setIssuer(issuer).setAudience(audience).setSubject(USER.sub).setIssuedAt().setExpirationTime('10m').sign(key);

  const cors = (res: ServerResponse) => {
    res.setHeader('access-control-allow-origin', provider.gatewayUrl);
    res.setHeader('vary', 'origin');
  };
  const json = (res: ServerResponse, status: number, body: unknown) => {
    cors(res);
    res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
    res.end(JSON.stringify(body));
  };
  const refuse = (res: ServerResponse, reason: string, asJson = false) => {
    provider.refusals.push(reason);
    if (asJson) json(res, 400, { error: 'invalid_grant', error_description: reason });
    else {
      res.writeHead(400, { 'content-type': 'text/plain' });
      res.end(reason);
    }
  };

  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    void (async () => {
      const url = new URL(req.url ?? '/', origin);
      if (req.method === 'OPTIONS') {
        cors(res);
        res.setHeader('access-control-allow-methods', 'GET, POST');
        res.setHeader('access-control-allow-headers', req.headers['access-control-request-headers'] ?? '');
        res.writeHead(204);
        res.end();
        return;
      }
      if (url.pathname === '/idp/.well-known/openid-configuration') {
        json(res, 200, {
          issuer,
          authorization_endpoint: `${issuer}/authorize`,
          token_endpoint: `${issuer}/token`,
          jwks_uri: `${issuer}/jwks`,
          response_types_supported: ['code'],
          subject_types_supported: ['public'],
          id_token_signing_alg_values_supported: ['ES256'],
          code_challenge_methods_supported: ['S256'],
          token_endpoint_auth_methods_supported: ['none'],
          ...(provider.endSession ? { end_session_endpoint: `${issuer}/logout` } : {}),
        });
        return;
      }
      if (url.pathname === '/idp/jwks') {
        json(res, 200, { keys: [jwk] });
        return;
      }
      if (url.pathname === '/idp/authorize' && req.method === 'GET') {
        const query = url.searchParams;
        provider.authorizations.push(query);
        if (query.get('client_id') !== CLIENT_ID) return refuse(res, `unknown client_id ${query.get('client_id')}`);
        if (query.get('redirect_uri') !== `${provider.gatewayUrl}/signed-in`) return refuse(res, `unregistered redirect_uri ${query.get('redirect_uri')}`);
        if (query.get('response_type') !== 'code') return refuse(res, 'response_type must be code');
        if (query.get('code_challenge_method') !== 'S256' || !/^[A-Za-z0-9_-]{43}$/.test(query.get('code_challenge') ?? '')) return refuse(res, 'a PKCE S256 code_challenge is required');
        const state = query.get('state');
        if (!state) return refuse(res, 'state is required');
        if (!query.get('nonce')) return refuse(res, 'nonce is required');
        if (!(query.get('scope') ?? '').split(' ').includes('openid')) return refuse(res, 'scope must include openid');
        const code = base64url(randomBytes(24));
        grants.set(code, { clientId: CLIENT_ID, redirectUri: query.get('redirect_uri')!, challenge: query.get('code_challenge')!, nonce: query.get('nonce')! });
        const back = new URL(query.get('redirect_uri')!);
        back.searchParams.set('code', code);
        back.searchParams.set('state', provider.forgeState ? base64url(randomBytes(32)) : state);
        res.writeHead(302, { location: back.href });
        res.end();
        return;
      }
      if (url.pathname === '/idp/logout' && req.method === 'GET') {
        const query = url.searchParams;
        provider.logouts.push(query);
        const hint = query.get('id_token_hint');
        if (hint === null || !provider.issued.includes(hint)) return refuse(res, 'id_token_hint is not an ID token this provider issued');
        if (query.get('client_id') !== CLIENT_ID) return refuse(res, `unknown client_id ${query.get('client_id')}`);
        if (query.get('post_logout_redirect_uri') !== `${provider.gatewayUrl}/`) return refuse(res, `unregistered post_logout_redirect_uri ${query.get('post_logout_redirect_uri')}`);
        res.writeHead(302, { location: query.get('post_logout_redirect_uri')! });
        res.end();
        return;
      }
      if (url.pathname === '/idp/token' && req.method === 'POST') {
        const form = new URLSearchParams(await readBody(req));
        const code = form.get('code') ?? '';
        const grant = grants.get(code);
        grants.delete(code); // a code is good once
        if (form.get('grant_type') !== 'authorization_code') return refuse(res, 'grant_type must be authorization_code', true);
        if (grant === undefined) return refuse(res, 'unknown or used code', true);
        if (form.get('client_id') !== grant.clientId) return refuse(res, 'client_id differs from the authorization request', true);
        if (form.get('redirect_uri') !== grant.redirectUri) return refuse(res, 'redirect_uri differs from the authorization request', true);
        const verifier = form.get('code_verifier') ?? '';
        if (base64url(createHash('sha256').update(verifier).digest()) !== grant.challenge) return refuse(res, 'code_verifier does not match the code_challenge', true);
        provider.exchanged += 1;
        const { sub: _sub, ...claims } = USER;
        const accessToken = await sign(privateKey, claims, AUDIENCE);
        const idToken = await sign(privateKey, { nonce: grant.nonce, name: USER.name }, CLIENT_ID);
        provider.issued.push(accessToken, idToken);
        json(res, 200, { access_token: accessToken, id_token: idToken, token_type: 'Bearer', expires_in: 600, scope: 'openid profile' });
        return;
      }
      res.writeHead(404);
      res.end();
    })();
  });
  return provider;
}

describe('production sign-in with OpenID Connect (authorization code flow with PKCE)', () => {
  let provider: Provider;
  let gateway: Gateway;
  let browser: Browser;
  let root: string;

  beforeAll(async () => {
    provider = await startProvider();
    root = mkdtempSync(join(tmpdir(), 'mash-oidc-'));
    const config = configFromDocument(
      {
        mode: 'production',
        auth: {
          demoIssuer: false,
          issuers: [{ issuer: provider.issuer, audience: AUDIENCE, jwksUrl: `${provider.issuer}/jwks`, algorithms: ['ES256'], agencies: ['social-care'], roles: ['mash-researcher'] }],
        },
        sandbox: { enabled: false },
        connectors: [{ kind: 'health', baseUrl: 'http://127.0.0.1:9/fhir', timeoutMs: 500 }],
        console: { oidc: { issuer: provider.issuer, clientId: CLIENT_ID, scope: 'openid profile' } },
        // Not a test of load shedding: a busy test machine stalls this process's event loop.
        limits: { overload: RELAXED_RATE_LIMITS.overload },
      },
      join(process.cwd(), 'mash-gateway.config.yaml'),
      { PORT: 0, HOST: '127.0.0.1', DATABASE_URL: undefined, LOG_LEVEL: 'silent', MASH_CONFIG: 'unused', SHUTDOWN_GRACE_MS: 2000, DATA_DIR: join(root, 'data'), NODE_ENV: undefined },
    );
    gateway = await startGateway(config, { logger: silentLogger, inMemoryStore: true });
    provider.gatewayUrl = gateway.url;
    browser = await launchBrowser();
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await gateway?.close();
    await provider?.close();
    if (root) rmSync(root, { recursive: true, force: true });
  });

  it("lets the console's pages connect to the provider's origin, and to nothing else new", async () => {
    const response = await fetch(`${gateway.url}/`);
    const policy = response.headers.get('content-security-policy') ?? '';
    const directives = policy.split(';').map((directive) => directive.trim());
    expect(directives).toContain(`connect-src 'self' ${provider.origin}`);
    // Every other directive is the console's usual policy, unchanged.
    const usual = HTML_CONTENT_SECURITY_POLICY.split(';').map((directive) => directive.trim());
    expect(directives.filter((directive) => !directive.startsWith('connect-src'))).toEqual(usual.filter((directive) => !directive.startsWith('connect-src')));
    expect(policy).not.toMatch(/unsafe-inline|unsafe-eval|\*/);
    // The API's answers keep the policy that allows nothing.
    const api = await fetch(`${gateway.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query":"{ __typename }"}' });
    expect(api.headers.get('content-security-policy')).toBe("default-src 'none'; frame-ancestors 'none'");
  });

  it('has no demo sign-in in production', async () => {
    expect((await fetch(`${gateway.url}/console/demo-users`)).status).toBe(404);
    const { page, close } = await openConsole(browser, gateway.url);
    await page.getByRole('heading', { name: 'Sign in', level: 1 }).waitFor();
    await page.getByRole('button', { name: 'Sign in with your organisation' }).waitFor();
    await expect(page.getByText('Sign in as a demo user').count()).resolves.toBe(0);
    await expect(page.getByRole('radio').count()).resolves.toBe(0);
    await checkScreen(page, 'sign-in-production');
    await close();
  });

  it("signs in through the provider with PKCE; the token stays in memory, never in storage, cookies or the address", async () => {
    const before = provider.exchanged;
    const { page, context, problems, close } = await openConsole(browser, gateway.url);
    await page.getByRole('button', { name: 'Sign in with your organisation' }).click();
    await page.getByText(`Signed in as ${USER.name}`).waitFor();

    // The provider saw a complete authorization request and a verifier matching its challenge.
    const request = provider.authorizations.at(-1)!;
    expect(request.get('redirect_uri')).toBe(`${gateway.url}/signed-in`);
    expect(request.get('code_challenge_method')).toBe('S256');
    expect(provider.exchanged).toBe(before + 1);
    expect(provider.refusals).toEqual([]);

    // Back at the home page: the code is gone from the address bar, and no token is kept anywhere.
    expect(new URL(page.url()).pathname).toBe('/');
    expect(new URL(page.url()).search).toBe('');
    const kept = await page.evaluate(() => JSON.stringify({ local: { ...localStorage }, session: { ...sessionStorage }, cookie: document.cookie, url: location.href, title: document.title }));
    expect(kept).toBe(JSON.stringify({ local: {}, session: {}, cookie: '', url: `${gateway.url}/`, title: 'Home - MASH console' }));
    expect(await context.cookies()).toEqual([]);
    for (const token of provider.issued.slice(-2)) {
      expect(page.url()).not.toContain(token);
      expect(kept).not.toContain(token);
    }
    await checkScreen(page, 'home-production');
    // The provider's origin is allowed for connections, so nothing broke the policy.
    expect(problems).toEqual([]);

    // Signing out forgets the token: the console is back at its sign-in page. This provider
    // names no end_session_endpoint, so the browser stays here.
    const logouts = provider.logouts.length;
    await page.getByRole('link', { name: /^Sign out/ }).click();
    await page.getByText('You have signed out.').waitFor();
    await page.getByRole('button', { name: 'Sign in with your organisation' }).waitFor();
    expect(provider.logouts).toHaveLength(logouts);
    expect(new URL(page.url()).origin).toBe(gateway.url);
    await close();
  });

  it('signs out at the provider too when it names an end_session_endpoint (RP-initiated logout), and comes back signed out', async () => {
    provider.endSession = true;
    try {
      const { page, problems, close } = await openConsole(browser, gateway.url);
      await page.getByRole('button', { name: 'Sign in with your organisation' }).click();
      await page.getByText(`Signed in as ${USER.name}`).waitFor();
      const [accessToken, idToken] = provider.issued.slice(-2);
      const before = provider.logouts.length;
      // Marks this page, so the test knows when the browser is back on a new one.
      await page.evaluate(() => {
        (window as unknown as { beforeSignOut?: boolean }).beforeSignOut = true;
      });
      await page.getByRole('link', { name: /^Sign out/ }).click();
      await page.waitForFunction(() => (window as unknown as { beforeSignOut?: boolean }).beforeSignOut === undefined && document.body.innerText.includes('You have signed out.'), undefined, { timeout: 30_000 });

      // The provider was asked to end its session for this sign-in, and sent the browser home.
      expect(provider.logouts).toHaveLength(before + 1);
      const logout = provider.logouts.at(-1)!;
      expect(Object.fromEntries(logout)).toEqual({ id_token_hint: idToken, client_id: CLIENT_ID, post_logout_redirect_uri: `${gateway.url}/` });
      expect(logout.get('id_token_hint')).not.toBe(accessToken);
      expect(provider.refusals).toEqual([]);

      // Back signed out: the sign-in page, no way to act as anyone, nothing kept in the tab.
      expect(page.url()).toBe(`${gateway.url}/`);
      await page.getByRole('button', { name: 'Sign in with your organisation' }).waitFor();
      await expect(page.getByRole('link', { name: /^Sign out/ }).count()).resolves.toBe(0);
      await expect(page.evaluate(() => sessionStorage.length + localStorage.length + document.cookie.length)).resolves.toBe(0);
      await checkScreen(page, 'signed-out-production');
      expect(problems).toEqual([]);
      await close();
    } finally {
      provider.endSession = false;
    }
  });

  it('refuses an answer whose state is not the one this browser sent, saying so', async () => {
    provider.forgeState = true;
    try {
      const before = provider.exchanged;
      const { page, close } = await openConsole(browser, gateway.url);
      await page.getByRole('button', { name: 'Sign in with your organisation' }).click();
      await page.getByText('does not match the sign-in this browser started').waitFor();
      await expect(page.getByRole('heading', { name: 'Sign in', level: 1 }).isVisible()).resolves.toBe(true);
      // The code was never exchanged, and it is gone from the address bar and the tab's storage.
      expect(provider.exchanged).toBe(before);
      expect(new URL(page.url()).pathname).toBe('/');
      expect(new URL(page.url()).search).toBe('');
      await expect(page.evaluate(() => sessionStorage.length + localStorage.length)).resolves.toBe(0);
      await expect(page.getByRole('link', { name: /^Sign out/ }).count()).resolves.toBe(0);
      await checkScreen(page, 'sign-in-wrong-state');
      await close();
    } finally {
      provider.forgeState = false;
    }
  });

  it('refuses a return to /signed-in that this tab did not start', async () => {
    const { page, close } = await openConsole(browser, gateway.url);
    await page.goto(`/signed-in?code=${base64url(randomBytes(24))}&state=${base64url(randomBytes(32))}`);
    await page.getByText('This browser tab did not start the sign-in').waitFor();
    expect(new URL(page.url()).search).toBe('');
    await close();
  });
});
