import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportJWK, generateKeyPair } from 'jose';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  CHECKPOINT_TYP,
  loadAuditSigner,
  parsePublicKeys,
  readDataDirPublicKeys,
  readPublicKeyFile,
} from '../../../gateway/audit/index.js';
import { trustedKeys, verifyCheckpointJws } from '../../../gateway/audit/checkpoint-jws.js';

describe('the checkpoint signing key', () => {
  let dataDir: string;
  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'mash-audit-key-'));
  });
  afterEach(() => {
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('is generated once into <dataDir>/audit-signing/, private 0600, with its public half beside it', async () => {
    const signer = await loadAuditSigner({ dataDir });
    const privatePath = join(dataDir, 'audit-signing', 'private-key.jwk.json');
    expect(statSync(privatePath).mode & 0o777).toBe(0o600);
    const publicJwk = JSON.parse(readFileSync(join(dataDir, 'audit-signing', 'public-key.jwk.json'), 'utf8'));
    expect(publicJwk).toEqual(signer.publicJwk);
    expect(publicJwk).not.toHaveProperty('d');
    expect(signer.publicJwk).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256', kid: signer.keyId });

    const again = await loadAuditSigner({ dataDir });
    expect(again.keyId).toBe(signer.keyId);
    expect(await readDataDirPublicKeys(dataDir)).toEqual([signer.publicJwk]);
  });

  it('is the same key for processes that start together', async () => {
    const signers = await Promise.all(Array.from({ length: 5 }, () => loadAuditSigner({ dataDir })));
    expect(new Set(signers.map((s) => s.keyId)).size).toBe(1);
  });

  it('signs compact JWS that verify with the public key alone', async () => {
    const signer = await loadAuditSigner({ dataDir });
    const payload = JSON.stringify({ v: 1, origin: 'o', seq: 1, prevSeq: 0, hash: 'a'.repeat(64), root: 'b'.repeat(64), at: '2024-05-01T09:30:00.000Z' });
    const jws = await signer.sign(payload, CHECKPOINT_TYP);
    expect(await verifyCheckpointJws(jws, await trustedKeys(await readDataDirPublicKeys(dataDir)))).toMatchObject({
      ok: true,
      keyId: signer.keyId,
    });
  });

  it('can come from a configured file, which is never created', async () => {
    const privateJwk = await exportJWK((await generateKeyPair('ES256', { extractable: true })).privateKey);
    const keyFile = join(dataDir, 'configured.jwk.json');
    writeFileSync(keyFile, JSON.stringify(privateJwk));
    const signer = await loadAuditSigner({ keyFile });
    expect(signer.publicJwk).toMatchObject({ x: privateJwk.x, y: privateJwk.y });
    await expect(loadAuditSigner({ keyFile: join(dataDir, 'absent.json') })).rejects.toMatchObject({
      code: 'CONFIG_INVALID',
      message: expect.stringContaining('absent.json could not be read (ENOENT)'),
    });
  });

  it('refuses a key that is not an ES256 private JWK, naming the file', async () => {
    const keyFile = join(dataDir, 'public-only.json');
    const { publicKey } = await generateKeyPair('ES256', { extractable: true });
    writeFileSync(keyFile, JSON.stringify(await exportJWK(publicKey)));
    await expect(loadAuditSigner({ keyFile })).rejects.toMatchObject({
      code: 'CONFIG_INVALID',
      message: expect.stringContaining('not an ES256 (EC P-256) private JWK'),
    });
  });

  it('reads trusted public keys from a JWK or a JWKS file, and never creates a key to read one', async () => {
    expect(await readDataDirPublicKeys(dataDir)).toEqual([]);
    const keys = await Promise.all([1, 2].map(async () => exportJWK((await generateKeyPair('ES256', { extractable: true })).publicKey)));
    const jwks = join(dataDir, 'keys.json');
    writeFileSync(jwks, JSON.stringify({ keys }));
    expect((await readPublicKeyFile(jwks)).map((k) => k.x)).toEqual(keys.map((k) => k.x));
    await expect(parsePublicKeys({ kty: 'RSA', n: 'x', e: 'AQAB' }, 'The key file k.json')).rejects.toMatchObject({ code: 'BAD_INPUT' });
    writeFileSync(jwks, 'not json');
    await expect(readPublicKeyFile(jwks)).rejects.toMatchObject({ code: 'BAD_INPUT', message: expect.stringContaining('is not JSON') });
  });
});
