import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportJWK, generateKeyPair } from 'jose';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { auditConfigSchema, loadAuditSettings } from '../../../gateway/audit/index.js';

describe('audit configuration', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'mash-audit-config-'));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('has a default for everything, so the section may be left out', () => {
    expect(auditConfigSchema.parse(undefined)).toEqual({
      trustedKeys: [],
      origin: 'mash-gateway/audit',
      checkpoint: { everyEvents: 10_000, everySeconds: 30 },
    });
    expect(auditConfigSchema.parse({ checkpoint: { everyEvents: 500 } })).toMatchObject({ checkpoint: { everyEvents: 500, everySeconds: 30 } });
  });

  it('refuses a bad value, naming the key', () => {
    const result = auditConfigSchema.safeParse({ checkpoint: { everySeconds: 0 } });
    expect(result.success).toBe(false);
    expect(result.error!.issues[0]!.path).toEqual(['checkpoint', 'everySeconds']);
    expect(auditConfigSchema.safeParse({ signingKeys: 'x' }).success).toBe(false);
  });

  it('loads the signer (data directory by default) and the trusted keys, paths relative to the configuration file', async () => {
    const defaults = await loadAuditSettings(auditConfigSchema.parse({}), { dataDir: dir, baseDir: dir });
    expect(defaults.checkpoints).toMatchObject({ everyEvents: 10_000, everyMs: 30_000, origin: 'mash-gateway/audit', signer: defaults.signer });
    expect(defaults.publicKeys).toEqual([defaults.signer.publicJwk]);

    const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
    writeFileSync(join(dir, 'signing.jwk.json'), JSON.stringify(await exportJWK(privateKey)));
    const old = await exportJWK((await generateKeyPair('ES256', { extractable: true })).publicKey);
    writeFileSync(join(dir, 'old.jwk.json'), JSON.stringify(old));
    const configured = await loadAuditSettings(
      auditConfigSchema.parse({ signingKey: 'signing.jwk.json', trustedKeys: ['old.jwk.json'], origin: 'county-mash', checkpoint: { everySeconds: 5 } }),
      { dataDir: join(dir, 'unused'), baseDir: dir },
    );
    expect(configured.signer.publicJwk).toMatchObject({ x: (await exportJWK(publicKey)).x });
    expect(configured.publicKeys.map((k) => k.x)).toEqual([configured.signer.publicJwk.x, old.x]);
    expect(configured.checkpoints).toMatchObject({ everyMs: 5000, origin: 'county-mash' });
  });
});
