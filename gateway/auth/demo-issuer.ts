import { randomUUID } from 'node:crypto';
import { chmod, link, mkdir, readFile, stat, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK, SignJWT, type JWK } from 'jose';
import { GatewayError, badInput } from '../errors.js';
import { parseIssuerConfig, type IssuerConfig } from './config.js';

/**
 * A token issuer for the sandbox only: it lets a developer or a demo mint tokens for synthetic
 * actors without a real agency identity provider. Production registers agency issuers instead.
 */

export const DEMO_ISSUER = 'urn:mash-gateway:demo-issuer';
export const DEMO_AUDIENCE = 'mash-gateway';
export const DEMO_DEFAULT_TTL = '1h';
const ALG = 'ES256';
const MAX_TTL_SECONDS = 24 * 60 * 60;

export interface DemoTokenClaims {
  sub: string;
  name: string;
  agency: string;
  roles: string[];
  /** How long the token lives, like '15m', '1h', '8h', '1d'; at most 24h. Defaults to 1h. */
  ttl?: string;
}

export interface DemoIssuer {
  /** Register this with the authenticator to accept the demo issuer's tokens. */
  config: IssuerConfig;
  sign(claims: DemoTokenClaims): Promise<string>;
}

const TTL = /^(\d{1,6})(s|m|h|d)$/;
const UNIT_SECONDS = { s: 1, m: 60, h: 3600, d: 86400 } as const;

/** Parses a token lifetime like '15m', '1h', '8h' or '1d' into seconds (at most 24h). */
export function parseTtl(ttl: string): number {
  const match = TTL.exec(ttl.trim());
  if (match === null) {
    throw badInput(
      `The token lifetime "${ttl.slice(0, 20)}" is not understood; give a number and a unit (s, m, h or d), like 15m, 1h, 8h or 1d.`,
      { field: 'ttl' },
    );
  }
  const seconds = Number(match[1]) * UNIT_SECONDS[match[2] as keyof typeof UNIT_SECONDS];
  if (seconds === 0) {
    throw badInput('The token lifetime must be longer than zero; give one like 15m, 1h, 8h or 1d.', { field: 'ttl' });
  }
  if (seconds > MAX_TTL_SECONDS) {
    throw badInput(`The token lifetime ${ttl.trim()} is longer than the 24h maximum; give 24h or less.`, { field: 'ttl' });
  }
  return seconds;
}

interface StoredKey {
  privateJwk: JWK;
  kid: string;
}

function keyFileError(path: string, action: string, cause: unknown): GatewayError {
  const code = (cause as { code?: unknown } | undefined)?.code;
  return new GatewayError(
    'CONFIG_INVALID',
    `The demo issuer key ${path} could not be ${action}${typeof code === 'string' ? ` (${code})` : ''}; check the data directory's permissions, or delete the file to make a new key.`,
    { cause },
  );
}

async function readStoredKey(path: string): Promise<StoredKey> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (cause) {
    throw keyFileError(path, 'read', cause);
  }
  let jwk: unknown;
  try {
    jwk = JSON.parse(text);
  } catch (cause) {
    throw keyFileError(path, 'parsed as JSON', cause);
  }
  const candidate = jwk as Partial<Record<'kty' | 'crv' | 'x' | 'y' | 'd' | 'kid', unknown>> | null;
  if (
    candidate === null ||
    typeof candidate !== 'object' ||
    candidate.kty !== 'EC' ||
    candidate.crv !== 'P-256' ||
    typeof candidate.x !== 'string' ||
    typeof candidate.y !== 'string' ||
    typeof candidate.d !== 'string'
  ) {
    throw keyFileError(path, 'used: it is not an ES256 (EC P-256) private JWK', undefined);
  }
  const privateJwk = candidate as JWK;
  // The kid is derived, not trusted from the file: the RFC 7638 thumbprint of the public key.
  const kid = await calculateJwkThumbprint(privateJwk);
  return { privateJwk: { ...privateJwk, kid }, kid };
}

async function createStoredKey(path: string): Promise<StoredKey | undefined> {
  const { privateKey } = await generateKeyPair(ALG, { extractable: true });
  const exported = await exportJWK(privateKey);
  const kid = await calculateJwkThumbprint(exported);
  const privateJwk: JWK = { ...exported, kid, alg: ALG, use: 'sig' };
  // Written to a private temporary file, then linked into place: link fails if another process
  // created the key first, so two gateways starting together agree on one key.
  const temporary = `${path}.${process.pid}.${randomUUID()}.tmp`;
  try {
    await writeFile(temporary, `${JSON.stringify(privateJwk, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
    await chmod(temporary, 0o600);
    await link(temporary, path);
  } catch (cause) {
    if ((cause as { code?: unknown }).code === 'EEXIST') return undefined;
    throw keyFileError(path, 'created', cause);
  } finally {
    await unlink(temporary).catch(() => undefined);
  }
  return { privateJwk, kid };
}

async function loadOrCreateKey(path: string): Promise<StoredKey> {
  try {
    const info = await stat(path);
    // A private key readable by others is tightened rather than refused: it is a sandbox key.
    if ((info.mode & 0o077) !== 0) await chmod(path, 0o600);
    return await readStoredKey(path);
  } catch (error) {
    if ((error as { code?: unknown }).code !== 'ENOENT') {
      throw error instanceof GatewayError ? error : keyFileError(path, 'read', error);
    }
  }
  return (await createStoredKey(path)) ?? readStoredKey(path);
}

function requireText(value: unknown, option: string, what: string): string {
  if (typeof value !== 'string' || value.trim() === '') {
    throw badInput(`A demo token needs ${option} (${what}).`, { field: option });
  }
  return value.trim();
}

/**
 * Loads the demo issuer's ES256 key from `<dataDir>/demo-issuer/private-key.jwk.json`, creating
 * it (mode 0600) on first run, so tokens minted before a restart keep verifying after it.
 */
export async function loadDemoIssuer(dataDir: string): Promise<DemoIssuer> {
  const directory = join(dataDir, 'demo-issuer');
  const path = join(directory, 'private-key.jwk.json');
  try {
    await mkdir(directory, { recursive: true, mode: 0o700 });
  } catch (cause) {
    throw keyFileError(directory, 'created (directory)', cause);
  }
  const { privateJwk, kid } = await loadOrCreateKey(path);
  const { kty, crv, x, y } = privateJwk;
  const publicJwk = { kty, crv, x, y, kid, alg: ALG, use: 'sig' };
  const config = parseIssuerConfig(
    { issuer: DEMO_ISSUER, audience: DEMO_AUDIENCE, keys: [publicJwk], algorithms: [ALG] },
    'demoIssuer',
  );
  const signingKey = await importJWK({ ...privateJwk, alg: ALG }, ALG);

  async function sign(claims: DemoTokenClaims): Promise<string> {
    const sub = requireText(claims.sub, 'sub', "the actor's id");
    const name = requireText(claims.name, 'name', "the actor's display name");
    const agency = requireText(claims.agency, 'agency', "the actor's agency");
    if (!Array.isArray(claims.roles) || claims.roles.length === 0) {
      throw badInput('A demo token needs at least one role.', { field: 'roles' });
    }
    const roles = claims.roles.map((role) => requireText(role, 'role', 'a role name'));
    const lifetime = parseTtl(claims.ttl ?? DEMO_DEFAULT_TTL);
    const issuedAt = Math.floor(Date.now() / 1000);
    return new SignJWT({ name, agency, roles })
      .setProtectedHeader({ alg: ALG, kid, typ: 'JWT' })
      .setIssuer(DEMO_ISSUER)
      .setAudience(DEMO_AUDIENCE)
      .setSubject(sub)
      .setIssuedAt(issuedAt)
      .setExpirationTime(issuedAt + lifetime)
      .setJti(randomUUID())
      .sign(signingKey);
  }

  return { config, sign };
}
