import { describe, expect, it } from 'vitest';
import { issuerConfigSchema, parseIssuerConfigs } from '../../../gateway/auth/index.js';
import { GatewayError } from '../../../gateway/errors.js';
import { makeSigningKey } from './fixtures.js';

const base = { issuer: 'https://idp.health.example.nhs.uk/', audience: 'mash-gateway', agencies: ['health'], roles: ['mash-researcher'] };
const jwksUrl = 'https://idp.health.example.nhs.uk/.well-known/jwks.json';

function messagesOf(input: unknown): string {
  const result = issuerConfigSchema.safeParse(input);
  expect(result.success).toBe(false);
  return result.success ? '' : result.error.issues.map((issue) => issue.message).join('\n');
}

describe('issuerConfigSchema', () => {
  it('fills in the defaults', () => {
    expect(issuerConfigSchema.parse({ ...base, jwksUrl })).toEqual({
      ...base,
      jwksUrl,
      algorithms: ['ES256', 'RS256', 'PS256', 'EdDSA'],
      claims: { id: 'sub', name: 'name', agency: 'agency', roles: 'roles', school: 'school' },
      jwksCacheMaxAgeMs: 600_000,
      clockToleranceSeconds: 30,
      maxTokenLifetimeSeconds: 43_200,
    });
  });

  it('accepts a URN issuer with inline public keys', async () => {
    const key = await makeSigningKey();
    const config = issuerConfigSchema.parse({ ...base, issuer: 'urn:example:issuer', keys: [key.publicJwk] });
    expect(config.keys?.[0]?.kid).toBe(key.kid);
  });

  it('rejects HS256 with a message saying why', () => {
    expect(messagesOf({ ...base, jwksUrl, algorithms: ['ES256', 'HS256'] })).toMatch(/HS256 is a shared-secret \(HMAC\) algorithm/);
  });

  it('rejects the "none" algorithm', () => {
    expect(messagesOf({ ...base, jwksUrl, algorithms: ['none'] })).toMatch(/"none" means unsigned tokens/);
  });

  it('rejects a config with both jwksUrl and keys', async () => {
    const key = await makeSigningKey();
    expect(messagesOf({ ...base, jwksUrl, keys: [key.publicJwk] })).toMatch(/exactly one of jwksUrl or keys; both are set/);
  });

  it('rejects a config with neither jwksUrl nor keys', () => {
    expect(messagesOf(base)).toMatch(/exactly one of jwksUrl .* or keys .*; neither is set/);
  });

  it('rejects an inline key without a kid', async () => {
    const { kid: _kid, ...withoutKid } = (await makeSigningKey()).publicJwk;
    expect(messagesOf({ ...base, keys: [withoutKid] })).toMatch(/needs a kid/);
  });

  it('rejects an inline key carrying private key material', async () => {
    const key = await makeSigningKey();
    expect(messagesOf({ ...base, keys: [{ ...key.publicJwk, d: 'secret' }] })).toMatch(/private key material \(d\)/);
  });

  it('rejects an inline key lacking its public members', () => {
    expect(messagesOf({ ...base, keys: [{ kty: 'EC', kid: 'k1' }] })).toMatch(/EC public key lacks crv, x, y/);
  });

  it('rejects a JWKS over plain http except on localhost', () => {
    expect(messagesOf({ ...base, jwksUrl: 'http://idp.example/jwks' })).toMatch(/https/);
    expect(issuerConfigSchema.safeParse({ ...base, jwksUrl: 'http://127.0.0.1:8080/jwks' }).success).toBe(true);
  });

  it('rejects an issuer that is neither a URL nor a URN', () => {
    expect(messagesOf({ ...base, issuer: 'police', jwksUrl })).toMatch(/http\(s\) URL or a URN/);
  });
});

describe('parseIssuerConfigs', () => {
  it('stops with CONFIG_INVALID and one line naming the key', () => {
    let error: unknown;
    try {
      parseIssuerConfigs([{ ...base, jwksUrl, algorithms: ['HS256'] }]);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(GatewayError);
    expect((error as GatewayError).code).toBe('CONFIG_INVALID');
    expect((error as GatewayError).message).toMatch(/^Invalid issuer configuration: auth\.issuers\.0\.algorithms\.0: HS256 /);
    expect((error as GatewayError).message).not.toContain('\n');
  });

  it('rejects the same issuer registered twice', () => {
    expect(() => parseIssuerConfigs([{ ...base, jwksUrl }, { ...base, jwksUrl }])).toThrow(/registered more than once/);
  });
});
