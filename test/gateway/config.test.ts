import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { configFromDocument, loadConfig } from '../../gateway/config.js';
import { buildConnectors } from '../../gateway/connectors.js';
import { GatewayError } from '../../gateway/errors.js';

const at = join(process.cwd(), 'mash-gateway.config.yaml');
function refusal(run: () => unknown): GatewayError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(GatewayError);
    return error as GatewayError;
  }
  throw new Error('expected the configuration to be refused');
}

describe('configuration', () => {
  it('loads the shipped configuration with all five agencies', () => {
    const config = loadConfig({}, process.cwd());
    expect(config.connectors.map((c) => c.kind)).toEqual(['health', 'police', 'education', 'housing', 'social-care']);
    expect(config.port).toBe(4000);
  });

  it('names the key of an unknown connector kind', () => {
    const error = refusal(() => configFromDocument({ connectors: [{ kind: 'probation' }] }, at));
    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.message).toMatch(/connectors\.0\.kind/);
  });

  it('needs an address for each agency when the sandbox is off', () => {
    expect(refusal(() => configFromDocument({ connectors: [{ kind: 'police' }] }, at)).message).toMatch(/connectors\.0\.baseUrl is required/);
    expect(refusal(() => configFromDocument({ connectors: [{ kind: 'housing' }] }, at)).message).toMatch(/connectors\.0\.databaseUrl is required/);
  });

  it('accepts a console OpenID Connect issuer only if it is registered and reachable over https (http on localhost only)', () => {
    const issuer = (name: string) => ({ issuer: name, audience: 'mash-gateway', jwksUrl: 'https://idp.example/jwks', algorithms: ['ES256'], agencies: ['social-care'], roles: ['mash-researcher'] });
    const document = (name: string) => ({ sandbox: { enabled: true }, connectors: [{ kind: 'health' }], auth: { issuers: [issuer(name)] }, console: { oidc: { issuer: name, clientId: 'mash-console' } } });
    expect(configFromDocument(document('https://login.council.example/realms/mash'), at).console.oidc).toEqual({ issuer: 'https://login.council.example/realms/mash', clientId: 'mash-console', scope: 'openid profile' });
    expect(configFromDocument(document('http://127.0.0.1:8080/idp'), at).console.oidc?.issuer).toBe('http://127.0.0.1:8080/idp');
    const plain = refusal(() => configFromDocument(document('http://login.council.example'), at));
    expect(plain.code).toBe('CONFIG_INVALID');
    expect(plain.message).toMatch(/console\.oidc\.issuer: http:\/\/login\.council\.example must be an https URL \(plain http only on localhost\)/);
    const unregistered = refusal(() => configFromDocument({ ...document('https://login.council.example'), console: { oidc: { issuer: 'https://other.example', clientId: 'mash-console' } } }, at));
    expect(unregistered.message).toMatch(/console\.oidc\.issuer: https:\/\/other\.example is not one of auth\.issuers/);
  });

  it('runs the sandbox in its own process unless told inline, and names a bad value', () => {
    expect(loadConfig({}, process.cwd()).sandbox.process).toBe('separate');
    expect(configFromDocument({ sandbox: { enabled: true }, connectors: [{ kind: 'health' }] }, at).sandbox.process).toBe('separate');
    expect(configFromDocument({ sandbox: { enabled: true, process: 'inline' }, connectors: [{ kind: 'health' }] }, at).sandbox.process).toBe('inline');
    const error = refusal(() => configFromDocument({ sandbox: { enabled: true, process: 'thread' }, connectors: [{ kind: 'health' }] }, at));
    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.message).toMatch(/sandbox\.process.*must be separate or inline/);
  });

  it('refuses a bad environment variable naming it', () => {
    const error = refusal(() => loadConfig({ PORT: 'eighty' }, process.cwd()));
    expect(error.message).toMatch(/environment variable PORT/);
  });

  it('refuses a retry count out of range', () => {
    expect(refusal(() => configFromDocument({ sandbox: { enabled: true }, connectors: [{ kind: 'health', retries: 50 }] }, at)).message).toMatch(/connectors\.0\.retries/);
  });

  it('refuses a connector module that cannot be loaded, naming the entry', async () => {
    const config = configFromDocument({ sandbox: { enabled: true }, connectors: [{ kind: 'module', module: './no-such-connector.js' }] }, at);
    await expect(buildConnectors(config.connectors, undefined, config.baseDir)).rejects.toMatchObject({
      code: 'CONFIG_INVALID',
      message: expect.stringMatching(/^connectors\.0: module \.\/no-such-connector\.js could not be loaded/),
    });
  });

  it('loads an agency’s own connector module through the SDK', async () => {
    const config = configFromDocument({ sandbox: { enabled: true }, connectors: [{ kind: 'module', module: './connectors/example/index.ts' }] }, at);
    const [connector] = await buildConnectors(config.connectors, undefined, config.baseDir);
    expect(connector!.manifest.categories.length).toBeGreaterThan(0);
  });

  it('refuses two connectors for one agency', async () => {
    const config = configFromDocument({ sandbox: { enabled: false }, connectors: [{ kind: 'health', baseUrl: 'http://127.0.0.1:9/fhir' }, { kind: 'health', baseUrl: 'http://127.0.0.1:9/fhir' }] }, at);
    await expect(buildConnectors(config.connectors, undefined, config.baseDir)).rejects.toMatchObject({ message: expect.stringMatching(/connectors\.1: a second connector for agency "health"/) });
  });
});
