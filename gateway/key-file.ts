import { randomUUID } from 'node:crypto';
import { chmod, link, mkdir, readFile, stat, unlink, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, type JWK } from 'jose';
import { GatewayError } from './errors.js';

/**
 * An ES256 (EC P-256) private key kept as a JWK file: read and checked, or made once (mode 0600).
 * Shared by the demo token issuer and the audit checkpoint signer; each passes its own error
 * wording, so a message says which key and which setting to check.
 */
export type KeyFileError = (path: string, action: string, cause?: unknown) => GatewayError;

export async function readEs256PrivateKey(path: string, fail: KeyFileError): Promise<JWK> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (cause) {
    throw fail(path, 'read', cause);
  }
  let jwk: unknown;
  try {
    jwk = JSON.parse(text);
  } catch (cause) {
    throw fail(path, 'parsed as JSON', cause);
  }
  const candidate = jwk as Partial<Record<'kty' | 'crv' | 'x' | 'y' | 'd', unknown>> | null;
  if (
    candidate === null ||
    typeof candidate !== 'object' ||
    candidate.kty !== 'EC' ||
    candidate.crv !== 'P-256' ||
    typeof candidate.x !== 'string' ||
    typeof candidate.y !== 'string' ||
    typeof candidate.d !== 'string'
  ) {
    throw fail(path, 'used: it is not an ES256 (EC P-256) private JWK');
  }
  return candidate as JWK;
}

/**
 * Generates a key and links it into place; undefined if another process made the key first (the
 * link fails), so gateways starting together agree on one key. The kid is the RFC 7638 thumbprint.
 */
async function createEs256PrivateKey(path: string, fail: KeyFileError): Promise<JWK | undefined> {
  const { privateKey } = await generateKeyPair('ES256', { extractable: true });
  const exported = await exportJWK(privateKey);
  const kid = await calculateJwkThumbprint(exported);
  const privateJwk: JWK = { ...exported, kid, alg: 'ES256', use: 'sig' };
  const temporary = `${path}.${process.pid}.${randomUUID()}.tmp`;
  try {
    await writeFile(temporary, `${JSON.stringify(privateJwk, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
    await chmod(temporary, 0o600);
    await link(temporary, path);
  } catch (cause) {
    if ((cause as { code?: unknown }).code === 'EEXIST') return undefined;
    throw fail(path, 'created', cause);
  } finally {
    await unlink(temporary).catch(() => undefined);
  }
  return privateJwk;
}

/**
 * The key at `path`, made on first use (its directory too, mode 0700). A key file readable by
 * others is tightened to 0600 rather than refused. `created` runs once, after this process made it.
 */
export async function loadOrCreateEs256PrivateKey(path: string, fail: KeyFileError, created?: (privateJwk: JWK) => Promise<void>): Promise<JWK> {
  const directory = dirname(path);
  try {
    await mkdir(directory, { recursive: true, mode: 0o700 });
  } catch (cause) {
    throw fail(directory, 'created (directory)', cause);
  }
  try {
    const info = await stat(path);
    if ((info.mode & 0o077) !== 0) await chmod(path, 0o600);
    return await readEs256PrivateKey(path, fail);
  } catch (error) {
    if ((error as { code?: unknown }).code !== 'ENOENT') {
      throw error instanceof GatewayError ? error : fail(path, 'read', error);
    }
  }
  const made = await createEs256PrivateKey(path, fail);
  if (made === undefined) return readEs256PrivateKey(path, fail);
  await created?.(made);
  return made;
}
