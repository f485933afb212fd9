import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { ApolloServer, HeaderMap } from '@apollo/server';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import type { Authenticator } from '../auth/index.js';
import type { GatewayMode } from '../config.js';
import { audited } from '../disclosure/index.js';
import { GatewayError, isGatewayError } from '../errors.js';
import {
  actorKey,
  clientAddress,
  createLoadMonitor,
  createRateLimits,
  defaultLimits,
  demandControlPlugin,
  queryParseOptions,
  queryShapeRules,
  rateLimitedError,
  recordRefusal,
  tokenLimitError,
  overloadedError,
  overloadedResponsePlugin,
  withArgumentChecks,
  type LimitsConfig,
  type LoadMonitor,
  type RateRefusal,
} from '../limits/index.js';
import type { Logger } from '../log.js';
import { createSchema, type GatewayContext } from '../resolvers/index.js';
import type { ConsoleHandler } from './console.js';
import { isHtml, setSecurityHeaders, useHtmlPolicy } from './headers.js';
import { liveness, readiness } from './health.js';
import { schemaDiscovery } from './schema-discovery.js';

const MAX_BODY_BYTES = 1_000_000;
const REQUEST_ID = /^[A-Za-z0-9._-]{8,64}$/;

export interface HttpOptions {
  host: string;
  port: number;
  authenticator: Authenticator;
  services: GatewayContext['services'];
  logger: Logger;
  /** How long shutdown waits for in-flight requests before closing their sockets. */
  shutdownGraceMs?: number;
  /** Production turns schema discovery off (introspection, suggestions); development by default. */
  mode?: GatewayMode;
  /** TLS at the gateway (PEM file paths) and the reverse proxies whose x-forwarded-proto is believed. */
  transport?: { tls?: { cert: string; key: string }; trustProxy: readonly string[] };
  /** Bounded work per request and per caller; the defaults when not given. */
  limits?: LimitsConfig;
  /** The web console at `/` (its build, settings and, in development, demo sign-in). */
  console?: ConsoleHandler;
  /** The gateway's own load (shedding, /readyz); one from `limits.overload` is made when not given, and closed with the server. */
  load?: LoadMonitor;
}

export interface HttpHandle {
  url: string;
  port: number;
  /** Stops accepting requests, waits for in-flight ones (up to the grace period), then closes. */
  close(): Promise<void>;
}

/** The longest message a caller gets back: messages never carry much of what was sent. */
export const MAX_MESSAGE_CHARS = 300;

/** Shortens quoted input echoed in a message (graphql-js quotes bad variable values) and bounds it. */
export function boundMessage(message: string): string {
  // graphql-js quotes the value it refused after "value", "got" or "found".
  const shortened = message.replace(/\b(value|got|found) "((?:[^"\\]|\\.){40,})"/gi, (_, word: string, inner: string) => `${word} "${inner.slice(0, 20)}…"`);
  return shortened.length > MAX_MESSAGE_CHARS ? `${shortened.slice(0, MAX_MESSAGE_CHARS - 1)}…` : shortened;
}

/** Our errors keep their code and message; anything else is masked as INTERNAL_ERROR. */
export function formatError(formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError {
  let original = error instanceof GraphQLError ? error.originalError : error;
  if (!isGatewayError(original)) original = tokenLimitError(formatted.message) ?? original;
  if (isGatewayError(original)) {
    return {
      message: boundMessage(original.message),
      ...(formatted.locations ? { locations: formatted.locations } : {}),
      ...(formatted.path ? { path: formatted.path } : {}),
      extensions: { code: original.code, ...(original.details ?? {}) },
    };
  }
  if (original === undefined || original instanceof GraphQLError) {
    // Parse, validation and variable errors: they say what was wrong with the request.
    const code = String(formatted.extensions?.code ?? 'BAD_INPUT');
    const known = ['GRAPHQL_VALIDATION_FAILED', 'GRAPHQL_PARSE_FAILED', 'BAD_USER_INPUT', 'BAD_REQUEST', 'OPERATION_RESOLUTION_FAILURE', 'PERSISTED_QUERY_NOT_SUPPORTED'];
    return { message: boundMessage(formatted.message), ...(formatted.locations ? { locations: formatted.locations } : {}), extensions: { code: known.includes(code) ? 'BAD_INPUT' : code } };
  }
  return {
    message: 'An internal error occurred. Quote the request id (x-request-id) to the gateway operators.',
    ...(formatted.path ? { path: formatted.path } : {}),
    extensions: { code: 'INTERNAL_ERROR' },
  };
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

const errorBody = (error: GatewayError) => ({ errors: [{ message: boundMessage(error.message), extensions: { code: error.code, ...(error.details ?? {}) } }] });

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new GatewayError('BAD_INPUT', `The request body is larger than ${MAX_BODY_BYTES} bytes.`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

export async function startHttpServer(options: HttpOptions, extraRoutes: Record<string, (req: IncomingMessage, res: ServerResponse) => Promise<void> | void> = {}): Promise<HttpHandle> {
  const { services, logger } = options;
  const transport = { trustProxy: options.transport?.trustProxy ?? [] };
  const discovery = schemaDiscovery(options.mode ?? 'development');
  const limits = options.limits ?? defaultLimits();
  const rate = createRateLimits(limits.rate, Date.now, limits.cost.max);
  const load = options.load ?? createLoadMonitor(limits.overload);
  const apollo = new ApolloServer<GatewayContext>({
    schema: withArgumentChecks(createSchema(), limits.input),
    formatError: (formatted, error) => discovery.formatError(formatError(formatted, error)),
    // Decided by the gateway's mode (schema-discovery.ts), not by Apollo's NODE_ENV default.
    introspection: discovery.introspection,
    parseOptions: queryParseOptions(limits.query),
    validationRules: [...discovery.validationRules, ...queryShapeRules(limits.query)],
    includeStacktraceInErrorResponses: false,
    // Shutdown is ours: finish in-flight requests, flush the audit log, then stop.
    stopOnTerminationSignals: false,
    plugins: [ApolloServerPluginLandingPageDisabled(), ...discovery.plugins, demandControlPlugin({ limits, rate, agencyCount: () => services.federation.agencies().length }), overloadedResponsePlugin()],
    logger: {
      debug: () => undefined,
      info: () => undefined,
      warn: (message) => logger.warn({ component: 'apollo' }, String(message).slice(0, 200)),
      error: (message) => logger.error({ component: 'apollo' }, String(message).slice(0, 200)),
    },
  });
  await apollo.start();

  let accepting = true;
  const inFlight = new Set<Promise<void>>();

  /** 429 with Retry-After; the first refusal of a burst is audited, the rest are not. */
  async function refuseRate(res: ServerResponse, requestId: string, actor: GatewayContext['actor'] | null, refused: RateRefusal): Promise<void> {
    const refusal = rateLimitedError(refused);
    if (refused.firstOfBurst) {
      try {
        await recordRefusal({ services, requestId, actor }, 'rateLimit', refusal);
      } catch (audit) {
        if (isGatewayError(audit) && audit.code === 'AUDIT_UNAVAILABLE') {
          sendJson(res, 503, errorBody(audit));
          return;
        }
        throw audit;
      }
    }
    sendJson(res, 429, errorBody(refusal), { 'retry-after': String(refused.retryAfterSeconds) });
  }

  /**
   * Load shedding comes first, before the address limit and authentication: a shed request costs
   * the saturated gateway almost nothing. It is logged and counted, not audited: no actor is known
   * yet, nothing was read, asked of an agency or changed, and an audit write per refusal is the
   * store work an overloaded gateway cannot afford (as for unauthenticated floods).
   */
  async function handleGraphql(req: IncomingMessage, res: ServerResponse, requestId: string, search: string): Promise<void> {
    const shed = load.admit();
    if (shed) {
      logger.warn({ requestId, reason: shed.reason, ...load.report() }, 'request shed: gateway overloaded');
      sendJson(res, 503, errorBody(overloadedError(shed)), { 'retry-after': String(shed.retryAfterSeconds) });
      return;
    }
    try {
      await admittedGraphql(req, res, requestId, search);
    } finally {
      load.release();
    }
  }

  async function admittedGraphql(req: IncomingMessage, res: ServerResponse, requestId: string, search: string): Promise<void> {
    const address = clientAddress(req, transport.trustProxy);
    // The per-address limit comes before authentication: a flood costs neither token checks nor audit writes.
    const overAddress = await rate.address(address);
    if (overAddress) {
      await refuseRate(res, requestId, null, overAddress);
      return;
    }
    let actor;
    try {
      actor = await options.authenticator.authenticate(req.headers.authorization);
    } catch (error) {
      const refusal = isGatewayError(error) ? error : new GatewayError('UNAUTHENTICATED', 'The token could not be verified.');
      // Refused tokens are counted per address before the refusal is audited: past the limit they are
      // answered 429 and not audited one by one (a valid token from the same address is still served).
      const overUnauthenticated = await rate.unauthenticatedFailure(address);
      if (overUnauthenticated) {
        await refuseRate(res, requestId, null, overUnauthenticated);
        return;
      }
      // A refused authentication is an access attempt: record it, then refuse.
      try {
        await audited(services, { requestId, actor: null }, 'authenticate', { reason: `${String(refusal.details?.reason ?? refusal.code)}: ${refusal.message}` }, () => Promise.reject(refusal));
      } catch (audit) {
        if (isGatewayError(audit) && audit.code === 'AUDIT_UNAVAILABLE') {
          sendJson(res, 503, errorBody(audit));
          return;
        }
      }
      sendJson(res, 401, errorBody(refusal), { 'www-authenticate': 'Bearer error="invalid_token"' });
      return;
    }

    const key = actorKey(actor);
    const ticket = randomUUID();
    // An actor over its budget is refused before the request is parsed, let alone run.
    const overActor = (await rate.actorBlocked(key)) ?? rate.enter(key);
    if (overActor) {
      await refuseRate(res, requestId, actor, overActor);
      return;
    }
    try {
      await executeGraphql(req, res, requestId, search, actor, ticket);
    } finally {
      rate.leave(key, ticket);
    }
  }

  async function executeGraphql(req: IncomingMessage, res: ServerResponse, requestId: string, search: string, actor: GatewayContext['actor'], rateTicket: string): Promise<void> {
    const headers = new HeaderMap();
    for (const [key, value] of Object.entries(req.headers)) {
      if (value !== undefined) headers.set(key, Array.isArray(value) ? value.join(', ') : value);
    }
    let body: unknown = undefined;
    if (req.method === 'POST') {
      const text = await readBody(req);
      try {
        body = text.length > 0 ? JSON.parse(text) : undefined;
      } catch {
        sendJson(res, 400, errorBody(new GatewayError('BAD_INPUT', 'The request body is not valid JSON.')));
        return;
      }
    }
    const context: GatewayContext = { requestId, rateTicket, actor, services, federation: services.federation.forRequest(requestId) };
    const response = await apollo.executeHTTPGraphQLRequest({
      httpGraphQLRequest: { method: req.method ?? 'GET', headers, search, body },
      context: async () => context,
    });
    const responseHeaders: Record<string, string> = {};
    for (const [key, value] of response.headers) responseHeaders[key] = value;
    if (isHtml(responseHeaders['content-type'])) useHtmlPolicy(res);
    res.writeHead(response.status ?? 200, responseHeaders);
    if (response.body.kind === 'complete') {
      res.end(response.body.string);
    } else {
      for await (const chunk of response.body.asyncIterator) res.write(chunk);
      res.end();
    }
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = performance.now();
    const incoming = req.headers['x-request-id'];
    const requestId = typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : randomUUID();
    res.setHeader('x-request-id', requestId);
    setSecurityHeaders(req, res, transport);
    const url = new URL(req.url ?? '/', 'http://gateway.invalid');
    try {
      if (!accepting) {
        sendJson(res, 503, { status: 'shutting-down' }, { connection: 'close' });
      } else if (url.pathname === '/healthz') {
        sendJson(res, 200, liveness());
      } else if (url.pathname === '/readyz') {
        // A readiness check runs a store transaction: it counts against the address like any request.
        const overAddress = await rate.address(clientAddress(req, transport.trustProxy));
        if (overAddress) {
          sendJson(res, 429, errorBody(rateLimitedError(overAddress)), { 'retry-after': String(overAddress.retryAfterSeconds) });
        } else {
          const ready = await readiness(services, load);
          sendJson(res, ready.status === 'ready' ? 200 : 503, ready);
        }
      } else if (url.pathname === '/graphql' && (req.method === 'POST' || req.method === 'GET')) {
        await handleGraphql(req, res, requestId, url.search);
      } else if (extraRoutes[url.pathname]) {
        await extraRoutes[url.pathname]!(req, res);
      } else if (options.console && (await options.console(req, res, url))) {
        // Answered by the console.
      } else {
        sendJson(res, 404, errorBody(new GatewayError('NOT_FOUND', `No such endpoint: ${req.method} ${url.pathname}. The API is at POST /graphql.`)));
      }
    } catch (error) {
      const failure = isGatewayError(error) ? error : new GatewayError('INTERNAL_ERROR', 'An internal error occurred. Quote the request id (x-request-id) to the gateway operators.');
      if (!isGatewayError(error)) logger.error({ requestId, errorName: (error as Error)?.name }, 'request failed');
      if (!res.headersSent) sendJson(res, failure.httpStatus, errorBody(failure));
      else res.end();
    } finally {
      logger.info({ requestId, method: req.method, path: url.pathname, status: res.statusCode, ms: Math.round(performance.now() - started) }, 'request');
    }
  }

  const onRequest = (req: IncomingMessage, res: ServerResponse) => {
    const work = handle(req, res);
    inFlight.add(work);
    void work.finally(() => inFlight.delete(work));
  };
  const tls = options.transport?.tls;
  let server: Server;
  if (tls) {
    let credentials: { cert: Buffer; key: Buffer };
    try {
      credentials = { cert: readFileSync(tls.cert), key: readFileSync(tls.key) };
    } catch (error) {
      const which = (error as NodeJS.ErrnoException).path === tls.key ? `http.tls.key (${tls.key})` : `http.tls.cert (${tls.cert})`;
      throw new GatewayError('CONFIG_INVALID', `${which} cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'}); give the path of a PEM file the gateway's user can read.`);
    }
    server = createTlsServer(credentials, onRequest);
  } else {
    server = createServer(onRequest);
  }
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolveListen, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolveListen());
  });
  // Shedding judges load from here on, not the start-up that came before.
  load.rebase();
  const { port } = server.address() as AddressInfo;
  const url = `${tls ? 'https' : 'http'}://${options.host}:${port}`;

  return {
    url,
    port,
    async close() {
      accepting = false;
      const closed = new Promise<void>((resolveClose) => server.close(() => resolveClose()));
      server.closeIdleConnections();
      const grace = new Promise<void>((resolveGrace) => setTimeout(resolveGrace, options.shutdownGraceMs ?? 10_000).unref());
      await Promise.race([Promise.all([...inFlight]), grace]);
      server.closeAllConnections();
      await closed;
      await apollo.stop();
      if (!options.load) load.close();
    },
  };
}
