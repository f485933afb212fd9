import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CompactSign, exportJWK, generateKeyPair, importJWK, type CryptoKey, type JWK } from 'jose';
import { GatewayError } from '../errors.js';
import { loadOrCreateEs256PrivateKey, readEs256PrivateKey } from '../key-file.js';
import { CHECKPOINT_ALG, isEcP256, publicKeyOf } from './checkpoint-jws.js';

/**
 * The key that signs audit checkpoints: ES256 (ECDSA P-256), from a configured private JWK file or,
 * by default, generated once into `<dataDir>/audit-signing/` (mode 0600) next to its public half,
 * which is what agencies and `audit verify` are given. The key id is the RFC 7638 thumbprint of the
 * public key, so it names the key whatever a file claims.
 */

export const SIGNING_DIRECTORY = 'audit-signing';
const PRIVATE_KEY_FILE = 'private-key.jwk.json';
const PUBLIC_KEY_FILE = 'public-key.jwk.json';

export interface AuditSigner {
  /** RFC 7638 thumbprint of the public key; the JWS `kid`. */
  readonly keyId: string;
  /** The public key (kty, crv, x, y, kid, alg, use) to hand to verifiers. */
  readonly publicJwk: JWK;
  /** A compact JWS (ES256) over `payload`, with `kid` and `typ` in the protected header. */
  sign(payload: string, typ: string): Promise<string>;
}

export type AuditSignerSource =
  /** `<dataDir>/audit-signing/private-key.jwk.json`, created on first use. */
  | { dataDir: string; keyFile?: undefined }
  /** A configured private JWK file; never created. */
  | { keyFile: string; dataDir?: string };

function keyError(path: string, action: string, cause?: unknown): GatewayError {
  const code = (cause as { code?: unknown } | undefined)?.code;
  return new GatewayError(
    'CONFIG_INVALID',
    `The audit signing key ${path} could not be ${action}${typeof code === 'string' ? ` (${code})` : ''}; check the file and its permissions (audit.signingKey, or the data directory).`,
    cause === undefined ? undefined : { cause },
  );
}

const readPrivateKey = (path: string): Promise<JWK> => readEs256PrivateKey(path, keyError);

/** `<dataDir>/audit-signing/private-key.jwk.json`, made on first use next to its public half. */
function loadOrCreate(dataDir: string): Promise<JWK> {
  const directory = join(dataDir, SIGNING_DIRECTORY);
  return loadOrCreateEs256PrivateKey(join(directory, PRIVATE_KEY_FILE), keyError, async (privateJwk) => {
    const publicJwk = await publicKeyOf(privateJwk);
    await writeFile(join(directory, PUBLIC_KEY_FILE), `${JSON.stringify(publicJwk, null, 2)}\n`, { mode: 0o644 }).catch(() => undefined);
  });
}

/** A signer over an ES256 private JWK. */
export async function createAuditSigner(privateJwk: JWK): Promise<AuditSigner> {
  const publicJwk = await publicKeyOf(privateJwk);
  const keyId = publicJwk.kid!;
  let key: CryptoKey | Uint8Array;
  try {
    key = await importJWK({ ...privateJwk, alg: CHECKPOINT_ALG }, CHECKPOINT_ALG);
  } catch (cause) {
    throw new GatewayError('CONFIG_INVALID', 'The audit signing key is not a usable ES256 private key.', { cause });
  }
  return {
    keyId,
    publicJwk,
    sign(payload, typ) {
      return new CompactSign(new TextEncoder().encode(payload))
        .setProtectedHeader({ alg: CHECKPOINT_ALG, kid: keyId, typ })
        .sign(key);
    },
  };
}

/** Load the checkpoint signer from a configured key file, or from (creating) the data directory's key. */
export async function loadAuditSigner(source: AuditSignerSource): Promise<AuditSigner> {
  const privateJwk = source.keyFile !== undefined ? await readPrivateKey(source.keyFile) : await loadOrCreate(source.dataDir);
  return createAuditSigner(privateJwk);
}

/**
 * Public keys from a JSON document: one JWK, a JWK Set ({ keys: [...] }), or a private JWK (its public
 * half is taken). `source` names the document in error messages.
 */
export async function parsePublicKeys(document: unknown, source: string): Promise<JWK[]> {
  const candidates = Array.isArray((document as { keys?: unknown } | null)?.keys)
    ? ((document as { keys: unknown[] }).keys as unknown[])
    : [document];
  const keys: JWK[] = [];
  for (const candidate of candidates) {
    if (!isEcP256(candidate)) {
      throw new GatewayError('BAD_INPUT', `${source} is not an EC P-256 public key (JWK) or a set of them (JWKS).`);
    }
    keys.push(await publicKeyOf(candidate));
  }
  return keys;
}

/** Public keys from a JWK or JWKS file. */
export async function readPublicKeyFile(path: string): Promise<JWK[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (cause) {
    const code = (cause as { code?: unknown }).code;
    throw new GatewayError('BAD_INPUT', `The key file ${path} could not be read${typeof code === 'string' ? ` (${code})` : ''}.`, { cause });
  }
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (cause) {
    throw new GatewayError('BAD_INPUT', `The key file ${path} is not JSON.`, { cause });
  }
  return parsePublicKeys(document, `The key file ${path}`);
}

/**
 * The public key of the data directory's signing key, if there is one (never creates a key): what
 * `audit verify` trusts by default.
 */
export async function readDataDirPublicKeys(dataDir: string): Promise<JWK[]> {
  const path = join(dataDir, SIGNING_DIRECTORY, PRIVATE_KEY_FILE);
  try {
    await stat(path);
  } catch (error) {
    if ((error as { code?: unknown }).code === 'ENOENT') return [];
    throw keyError(path, 'read', error);
  }
  return [await publicKeyOf(await readPrivateKey(path))];
}
