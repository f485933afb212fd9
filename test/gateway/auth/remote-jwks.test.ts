import { afterEach, describe, expect, it } from 'vitest';
import { createAuthenticator } from '../../../gateway/auth/index.js';
import { issuerConfig, makeSigningKey, refusalOf, signToken, sleep, startJwksServer, type JwksServer } from './fixtures.js';

const CACHE_MAX_AGE_MS = 300;
let server: JwksServer | undefined;

afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('authenticate with keys fetched from the issuer (jwksUrl)', () => {
  it('verifies tokens against the served JWKS and caches it', async () => {
    const keyA = await makeSigningKey();
    server = await startJwksServer([keyA.publicJwk]);
    const authenticator = createAuthenticator([issuerConfig({ jwksUrl: server.url })]);
    for (let i = 0; i < 3; i += 1) {
      await expect(authenticator.authenticate(`Bearer ${await signToken({ key: keyA })}`)).resolves.toMatchObject({
        id: 'pc-4471',
      });
    }
    expect(server.requests).toBe(1);
  });

  it('refuses a key rotated out of the JWKS once the cache ages out, and accepts the new key', async () => {
    const keyA = await makeSigningKey();
    const keyB = await makeSigningKey();
    server = await startJwksServer([keyA.publicJwk]);
    const authenticator = createAuthenticator([
      issuerConfig({ jwksUrl: server.url, jwksCacheMaxAgeMs: CACHE_MAX_AGE_MS }),
    ]);
    const tokenA = await signToken({ key: keyA });
    const tokenB = await signToken({ key: keyB });

    await expect(authenticator.authenticate(`Bearer ${tokenA}`)).resolves.toMatchObject({ id: 'pc-4471' });

    server.serve([keyB.publicJwk]);
    // Until the cache ages out, the gateway keeps trusting the keys it fetched.
    await expect(authenticator.authenticate(`Bearer ${tokenA}`)).resolves.toMatchObject({ id: 'pc-4471' });
    await sleep(CACHE_MAX_AGE_MS + 100);

    const error = await refusalOf(authenticator.authenticate(`Bearer ${tokenA}`));
    expect(error.code).toBe('UNAUTHENTICATED');
    expect(error.details?.reason).toBe('UNKNOWN_KEY');
    await expect(authenticator.authenticate(`Bearer ${tokenB}`)).resolves.toMatchObject({ id: 'pc-4471' });
  });

  it('refuses with JWKS_UNAVAILABLE when the issuer serves no key set', async () => {
    const keyA = await makeSigningKey();
    server = await startJwksServer([keyA.publicJwk]);
    server.failWith(503);
    const authenticator = createAuthenticator([issuerConfig({ jwksUrl: server.url })]);
    const error = await refusalOf(authenticator.authenticate(`Bearer ${await signToken({ key: keyA })}`));
    expect(error.code).toBe('UNAUTHENTICATED');
    expect(error.details?.reason).toBe('JWKS_UNAVAILABLE');
  });

  it('refuses with JWKS_UNAVAILABLE when the issuer cannot be reached', async () => {
    const keyA = await makeSigningKey();
    const closed = await startJwksServer([]);
    const url = closed.url;
    await closed.close();
    const authenticator = createAuthenticator([issuerConfig({ jwksUrl: url })]);
    const error = await refusalOf(authenticator.authenticate(`Bearer ${await signToken({ key: keyA })}`));
    expect(error.details?.reason).toBe('JWKS_UNAVAILABLE');
    expect(error.message).toMatch(/could not be fetched/);
  });
});
