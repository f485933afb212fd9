import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { configFromDocument, loadConfig } from '../../gateway/config.js';
import { GatewayError } from '../../gateway/errors.js';
import { createMatcher, DEFAULT_BANDS } from '../../gateway/identity/search.js';

const at = join(process.cwd(), 'mash-gateway.config.yaml');
const document = (identity?: unknown) => ({ connectors: [{ kind: 'health', baseUrl: 'http://127.0.0.1:9/fhir' }], ...(identity === undefined ? {} : { identity }) });

function refusal(identity: unknown): GatewayError {
  try {
    configFromDocument(document(identity), at);
  } catch (error) {
    expect(error).toBeInstanceOf(GatewayError);
    expect((error as GatewayError).code).toBe('CONFIG_INVALID');
    return error as GatewayError;
  }
  throw new Error('expected the identity section to be refused');
}

describe('the identity section of the configuration', () => {
  it('is optional: the matcher’s default bands apply', () => {
    expect(configFromDocument(document(), at).identity).toEqual({ bands: DEFAULT_BANDS });
    expect(configFromDocument(document({}), at).identity).toEqual({ bands: DEFAULT_BANDS });
    expect(loadConfig({}, process.cwd()).identity.bands).toEqual(DEFAULT_BANDS);
  });

  it('sets any of the bands, the others keeping their defaults, and the matcher accepts them', () => {
    const { bands } = configFromDocument(document({ bands: { possible: 0.6 } }), at).identity;
    expect(bands).toEqual({ ...DEFAULT_BANDS, possible: 0.6 });
    expect(createMatcher({ bands }).bands).toEqual(bands);
    expect(configFromDocument(document({ bands: { certain: 0.99, probable: 0.9, possible: 0.5 } }), at).identity.bands).toEqual({ certain: 0.99, probable: 0.9, possible: 0.5 });
  });

  it.each([
    [{ bands: { possible: 1.5 } }, /identity\.bands\.possible: must be a probability above 0 and at most 1/],
    [{ bands: { certain: 0 } }, /identity\.bands\.certain: must be a probability above 0 and at most 1/],
    [{ bands: { probable: 'high' } }, /identity\.bands\.probable: .*number/i],
    [{ bands: { probable: 0.9, possible: 0.95 } }, /identity\.bands\.possible: the bands must descend .*possible 0\.95 is above probable 0\.9/],
    [{ bands: { probable: 0.9999 } }, /identity\.bands\.probable: the bands must descend .*probable 0\.9999 is above certain 0\.999 \(the default\)/],
    [{ bands: { certain: 0.5 } }, /identity\.bands\.certain: the bands must descend .*probable 0\.95 \(the default\) is above certain 0\.5/],
    [{ bands: { likely: 0.7 } }, /identity\.bands: .*likely/],
    [{ threshold: 0.7 }, /identity: .*threshold/],
  ])('refuses %j with one line naming the field', (identity, message) => {
    const error = refusal(identity);
    expect(error.message).toMatch(message);
    expect(error.message).not.toMatch(/\n/);
  });
});

describe('identity.model: a model trained on the deployment’s own records', () => {
  it('resolves the file against the configuration file, and the gateway refuses to start on a bad one, naming it', async () => {
    const { mkdtempSync, writeFileSync, rmSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { startGateway } = await import('../../gateway/app.js');
    const dir = mkdtempSync(join(tmpdir(), 'mash-identity-model-'));
    try {
      writeFileSync(join(dir, 'broken-model.json'), '{"format": "mash-gateway/identity-model@1"}');
      const config = configFromDocument(
        { ...document({ model: 'broken-model.json' }), auth: { demoIssuer: true }, policy: join(process.cwd(), 'policies/mash-disclosure-policy.yaml') },
        join(dir, 'mash-gateway.config.yaml'),
        { PORT: 0, HOST: '127.0.0.1', DATA_DIR: dir, DATABASE_URL: undefined, LOG_LEVEL: 'silent', MASH_CONFIG: 'unused', SHUTDOWN_GRACE_MS: 1000 },
      );
      expect(config.identity.model).toBe(join(dir, 'broken-model.json'));
      const error = await startGateway(config, { inMemoryStore: true }).then(
        async (gateway) => {
          await gateway.close();
          return undefined;
        },
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(GatewayError);
      expect((error as GatewayError).code).toBe('CONFIG_INVALID');
      expect((error as GatewayError).message).toMatch(/^identity\.model: The identity model .*broken-model\.json is not valid: trainedOn/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
