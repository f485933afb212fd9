import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DemoUser } from '../auth/index.js';
import type { GatewayMode } from '../config.js';
import { GatewayError } from '../errors.js';
import { htmlContentSecurityPolicy, useHtmlPolicy } from './headers.js';

/**
 * The web console: the built single-page application in `console/dist`, served at `/` from the
 * same origin as `/graphql` (so the console needs no CORS and the HTML content security policy
 * can allow `connect-src 'self'` only, plus the OpenID Connect provider's origin when the console
 * signs in with one), and the few routes the console needs before it has a
 * token: its settings and, in development only, the sandbox's "sign in as" list.
 *
 * Files are read once at start into a map keyed by their URL path, so a request can only ever be
 * answered with a file that was in the build: no path is joined from what a client sent.
 */

export const DEFAULT_CONSOLE_DIST = fileURLToPath(new URL('../../console/dist/', import.meta.url));

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
  '.txt': 'text/plain; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
};

interface ConsoleFile {
  body: Buffer;
  contentType: string;
  /** Content-hashed build output never changes under its name and carries no personal data. */
  immutable: boolean;
}

export interface ConsoleOptions {
  mode: GatewayMode;
  /** The build to serve; defaults to console/dist. A missing build answers with how to make it. */
  distDir?: string;
  /** Development only: the demo users and a way to mint their tokens with the demo issuer. */
  demo?: { users: readonly DemoUser[]; sign(user: DemoUser): Promise<{ token: string; expiresInSeconds: number }> };
  /**
   * Production sign-in: OpenID Connect authorization code flow with PKCE, run by the browser.
   * `audience` is the audience the gateway expects in tokens of that issuer, so the console can
   * tell which of the provider's tokens (access or ID token) to send as its bearer.
   */
  oidc?: { issuer: string; clientId: string; scope: string; audience?: string };
  /** Minutes without activity before the console signs the user out, and the warning before it. */
  session: { idleMinutes: number; warningMinutes: number };
}

/** Answers a request the console owns and returns true, or returns false to let the caller 404. */
export type ConsoleHandler = (req: IncomingMessage, res: ServerResponse, url: URL) => Promise<boolean>;

function loadBuild(distDir: string): Map<string, ConsoleFile> | undefined {
  if (!existsSync(join(distDir, 'index.html'))) return undefined;
  const files = new Map<string, ConsoleFile>();
  const walk = (directory: string) => {
    for (const name of readdirSync(directory)) {
      const path = join(directory, name);
      if (statSync(path).isDirectory()) {
        walk(path);
        continue;
      }
      const contentType = CONTENT_TYPES[extname(name).toLowerCase()];
      if (contentType === undefined) continue;
      const urlPath = `/${relative(distDir, path).split(sep).join('/')}`;
      files.set(urlPath, { body: readFileSync(path), contentType, immutable: urlPath.startsWith('/assets/') && /-[A-Za-z0-9_-]{8,}\.\w+$/.test(name) });
    }
  };
  walk(distDir);
  return files;
}

function send(res: ServerResponse, status: number, contentType: string, body: string | Buffer): void {
  res.writeHead(status, { 'content-type': contentType, 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

const sendJson = (res: ServerResponse, status: number, value: unknown) => send(res, status, 'application/json; charset=utf-8', JSON.stringify(value));
const sendError = (res: ServerResponse, error: GatewayError) =>
  sendJson(res, error.httpStatus, { errors: [{ message: error.message, extensions: { code: error.code, ...(error.details ?? {}) } }] });

async function readJson(req: IncomingMessage, limit = 4096): Promise<unknown> {
  const type = req.headers['content-type'] ?? '';
  // A cross-site form cannot send application/json without a preflight, which nothing here answers.
  if (!/^application\/json\b/i.test(type)) throw new GatewayError('BAD_INPUT', 'Send the request as application/json.');
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new GatewayError('BAD_INPUT', `The request body is larger than ${limit} bytes.`);
    chunks.push(chunk as Buffer);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new GatewayError('BAD_INPUT', 'The request body is not valid JSON.');
  }
}

const NOT_BUILT_PAGE = `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Console not built - mash-gateway</title></head>
<body><h1>The console has not been built</h1><p>Run <code>npm run build</code> (or <code>npm start</code>, which builds it), then reload this page. The API is at POST /graphql.</p></body></html>`;

export function createConsoleHandler(options: ConsoleOptions): ConsoleHandler {
  const distDir = options.distDir ?? DEFAULT_CONSOLE_DIST;
  const files = loadBuild(distDir);
  const demo = options.mode === 'development' ? options.demo : undefined;
  // The browser fetches the provider's discovery document and token endpoint: its origin, and
  // only its origin, joins connect-src on the console's pages.
  const htmlPolicy = htmlContentSecurityPolicy(options.oidc ? [new URL(options.oidc.issuer).origin] : []);

  const settings = {
    mode: options.mode,
    signIn: {
      demo: demo !== undefined,
      ...(options.oidc ? { oidc: options.oidc } : {}),
    },
    session: options.session,
  };

  return async (req, res, url) => {
    const path = url.pathname;
    if (path === '/console/settings' && req.method === 'GET') {
      sendJson(res, 200, settings);
      return true;
    }
    if (path === '/console/demo-users' || path === '/console/demo-sign-in') {
      // Absent, not refused, in production: there is nothing there to find.
      if (demo === undefined) return false;
      if (path === '/console/demo-users' && req.method === 'GET') {
        sendJson(res, 200, { users: demo.users.map(({ id, label, description, name, agency, roles }) => ({ id, label, description, name, agency, roles })) });
        return true;
      }
      if (path === '/console/demo-sign-in' && req.method === 'POST') {
        try {
          const body = (await readJson(req)) as { user?: unknown } | null;
          const id = body !== null && typeof body === 'object' ? body.user : undefined;
          const user = demo.users.find((candidate) => candidate.id === id);
          if (user === undefined) {
            throw new GatewayError('BAD_INPUT', `No demo user ${JSON.stringify(String(id ?? '')).slice(0, 40)}; choose one of ${demo.users.map((u) => u.id).join(', ')}.`, { details: { field: 'user' } });
          }
          const { token, expiresInSeconds } = await demo.sign(user);
          sendJson(res, 200, { token, expiresInSeconds, user: { id: user.id, name: user.name, agency: user.agency, roles: user.roles } });
        } catch (error) {
          if (error instanceof GatewayError) sendError(res, error);
          else throw error;
        }
        return true;
      }
      sendError(res, new GatewayError('BAD_INPUT', `${req.method} is not allowed on ${path}.`));
      return true;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') return false;
    if (files === undefined) {
      if (path.startsWith('/assets/') || path.startsWith('/console/')) return false;
      useHtmlPolicy(res, htmlPolicy);
      send(res, 503, 'text/html; charset=utf-8', NOT_BUILT_PAGE);
      return true;
    }
    const file = files.get(path);
    if (file !== undefined && path !== '/index.html') {
      if (file.contentType.startsWith('text/html')) useHtmlPolicy(res, htmlPolicy);
      if (file.immutable) res.setHeader('cache-control', 'public, max-age=31536000, immutable');
      send(res, 200, file.contentType, file.body);
      return true;
    }
    // Screens live in the application's memory, not in URLs: every page path a browser asks for
    // (Accept: text/html) that is not a file is the application's one page, which names the screen
    // or says there is none. Other clients get the API's JSON 404 for an unknown path.
    if (path.startsWith('/assets/') || path.startsWith('/console/') || extname(path) !== '') return false;
    if (path !== '/' && !/\btext\/html\b/i.test(req.headers.accept ?? '')) return false;
    const index = files.get('/index.html')!;
    useHtmlPolicy(res, htmlPolicy);
    send(res, 200, index.contentType, index.body);
    return true;
  };
}
