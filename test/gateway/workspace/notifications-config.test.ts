import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { configFromDocument } from '../../../gateway/config.js';
import { GatewayError } from '../../../gateway/errors.js';
import { channelsFromConfig } from '../../../gateway/workspace/notifications/index.js';

const at = join(process.cwd(), 'mash-gateway.config.yaml');
const connectors = [{ kind: 'health', baseUrl: 'http://127.0.0.1:4101/fhir' }];
function refusal(run: () => unknown): GatewayError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(GatewayError);
    return error as GatewayError;
  }
  throw new Error('expected the configuration to be refused');
}

/** notifications: in the configuration file: delivery off by default, each bad value named. */
describe('notifications configuration', () => {
  it('delivers nowhere by default, and scans for deadlines near every 5 minutes', () => {
    const config = configFromDocument({ connectors }, at);
    expect(config.notifications.webhook).toBeUndefined();
    expect(config.notifications.email).toBeUndefined();
    expect(config.notifications.deadlineNear).toEqual({ scanEverySeconds: 300, leadMinutes: 120 });
    expect(channelsFromConfig(config.notifications, {}, () => new Date())).toEqual([]);
  });

  it('names the key of a bad value', () => {
    for (const [notifications, key] of [
      [{ webhook: { url: 'ftp://hooks.example/x', secretEnv: 'HOOK_SECRET' } }, 'notifications.webhook.url'],
      [{ webhook: { url: 'https://hooks.example/x', secretEnv: 'hook secret' } }, 'notifications.webhook.secretEnv'],
      [{ email: { host: 'smtp.example', from: 'not-an-address', to: ['team@county.example'] } }, 'notifications.email.from'],
      [{ email: { host: 'smtp.example', from: 'mash@county.example', to: [] } }, 'notifications.email.to'],
      [{ delivery: { maxAttempts: 0 } }, 'notifications.delivery.maxAttempts'],
      [{ deadlineNear: { leadMinutes: 0 } }, 'notifications.deadlineNear.leadMinutes'],
      [{ webhooks: {} }, 'notifications'],
    ] as const) {
      const error = refusal(() => configFromDocument({ connectors, notifications }, at));
      expect(error.code).toBe('CONFIG_INVALID');
      expect(error.message, key).toContain(key);
    }
  });

  it('refuses a webhook whose secret is missing or short in the environment, naming the variable; a good one makes a channel', () => {
    const config = configFromDocument({ connectors, notifications: { webhook: { url: 'https://hooks.county.example/mash', secretEnv: 'MASH_HOOK_SECRET' } } }, at);
    const missing = refusal(() => channelsFromConfig(config.notifications, {}, () => new Date()));
    expect(missing).toMatchObject({ code: 'CONFIG_INVALID' });
    expect(missing.message).toContain('MASH_HOOK_SECRET');
    expect(refusal(() => channelsFromConfig(config.notifications, { MASH_HOOK_SECRET: 'short' }, () => new Date())).code).toBe('CONFIG_INVALID');
    const channels = channelsFromConfig(config.notifications, { MASH_HOOK_SECRET: 'x'.repeat(32) }, () => new Date());
    expect(channels.map((c) => c.name)).toEqual(['webhook']);
  });
});
