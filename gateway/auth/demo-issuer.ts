import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { calculateJwkThumbprint, importJWK, SignJWT, type JWK } from 'jose';
import { loadPolicyFile, type LoadedPolicy } from '../../policies/index.js';
import { GatewayError, badInput } from '../errors.js';
import { loadOrCreateEs256PrivateKey } from '../key-file.js';
import { LAESTAB_PATTERN } from './authenticator.js';
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

/** The agency of council staff (MASH managers, IG officers) who belong to no record-holding agency. */
export const LOCAL_AUTHORITY = 'local-authority';

/**
 * What the demo issuer may assert (development only): every role the policy defines, and every
 * agency it names categories for plus the local authority.
 */
export function demoPermits(policy: LoadedPolicy): { agencies: string[]; roles: string[] } {
  const agencies = new Set(Object.values(policy.document.categories).map((category) => category.agency));
  agencies.add(LOCAL_AUTHORITY);
  return { agencies: [...agencies].sort(), roles: Object.keys(policy.document.roles) };
}

export interface DemoTokenClaims {
  sub: string;
  name: string;
  agency: string;
  roles: string[];
  /** The school (DfE LAESTAB, 7 digits) a school DSL acts for. */
  school?: string;
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

function keyFileError(path: string, action: string, cause?: unknown): GatewayError {
  const code = (cause as { code?: unknown } | undefined)?.code;
  return new GatewayError(
    'CONFIG_INVALID',
    `The demo issuer key ${path} could not be ${action}${typeof code === 'string' ? ` (${code})` : ''}; check the data directory's permissions, or delete the file to make a new key.`,
    cause === undefined ? undefined : { cause },
  );
}

function requireText(value: unknown, option: string, what: string): string {
  if (typeof value !== 'string' || value.trim() === '') {
    throw badInput(`A demo token needs ${option} (${what}).`, { field: option });
  }
  return value.trim();
}

/**
 * Loads the demo issuer's ES256 key from `<dataDir>/demo-issuer/private-key.jwk.json`, creating
 * it (mode 0600) on first run, so tokens minted before a restart keep verifying after it. It may
 * assert `permits` (by default those of the default policy: see demoPermits), for at most 24 h.
 */
export async function loadDemoIssuer(dataDir: string, permits: { agencies: string[]; roles: string[] } = demoPermits(loadPolicyFile())): Promise<DemoIssuer> {
  const stored = await loadOrCreateEs256PrivateKey(join(dataDir, 'demo-issuer', 'private-key.jwk.json'), keyFileError);
  const { kty, crv, x, y } = stored;
  // The kid is derived, not trusted from the file: the RFC 7638 thumbprint of the public key.
  const kid = await calculateJwkThumbprint({ kty: kty!, crv: crv!, x: x!, y: y! });
  const privateJwk: JWK = { ...stored, kid };
  const publicJwk = { kty, crv, x, y, kid, alg: ALG, use: 'sig' };
  const config = parseIssuerConfig(
    { issuer: DEMO_ISSUER, audience: DEMO_AUDIENCE, keys: [publicJwk], algorithms: [ALG], ...permits, maxTokenLifetimeSeconds: MAX_TTL_SECONDS },
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
    const school = claims.school === undefined ? undefined : requireText(claims.school, 'school', "the DSL's school LAESTAB");
    if (school !== undefined && !LAESTAB_PATTERN.test(school)) {
      throw badInput(`A demo token's school must be a DfE LAESTAB, 7 digits such as 9804001 (got ${JSON.stringify(school.slice(0, 20))}).`, { field: 'school' });
    }
    const lifetime = parseTtl(claims.ttl ?? DEMO_DEFAULT_TTL);
    const issuedAt = Math.floor(Date.now() / 1000);
    return new SignJWT({ name, agency, roles, ...(school !== undefined ? { school } : {}) })
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
