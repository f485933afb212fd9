import { z } from 'zod';
import type { JWK } from 'jose';
import { GatewayError } from '../errors.js';

/**
 * Configuration of one registered agency issuer: whose tokens the gateway accepts, for which
 * audience, verified with which public keys and algorithms, and which claims carry the actor.
 */

/** Asymmetric JWS algorithms the gateway verifies (RFC 7518 and RFC 8037); jose supports each on Node 20. */
export const ASYMMETRIC_ALGORITHMS = [
  'ES256',
  'ES384',
  'ES512',
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'EdDSA',
  'Ed25519',
] as const;

export type AsymmetricAlgorithm = (typeof ASYMMETRIC_ALGORITHMS)[number];

export const DEFAULT_ALGORITHMS: AsymmetricAlgorithm[] = ['ES256', 'RS256', 'PS256', 'EdDSA'];

const isAsymmetricAlgorithm = (alg: string): alg is AsymmetricAlgorithm =>
  (ASYMMETRIC_ALGORITHMS as readonly string[]).includes(alg);

// Key-confusion and unsigned-token attacks both start from an issuer that accepts a shared-secret
// or "none" algorithm, so such configurations are refused before the gateway starts.
const algorithmSchema = z.string().check((ctx) => {
  const alg = ctx.value;
  if (isAsymmetricAlgorithm(alg)) return;
  let message: string;
  if (/^HS\d+$/i.test(alg)) {
    message = `${alg} is a shared-secret (HMAC) algorithm and is not accepted: issuers must sign with an asymmetric key; use one of ${ASYMMETRIC_ALGORITHMS.join(', ')}`;
  } else if (alg.toLowerCase() === 'none') {
    message = `"none" means unsigned tokens and is never accepted; use one of ${ASYMMETRIC_ALGORITHMS.join(', ')}`;
  } else {
    message = `"${alg}" is not a supported signature algorithm; use one of ${ASYMMETRIC_ALGORITHMS.join(', ')}`;
  }
  ctx.issues.push({ code: 'custom', message, input: alg });
}).transform((alg) => alg as AsymmetricAlgorithm);

const URN = /^urn:[a-z0-9][a-z0-9-]{0,31}:\S+$/i;
const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

function parseUrl(value: string): URL | undefined {
  try {
    return new URL(value);
  } catch {
    return undefined;
  }
}

const issuerSchema = z.string().check((ctx) => {
  const value = ctx.value;
  if (URN.test(value)) return;
  const url = parseUrl(value);
  if (url !== undefined && (url.protocol === 'https:' || url.protocol === 'http:')) return;
  ctx.issues.push({
    code: 'custom',
    message: 'must be the issuer identifier exactly as it appears in the tokens\' "iss" claim: an http(s) URL or a URN',
    input: value,
  });
});

// Keys fetched over plain http could be swapped in transit, and whoever swaps them can mint any
// actor; plain http is allowed only on the loopback interface (local development, tests).
const jwksUrlSchema = z.string().check((ctx) => {
  const url = parseUrl(ctx.value);
  if (url !== undefined && url.protocol === 'https:') return;
  if (url !== undefined && url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname)) return;
  ctx.issues.push({
    code: 'custom',
    message: 'must be an https URL of the issuer\'s JSON Web Key Set (plain http is allowed only for localhost)',
    input: ctx.value,
  });
});

const PRIVATE_JWK_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k', 'priv'] as const;

const REQUIRED_PUBLIC_MEMBERS = { EC: ['crv', 'x', 'y'], RSA: ['n', 'e'], OKP: ['crv', 'x'] } as const;

/** A public verification key, inline; `kid` lets a token name the key that signed it. */
const publicJwkSchema = z
  .looseObject({
    kty: z.enum(['EC', 'RSA', 'OKP'], { error: 'kty must be EC, RSA or OKP (a public signature key)' }),
    kid: z.string({ error: 'each inline key needs a kid (key id)' }).min(1, 'each inline key needs a kid (key id)'),
    use: z.string().optional(),
  })
  .check((ctx) => {
    if (ctx.value.use !== undefined && ctx.value.use !== 'sig') {
      ctx.issues.push({ code: 'custom', message: 'use must be "sig" (a signature key) when present', input: ctx.value, path: ['use'] });
    }
    const required = REQUIRED_PUBLIC_MEMBERS[ctx.value.kty].filter((member) => typeof ctx.value[member] !== 'string');
    if (required.length > 0) {
      ctx.issues.push({
        code: 'custom',
        message: `the ${ctx.value.kty} public key lacks ${required.join(', ')}`,
        input: ctx.value,
      });
    }
    const present = PRIVATE_JWK_MEMBERS.filter((member) => member in ctx.value);
    if (present.length > 0) {
      ctx.issues.push({
        code: 'custom',
        message: `contains private key material (${present.join(', ')}); configure the public key only`,
        input: ctx.value,
      });
    }
  })
  .transform((jwk) => jwk as JWK & { kid: string });

const claimNameSchema = z.string().min(1, 'a claim name must not be empty');

/** Default and upper bound of a token's lifetime (`exp - iat`) an issuer may configure. */
export const DEFAULT_MAX_TOKEN_LIFETIME_SECONDS = 12 * 60 * 60;
export const MAX_TOKEN_LIFETIME_SECONDS = 7 * 24 * 60 * 60;

const nameListSchema = (what: string) =>
  z
    .array(z.string().min(1, `each ${what} must be a non-empty name`))
    .min(1, `must list at least one ${what} the issuer may assert`)
    .check((ctx) => {
      const duplicate = ctx.value.find((name, index) => ctx.value.indexOf(name) !== index);
      if (duplicate !== undefined) ctx.issues.push({ code: 'custom', message: `lists "${duplicate}" more than once`, input: ctx.value });
    });

export const issuerConfigSchema = z
  .strictObject({
    issuer: issuerSchema,
    audience: z.string().min(1, 'must name the audience the gateway expects in "aud"'),
    jwksUrl: jwksUrlSchema.optional(),
    keys: z.array(publicJwkSchema).min(1, 'must hold at least one public key').optional(),
    algorithms: z.array(algorithmSchema).min(1, 'must name at least one algorithm').default(DEFAULT_ALGORITHMS),
    claims: z
      .strictObject({
        id: claimNameSchema.default('sub'),
        name: claimNameSchema.default('name'),
        agency: claimNameSchema.default('agency'),
        roles: claimNameSchema.default('roles'),
        school: claimNameSchema.default('school'),
      })
      .prefault({}),
    jwksCacheMaxAgeMs: z.number().int().nonnegative().default(600_000),
    clockToleranceSeconds: z.number().int().nonnegative().max(300, 'must be at most 300 seconds').default(30),
    /** The agencies this issuer may assert in the agency claim; a token asserting another is refused. */
    agencies: nameListSchema('agency'),
    /** The roles this issuer may assert, each one the policy knows (checked at start); others are refused. */
    roles: nameListSchema('role'),
    /** The longest lifetime (`exp - iat`) accepted from this issuer; a longer-lived token is refused. */
    maxTokenLifetimeSeconds: z
      .number()
      .int()
      .positive('must be a positive number of seconds')
      .max(MAX_TOKEN_LIFETIME_SECONDS, `must be at most ${MAX_TOKEN_LIFETIME_SECONDS} seconds (7 days)`)
      .default(DEFAULT_MAX_TOKEN_LIFETIME_SECONDS),
  })
  .check((ctx) => {
    const { jwksUrl, keys } = ctx.value;
    if ((jwksUrl === undefined) === (keys === undefined)) {
      ctx.issues.push({
        code: 'custom',
        message:
          jwksUrl === undefined
            ? 'needs exactly one of jwksUrl (keys fetched from the issuer) or keys (public keys inline); neither is set'
            : 'needs exactly one of jwksUrl or keys; both are set, so remove one',
        input: ctx.value,
      });
    }
    if (keys !== undefined) {
      const seen = new Set<string>();
      for (const [index, key] of keys.entries()) {
        if (seen.has(key.kid)) {
          ctx.issues.push({
            code: 'custom',
            message: `kid "${key.kid}" is used by more than one key; each kid must be unique`,
            input: key,
            path: ['keys', index, 'kid'],
          });
        }
        seen.add(key.kid);
      }
    }
  });

export type IssuerConfig = z.output<typeof issuerConfigSchema>;
export type IssuerConfigInput = z.input<typeof issuerConfigSchema>;

function describeIssues(error: z.ZodError, prefix: (string | number)[]): string {
  return error.issues
    .map((issue) => {
      const path = [...prefix, ...issue.path].map(String).join('.');
      return path === '' ? issue.message : `${path}: ${issue.message}`;
    })
    .join('; ');
}

/**
 * Validates the registered issuers at start (convention 12): a bad value stops the process with
 * one line naming the key. `at` names where the list came from, for the message.
 */
export function parseIssuerConfigs(input: unknown, at = 'auth.issuers'): IssuerConfig[] {
  const result = z.array(issuerConfigSchema).min(1, 'register at least one agency issuer').safeParse(input);
  if (!result.success) {
    throw new GatewayError('CONFIG_INVALID', `Invalid issuer configuration: ${describeIssues(result.error, [at])}.`);
  }
  const seen = new Set<string>();
  for (const [index, config] of result.data.entries()) {
    if (seen.has(config.issuer)) {
      throw new GatewayError(
        'CONFIG_INVALID',
        `Invalid issuer configuration: ${at}.${index}.issuer: "${config.issuer}" is registered more than once; register each issuer once.`,
      );
    }
    seen.add(config.issuer);
  }
  return result.data;
}

/** Validates one issuer, throwing CONFIG_INVALID with a message naming the key. */
export function parseIssuerConfig(input: unknown, at = 'issuer'): IssuerConfig {
  const result = issuerConfigSchema.safeParse(input);
  if (!result.success) {
    throw new GatewayError('CONFIG_INVALID', `Invalid issuer configuration: ${describeIssues(result.error, [at])}.`);
  }
  return result.data;
}

/**
 * Checks, at start, that every role each issuer may assert is one the policy knows: a typo here
 * would otherwise silently give that issuer's users nothing, or a role meant for another issuer.
 */
export function checkIssuerRoles(issuers: readonly IssuerConfig[], knownRoles: readonly string[]): void {
  for (const config of issuers) {
    const unknown = config.roles.filter((role) => !knownRoles.includes(role));
    if (unknown.length > 0) {
      throw new GatewayError(
        'CONFIG_INVALID',
        `Invalid issuer configuration: issuer ${config.issuer}: roles: ${unknown.map((role) => `"${role}"`).join(', ')} ${unknown.length === 1 ? 'is not a role' : 'are not roles'} the policy knows; use only ${knownRoles.join(', ')}.`,
      );
    }
  }
}
