import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { demoUsers } from '../../../gateway/auth/index.js';
import { createConsoleHandler, type ConsoleOptions } from '../../../gateway/http/console.js';

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
