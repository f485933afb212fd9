import { exportSPKI, importJWK, type CryptoKey } from 'jose';
import { createHmac } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { createAuthenticator, type Authenticator } from '../../../gateway/auth/index.js';
import {
  AUDIENCE,
  ISSUER,
  handcraftToken,
  issuerConfig,
  makeSigningKey,
  refusalOf,
  signToken,
  standardPayload,
  type SigningKey,
} from './fixtures.js';

let key: SigningKey;
let otherKey: SigningKey;
let authenticator: Authenticator;

beforeAll(async () => {
  key = await makeSigningKey();
  otherKey = await makeSigningKey();
  authenticator = createAuthenticator([issuerConfig({ keys: [key.publicJwk] })]);
});

/** Asserts a refusal with code UNAUTHENTICATED and the given reason, whose message never echoes the token. */
async function expectRefused(authorization: string | undefined, reason: string) {
  const error = await refusalOf(authenticator.authenticate(authorization));
  expect(error.code).toBe('UNAUTHENTICATED');
  expect(error.details?.reason).toBe(reason);
  const token = authorization?.replace(/^Bearer\s+/i, '') ?? '';
  for (const part of token.split('.').filter((segment) => segment.length > 8)) {
    expect(error.message).not.toContain(part);
  }
  return error;
}

describe('authenticate', () => {
  it('yields the Actor from a valid token of a registered issuer', async () => {
    const token = await signToken({ key });
    await expect(authenticator.authenticate(`Bearer ${token}`)).resolves.toEqual({
      id: 'pc-4471',
      name: 'Sam Okafor',
      agency: 'police',
      roles: ['mash-researcher'],
      issuer: ISSUER,
    });
  });

  it('accepts the Bearer scheme in any letter case', async () => {
    const token = await signToken({ key });
    await expect(authenticator.authenticate(`bearer ${token}`)).resolves.toMatchObject({ id: 'pc-4471' });
  });

  it('refuses roles given as a single string rather than reading it as one role', async () => {
    const token = await signToken({ key, claims: { roles: 'mash-manager' } });
    await expect(authenticator.authenticate(`Bearer ${token}`)).rejects.toMatchObject({ code: 'UNAUTHENTICATED', details: { reason: 'INVALID_CLAIM', claim: 'roles' } });
  });

  it('reads the actor from the claim names the issuer is configured with', async () => {
    const custom = createAuthenticator([
      issuerConfig({
        keys: [key.publicJwk],
        claims: { id: 'staff_id', name: 'display_name', agency: 'org', roles: 'groups' },
      }),
    ]);
    const token = await signToken({
      key,
      claims: { staff_id: 'hv-12', display_name: 'Ana Lee', org: 'health', groups: ['mash-researcher'] },
    });
    await expect(custom.authenticate(`Bearer ${token}`)).resolves.toEqual({
      id: 'hv-12',
      name: 'Ana Lee',
      agency: 'health',
      roles: ['mash-researcher'],
      issuer: ISSUER,
    });
  });

  it('tolerates clock skew up to the configured tolerance', async () => {
    const token = await signToken({ key, exp: -10 });
    await expect(authenticator.authenticate(`Bearer ${token}`)).resolves.toMatchObject({ id: 'pc-4471' });
  });

  it('accepts an RS256 token from an issuer with an RSA key', async () => {
    const rsa = await makeSigningKey('RS256');
    const rsaAuthenticator = createAuthenticator([issuerConfig({ keys: [rsa.publicJwk] })]);
    const token = await signToken({ key: rsa, alg: 'RS256' });
    await expect(rsaAuthenticator.authenticate(`Bearer ${token}`)).resolves.toMatchObject({ id: 'pc-4471' });
  });
});

describe('authenticate refuses', () => {
  it('a request without a token: MISSING_TOKEN', async () => {
    const error = await expectRefused(undefined, 'MISSING_TOKEN');
    expect(error.message).toMatch(/Authorization: Bearer/);
    await expectRefused('', 'MISSING_TOKEN');
  });

  it('a header in another scheme: MALFORMED_TOKEN', async () => {
    await expectRefused('Basic dXNlcjpwYXNz', 'MALFORMED_TOKEN');
  });

  it('a garbled token: MALFORMED_TOKEN', async () => {
    await expectRefused('Bearer not-a-jwt', 'MALFORMED_TOKEN');
    await expectRefused('Bearer aaaa.bbbb.cccc', 'MALFORMED_TOKEN');
    const token = await signToken({ key });
    await expectRefused(`Bearer ${token.slice(0, -20)}%%%`, 'MALFORMED_TOKEN');
  });

  it('an unsigned token (alg none): ALG_NOT_ALLOWED', async () => {
    const token = handcraftToken({ alg: 'none', typ: 'JWT' }, standardPayload());
    const error = await expectRefused(`Bearer ${token}`, 'ALG_NOT_ALLOWED');
    expect(error.message).toMatch(/asymmetric/);
    await expectRefused(`Bearer ${handcraftToken({ alg: 'None', kid: key.kid }, standardPayload())}`, 'ALG_NOT_ALLOWED');
  });

  it("an HS256 token MACed with the issuer's public JWK as the secret (key confusion): ALG_NOT_ALLOWED", async () => {
    const header = { alg: 'HS256', kid: key.kid, typ: 'JWT' };
    const payload = standardPayload();
    const signingInput = handcraftToken(header, payload).slice(0, -1);
    for (const secret of [JSON.stringify(key.publicJwk), await exportSPKI((await importJWK(key.publicJwk, 'ES256', { extractable: true })) as CryptoKey)]) {
      const signature = createHmac('sha256', secret).update(signingInput).digest('base64url');
      await expectRefused(`Bearer ${signingInput}.${signature}`, 'ALG_NOT_ALLOWED');
    }
  });

  it('a token in an algorithm the issuer does not accept: ALG_NOT_ALLOWED', async () => {
    const rsa = await makeSigningKey('RS256');
    const esOnly = createAuthenticator([issuerConfig({ keys: [key.publicJwk, rsa.publicJwk], algorithms: ['ES256'] })]);
    const token = await signToken({ key: rsa, alg: 'RS256' });
    const error = await refusalOf(esOnly.authenticate(`Bearer ${token}`));
    expect(error.details?.reason).toBe('ALG_NOT_ALLOWED');
    expect(error.message).toMatch(/accepted: ES256/);
  });

  it('a token signed by another key under the issuer\'s kid: BAD_SIGNATURE', async () => {
    const token = await signToken({ key: otherKey, kid: key.kid });
    await expectRefused(`Bearer ${token}`, 'BAD_SIGNATURE');
  });

  it('a token whose claims were altered after signing: BAD_SIGNATURE', async () => {
    const [header, , signature] = (await signToken({ key })).split('.');
    const forged = `${header}.${Buffer.from(JSON.stringify(standardPayload({ roles: ['mash-manager'] }))).toString('base64url')}.${signature}`;
    await expectRefused(`Bearer ${forged}`, 'BAD_SIGNATURE');
  });

  it('an expired token: TOKEN_EXPIRED, saying when and what to do', async () => {
    const token = await signToken({ key, iat: -7200, exp: -3600 });
    const error = await expectRefused(`Bearer ${token}`, 'TOKEN_EXPIRED');
    expect(error.message).toMatch(/^The token expired at \d{4}-\d\d-\d\dT[\d:.]+Z; request a new one\.$/);
  });

  it('a token not yet valid (nbf in the future): TOKEN_NOT_YET_VALID', async () => {
    const token = await signToken({ key, nbf: 600, exp: 1200 });
    const error = await expectRefused(`Bearer ${token}`, 'TOKEN_NOT_YET_VALID');
    expect(error.message).toMatch(/not valid until \d{4}-/);
  });

  it('a token from an issuer that is not registered: UNKNOWN_ISSUER', async () => {
    const token = await signToken({ key, iss: 'https://idp.unknown.example/' });
    const error = await expectRefused(`Bearer ${token}`, 'UNKNOWN_ISSUER');
    expect(error.message).toMatch(/not a registered agency issuer/);
  });

  it('a token for another audience: WRONG_AUDIENCE', async () => {
    const token = await signToken({ key, aud: 'some-other-service' });
    const error = await expectRefused(`Bearer ${token}`, 'WRONG_AUDIENCE');
    expect(error.message).toContain(`"${AUDIENCE}"`);
  });

  it('a token naming a kid the issuer does not have: UNKNOWN_KEY', async () => {
    const token = await signToken({ key, kid: 'no-such-key' });
    await expectRefused(`Bearer ${token}`, 'UNKNOWN_KEY');
  });

  it.each(['agency', 'name', 'roles'])('a token without the %s claim: MISSING_CLAIM naming it', async (claim) => {
    const token = await signToken({ key, omit: [claim] });
    const error = await expectRefused(`Bearer ${token}`, 'MISSING_CLAIM');
    expect(error.details?.claim).toBe(claim);
    expect(error.message).toContain(`"${claim}"`);
  });

  it.each(['sub', 'exp', 'iat'])('a token without the registered %s claim: MISSING_CLAIM naming it', async (claim) => {
    const token = await signToken({ key, omit: [claim] });
    const error = await expectRefused(`Bearer ${token}`, 'MISSING_CLAIM');
    expect(error.details?.claim).toBe(claim);
  });

  it('a token with an empty roles list: MISSING_CLAIM', async () => {
    const token = await signToken({ key, claims: { roles: [] } });
    await expectRefused(`Bearer ${token}`, 'MISSING_CLAIM');
  });

  it('a token whose roles are not strings: INVALID_CLAIM', async () => {
    const token = await signToken({ key, claims: { roles: [42] } });
    await expectRefused(`Bearer ${token}`, 'INVALID_CLAIM');
  });
});
