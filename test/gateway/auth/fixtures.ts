import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK, type JWTPayload } from 'jose';
import { GatewayError } from '../../../gateway/errors.js';
import { parseIssuerConfig, type IssuerConfig, type IssuerConfigInput } from '../../../gateway/auth/index.js';

export const ISSUER = 'https://idp.police.example.gov.uk/';
export const AUDIENCE = 'mash-gateway';

export interface SigningKey {
  kid: string;
  privateKey: CryptoKey;
  publicJwk: JWK & { kid: string; kty: 'EC' | 'RSA' };
}

export async function makeSigningKey(alg: 'ES256' | 'RS256' = 'ES256'): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const exported = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(exported);
  return { kid, privateKey, publicJwk: { ...exported, kid, kty: alg === 'ES256' ? 'EC' : 'RSA', alg, use: 'sig' } };
}

/** What the test issuer may assert, unless a test says otherwise. */
export const PERMITS = { agencies: ['police', 'health'], roles: ['mash-researcher', 'mash-manager', 'agency-reviewer'] };

export function issuerConfig(overrides: Partial<IssuerConfigInput>): IssuerConfig {
  return parseIssuerConfig({ issuer: ISSUER, audience: AUDIENCE, ...PERMITS, ...overrides });
}

/** Claims of a well-formed token for a seconded police researcher. */
export const researcherClaims = {
  sub: 'pc-4471',
  name: 'Sam Okafor',
  agency: 'police',
  roles: ['mash-researcher'],
};

export interface TokenOptions {
  key: SigningKey;
  alg?: string;
  kid?: string | undefined;
  claims?: JWTPayload;
  iss?: string;
  aud?: string;
  /** seconds relative to now */
  exp?: number;
  iat?: number;
  nbf?: number;
  omit?: string[];
}

export async function signToken(options: TokenOptions): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const payload: JWTPayload = {
    iss: options.iss ?? ISSUER,
    aud: options.aud ?? AUDIENCE,
    iat: now + (options.iat ?? 0),
    exp: now + (options.exp ?? 300),
    ...researcherClaims,
    ...options.claims,
  };
  if (options.nbf !== undefined) payload.nbf = now + options.nbf;
  for (const claim of options.omit ?? []) delete payload[claim];
  const kid = 'kid' in options ? options.kid : options.key.kid;
  return new SignJWT(payload)
    .setProtectedHeader({ alg: options.alg ?? 'ES256', ...(kid === undefined ? {} : { kid }), typ: 'JWT' })
    .sign(options.key.privateKey);
}

const b64url = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');

/** Builds a compact JWT by hand, for headers and signatures no honest library would produce. */
export function handcraftToken(header: Record<string, unknown>, payload: Record<string, unknown>, signature = ''): string {
  return `${b64url(header)}.${b64url(payload)}.${signature}`;
}

export function standardPayload(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const now = Math.floor(Date.now() / 1000);
  return { iss: ISSUER, aud: AUDIENCE, iat: now, exp: now + 300, ...researcherClaims, ...overrides };
}

/** A JWKS served over HTTP on 127.0.0.1, whose keys a test can rotate. */
export interface JwksServer {
  url: string;
  requests: number;
  serve(keys: JWK[]): void;
  failWith(status: number): void;
  close(): Promise<void>;
}

export async function startJwksServer(keys: JWK[]): Promise<JwksServer> {
  let served: JWK[] = keys;
  let failure: number | undefined;
  const state = { requests: 0 };
  const server: Server = createServer((request, response) => {
    state.requests += 1;
    if (failure !== undefined) {
      response.writeHead(failure).end();
      return;
    }
    response.writeHead(200, { 'content-type': 'application/jwk-set+json' }).end(JSON.stringify({ keys: served }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/.well-known/jwks.json`,
    get requests() {
      return state.requests;
    },
    serve(next) {
      served = next;
      failure = undefined;
    },
    failWith(status) {
      failure = status;
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

/** Awaits a promise that must reject with a GatewayError and returns that error. */
export async function refusalOf(promise: Promise<unknown>): Promise<GatewayError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof GatewayError) return error;
    throw error;
  }
  throw new Error('expected a refusal, but the promise resolved');
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
