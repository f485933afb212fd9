import { GatewayError, badInput } from '../errors.js';
import type { Logger } from '../log.js';
import type { Store } from '../store/index.js';
import { decodeCheckpoint } from './checkpoint-jws.js';
import { latestCheckpoint, writeCheckpoint, type CheckpointRecord } from './checkpoint.js';
import { leafHash, rootFromAuditPath } from './merkle.js';
import type { AuditSigner } from './signing.js';
import { auditPath } from './tree.js';
import type { AccessEvent } from './types.js';

/**
 * An inclusion proof (RFC 6962 §2.1.1): the event, its place in the log, and the audit path from its
 * leaf to the Merkle root that a signed checkpoint names. Anyone holding the checkpoint key's public
 * half can check it (verifyProof) without access to the gateway or its database.
 */
export interface InclusionProof {
  /** Proof format version. */
  v: 1;
  /** The event exactly as hashed. */
  event: AccessEvent;
  seq: number;
  /** The chain hash of the event before it (64 zeros for the first): the leaf covers both. */
  prevHash: string;
  /** seq - 1. */
  leafIndex: number;
  /** The checkpoint's seq: how many events its tree holds. */
  treeSize: number;
  /** SHA-256(0x00 || chain hash), hex. */
  leafHash: string;
  /** Sibling subtree roots from the leaf up, hex. */
  path: string[];
  /** The signed checkpoint the path leads to. */
  checkpoint: { seq: number; keyId: string; jws: string };
}

export interface ProveEventOptions {
  /** Signs a checkpoint now when the event is newer than the last one; without it such events are NOT_FOUND. */
  signer?: AuditSigner;
  origin?: string;
  now?: () => Date;
  logger?: Logger;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A proof that event `eventId` is in the log, against the newest signed checkpoint. */
export async function proveEvent(store: Store, eventId: string, options: ProveEventOptions = {}): Promise<InclusionProof> {
  if (typeof eventId !== 'string' || !UUID.test(eventId)) {
    throw badInput(`"${String(eventId).slice(0, 60)}" is not an audit event id (a UUID such as 3f2b8c1e-...).`, { field: 'eventId' });
  }
  const { rows } = await store.query<{ seq: number | string; prev_hash: string; hash: string; body: AccessEvent }>(
    'SELECT seq, prev_hash, hash, body FROM audit_event WHERE id = $1',
    [eventId.toLowerCase()],
  );
  const row = rows[0];
  if (row === undefined) throw badInput(`No audit event has id ${eventId}.`, { field: 'eventId' });
  const seq = Number(row.seq);

  let checkpoint = await latestCheckpoint(store);
  if ((checkpoint === undefined || checkpoint.seq < seq) && options.signer !== undefined) {
    await writeCheckpoint(store, options.signer, {
      ...(options.origin === undefined ? {} : { origin: options.origin }),
      ...(options.now === undefined ? {} : { now: options.now }),
      ...(options.logger === undefined ? {} : { logger: options.logger }),
    });
    checkpoint = await latestCheckpoint(store);
  }
  if (checkpoint === undefined || checkpoint.seq < seq) {
    throw new GatewayError(
      'NOT_FOUND',
      `Audit event ${eventId} (seq ${seq}) is not yet covered by a signed checkpoint; one is made every few events or seconds, so try again shortly.`,
    );
  }

  const signedRoot = decodeCheckpoint(checkpoint.jws)?.payload.root;
  const leaf = leafHash(row.hash);
  let path = await auditPath(store, seq - 1, checkpoint.seq);
  if (rootFromAuditPath(seq - 1, checkpoint.seq, leaf, path) !== signedRoot) {
    // The cached subtree roots may be damaged: recompute from the events before giving up.
    path = await auditPath(store, seq - 1, checkpoint.seq, { useCache: false });
    if (rootFromAuditPath(seq - 1, checkpoint.seq, leaf, path) !== signedRoot) throw mismatch(checkpoint);
  }
  return {
    v: 1,
    event: row.body,
    seq,
    prevHash: row.prev_hash,
    leafIndex: seq - 1,
    treeSize: checkpoint.seq,
    leafHash: leaf,
    path,
    checkpoint: { seq: checkpoint.seq, keyId: checkpoint.keyId, jws: checkpoint.jws },
  };
}

function mismatch(checkpoint: CheckpointRecord): GatewayError {
  return new GatewayError(
    'INTERNAL_ERROR',
    `The audit log does not match its checkpoint signed at seq ${checkpoint.seq}, so no proof can be given; run "mash-gateway audit verify" to find what changed.`,
  );
}
