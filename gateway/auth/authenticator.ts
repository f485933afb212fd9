import {
  createLocalJWKSet,
  createRemoteJWKSet,
  decodeJwt,
  decodeProtectedHeader,
  errors,
  jwtVerify,
  type JWTPayload,
  type JWTVerifyGetKey,
  type ProtectedHeaderParameters,
} from 'jose';
import { loadPolicyFile } from '../../policies/index.js';
import { GatewayError } from '../errors.js';
import { ASYMMETRIC_ALGORITHMS, checkIssuerRoles, type IssuerConfig } from './config.js';

/** Who is calling: established from a verified token of a registered agency issuer. */
export interface Actor {
  id: string;
  name: string;
  agency: string;
  roles: string[];
  issuer: string;
  /** The school a school DSL acts for: its DfE LAESTAB (7 digits), from the `school` claim. */
  school?: string;
}

export interface Authenticator {
  /** Verifies `Authorization: Bearer <jwt>` and returns the Actor, or throws GatewayError UNAUTHENTICATED. */
  authenticate(authorization: string | undefined): Promise<Actor>;
}

/** Stable reasons for a refusal, in `GatewayError.details.reason`. */
export const AUTH_REFUSAL_REASONS = [
  'MISSING_TOKEN',
  'MALFORMED_TOKEN',
  'ALG_NOT_ALLOWED',
  'BAD_SIGNATURE',
  'TOKEN_EXPIRED',
  'TOKEN_NOT_YET_VALID',
  'UNKNOWN_ISSUER',
  'WRONG_AUDIENCE',
  'UNKNOWN_KEY',
  'MISSING_CLAIM',
  'INVALID_CLAIM',
  'JWKS_UNAVAILABLE',
  'VERIFICATION_FAILED',
  'CRITICAL_HEADER_UNSUPPORTED',
  'TOKEN_LIFETIME_TOO_LONG',
  'TOKEN_ISSUED_IN_FUTURE',
  'UNKNOWN_ROLE',
  'ROLE_NOT_PERMITTED',
  'AGENCY_NOT_PERMITTED',
] as const;

export type AuthRefusalReason = (typeof AUTH_REFUSAL_REASONS)[number];

/**
 * After a fetch, how long an unknown `kid` waits before it may trigger another fetch of a remote
 * JWKS: short, so a newly rotated-in key is picked up quickly, yet a flood of tokens with made-up
 * kids cannot make the gateway hammer the issuer.
 */
export const JWKS_COOLDOWN_MS = 5_000;
export const JWKS_TIMEOUT_MS = 5_000;

const REQUIRED_CLAIMS = ['sub', 'exp', 'iat'];

function refuse(reason: AuthRefusalReason, message: string, extra?: Record<string, unknown>, cause?: unknown): GatewayError {
  return new GatewayError('UNAUTHENTICATED', message, {
    details: { reason, ...extra },
    ...(cause === undefined ? {} : { cause }),
  });
}

/** Quotes a value taken from an unverified token for a message: bounded and printable only. */
function quote(value: string): string {
  const printable = value.replace(/[^\x20-\x7e]/g, '?');
  return JSON.stringify(printable.length > 100 ? `${printable.slice(0, 100)}...` : printable);
}

const isoTime = (numericDate: unknown): string =>
  typeof numericDate === 'number' && Number.isFinite(numericDate)
    ? new Date(numericDate * 1000).toISOString()
    : 'an unreadable time';

interface RegisteredIssuer {
  config: IssuerConfig;
  getKey: JWTVerifyGetKey;
}

function keyResolver(config: IssuerConfig): JWTVerifyGetKey {
  if (config.keys !== undefined) {
    return createLocalJWKSet({ keys: config.keys });
  }
  if (config.jwksUrl === undefined) {
    throw new GatewayError('CONFIG_INVALID', `Issuer ${config.issuer} has neither jwksUrl nor keys; configure exactly one.`);
  }
  const remote = createRemoteJWKSet(new URL(config.jwksUrl), {
    cacheMaxAge: config.jwksCacheMaxAgeMs,
    cooldownDuration: Math.min(JWKS_COOLDOWN_MS, config.jwksCacheMaxAgeMs),
    timeoutDuration: JWKS_TIMEOUT_MS,
  });
  // Key-selection outcomes (no key, several keys) pass through to be reported as such; anything
  // else (network, HTTP status, timeout, a JWKS that is not one) means the issuer's keys could
  // not be had, which is not the caller's fault.
  return async (header, token) => {
    try {
      return await remote(header, token);
    } catch (error) {
      if (
        error instanceof errors.JWKSNoMatchingKey ||
        error instanceof errors.JWKSMultipleMatchingKeys ||
        error instanceof errors.JOSENotSupported
      ) {
        throw error;
      }
      throw refuse(
        'JWKS_UNAVAILABLE',
        `The signing keys of issuer ${config.issuer} could not be fetched, so the token cannot be verified; try again shortly, and if it persists ask the gateway operator to check the issuer's jwksUrl.`,
        undefined,
        error,
      );
    }
  };
}

function decodeUnverified(token: string): { header: ProtectedHeaderParameters; payload: JWTPayload } {
  const malformed = (cause?: unknown): GatewayError =>
    refuse(
      'MALFORMED_TOKEN',
      'The bearer token is not a well-formed signed JWT (three base64url parts: header, claims, signature); send the token exactly as your agency issued it.',
      undefined,
      cause,
    );
  if (token.split('.').length !== 3) throw malformed();
  try {
    return { header: decodeProtectedHeader(token), payload: decodeJwt(token) };
  } catch (error) {
    throw malformed(error);
  }
}

function mapVerificationError(error: unknown, config: IssuerConfig): GatewayError {
  if (error instanceof GatewayError) return error;
  if (error instanceof errors.JWTExpired) {
    return refuse('TOKEN_EXPIRED', `The token expired at ${isoTime(error.payload.exp)}; request a new one.`);
  }
  if (error instanceof errors.JWTClaimValidationFailed) {
    const { claim, reason } = error;
    if (reason === 'missing') {
      return refuse(
        'MISSING_CLAIM',
        `The token has no "${claim}" claim, which the gateway requires; ask your agency's identity provider to include it.`,
        { claim },
      );
    }
    if (claim === 'nbf' && reason === 'check_failed') {
      return refuse(
        'TOKEN_NOT_YET_VALID',
        `The token is not valid until ${isoTime(error.payload.nbf)}; wait until then, or check the clock of the issuing system.`,
      );
    }
    if (claim === 'aud') {
      return refuse(
        'WRONG_AUDIENCE',
        `The token was issued for another audience, not "${config.audience}"; request a token for this gateway (audience "${config.audience}").`,
      );
    }
    if (claim === 'iss') {
      return refuse('UNKNOWN_ISSUER', 'The token\'s issuer does not match a registered agency issuer; use a token from a registered issuer.');
    }
    return refuse(
      'INVALID_CLAIM',
      `The token's "${claim}" claim is not valid; ask your agency's identity provider to issue a correct token.`,
      { claim },
    );
  }
  if (error instanceof errors.JOSEAlgNotAllowed || error instanceof errors.JOSENotSupported) {
    return refuse(
      'ALG_NOT_ALLOWED',
      `The token's signature algorithm is not accepted for issuer ${config.issuer} (accepted: ${config.algorithms.join(', ')}); request a token signed with an accepted algorithm.`,
    );
  }
  if (error instanceof errors.JWSSignatureVerificationFailed) {
    return refuse(
      'BAD_SIGNATURE',
      `The token's signature does not verify against the keys of issuer ${config.issuer}; it may have been altered. Request a new token.`,
    );
  }
  if (error instanceof errors.JWKSNoMatchingKey) {
    return refuse(
      'UNKNOWN_KEY',
      `No current key of issuer ${config.issuer} matches the token's key id (kid) and algorithm; the key may have been rotated out. Request a new token.`,
    );
  }
  if (error instanceof errors.JWKSMultipleMatchingKeys) {
    return refuse(
      'UNKNOWN_KEY',
      `The token does not name its signing key (kid) and issuer ${config.issuer} has several keys; ask your agency's identity provider to include "kid" in the token header.`,
    );
  }
  if (error instanceof errors.JWSInvalid || error instanceof errors.JWTInvalid) {
    return refuse(
      'MALFORMED_TOKEN',
      'The bearer token is not a well-formed signed JWT; send the token exactly as your agency issued it.',
      undefined,
      error,
    );
  }
  // Fail closed on anything unforeseen (a key too weak for its algorithm, a runtime gap).
  return refuse(
    'VERIFICATION_FAILED',
    `The token could not be verified against issuer ${config.issuer}; request a new token, and if it persists ask the gateway operator.`,
    undefined,
    error,
  );
}

function stringClaim(payload: JWTPayload, claim: string, what: string): string {
  const value = payload[claim];
  if (value === undefined || value === null || value === '') {
    throw refuse(
      'MISSING_CLAIM',
      `The token has no "${claim}" claim (the caller's ${what}); ask your agency's identity provider to include it.`,
      { claim },
    );
  }
  if (typeof value !== 'string' || value.trim() === '') {
    throw refuse(
      'INVALID_CLAIM',
      `The token's "${claim}" claim (the caller's ${what}) must be a non-empty string; ask your agency's identity provider to correct it.`,
      { claim },
    );
  }
  return value;
}

/**
 * Roles arrive as an array of role names the policy knows, each one the issuer may assert. A
 * plain string is refused rather than read as one role: an identity provider sending a string
 * (or a space-separated list) is misconfigured, and guessing its meaning could grant a role.
 */
function rolesClaim(payload: JWTPayload, config: IssuerConfig, knownRoles: ReadonlySet<string>): string[] {
  const claim = config.claims.roles;
  const value = payload[claim];
  const missing = (): GatewayError =>
    refuse(
      'MISSING_CLAIM',
      `The token has no "${claim}" claim (the caller's roles); ask your agency's identity provider to include at least one role.`,
      { claim },
    );
  if (value === undefined || value === null || value === '') throw missing();
  if (!Array.isArray(value) || !value.every((role): role is string => typeof role === 'string' && role.trim() !== '')) {
    throw refuse(
      'INVALID_CLAIM',
      `The token's "${claim}" claim (the caller's roles) must be an array of role names, even for one role (["mash-researcher"], not "mash-researcher"); ask your agency's identity provider to correct it.`,
      { claim },
    );
  }
  if (value.length === 0) throw missing();
  const roles = [...new Set(value)];
  const unknown = roles.filter((role) => !knownRoles.has(role));
  if (unknown.length > 0) {
    throw refuse(
      'UNKNOWN_ROLE',
      `The token asserts ${unknown.length === 1 ? 'a role' : 'roles'} the disclosure policy does not know (${unknown.slice(0, 5).map(quote).join(', ')}); the gateway knows ${[...knownRoles].join(', ')}. Ask your agency's identity provider to send only those.`,
      { claim },
    );
  }
  const notPermitted = roles.filter((role) => !config.roles.includes(role));
  if (notPermitted.length > 0) {
    throw refuse(
      'ROLE_NOT_PERMITTED',
      `Issuer ${config.issuer} may not assert the ${notPermitted.length === 1 ? 'role' : 'roles'} ${notPermitted.join(', ')} (it may assert ${config.roles.join(', ')}); a token with ${notPermitted.length === 1 ? 'that role' : 'those roles'} must come from an issuer registered for ${notPermitted.length === 1 ? 'it' : 'them'}.`,
      { claim },
    );
  }
  return roles;
}

/** DfE establishment number: local authority (3 digits) and establishment (4 digits). */
export const LAESTAB_PATTERN = /^\d{7}$/;

/** The optional school claim: absent, or a LAESTAB. Anything else is refused, never ignored. */
function schoolClaim(payload: JWTPayload, claim: string): string | undefined {
  const value = payload[claim];
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !LAESTAB_PATTERN.test(value)) {
    throw refuse(
      'INVALID_CLAIM',
      `The token's "${claim}" claim (the caller's school) must be the school's DfE LAESTAB, 7 digits such as "9804001"; ask your agency's identity provider to correct it.`,
      { claim },
    );
  }
  return value;
}

function toActor(payload: JWTPayload, config: IssuerConfig, knownRoles: ReadonlySet<string>): Actor {
  const { claims } = config;
  const school = schoolClaim(payload, claims.school);
  const agency = stringClaim(payload, claims.agency, 'agency');
  if (!config.agencies.includes(agency)) {
    throw refuse(
      'AGENCY_NOT_PERMITTED',
      `Issuer ${config.issuer} may not assert the agency ${quote(agency)} (it may assert ${config.agencies.join(', ')}); a token for that agency must come from that agency's registered issuer.`,
      { claim: claims.agency },
    );
  }
  return {
    id: stringClaim(payload, claims.id, 'id'),
    name: stringClaim(payload, claims.name, 'name'),
    agency,
    roles: rolesClaim(payload, config, knownRoles),
    issuer: config.issuer,
    ...(school !== undefined ? { school } : {}),
  };
}

/**
 * Checks jose leaves to the caller: `iat` not in the future beyond the clock tolerance, and a
 * lifetime (`exp - iat`) within the issuer's maximum. `iat` is a required claim, so a token
 * without it never reaches here (refused MISSING_CLAIM): without it the lifetime cannot be known.
 */
function checkLifetime(payload: JWTPayload, config: IssuerConfig, nowSeconds: number): void {
  const { iat, exp } = payload;
  if (typeof iat !== 'number' || typeof exp !== 'number') {
    throw refuse('INVALID_CLAIM', 'The token\'s "iat" and "exp" claims must be numeric dates; ask your agency\'s identity provider to correct it.', { claim: 'iat' });
  }
  if (iat > nowSeconds + config.clockToleranceSeconds) {
    throw refuse(
      'TOKEN_ISSUED_IN_FUTURE',
      `The token says it was issued at ${isoTime(iat)}, which is in the future; check the clock of the issuing system, then request a new token.`,
    );
  }
  if (exp - iat > config.maxTokenLifetimeSeconds) {
    throw refuse(
      'TOKEN_LIFETIME_TOO_LONG',
      `The token lives ${exp - iat} seconds (issued ${isoTime(iat)}, expiring ${isoTime(exp)}), longer than the ${config.maxTokenLifetimeSeconds} seconds issuer ${config.issuer} is allowed; request a shorter-lived token.`,
    );
  }
}

export interface AuthenticatorOptions {
  /** The roles the disclosure policy defines; defaults to those of the default policy file. */
  knownRoles?: readonly string[];
}

const BEARER = /^Bearer +(\S+) *$/i;

/**
 * Builds the gateway's authenticator over the registered agency issuers. Verification keys and
 * JWKS caches are created once, here, and shared by every request.
 */
export function createAuthenticator(issuers: IssuerConfig[], options: AuthenticatorOptions = {}): Authenticator {
  const knownRoles = new Set(options.knownRoles ?? Object.keys(loadPolicyFile().document.roles));
  checkIssuerRoles(issuers, [...knownRoles]);
  const registered = new Map<string, RegisteredIssuer>();
  for (const config of issuers) {
    if (registered.has(config.issuer)) {
      throw new GatewayError('CONFIG_INVALID', `Issuer ${config.issuer} is registered more than once; register each issuer once.`);
    }
    registered.set(config.issuer, { config, getKey: keyResolver(config) });
  }
  const supported = new Set<string>(ASYMMETRIC_ALGORITHMS);

  async function authenticate(authorization: string | undefined): Promise<Actor> {
    if (authorization === undefined || authorization.trim() === '') {
      throw refuse(
        'MISSING_TOKEN',
        'No bearer token was sent; send "Authorization: Bearer <token>" with a token from your agency\'s identity provider.',
      );
    }
    const match = BEARER.exec(authorization.trim());
    if (match === null || match[1] === undefined) {
      throw refuse(
        'MALFORMED_TOKEN',
        'The Authorization header must be "Bearer <token>" (one token, Bearer scheme); send the token exactly as your agency issued it.',
      );
    }
    const token = match[1];
    const { header, payload } = decodeUnverified(token);

    // A critical header names an extension the verifier must understand (RFC 7515 4.1.11); the
    // gateway understands none, so such a token is refused whatever the extension is.
    if ('crit' in header) {
      throw refuse(
        'CRITICAL_HEADER_UNSUPPORTED',
        'The token\'s header marks extensions as critical ("crit"), which this gateway does not support; request a token without critical header extensions.',
      );
    }

    // Refuse unsigned and shared-secret tokens before anything else is read from them.
    if (typeof header.alg !== 'string' || !supported.has(header.alg)) {
      throw refuse(
        'ALG_NOT_ALLOWED',
        `The token's signature algorithm ${typeof header.alg === 'string' ? quote(header.alg) : '(none given)'} is not accepted: only asymmetric signatures (${ASYMMETRIC_ALGORITHMS.join(', ')}) are; request a properly signed token.`,
      );
    }

    // The unverified "iss" only picks which issuer's keys to try; jwtVerify then checks it.
    if (typeof payload.iss !== 'string' || payload.iss === '') {
      throw refuse(
        'MISSING_CLAIM',
        'The token has no "iss" claim, so its issuer cannot be recognised; use a token from a registered agency issuer.',
        { claim: 'iss' },
      );
    }
    const issuer = registered.get(payload.iss);
    if (issuer === undefined) {
      throw refuse(
        'UNKNOWN_ISSUER',
        `The token's issuer ${quote(payload.iss)} is not a registered agency issuer; use a token from a registered issuer.`,
      );
    }
    const { config } = issuer;
    if (!config.algorithms.includes(header.alg as (typeof config.algorithms)[number])) {
      throw refuse(
        'ALG_NOT_ALLOWED',
        `The token's signature algorithm ${quote(header.alg)} is not accepted for issuer ${config.issuer} (accepted: ${config.algorithms.join(', ')}); request a token signed with an accepted algorithm.`,
      );
    }

    let verified: JWTPayload;
    try {
      ({ payload: verified } = await jwtVerify(token, issuer.getKey, {
        algorithms: config.algorithms,
        issuer: config.issuer,
        audience: config.audience,
        requiredClaims: REQUIRED_CLAIMS,
        clockTolerance: config.clockToleranceSeconds,
      }));
    } catch (error) {
      throw mapVerificationError(error, config);
    }
    checkLifetime(verified, config, Math.floor(Date.now() / 1000));
    return toActor(verified, config, knownRoles);
  }

  return { authenticate };
}
