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
 * Advisory lock (for the current schema) taken by a writer that reads the head itself, so writers
 * that have met each other take turns and none is starved: audit_append takes it shared, so batches
 * in flight run side by side but none runs while a writer holds it. What keeps the chain whole is
 * audit_append's check of the event it chains onto and the seq primary key.
 */
const CHAIN_LOCK = `pg_advisory_xact_lock(${0x4d410002}, hashtext(coalesce(current_schema(), '')))`;

/**
 * One statement per batch, whatever its size (migrations 006_audit_append.sql and
 * 021_audit_append_parallel.sql): audit_append inserts the events, then waits for the batch it is
 * chained onto to end and checks that the event it chains onto is committed with the hash it was
 * chained onto (or raises, and its rows roll back). So two batches in flight insert side by side and
 * commit in chain order. The events travel as the text of one JSON array (each event already
 * canonical JSON, made at append time) and the indexed columns are read out of each body by the
 * database, so they cannot disagree with what was hashed. Only the hashes are computed when the
 * batch is sent.
 */
const APPEND_BATCH = 'SELECT audit_append($1::bigint, $2::text, $3::text[], $4::text)';

const DEFAULT_MAX_BATCH = 512;
const MAX_BATCH_LIMIT = 10_000;
/** Batches in flight at once on PostgreSQL (see createAuditLog); PGlite runs one statement at a time. */
const DEFAULT_PIPELINE_POSTGRES = 2;
const MAX_PIPELINE = 4;
/**
 * Fewest events sent as a batch ahead of the one in flight (fewer wait for it and go in the next);
 * a burst met with nothing in flight is sent as two batches when it has at least twice this many.
 */
const PIPELINE_MIN_BATCH = 64;
/** Attempts for one batch when another process takes the seqs it meant to use. */
const MAX_ATTEMPTS = 5;
/** After meeting another writer, read the head under the lock for this long before guessing again. */
const CONTENTION_BACKOFF_MS = 1000;
const UNIQUE_VIOLATION = '23505';
/** Raised by audit_append when the event a batch chains onto is not (or no longer) there. */
const SERIALIZATION_FAILURE = '40001';
/**
 * Two processes chained onto the same stale head can wait on each other's rows and in-flight locks;
 * PostgreSQL then ends one of them with this. Nothing of that batch was written: it is chained again.
 */
const DEADLOCK_DETECTED = '40P01';
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
  /**
   * Most batches in flight at once (default 2 on PostgreSQL, 1 on PGlite). Above 1, a backlog (64
   * events or more) is sent while the batch before is still committing, chained onto its last event;
   * the database commits it after that one, or not at all. 1 sends a batch only once the one before
   * has committed.
   */
  pipeline?: number;
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
  /** Whether appends are taken (false once close has begun); readiness also probes the store. */
  isAccepting(): boolean;
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

/** A whole number from 1 to `max`; `fallback` when absent or NaN. */
function boundedCount(value: number | undefined, fallback: number, max: number): number {
  return value === undefined || Number.isNaN(value) ? fallback : Math.min(Math.max(1, Math.floor(value)), max);
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

/** A batch on its way to the store. */
interface Flight {
  batch: PendingAppend[];
  /**
   * The chain head this batch will leave, while that is known before it commits (it was chained
   * onto a known head when sent): the next batch may be chained onto it and sent at once.
   */
  next: ChainHead | undefined;
  /** What to tell its requests, once the batch has committed or been refused (after any retries). */
  answer: (() => void) | undefined;
  /** Settles (never rejects) when `answer` is set. */
  done: Promise<void>;
}

/**
 * The audit log writer, with group commit: appends that arrive while batches are being written
 * queue up and go together in the next transaction (one statement, in arrival order), so the cost
 * of a commit is shared under load while a lone append still goes out at once.
 *
 * On PostgreSQL, under load, two batches are in flight at once: when a backlog has built up, the
 * next batch is chained onto the last event of the one before and sent without waiting for it to
 * commit, so building and sending one, and the database inserting both, overlap instead of taking
 * turns. The database keeps them in order (audit_append inserts, then waits for the batch before to
 * end and checks that the event it chains onto is committed; if that batch failed, this one rolls
 * back whole and is chained again once that one is settled), and requests are answered in the same
 * order, each only after its own batch has committed.
 *
 * Several processes may share one PostgreSQL. The seq primary key and that check keep one chain:
 * a batch chained onto a head that is no longer the head collides with the other writer's rows,
 * rolls back whole, and is chained again onto the new head. A process that wrote the head last
 * chains onto it without reading it, in one statement and one round trip; otherwise, and for a
 * while after meeting another writer, it takes the chain lock and reads the head first, in a
 * transaction (and sends nothing after that batch until it has committed).
 */
export function createAuditLog(store: Store, options: AuditLogOptions = {}): AuditLog {
  const logger = options.logger ?? silentLogger;
  const now = options.now ?? (() => new Date());
  const maxBatch = boundedCount(options.maxBatch, DEFAULT_MAX_BATCH, MAX_BATCH_LIMIT);
  const pipeline = boundedCount(options.pipeline, store.kind === 'postgres' ? DEFAULT_PIPELINE_POSTGRES : 1, MAX_PIPELINE);
  const checkpointer =
    options.checkpoints === undefined
      ? undefined
      : createCheckpointer(store, options.checkpoints, { logger, ...(options.now === undefined ? {} : { now: options.now }) });

  const queue: PendingAppend[] = [];
  /** Batches sent and not yet answered, oldest first. */
  const flights: Flight[] = [];
  let launchScheduled = false;
  /** Resolves when nothing is queued or in flight (for flush). */
  let idle: { promise: Promise<void>; resolve: () => void } | undefined;
  let closed = false;
  const counters = { transactions: 0, failedTransactions: 0, retries: 0, events: 0 };
  /** The head this process committed last, while no other writer is known to be active. */
  let knownHead: ChainHead | undefined;
  let lockUntil = 0;

  function scheduleLaunch(): void {
    if (launchScheduled) return;
    launchScheduled = true;
    // On a microtask, so appends made in the same tick share one batch.
    queueMicrotask(() => {
      launchScheduled = false;
      launch();
    });
  }

  /** Sends queued events while the pipeline has room. */
  function launch(): void {
    while (queue.length > 0 && flights.length < pipeline) {
      const before = flights[flights.length - 1];
      if (before !== undefined) {
        // Only a batch whose last event is already known can have another chained onto it, and
        // only a backlog is worth it: a few events wait for the batch ahead and go in the next one.
        if (before.next === undefined || queue.length < Math.min(maxBatch, PIPELINE_MIN_BATCH)) break;
      }
      let size = Math.min(queue.length, maxBatch);
      // A large burst met with nothing in flight goes as two batches: the first commits (and its
      // requests go on) while the database writes the second.
      if (before === undefined && pipeline > 1 && queue.length <= maxBatch && queue.length >= 2 * PIPELINE_MIN_BATCH) {
        size = Math.ceil(queue.length / 2);
      }
      const flight: Flight = { batch: queue.splice(0, size), next: undefined, answer: undefined, done: Promise.resolve() };
      flights.push(flight);
      flight.done = writeBatch(flight, before).then(
        (answer) => {
          flight.answer = answer;
        },
        (error: unknown) => {
          // writeBatch answers every failure itself; this is only a guard against a bug there.
          flight.answer = () => {
            for (const pending of flight.batch) pending.reject(auditUnavailable(error));
          };
        },
      );
      void flight.done.then(land);
    }
  }

  /** Answers the batches that are done, in the order they were sent, and sends what has queued. */
  function land(): void {
    const answers: (() => void)[] = [];
    while (flights[0]?.answer !== undefined) answers.push(flights.shift()!.answer!);
    if (answers.length === 0) return;
    // Send first: the requests answered now carry on (and append again) while that is written.
    launch();
    for (const answer of answers) answer();
    if (queue.length === 0 && flights.length === 0 && idle !== undefined) {
      idle.resolve();
      idle = undefined;
    }
  }

  /** Writes one batch; resolves with what to tell its requests (already committed, or refused). */
  async function writeBatch(flight: Flight, before: Flight | undefined): Promise<() => void> {
    const { batch } = flight;
    for (let attempt = 1; ; attempt += 1) {
      let committed: CommittedEvent[];
      try {
        if (attempt === 1 && before !== undefined) {
          // Pipelined: chained onto the last event of the batch still in flight ahead of it.
          committed = await appendOnto(flight, before.next!);
        } else {
          // A batch tried again never overtakes the one ahead of it: wait until that is settled.
          if (attempt > 1 && before !== undefined) await before.done;
          const guess = knownHead !== undefined && performance.now() >= lockUntil ? knownHead : undefined;
          committed = guess !== undefined ? await appendOnto(flight, guess) : await appendAtHead(batch, store);
        }
      } catch (error) {
        flight.next = undefined;
        knownHead = undefined;
        const code = errorCode(error);
        const retry =
          attempt < MAX_ATTEMPTS &&
          (code === UNIQUE_VIOLATION ||
            code === SERIALIZATION_FAILURE ||
            code === DEADLOCK_DETECTED ||
            (code === STORE_UNAVAILABLE && attempt <= MAX_CONNECTION_RETRIES));
        if (retry) {
          // A collision may also mean an earlier attempt did commit (its answer was lost).
          const earlier = attempt > 1 && code !== STORE_UNAVAILABLE ? await committedEarlier(store, batch) : undefined;
          if (earlier !== undefined) return settle(batch, earlier);
          // Another process appended first, the batch ahead failed, or a pooled connection had
          // died: chain the batch again onto the head as it now is.
          counters.retries += 1;
          logger.debug({ code, attempt, events: batch.length }, 'audit batch will be chained again');
          if (code !== SERIALIZATION_FAILURE || before === undefined) lockUntil = performance.now() + CONTENTION_BACKOFF_MS;
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

  /**
   * Chain the batch onto `head` and append it in one statement, committed on its own (one round
   * trip). The head it will leave is known at once (flight.next), before it commits.
   */
  function appendOnto(flight: Flight, head: ChainHead): Promise<CommittedEvent[]> {
    const { committed, params } = chain(flight.batch, head);
    flight.next = committed[committed.length - 1];
    return store.query(APPEND_BATCH, params).then(() => committed);
  }

  function settle(batch: PendingAppend[], committed: CommittedEvent[]): () => void {
    const last = committed[committed.length - 1]!;
    if (knownHead === undefined || last.seq > knownHead.seq) knownHead = { seq: last.seq, hash: last.hash };
    counters.transactions += 1;
    counters.events += committed.length;
    checkpointer?.noteCommitted(committed.length);
    return () => committed.forEach((event, i) => batch[i]!.resolve(event));
  }

  async function flush(): Promise<void> {
    while (idle !== undefined) await idle.promise;
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
        if (idle === undefined) {
          let resolveIdle!: () => void;
          const promise = new Promise<void>((r) => {
            resolveIdle = r;
          });
          idle = { promise, resolve: resolveIdle };
        }
        scheduleLaunch();
      });
    },
    stats() {
      const checkpoints = checkpointer?.stats() ?? { checkpoints: 0, failedCheckpoints: 0 };
      const inFlight = flights.reduce((n, flight) => n + flight.batch.length, 0);
      return { ...counters, pending: queue.length + inFlight, ...checkpoints };
    },
    isAccepting() {
      return !closed;
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
 * Read the head under the chain lock and append the batch onto it, in one transaction (four round
 * trips): for a process that has not written the head itself, or has just met another writer.
 */
function appendAtHead(batch: PendingAppend[], store: Store): Promise<CommittedEvent[]> {
  return store.transaction(async (tx) => {
    await tx.query(`SELECT ${CHAIN_LOCK}`);
    // The head comes from the table, never from memory: another process may have appended since.
    const { rows } = await tx.query<{ seq: number | string; hash: string }>('SELECT seq, hash FROM audit_event ORDER BY seq DESC LIMIT 1');
    const head = rows[0] === undefined ? { seq: 0, hash: GENESIS_HASH } : { seq: Number(rows[0].seq), hash: rows[0].hash };
    const { committed, params } = chain(batch, head);
    await tx.query(APPEND_BATCH, params);
    return committed;
  });
}

/** Seqs and hashes for a batch chained onto `head`, and audit_append's parameters. */
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
  return { committed, params: [head.seq + 1, head.hash, hashes, `[${batch.map((p) => p.canonical).join(',')}]`] };
}
