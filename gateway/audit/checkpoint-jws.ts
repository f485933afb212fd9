import { base64url, calculateJwkThumbprint, compactVerify, importJWK, type CryptoKey, type JWK } from 'jose';
import { isHexHash } from './merkle.js';

/**
 * The checkpoint as a signed object, with no store or file access: what it signs, how its JWS is
 * read, and how its signature is checked against trusted keys. Shared by `audit verify` and by
 * verifyProof, which an agency runs with nothing but a public key.
 */

export const CHECKPOINT_ALG = 'ES256';
export const CHECKPOINT_TYP = 'mash-audit-checkpoint+jws';

/** What a checkpoint signs (canonical JSON, RFC 8785). */
export interface CheckpointPayload {
  v: 1;
  /** Names the log, so a checkpoint of one log cannot be passed off as another's. */
  origin: string;
  /** The chain head: its seq is also the Merkle tree's size. */
  seq: number;
  hash: string;
  /** RFC 6962 Merkle tree hash of the chain hashes of events 1..seq. */
  root: string;
  /** ISO 8601 time of signing. */
  at: string;
  /** Seq of the checkpoint before this one (0 for the first): a removed checkpoint shows. */
  prevSeq: number;
}

export function isEcP256(value: unknown): value is JWK & { x: string; y: string } {
  const jwk = value as Partial<Record<string, unknown>> | null;
  return (
    typeof jwk === 'object' &&
    jwk !== null &&
    jwk.kty === 'EC' &&
    jwk.crv === 'P-256' &&
    typeof jwk.x === 'string' &&
    typeof jwk.y === 'string'
  );
}

/** The public half of an EC P-256 JWK, with its thumbprint as kid. */
export async function publicKeyOf(jwk: JWK): Promise<JWK> {
  if (!isEcP256(jwk)) throw new TypeError('An audit key is an EC P-256 JWK.');
  const { kty, crv, x, y } = jwk;
  const kid = await calculateJwkThumbprint({ kty, crv, x, y });
  return { kty, crv, x, y, kid, alg: CHECKPOINT_ALG, use: 'sig' };
}

/** The payload and header of a compact JWS, without checking the signature (undefined if malformed). */
export function decodeCheckpoint(jws: string): { payload: CheckpointPayload; kid: string | undefined } | undefined {
  if (typeof jws !== 'string') return undefined;
  const parts = jws.split('.');
  if (parts.length !== 3) return undefined;
  try {
    const header = JSON.parse(new TextDecoder().decode(base64url.decode(parts[0]!))) as { kid?: unknown };
    const payload = parseCheckpointPayload(JSON.parse(new TextDecoder().decode(base64url.decode(parts[1]!))));
    if (payload === undefined) return undefined;
    return { payload, kid: typeof header.kid === 'string' ? header.kid : undefined };
  } catch {
    return undefined;
  }
}

export function parseCheckpointPayload(value: unknown): CheckpointPayload | undefined {
  const p = value as Partial<Record<keyof CheckpointPayload, unknown>> | null;
  if (typeof p !== 'object' || p === null) return undefined;
  const seqOk = (n: unknown, min: number): n is number => typeof n === 'number' && Number.isSafeInteger(n) && n >= min;
  if (
    p.v !== 1 ||
    typeof p.origin !== 'string' ||
    !seqOk(p.seq, 1) ||
    !seqOk(p.prevSeq, 0) ||
    p.prevSeq >= p.seq ||
    !isHexHash(p.hash) ||
    !isHexHash(p.root) ||
    typeof p.at !== 'string' ||
    Number.isNaN(Date.parse(p.at))
  ) {
    return undefined;
  }
  return { v: 1, origin: p.origin, seq: p.seq, hash: p.hash, root: p.root, at: p.at, prevSeq: p.prevSeq };
}

export type CheckpointSignatureCheck =
  | { ok: true; payload: CheckpointPayload; keyId: string }
  | { ok: false; reason: string };

/** Trusted public keys by key id (RFC 7638 thumbprint, and any kid the JWK itself declares). */
export type TrustedKeys = Map<string, CryptoKey | Uint8Array>;

export async function trustedKeys(publicKeys: readonly JWK[]): Promise<TrustedKeys> {
  const keys: TrustedKeys = new Map();
  for (const jwk of publicKeys) {
    const normalised = await publicKeyOf(jwk);
    const key = await importJWK({ ...normalised, alg: CHECKPOINT_ALG }, CHECKPOINT_ALG);
    keys.set(normalised.kid!, key);
    if (typeof jwk.kid === 'string' && !keys.has(jwk.kid)) keys.set(jwk.kid, key);
  }
  return keys;
}

/** Check a checkpoint's signature against trusted keys and parse what it signs. No store access. */
export async function verifyCheckpointJws(jws: string, keys: TrustedKeys): Promise<CheckpointSignatureCheck> {
  const decoded = typeof jws === 'string' ? jws.split('.') : [];
  if (decoded.length !== 3) return { ok: false, reason: 'it is not a compact JWS' };
  let header: { alg?: unknown; kid?: unknown; typ?: unknown };
  try {
    header = JSON.parse(new TextDecoder().decode(base64url.decode(decoded[0]!))) as typeof header;
  } catch {
    return { ok: false, reason: 'its JWS header cannot be read' };
  }
  if (header.alg !== CHECKPOINT_ALG) return { ok: false, reason: `it is signed with ${String(header.alg)}, not ${CHECKPOINT_ALG}` };
  if (typeof header.kid !== 'string') return { ok: false, reason: 'its JWS header names no key (kid)' };
  const key = keys.get(header.kid);
  if (key === undefined) return { ok: false, reason: `it is signed with key ${header.kid}, which is not a trusted audit key` };
  let payloadBytes: Uint8Array;
  try {
    ({ payload: payloadBytes } = await compactVerify(jws, key, { algorithms: [CHECKPOINT_ALG] }));
  } catch {
    return { ok: false, reason: `its signature does not verify with key ${header.kid}` };
  }
  if (header.typ !== CHECKPOINT_TYP) return { ok: false, reason: `it is a signed ${String(header.typ)}, not an audit checkpoint` };
  let payload: CheckpointPayload | undefined;
  try {
    payload = parseCheckpointPayload(JSON.parse(new TextDecoder().decode(payloadBytes)));
  } catch {
    payload = undefined;
  }
  if (payload === undefined) return { ok: false, reason: 'its signed payload is not an audit checkpoint' };
  return { ok: true, payload, keyId: header.kid };
}

