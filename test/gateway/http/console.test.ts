import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { demoUsers } from '../../../gateway/auth/index.js';
import { createConsoleHandler, type ConsoleOptions } from '../../../gateway/http/console.js';
import { HTML_CONTENT_SECURITY_POLICY, htmlContentSecurityPolicy } from '../../../gateway/http/headers.js';

/** The console handler alone, on a bare server: what it serves in each mode. */
async function serve(options: ConsoleOptions): Promise<{ url: string; server: Server }> {
  const handler = createConsoleHandler(options);
  const server = createServer((req, res) => {
    void handler(req, res, new URL(req.url ?? '/', 'http://console.invalid')).then((answered) => {
      if (!answered) {
        res.writeHead(404);
        res.end('not the console');
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

function build(): string {
  const dist = mkdtempSync(join(tmpdir(), 'console-dist-'));
  mkdirSync(join(dist, 'assets'));
  writeFileSync(join(dist, 'index.html'), '<!DOCTYPE html><title>MASH console</title>');
  writeFileSync(join(dist, 'assets', 'index-AbCdEf12.js'), 'console.log(1)');
  writeFileSync(join(dist, 'assets', 'notes.exe'), 'MZ');
  return dist;
}

const demo = { users: demoUsers(), sign: async () => ({ token: 'a.b.c', expiresInSeconds: 60 }) };
const session = { idleMinutes: 15, warningMinutes: 2 };

describe('the console handler', () => {
  let server: Server | undefined;
  afterEach(() => server?.close());

  it('has no demo sign-in in production mode, even when given demo users', async () => {
    const started = await serve({ mode: 'production', distDir: build(), demo, session, oidc: { issuer: 'https://idp.example', clientId: 'mash-console', scope: 'openid' } });
    server = started.server;
    expect((await fetch(`${started.url}/console/demo-users`)).status).toBe(404);
    expect((await fetch(`${started.url}/console/demo-sign-in`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"user":"researcher"}' })).status).toBe(404);
    const settings = (await (await fetch(`${started.url}/console/settings`)).json()) as { signIn: unknown; mode: string };
    expect(settings).toMatchObject({ mode: 'production', signIn: { demo: false, oidc: { issuer: 'https://idp.example', clientId: 'mash-console' } } });
  });

  it("lets the console's pages connect to the OpenID Connect provider's origin only, and only when one is configured", async () => {
    const withProvider = await serve({ mode: 'production', distDir: build(), session, oidc: { issuer: 'https://login.council.example:8443/realms/mash', clientId: 'mash-console', scope: 'openid', audience: 'mash-gateway' } });
    server = withProvider.server;
    for (const path of ['/', '/queue']) {
      const policy = (await fetch(`${withProvider.url}${path}`, { headers: { accept: 'text/html' } })).headers.get('content-security-policy');
      expect(policy).toBe(HTML_CONTENT_SECURITY_POLICY.replace("connect-src 'self'", "connect-src 'self' https://login.council.example:8443"));
    }
    const settings = (await (await fetch(`${withProvider.url}/console/settings`)).json()) as { signIn: { oidc: unknown } };
    expect(settings.signIn.oidc).toEqual({ issuer: 'https://login.council.example:8443/realms/mash', clientId: 'mash-console', scope: 'openid', audience: 'mash-gateway' });
    server.close();
    const without = await serve({ mode: 'development', distDir: build(), demo, session });
    server = without.server;
    expect((await fetch(`${without.url}/`)).headers.get('content-security-policy')).toBe(HTML_CONTENT_SECURITY_POLICY);
    // Only an origin may join the policy: a path, a list or another directive smuggled in is refused.
    for (const bad of ['https://idp.example/path', "https://idp.example; script-src 'unsafe-inline'", 'javascript:alert(1)', '*']) {
      expect(() => htmlContentSecurityPolicy([bad])).toThrow(/Not an http\(s\) origin/);
    }
  });

  it('serves only files of the build, hashed assets as immutable, and nothing of an unknown type', async () => {
    const started = await serve({ mode: 'development', distDir: build(), demo, session });
    server = started.server;
    const script = await fetch(`${started.url}/assets/index-AbCdEf12.js`);
    expect(script.status).toBe(200);
    expect(script.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(script.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect((await fetch(`${started.url}/assets/notes.exe`)).status).toBe(404);
    expect((await fetch(`${started.url}/assets/..%2Findex.html`)).status).toBe(404);
    const page = await fetch(`${started.url}/`);
    expect(await page.text()).toContain('<title>MASH console</title>');
    expect(page.headers.get('content-security-policy')).toMatch(/script-src 'self'/);
  });

  it('says how to build the console when there is no build', async () => {
    const started = await serve({ mode: 'development', distDir: join(tmpdir(), 'no-such-console-build'), session });
    server = started.server;
    const page = await fetch(`${started.url}/`);
    expect(page.status).toBe(503);
    expect(await page.text()).toContain('npm run build');
  });
});
