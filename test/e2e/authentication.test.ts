import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readEvents } from '../../gateway/audit/index.js';
import { AUDIENCE, handcraftToken, ISSUER, makeSigningKey, signToken, sleep, standardPayload, startJwksServer, type JwksServer, type SigningKey } from '../gateway/auth/fixtures.js';
import { startTestGateway, type TestGateway } from '../helpers/gateway.js';

/**
 * Every way a token can be wrong, over HTTP: 401, a clear message with a stable reason, and an
 * audit event naming the refusal. The issuer's keys come from a JWKS served on loopback.
 */
describe('refused tokens over HTTP', () => {
  let t: TestGateway;
  let jwks: JwksServer;
  let keyA: SigningKey;
  let keyB: SigningKey;

  beforeAll(async () => {
    keyA = await makeSigningKey();
    keyB = await makeSigningKey();
    jwks = await startJwksServer([keyA.publicJwk]);
    t = await startTestGateway({ issuers: [{ issuer: ISSUER, audience: AUDIENCE, jwksUrl: jwks.url, jwksCacheMaxAgeMs: 200, agencies: ['police'], roles: ['mash-researcher'] }] });
  });
  afterAll(async () => {
    await t?.close();
    await jwks?.close();
  });

  async function expectRefused(token: string | undefined, reason: string) {
    const response = await t.graphql('{ me { id name } }', {}, token);
    expect(response.status).toBe(401);
    expect(response.body.data).toBeUndefined();
    expect(response.body.errors[0].extensions).toMatchObject({ code: 'UNAUTHENTICATED', reason });
    expect(response.body.errors[0].message.length).toBeGreaterThan(15);
    if (token) expect(response.text).not.toContain(token);
    const last = (await readEvents(t.gateway.store, { limit: 10_000 })).at(-1)!;
    expect(last).toMatchObject({ operation: 'authenticate', outcome: 'refused', outcomeCode: 'UNAUTHENTICATED', actor: null });
    expect(last.reason).toMatch(new RegExp(`^${reason}: `));
  }

  it('accepts a valid token from the registered issuer', async () => {
    const response = await t.graphql('{ me { id agency roles } }', {}, await signToken({ key: keyA }));
    expect(response.body.data.me).toEqual({ id: 'pc-4471', agency: 'police', roles: ['mash-researcher'] });
  });

  it('refuses no token', () => expectRefused(undefined, 'MISSING_TOKEN'));
  it('refuses a garbled token', () => expectRefused('eyJhbGciOi.garbled', 'MALFORMED_TOKEN'));
  it('refuses alg: none', () => expectRefused(handcraftToken({ alg: 'none', typ: 'JWT' }, standardPayload()), 'ALG_NOT_ALLOWED'));
  it('refuses HS256 signed with the issuer’s public key', async () => {
    const header = { alg: 'HS256', typ: 'JWT', kid: keyA.kid };
    const unsigned = handcraftToken(header, standardPayload()).slice(0, -1);
    const signature = createHmac('sha256', JSON.stringify(keyA.publicJwk)).update(unsigned).digest('base64url');
    await expectRefused(`${unsigned}.${signature}`, 'ALG_NOT_ALLOWED');
  });
  it('refuses an expired token', async () => expectRefused(await signToken({ key: keyA, iat: -7200, exp: -3600 }), 'TOKEN_EXPIRED'));
  it('refuses a token not yet valid', async () => expectRefused(await signToken({ key: keyA, nbf: 3600 }), 'TOKEN_NOT_YET_VALID'));
  it('refuses a token from an unregistered issuer', async () => expectRefused(await signToken({ key: keyA, iss: 'https://idp.unknown.example/' }), 'UNKNOWN_ISSUER'));
  it('refuses a token for another audience', async () => expectRefused(await signToken({ key: keyA, aud: 'another-service' }), 'WRONG_AUDIENCE'));
  it('refuses a token with an unknown kid', async () => expectRefused(await signToken({ key: keyB }), 'UNKNOWN_KEY'));

  it('refuses a key rotated out of the JWKS, and accepts its successor', async () => {
    const before = await t.graphql('{ me { id } }', {}, await signToken({ key: keyA }));
    expect(before.status).toBe(200);
    jwks.serve([keyB.publicJwk]);
    await sleep(300); // past the configured JWKS cache age (200 ms)
    await expectRefused(await signToken({ key: keyA }), 'UNKNOWN_KEY');
    const after = await t.graphql('{ me { id } }', {}, await signToken({ key: keyB }));
    expect(after.status).toBe(200);
  });
});
