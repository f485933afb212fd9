import { randomUUID } from 'node:crypto';
import { GatewayError } from '../errors.js';
import { silentLogger, type Logger } from '../log.js';
import type { Queryable, Store } from '../store/index.js';
import { toStorableJson } from './canonical.js';
import { GENESIS_HASH, hashEvent } from './hash.js';
import type { AccessEvent, AccessEventInput, CommittedEvent } from './types.js';

export const AUDIT_UNAVAILABLE_MESSAGE =
  'The audit log could not record this access, so no agency data was returned. Try again; if it persists, contact the system administrator.';

/**
 * Advisory lock held while a batch is chained and inserted: a constant for "the audit chain" and
 * the current schema. Every writer, in any process, reads the head only after taking it.
 */
const LOCK_AUDIT_CHAIN = `SELECT pg_advisory_xact_lock(${0x4d410002}, hashtext(coalesce(current_schema(), '')))`;

const COLUMNS_PER_ROW = 11;
// PostgreSQL allows 65535 bind parameters per statement.
const MAX_BATCH_LIMIT = Math.floor(65_535 / COLUMNS_PER_ROW);
const DEFAULT_MAX_BATCH = 256;

export interface AuditLogOptions {
  logger?: Logger;
  /** Clock for `at` (tests pass a fixed one). */
  now?: () => Date;
  /** Most events written in one transaction (default 256). */
  maxBatch?: number;
}

export interface AuditLogStats {
  /** Committed transactions (each one batch). */
  transactions: number;
  /** Transactions that failed; their events were rejected. */
  failedTransactions: number;
  /** Events committed. */
  events: number;
  /** Events waiting for or in a transaction now. */
  pending: number;
}

export interface AuditLog {
  /** Resolves once the event's transaction has committed; rejects with AUDIT_UNAVAILABLE otherwise. */
  append(input: AccessEventInput): Promise<CommittedEvent>;
  stats(): AuditLogStats;
  /** Waits for queued events to be written; appends after close are refused. Does not close the store. */
  close(): Promise<void>;
}

interface PendingAppend {
  event: AccessEvent;
  resolve(committed: CommittedEvent): void;
  reject(error: GatewayError): void;
}

interface ChainedRow {
  seq: number;
  prevHash: string;
  hash: string;
  event: AccessEvent;
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

export function buildEvent(input: AccessEventInput, at: Date): AccessEvent {
  // Checked here so one malformed event is refused alone instead of failing its whole batch.
  if (typeof input.requestId !== 'string' || typeof input.operation !== 'string' || typeof input.outcome !== 'string') {
    throw new TypeError('An access event needs requestId, operation and outcome.');
  }
  if (input.actor !== null && typeof input.actor?.id !== 'string') {
    throw new TypeError('An access event needs an actor with an id, or null.');
  }
  if (Number.isNaN(at.getTime())) throw new TypeError('The audit clock returned an invalid date.');
  const event: AccessEvent = {
    ...input,
    id: randomUUID(),
    at: at.toISOString(),
    subjects: input.subjects ?? [],
    decisions: input.decisions ?? [],
  };
  return toStorableJson(event) as AccessEvent;
}

/**
 * The audit log writer, with group commit: appends that arrive while a batch is being written
 * queue up and go together in the next transaction (one multi-row INSERT, in arrival order), so the
 * cost of a commit is shared under load while a lone append still goes out at once.
 */
export function createAuditLog(store: Store, options: AuditLogOptions = {}): AuditLog {
  const logger = options.logger ?? silentLogger;
  const now = options.now ?? (() => new Date());
  const maxBatch = Math.min(Math.max(1, Math.floor(options.maxBatch ?? DEFAULT_MAX_BATCH)), MAX_BATCH_LIMIT);

  const queue: PendingAppend[] = [];
  let inFlight = 0;
  let draining: Promise<void> | null = null;
  let closed = false;
  const counters = { transactions: 0, failedTransactions: 0, events: 0 };

  async function drain(): Promise<void> {
    while (queue.length > 0) {
      const batch = queue.splice(0, maxBatch);
      inFlight = batch.length;
      await writeBatch(batch);
      inFlight = 0;
    }
    // Cleared in the same synchronous step as the last empty-queue check, so an append can never
    // find `draining` set while nothing will pick its event up.
    draining = null;
  }

  async function writeBatch(batch: PendingAppend[]): Promise<void> {
    let rows: ChainedRow[];
    try {
      rows = await store.transaction((tx) => insertBatch(tx, batch));
    } catch (error) {
      counters.failedTransactions += 1;
      // Ids, counts and codes only: never the event or the driver's message (it may quote values).
      logger.error(
        { code: errorCode(error), events: batch.length, eventIds: batch.map((p) => p.event.id) },
        'audit batch could not be recorded; its requests were refused',
      );
      for (const pending of batch) pending.reject(auditUnavailable(error));
      return;
    }
    counters.transactions += 1;
    counters.events += rows.length;
    rows.forEach((row, i) => batch[i]!.resolve({ id: row.event.id, seq: row.seq, hash: row.hash }));
  }

  return {
    append(input) {
      if (closed) return Promise.reject(auditUnavailable());
      let event: AccessEvent;
      try {
        event = buildEvent(input, now());
      } catch (error) {
        logger.error({ code: errorCode(error) }, 'audit event could not be built; its request was refused');
        return Promise.reject(auditUnavailable(error));
      }
      return new Promise<CommittedEvent>((resolve, reject) => {
        queue.push({ event, resolve, reject });
        // Start on a microtask so appends made in the same tick share the first transaction.
        draining ??= Promise.resolve().then(drain);
      });
    },
    stats() {
      return { ...counters, pending: queue.length + inFlight };
    },
    async close() {
      closed = true;
      while (draining !== null) await draining;
    },
  };
}

async function insertBatch(tx: Queryable, batch: PendingAppend[]): Promise<ChainedRow[]> {
  await tx.query(LOCK_AUDIT_CHAIN);
  // The head comes from the table, never from memory: another process may have appended since.
  const { rows: head } = await tx.query<{ seq: number | string; hash: string }>(
    'SELECT seq, hash FROM audit_event ORDER BY seq DESC LIMIT 1',
  );
  let seq = head[0] === undefined ? 0 : Number(head[0].seq);
  let prevHash = head[0]?.hash ?? GENESIS_HASH;

  const rows: ChainedRow[] = [];
  const params: unknown[] = [];
  const tuples: string[] = [];
  for (const { event } of batch) {
    seq += 1;
    const hash = hashEvent(prevHash, event);
    rows.push({ seq, prevHash, hash, event });
    const base = params.length;
    params.push(
      seq,
      event.id,
      event.at,
      event.requestId,
      event.operation,
      event.outcome,
      event.actor?.id ?? null,
      event.enquiry?.id ?? null,
      prevHash,
      hash,
      JSON.stringify(event),
    );
    tuples.push(
      `($${base + 1}, $${base + 2}::uuid, $${base + 3}::timestamptz, $${base + 4}, $${base + 5}, $${base + 6}, ` +
        `$${base + 7}, $${base + 8}, $${base + 9}, $${base + 10}, $${base + 11}::jsonb)`,
    );
    prevHash = hash;
  }
  await tx.query(
    `INSERT INTO audit_event (seq, id, at, request_id, operation, outcome, actor_id, enquiry_id, prev_hash, hash, body)
     VALUES ${tuples.join(', ')}`,
    params,
  );
  return rows;
}
