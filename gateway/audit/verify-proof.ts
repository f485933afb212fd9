import type { JWK } from 'jose';
import { trustedKeys, verifyCheckpointJws, type TrustedKeys } from './checkpoint-jws.js';
import { hashEvent } from './hash.js';
import { isHexHash, leafHash, rootFromAuditPath } from './merkle.js';
import type { InclusionProof } from './proof.js';

export type ProofProblem = 'malformed' | 'bad-signature' | 'event-mismatch' | 'not-included';

export type ProofVerification =
  | {
      ok: true;
      eventId: string;
      seq: number;
      checkpoint: { seq: number; at: string; origin: string; keyId: string; root: string };
    }
  | { ok: false; problem: ProofProblem; detail: string };

const fail = (problem: ProofProblem, detail: string): ProofVerification => ({ ok: false, problem, detail });

/**
 * Check an inclusion proof with nothing but the checkpoint key's public half: the checkpoint's
 * signature, that the event hashes to the leaf, and that the audit path leads from the leaf to the
 * signed root. No store, no network. Accepts the proof as parsed JSON (it checks the shape itself).
 */
export async function verifyProof(proof: InclusionProof | unknown, publicKey: JWK | readonly JWK[]): Promise<ProofVerification> {
  const p = proof as Partial<InclusionProof> | null;
  if (
    typeof p !== 'object' ||
    p === null ||
    p.v !== 1 ||
    typeof p.event !== 'object' ||
    p.event === null ||
    typeof p.event.id !== 'string' ||
    !Number.isSafeInteger(p.seq) ||
    !Number.isSafeInteger(p.leafIndex) ||
    !Number.isSafeInteger(p.treeSize) ||
    !isHexHash(p.prevHash) ||
    !isHexHash(p.leafHash) ||
    !Array.isArray(p.path) ||
    !p.path.every(isHexHash) ||
    typeof p.checkpoint?.jws !== 'string'
  ) {
    return fail('malformed', 'The proof does not have the shape of an audit inclusion proof (v 1).');
  }
  const { event, seq, leafIndex, treeSize, prevHash, path } = p as InclusionProof;
  if (leafIndex !== seq - 1 || leafIndex < 0 || leafIndex >= treeSize) {
    return fail('malformed', `Leaf ${leafIndex} (seq ${seq}) cannot be in a tree of ${treeSize} events.`);
  }

  let keys: TrustedKeys;
  try {
    keys = await trustedKeys(Array.isArray(publicKey) ? (publicKey as readonly JWK[]) : [publicKey as JWK]);
  } catch {
    return fail('bad-signature', 'The key given is not an ES256 (EC P-256) public JWK.');
  }
  const signed = await verifyCheckpointJws(p.checkpoint.jws, keys);
  if (!signed.ok) return fail('bad-signature', `The checkpoint is not validly signed: ${signed.reason}.`);
  const { payload } = signed;
  if (payload.seq !== treeSize) {
    return fail('malformed', `The proof is for a tree of ${treeSize} events, but the checkpoint signs ${payload.seq}.`);
  }

  const chainHash = hashEvent(prevHash, event);
  const leaf = leafHash(chainHash);
  if (leaf !== p.leafHash) return fail('event-mismatch', 'The event does not hash to the leaf the proof names: it is not the event that was logged.');
  if (seq === treeSize && chainHash !== payload.hash) {
    return fail('not-included', `The event is not the head the checkpoint signed at seq ${treeSize}.`);
  }
  if (rootFromAuditPath(leafIndex, treeSize, leaf, path) !== payload.root) {
    return fail('not-included', `The audit path does not lead to the Merkle root signed at seq ${treeSize}.`);
  }
  return {
    ok: true,
    eventId: event.id,
    seq,
    checkpoint: { seq: payload.seq, at: payload.at, origin: payload.origin, keyId: signed.keyId, root: payload.root },
  };
}
