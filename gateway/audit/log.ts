import { randomUUID } from 'node:crypto';
import { GatewayError } from '../errors.js';
import { silentLogger, type Logger } from '../log.js';
import type { Store } from '../store/index.js';
import { canonicalStorableJson, toStorableJson } from './canonical.js';
import { createCheckpointer, type CheckpointPolicy, type CheckpointRecord } from './checkpoint.js';
import { GENESIS_HASH, hashCanonicalEvent } from './hash.js';
import type { AccessEvent, AccessEventInput, CommittedEvent } from './types.js';

export const AUDIT_UNAVAILABLE_MESSAGE =
  'The audit log could not record this access, so no agency data was returned. Try again; if it persists, contact the system administrator.';

/**
 * Advisory lock serialising writers to the chain in every process (for the current schema). It keeps
 * writers in turn, so none is starved; it is not what keeps the chain whole: the seq primary key is
 * (see insertBatch).
 */
const CHAIN_LOCK = `pg_advisory_xact_lock(${0x4d410002}, hashtext(coalesce(current_schema(), '')))`;

/**
 * One statement per batch, whatever its size: the events travel as one JSON array (already canonical
 * JSON, made at append time) and the indexed columns are read out of each body by the database, so
 * they cannot disagree with what was hashed. Only the hashes are computed inside the transaction.
 */
const INSERT_ROWS = `INSERT INTO audit_event (seq, id, at, request_id, operation, outcome, actor_id, enquiry_id, prev_hash, hash, body)
SELECT $1::bigint + e.i - 1, (e.b->>'id')::uuid, (e.b->>'at')::timestamptz, e.b->>'requestId', e.b->>'operation',
       e.b->>'outcome', e.b->'actor'->>'id', e.b->'enquiry'->>'id',
       CASE WHEN e.i = 1 THEN $3 ELSE ($4::text[])[e.i::int - 1] END, ($4::text[])[e.i::int], e.b`;
const INSERT_BATCH = `${INSERT_ROWS}
  FROM jsonb_array_elements($2::jsonb) WITH ORDINALITY AS e(b, i)`;
/** The same, taking the chain lock in the same round trip (for a batch chained onto a known head). */
const LOCK_AND_INSERT_BATCH = `WITH chain_lock AS MATERIALIZED (SELECT ${CHAIN_LOCK})
${INSERT_ROWS}
  FROM chain_lock, jsonb_array_elements($2::jsonb) WITH ORDINALITY AS e(b, i)`;

const DEFAULT_MAX_BATCH = 512;
const MAX_BATCH_LIMIT = 10_000;
/** Attempts for one batch when another process takes the seqs it meant to use. */
const MAX_ATTEMPTS = 5;
/** After meeting another writer, read the head under the lock for this long before guessing again. */
const CONTENTION_BACKOFF_MS = 1000;
const UNIQUE_VIOLATION = '23505';
const STORE_UNAVAILABLE = 'STORE_UNAVAILABLE';
/** A batch whose connection failed is tried once more on another (a pool may hold dead connections). */
const MAX_CONNECTION_RETRIES = 1;
const CONNECTION_RETRY_DELAY_MS = 20;

export interface AuditLogOptions {
  logger?: Logger;
  /** Clock for `at` (tests pass a fixed one). */
  now?: () => Date;
  /** Most events written in one transaction (default 512). */
  maxBatch?: number;
  /** Sign checkpoints of the chain head every N events or T ms (see checkpoint.ts). Off when absent. */
  checkpoints?: CheckpointPolicy;
}

export interface AuditLogStats {
  /** Committed transactions (each one batch). */
  transactions: number;
  /** Transactions that failed; their events were rejected. */
  failedTransactions: number;
  /** Batches written again: another process had taken their seqs, or their connection had died. */
  retries: number;
  /** Events committed. */
  events: number;
  /** Events waiting for or in a transaction now. */
  pending: number;
  /** Checkpoints signed by this log, and ones that failed (0 when checkpoints are off). */
  checkpoints: number;
  failedCheckpoints: number;
}

export interface AuditLog {
  /** Resolves once the event's transaction has committed; rejects with AUDIT_UNAVAILABLE otherwise. */
  append(input: AccessEventInput): Promise<CommittedEvent>;
  stats(): AuditLogStats;
  /**
   * Sign a checkpoint of the chain head now (waits for queued events first). Resolves undefined when
   * checkpoints are off or the head is already signed.
   */
  checkpoint(): Promise<CheckpointRecord | undefined>;
  /**
   * Waits for queued events to be written and signs a last checkpoint; appends after close are
   * refused. Does not close the store.
   */
  close(): Promise<void>;
}

interface PendingAppend {
  id: string;
  /** The event's canonical JSON (RFC 8785, made storable): what its hash covers and what is stored. */
  canonical: string;
  resolve(committed: CommittedEvent): void;
  reject(error: GatewayError): void;
}

interface ChainHead {
  seq: number;
  hash: string;
}

function auditUnavailable(cause?: unknown): GatewayError {
  return new GatewayError('AUDIT_UNAVAILABLE', AUDIT_UNAVAILABLE_MESSAGE, cause === undefined ? undefined : { cause });
}

function errorCode(error: unknown): string {
  if (typeof error === 'object' && error !== null && 'code' in error) {
    const code = (error as { code: unknown }).code;
    if (typeof code === 'string' && code.length <= 32) return code;
  }
  return error instanceof Error ? error.name : typeof error;
}

/** The event as recorded, before it is made storable; throws TypeError when the input cannot be one. */
function assembleEvent(input: AccessEventInput, at: Date): AccessEvent {
  // Checked here so one malformed event is refused alone instead of failing its whole batch.
  if (typeof input.requestId !== 'string' || typeof input.operation !== 'string' || typeof input.outcome !== 'string') {
    throw new TypeError('An access event needs requestId, operation and outcome.');
  }
  if (input.actor !== null && typeof input.actor?.id !== 'string') {
    throw new TypeError('An access event needs an actor with an id, or null.');
  }
  if (input.enquiry !== undefined && input.enquiry !== null && typeof input.enquiry.id !== 'string') {
    throw new TypeError("An access event's enquiry needs an id.");
  }
  if (Number.isNaN(at.getTime())) throw new TypeError('The audit clock returned an invalid date.');
  return {
    ...input,
    id: randomUUID(),
    at: at.toISOString(),
    subjects: input.subjects ?? [],
    decisions: input.decisions ?? [],
  };
}

/** The event exactly as it will be stored and hashed (a plain-JSON copy; see toStorableJson). */
export function buildEvent(input: AccessEventInput, at: Date): AccessEvent {
  return toStorableJson(assembleEvent(input, at)) as AccessEvent;
}

/**
 * The audit log writer, with group commit: appends that arrive while a batch is being written
 * queue up and go together in the next transaction (one INSERT, in arrival order), so the cost of
 * a commit is shared under load while a lone append still goes out at once.
 *
 * Several processes may share one PostgreSQL. The seq primary key is what keeps one chain: a batch
 * chained onto a head that is no longer the head collides with the other writer's rows, rolls back
 * whole, and is chained again onto the new head. A process that wrote the head last chains onto it
 * without reading it, in one statement and one round trip; otherwise, and for a while after meeting
 * another writer, it takes the chain lock and reads the head first, in a transaction.
 */
export function createAuditLog(store: Store, options: AuditLogOptions = {}): AuditLog {
  const logger = options.logger ?? silentLogger;
  const now = options.now ?? (() => new Date());
  const maxBatch = Math.min(Math.max(1, Math.floor(options.maxBatch ?? DEFAULT_MAX_BATCH)), MAX_BATCH_LIMIT);
  const checkpointer =
    options.checkpoints === undefined
      ? undefined
      : createCheckpointer(store, options.checkpoints, { logger, ...(options.now === undefined ? {} : { now: options.now }) });

  const queue: PendingAppend[] = [];
  let inFlight = 0;
  let draining: Promise<void> | null = null;
  let closed = false;
  const counters = { transactions: 0, failedTransactions: 0, retries: 0, events: 0 };
  /** The head this process committed last, while no other writer is known to be active. */
  let knownHead: ChainHead | undefined;
  let lockUntil = 0;

  async function drain(): Promise<void> {
    let answer: (() => void) | undefined;
    while (queue.length > 0) {
      const batch = queue.splice(0, maxBatch);
      inFlight = batch.length;
      const writing = writeBatch(batch);
      // The batch before is committed: answer its requests now that this one is on its way, so
      // their work (and their next appends) overlaps this write instead of waiting for it.
      answer?.();
      answer = await writing;
      inFlight = 0;
    }
    answer?.();
    // Cleared in the same synchronous step as the last empty-queue check, so an append can never
    // find `draining` set while nothing will pick its event up.
    draining = null;
  }

  /** Writes one batch; resolves with what to tell its requests (already committed, or refused). */
  async function writeBatch(batch: PendingAppend[]): Promise<() => void> {
    for (let attempt = 1; ; attempt += 1) {
      const guess = knownHead !== undefined && performance.now() >= lockUntil ? knownHead : undefined;
      knownHead = undefined;
      let committed: CommittedEvent[];
      try {
        committed = await insertBatch(store, batch, guess);
      } catch (error) {
        const code = errorCode(error);
        const retry =
          attempt < MAX_ATTEMPTS &&
          (code === UNIQUE_VIOLATION || (code === STORE_UNAVAILABLE && attempt <= MAX_CONNECTION_RETRIES));
        if (retry) {
          // A collision may also mean an earlier attempt did commit (its answer was lost).
          const earlier = code === UNIQUE_VIOLATION ? await committedEarlier(store, batch) : undefined;
          if (earlier !== undefined) return settle(batch, earlier);
          // Another process appended first, or a pooled connection had died: chain the batch again
          // onto the head as it now is.
          counters.retries += 1;
          lockUntil = performance.now() + CONTENTION_BACKOFF_MS;
          // After a dead connection, let the pool hear about its other dead ones before taking another.
          if (code === STORE_UNAVAILABLE) await new Promise((resolve) => setTimeout(resolve, CONNECTION_RETRY_DELAY_MS));
          continue;
        }
        counters.failedTransactions += 1;
        // Ids, counts and codes only: never the event or the driver's message (it may quote values).
        logger.error(
          { code, events: batch.length, eventIds: batch.map((p) => p.id) },
          'audit batch could not be recorded; its requests were refused',
        );
        return () => {
          for (const pending of batch) pending.reject(auditUnavailable(error));
        };
      }
      return settle(batch, committed);
    }
  }

  function settle(batch: PendingAppend[], committed: CommittedEvent[]): () => void {
    const last = committed[committed.length - 1]!;
    knownHead = { seq: last.seq, hash: last.hash };
    counters.transactions += 1;
    counters.events += committed.length;
    checkpointer?.noteCommitted(committed.length);
    return () => committed.forEach((event, i) => batch[i]!.resolve(event));
  }

  async function flush(): Promise<void> {
    while (draining !== null) await draining;
  }

  return {
    append(input) {
      if (closed) return Promise.reject(auditUnavailable());
      let id: string;
      let canonical: string | undefined;
      try {
        const event = assembleEvent(input, now());
        id = event.id;
        canonical = canonicalStorableJson(event);
        if (canonical === undefined) throw new TypeError('An access event must be a JSON object.');
      } catch (error) {
        logger.error({ code: errorCode(error) }, 'audit event could not be built; its request was refused');
        return Promise.reject(auditUnavailable(error));
      }
      return new Promise<CommittedEvent>((resolve, reject) => {
        queue.push({ id, canonical, resolve, reject });
        // Start on a microtask so appends made in the same tick share the first transaction.
        draining ??= Promise.resolve().then(drain);
      });
    },
    stats() {
      const checkpoints = checkpointer?.stats() ?? { checkpoints: 0, failedCheckpoints: 0 };
      return { ...counters, pending: queue.length + inFlight, ...checkpoints };
    },
    async checkpoint() {
      await flush();
      return checkpointer?.checkpointNow();
    },
    async close() {
      closed = true;
      await flush();
      await checkpointer?.close();
    },
  };
}

/** The batch's events as committed by an earlier attempt, if that attempt did commit (all or none). */
async function committedEarlier(store: Store, batch: PendingAppend[]): Promise<CommittedEvent[] | undefined> {
  let rows: { id: string; seq: number | string; hash: string }[];
  try {
    ({ rows } = await store.query<{ id: string; seq: number | string; hash: string }>(
      'SELECT id, seq, hash FROM audit_event WHERE id = ANY($1::uuid[])',
      [batch.map((p) => p.id)],
    ));
  } catch {
    return undefined;
  }
  if (rows.length !== batch.length) return undefined;
  const byId = new Map(rows.map((row) => [row.id, { id: row.id, seq: Number(row.seq), hash: row.hash }]));
  return batch.map((p) => byId.get(p.id)!);
}

/**
 * Chain and insert one batch, all or nothing. With `guess` (the head this process wrote last) the
 * head is not read: the lock and the insert are one statement, committed on its own (one round
 * trip), and if another process has appended since, the first seq collides with its row (23505) and
 * nothing is written. Without it, the head is read under the chain lock in a transaction first.
 */
async function insertBatch(store: Store, batch: PendingAppend[], guess: ChainHead | undefined): Promise<CommittedEvent[]> {
  if (guess !== undefined) {
    const { committed, params } = chain(batch, guess);
    await store.query(LOCK_AND_INSERT_BATCH, params);
    return committed;
  }
  return store.transaction(async (tx) => {
    await tx.query(`SELECT ${CHAIN_LOCK}`);
    // The head comes from the table, never from memory: another process may have appended since.
    const { rows } = await tx.query<{ seq: number | string; hash: string }>('SELECT seq, hash FROM audit_event ORDER BY seq DESC LIMIT 1');
    const head = rows[0] === undefined ? { seq: 0, hash: GENESIS_HASH } : { seq: Number(rows[0].seq), hash: rows[0].hash };
    const { committed, params } = chain(batch, head);
    await tx.query(INSERT_BATCH, params);
    return committed;
  });
}

/** Seqs and hashes for a batch chained onto `head`, and the insert's parameters. */
function chain(batch: PendingAppend[], head: ChainHead): { committed: CommittedEvent[]; params: unknown[] } {
  const committed: CommittedEvent[] = [];
  const hashes: string[] = [];
  let prevHash = head.hash;
  let seq = head.seq;
  for (const { id, canonical } of batch) {
    seq += 1;
    prevHash = hashCanonicalEvent(prevHash, canonical);
    hashes.push(prevHash);
    committed.push({ id, seq, hash: prevHash });
  }
  return { committed, params: [head.seq + 1, `[${batch.map((p) => p.canonical).join(',')}]`, head.hash, hashes] };
}
