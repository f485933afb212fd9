import { silentLogger, type Logger } from '../log.js';
import type { Queryable, Store } from '../store/index.js';
import { canonicalJson } from './canonical.js';
import { CHECKPOINT_TYP, decodeCheckpoint, type CheckpointPayload } from './checkpoint-jws.js';
import type { AuditSigner } from './signing.js';
import { GrowingTree, MerkleDataError } from './tree.js';

/**
 * Signed checkpoints (Certificate Transparency's signed tree heads): every so often the chain head
 * (seq, hash) and the RFC 6962 Merkle root of the chain hashes 1..seq are signed as a compact JWS
 * (ES256) and stored in audit_checkpoint. Removing events after a checkpoint, or rewriting the chain
 * and re-hashing it, no longer goes unseen; an inclusion proof is checked against one.
 */

export const DEFAULT_ORIGIN = 'mash-gateway/audit';
export const DEFAULT_CHECKPOINT_EVERY_EVENTS = 10_000;
export const DEFAULT_CHECKPOINT_EVERY_MS = 30_000;

/** Serialises checkpoint writers in every process (a different key from the chain's own lock). */
const LOCK_CHECKPOINT = `SELECT pg_advisory_xact_lock(${0x4d410003}, hashtext(coalesce(current_schema(), '')))`;

export interface CheckpointRecord extends Omit<CheckpointPayload, 'v'> {
  keyId: string;
  jws: string;
}

export interface CheckpointRow {
  seq: number | string;
  prev_seq: number | string;
  hash: string;
  root: string;
  at: Date | string;
  key_id: string;
  jws: string;
}

export const CHECKPOINT_COLUMNS = 'seq, prev_seq, hash, root, at, key_id, jws';

export function checkpointFromRow(row: CheckpointRow): CheckpointRecord {
  return {
    origin: decodeCheckpoint(row.jws)?.payload.origin ?? '',
    seq: Number(row.seq),
    prevSeq: Number(row.prev_seq),
    hash: row.hash,
    root: row.root,
    at: new Date(row.at).toISOString(),
    keyId: row.key_id,
    jws: row.jws,
  };
}

/** The newest checkpoint, if any. */
export async function latestCheckpoint(q: Queryable): Promise<CheckpointRecord | undefined> {
  const { rows } = await q.query<CheckpointRow>(`SELECT ${CHECKPOINT_COLUMNS} FROM audit_checkpoint ORDER BY seq DESC LIMIT 1`);
  return rows[0] === undefined ? undefined : checkpointFromRow(rows[0]);
}

/** Checkpoints in seq order after `afterSeq`, at most `limit` (e.g. to publish them to agencies). */
export async function readCheckpoints(q: Queryable, options: { afterSeq?: number; limit: number }): Promise<CheckpointRecord[]> {
  const { rows } = await q.query<CheckpointRow>(
    `SELECT ${CHECKPOINT_COLUMNS} FROM audit_checkpoint WHERE seq > $1 ORDER BY seq LIMIT $2`,
    [Math.max(0, Math.floor(options.afterSeq ?? 0)), Math.max(1, Math.min(10_000, Math.floor(options.limit)))],
  );
  return rows.map(checkpointFromRow);
}

export interface WriteCheckpointOptions {
  origin?: string;
  now?: () => Date;
  logger?: Logger;
  /**
   * The Merkle tree as this process last grew it (the checkpointer keeps one between checkpoints),
   * so only events appended since are read. Opened from the store when absent.
   */
  tree?: GrowingTree;
}

/** Open the tree of the first `size` events, trusting cached subtree roots only if they lead to `signedRoot`. */
function openTree(store: Store, previous: CheckpointRecord | undefined, logger: Logger): Promise<GrowingTree> {
  return GrowingTree.open(store, previous?.seq ?? 0, previous?.root, () => {
    logger.error({ checkpointSeq: previous?.seq }, 'audit merkle cache disagrees with the last checkpoint; computing from the events');
  });
}

/**
 * Sign the current chain head and store the checkpoint, unless it is already covered. Safe from
 * several processes: the head and root are computed from committed (immutable) rows, and the insert
 * happens under a lock after re-reading the newest checkpoint, so checkpoints only move forward.
 * Resolves the new checkpoint, or undefined when there was nothing new to sign.
 */
export async function writeCheckpoint(
  store: Store,
  signer: AuditSigner,
  options: WriteCheckpointOptions = {},
): Promise<CheckpointRecord | undefined> {
  const logger = options.logger ?? silentLogger;
  const now = options.now ?? (() => new Date());
  const origin = options.origin ?? DEFAULT_ORIGIN;

  const { rows: headRows } = await store.query<{ seq: number | string; hash: string }>(
    'SELECT seq, hash FROM audit_event ORDER BY seq DESC LIMIT 1',
  );
  if (headRows[0] === undefined) return undefined;
  const head = { seq: Number(headRows[0].seq), hash: headRows[0].hash };
  const previous = await latestCheckpoint(store);
  if (previous !== undefined && previous.seq >= head.seq) return undefined;

  // Outside the transaction: this is the slow part, and on PGlite a transaction holds the only
  // connection (appends would wait behind it).
  const tree = options.tree !== undefined && options.tree.size <= head.seq ? options.tree : await openTree(store, previous, logger);
  await tree.growTo(store, head.seq);
  const root = tree.root();

  return store.transaction(async (tx) => {
    await tx.query(LOCK_CHECKPOINT);
    const { rows } = await tx.query<{ seq: number | string }>('SELECT seq FROM audit_checkpoint ORDER BY seq DESC LIMIT 1');
    const prevSeq = rows[0] === undefined ? 0 : Number(rows[0].seq);
    if (prevSeq >= head.seq) return undefined;
    const at = now().toISOString();
    const payload: CheckpointPayload = { v: 1, origin, seq: head.seq, hash: head.hash, root, at, prevSeq };
    const jws = await signer.sign(canonicalJson(payload), CHECKPOINT_TYP);
    await tx.query(
      `INSERT INTO audit_checkpoint (seq, prev_seq, hash, root, at, key_id, jws) VALUES ($1, $2, $3, $4, $5::timestamptz, $6, $7)`,
      [head.seq, prevSeq, head.hash, root, at, signer.keyId, jws],
    );
    return { origin, seq: head.seq, prevSeq, hash: head.hash, root, at, keyId: signer.keyId, jws };
  });
}

export interface CheckpointPolicy {
  signer: AuditSigner;
  /** Sign after this many events committed by this process (default 10,000). */
  everyEvents?: number;
  /** And at least this often while the log grows (default 30 s). */
  everyMs?: number;
  origin?: string;
}

export interface CheckpointerStats {
  checkpoints: number;
  failedCheckpoints: number;
}

export interface Checkpointer {
  /** Called by the appender after each commit. */
  noteCommitted(events: number): void;
  /** Sign the head now (waits for a checkpoint already being written first). */
  checkpointNow(): Promise<CheckpointRecord | undefined>;
  stats(): CheckpointerStats;
  /** Stops the timer and signs a last checkpoint of the head. */
  close(): Promise<void>;
}

/**
 * Runs writeCheckpoint every N events or T milliseconds, one at a time, in the background: a
 * checkpoint that fails is logged (codes only) and retried at the next trigger; it never fails an
 * append.
 */
export function createCheckpointer(
  store: Store,
  policy: CheckpointPolicy,
  options: { logger?: Logger; now?: () => Date } = {},
): Checkpointer {
  const logger = options.logger ?? silentLogger;
  const everyEvents = Math.max(1, Math.floor(policy.everyEvents ?? DEFAULT_CHECKPOINT_EVERY_EVENTS));
  const everyMs = Math.max(10, Math.floor(policy.everyMs ?? DEFAULT_CHECKPOINT_EVERY_MS));
  const writeOptions: WriteCheckpointOptions = {
    logger,
    ...(policy.origin === undefined ? {} : { origin: policy.origin }),
    ...(options.now === undefined ? {} : { now: options.now }),
  };
  let sinceLast = 0;
  let tree: GrowingTree | undefined;
  let running: Promise<CheckpointRecord | undefined> | null = null;
  let closed = false;
  const counters: CheckpointerStats = { checkpoints: 0, failedCheckpoints: 0 };

  async function run(): Promise<CheckpointRecord | undefined> {
    sinceLast = 0;
    try {
      tree ??= await openTree(store, await latestCheckpoint(store), logger);
      const record = await writeCheckpoint(store, policy.signer, { ...writeOptions, tree });
      if (record !== undefined) counters.checkpoints += 1;
      return record;
    } catch (error) {
      // Rebuilt from the store next time: the failure may have left it part-grown.
      tree = undefined;
      counters.failedCheckpoints += 1;
      const code = error instanceof MerkleDataError ? 'MERKLE_DATA' : ((error as { code?: unknown }).code ?? (error as Error).name);
      logger.error({ code: String(code).slice(0, 32) }, 'audit checkpoint could not be written; it will be retried');
      return undefined;
    }
  }

  function trigger(): Promise<CheckpointRecord | undefined> {
    running ??= run().finally(() => {
      running = null;
    });
    return running;
  }

  const timer = setInterval(() => {
    if (!closed) void trigger();
  }, everyMs);
  timer.unref();

  return {
    noteCommitted(events) {
      sinceLast += events;
      if (!closed && sinceLast >= everyEvents && running === null) void trigger();
    },
    async checkpointNow() {
      while (running !== null) await running;
      return trigger();
    },
    stats() {
      return { ...counters };
    },
    async close() {
      closed = true;
      clearInterval(timer);
      while (running !== null) await running;
      await trigger();
    },
  };
}
