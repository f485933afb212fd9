import type { Queryable } from '../store/index.js';
import { GENESIS_HASH, hashEvent } from './hash.js';
import type { AccessEvent } from './types.js';

export type ChainProblem = 'altered' | 'missing' | 'reordered' | 'broken-link';

export type ChainVerification =
  | { ok: true; count: number; headSeq: number; headHash: string }
  | { ok: false; seq: number; problem: ChainProblem; detail: string };

export interface VerifyChainOptions {
  /** Start here, trusting the hash stored at fromSeq - 1 (e.g. a signed checkpoint). Default 1. */
  fromSeq?: number;
  /** Rows read per query (default 1000): memory stays flat however long the log is. */
  pageSize?: number;
}

/** An audit_event row as verifiers read it. Internal to gateway/audit. */
export interface AuditRow {
  seq: number | string;
  id: string;
  at: Date | string;
  request_id: string;
  operation: string;
  outcome: string;
  actor_id: string | null;
  enquiry_id: string | null;
  prev_hash: string;
  hash: string;
  body: AccessEvent;
}

export const AUDIT_ROW_COLUMNS = 'seq, id, at, request_id, operation, outcome, actor_id, enquiry_id, prev_hash, hash, body';

/**
 * Recompute the chain: every hash from its stored body and prev hash, seqs contiguous, and each
 * prev hash equal to the previous row's hash. Stops at the first problem, naming its seq. Events
 * appended while it runs are not checked (it stops at the head it saw first). Removal of the newest
 * events cannot be seen from the chain alone; signed checkpoints of the head cover that.
 */
export async function verifyChain(store: Queryable, options: VerifyChainOptions = {}): Promise<ChainVerification> {
  const fromSeq = Math.max(1, Math.floor(options.fromSeq ?? 1));
  const pageSize = Math.max(1, Math.floor(options.pageSize ?? 1000));

  const { rows: headRows } = await store.query<{ seq: number | string; hash: string }>(
    'SELECT seq, hash FROM audit_event ORDER BY seq DESC LIMIT 1',
  );
  const lastSeq = headRows[0] === undefined ? 0 : Number(headRows[0].seq);

  let prevHash = GENESIS_HASH;
  if (fromSeq > 1) {
    const { rows } = await store.query<{ hash: string }>('SELECT hash FROM audit_event WHERE seq = $1', [fromSeq - 1]);
    if (rows[0] === undefined) {
      return {
        ok: false,
        seq: fromSeq - 1,
        problem: 'missing',
        detail: `Event ${fromSeq - 1}, the anchor to verify from, is not in the log (its newest event is ${lastSeq}).`,
      };
    }
    prevHash = rows[0].hash;
  }

  let expectedSeq = fromSeq;
  let count = 0;
  while (expectedSeq <= lastSeq) {
    const { rows } = await store.query<AuditRow>(
      `SELECT ${AUDIT_ROW_COLUMNS} FROM audit_event WHERE seq >= $1 AND seq <= $2 ORDER BY seq LIMIT $3`,
      [expectedSeq, lastSeq, pageSize],
    );
    if (rows.length === 0) break;
    for (const row of rows) {
      const seq = Number(row.seq);
      if (seq !== expectedSeq) {
        const range = seq - 1 === expectedSeq ? `${expectedSeq}` : `${expectedSeq} to ${seq - 1}`;
        return { ok: false, seq: expectedSeq, problem: 'missing', detail: `Event ${range} is missing from the log.` };
      }
      if (hashEvent(row.prev_hash, row.body) !== row.hash) {
        return { ok: false, seq, problem: 'altered', detail: `Event ${seq} does not match its hash: its content or prev hash was changed.` };
      }
      const column = disagreeingColumn(row);
      if (column !== undefined) {
        return { ok: false, seq, problem: 'altered', detail: `Event ${seq}: column ${column} disagrees with the hashed event.` };
      }
      if (row.prev_hash !== prevHash) {
        return linkProblem(store, seq, row.prev_hash);
      }
      prevHash = row.hash;
      expectedSeq += 1;
      count += 1;
    }
  }
  if (expectedSeq <= lastSeq) {
    return { ok: false, seq: expectedSeq, problem: 'missing', detail: `Events ${expectedSeq} to ${lastSeq} are missing from the log.` };
  }
  return { ok: true, count, headSeq: expectedSeq - 1, headHash: prevHash };
}

/** The indexed copies of event fields must say what the hashed body says. */
export function disagreeingColumn(row: AuditRow): string | undefined {
  const body = row.body;
  if (typeof body !== 'object' || body === null) return 'body';
  if (row.id !== body.id) return 'id';
  if (new Date(row.at).getTime() !== Date.parse(body.at)) return 'at';
  if (row.request_id !== body.requestId) return 'request_id';
  if (row.operation !== body.operation) return 'operation';
  if (row.outcome !== body.outcome) return 'outcome';
  if (row.actor_id !== (body.actor?.id ?? null)) return 'actor_id';
  if (row.enquiry_id !== (body.enquiry?.id ?? null)) return 'enquiry_id';
  return undefined;
}

// A self-consistent event that does not follow its predecessor: if it names another stored event
// as its predecessor the log was reordered, otherwise the link itself was broken.
export async function linkProblem(store: Queryable, seq: number, claimedPrev: string): Promise<ChainVerification> {
  const { rows } = await store.query<{ seq: number | string }>('SELECT seq FROM audit_event WHERE hash = $1 LIMIT 1', [
    claimedPrev,
  ]);
  if (rows[0] !== undefined) {
    return {
      ok: false,
      seq,
      problem: 'reordered',
      detail: `Event ${seq} was chained after event ${Number(rows[0].seq)}, not after event ${seq - 1}.`,
    };
  }
  const after = claimedPrev === GENESIS_HASH ? 'the start of the chain' : 'an event not in the log';
  return {
    ok: false,
    seq,
    problem: 'broken-link',
    detail: `Event ${seq} does not follow event ${seq - 1}: it was chained after ${after}.`,
  };
}
