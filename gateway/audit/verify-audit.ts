import type { JWK } from 'jose';
import { badInput } from '../errors.js';
import type { Queryable } from '../store/index.js';
import { trustedKeys, verifyCheckpointJws, type CheckpointPayload, type TrustedKeys } from './checkpoint-jws.js';
import { CHECKPOINT_COLUMNS, type CheckpointRow } from './checkpoint.js';
import { GENESIS_HASH, hashEvent } from './hash.js';
import { leafHash, MerkleFrontier } from './merkle.js';
import { AUDIT_ROW_COLUMNS, disagreeingColumn, linkProblem, type AuditRow, type ChainProblem } from './verify.js';

/**
 * `audit verify`: recompute the hash chain and the Merkle tree from the events, and check every
 * signed checkpoint against them. Reports the first problem in seq order:
 * - altered: an event (or a checkpoint row) does not match its hash (or signed payload); or the
 *   chain was rewritten and re-hashed, so it no longer reaches the head a checkpoint signed
 * - missing: an event, or a checkpoint another one names as its predecessor, is gone
 * - reordered: events were moved
 * - broken-link: an event was chained onto something that is not its predecessor
 * - truncated: a checkpoint signed events beyond the end of the log (they were removed)
 * - bad-signature: a checkpoint whose signature does not verify with a trusted key
 */

export type AuditProblem = ChainProblem | 'truncated' | 'bad-signature';

export interface VerifyAuditOptions {
  /**
   * Recompute event hashes from this seq on (default 1), trusting the stored hashes before it; those
   * still feed the Merkle tree, so every checkpoint is checked.
   */
  fromSeq?: number;
  /** The keys checkpoints may be signed with (ES256 public JWKs). Never read from the database. */
  publicKeys: readonly JWK[];
  /** Events read per query (default 1000). */
  pageSize?: number;
}

export interface CheckpointSummary {
  seq: number;
  at: string;
  keyId: string;
}

export type AuditVerification =
  | {
      ok: true;
      fromSeq: number;
      /** Events whose hashes were recomputed. */
      checked: number;
      headSeq: number;
      headHash: string;
      /** Checkpoints verified (signature, chain head and Merkle root). */
      checkpoints: number;
      lastCheckpoint: CheckpointSummary | null;
      /** Events after the last checkpoint: their removal from the end could not be detected yet. */
      unsigned: number;
    }
  | { ok: false; seq: number; problem: AuditProblem; detail: string; checkpointSeq?: number };

type Failure = Extract<AuditVerification, { ok: false }>;

const HASH_PAGE = 10_000;
const CHECKPOINT_PAGE = 1000;

export async function verifyAudit(store: Queryable, options: VerifyAuditOptions): Promise<AuditVerification> {
  const fromSeq = options.fromSeq ?? 1;
  if (!Number.isSafeInteger(fromSeq) || fromSeq < 1) {
    throw badInput('The seq to verify from must be a whole number of at least 1.', { fromSeq });
  }
  const pageSize = Math.max(1, Math.floor(options.pageSize ?? 1000));
  let keys: TrustedKeys;
  try {
    keys = await trustedKeys(options.publicKeys);
  } catch {
    throw badInput('An audit public key is not an ES256 (EC P-256) JWK.');
  }

  // The newest checkpoint first, then the head: checkpoints only move forward, so one signed while
  // this runs is beyond `newestCheckpoint` and cannot look like truncation.
  const { rows: newest } = await store.query<{ seq: number | string | null }>('SELECT max(seq) AS seq FROM audit_checkpoint');
  const newestCheckpoint = newest[0]?.seq == null ? 0 : Number(newest[0].seq);
  const { rows: headRows } = await store.query<{ seq: number | string }>('SELECT seq FROM audit_event ORDER BY seq DESC LIMIT 1');
  const lastSeq = headRows[0] === undefined ? 0 : Number(headRows[0].seq);

  if (fromSeq > lastSeq + 1) {
    return {
      ok: false,
      seq: fromSeq - 1,
      problem: 'missing',
      detail: `Event ${fromSeq - 1}, the anchor to verify from, is not in the log (its newest event is ${lastSeq}).`,
    };
  }

  // Checkpoints are read a page at a time alongside the events (there is one every few thousand).
  let page: CheckpointRow[] = [];
  let pageIndex = 0;
  let fetchedUpTo = 0;
  let previousRowSeq = 0;
  async function nextCheckpoint(): Promise<CheckpointRow | undefined> {
    if (pageIndex >= page.length && fetchedUpTo < newestCheckpoint) {
      ({ rows: page } = await store.query<CheckpointRow>(
        `SELECT ${CHECKPOINT_COLUMNS} FROM audit_checkpoint WHERE seq > $1 AND seq <= $2 ORDER BY seq LIMIT $3`,
        [fetchedUpTo, newestCheckpoint, CHECKPOINT_PAGE],
      ));
      pageIndex = 0;
      fetchedUpTo = page.length === 0 ? newestCheckpoint : Number(page[page.length - 1]!.seq);
    }
    return page[pageIndex];
  }
  let upcoming = await nextCheckpoint();

  const frontier = new MerkleFrontier();
  let lastGood: CheckpointSummary | null = null;
  let verifiedCheckpoints = 0;

  /** Check the checkpoint at `seq`, if any, against the chain hash there and the tree so far. */
  async function checkpointAt(seq: number, chainHash: string): Promise<Failure | undefined> {
    const row = upcoming;
    if (row === undefined || Number(row.seq) !== seq) return undefined;
    const signed = await checkCheckpoint(row, keys, previousRowSeq);
    previousRowSeq = seq;
    pageIndex += 1;
    upcoming = await nextCheckpoint();
    if (!signed.ok) return signed;
    const firstUnvouched = (lastGood?.seq ?? 0) + 1;
    if (signed.payload.hash !== chainHash || signed.payload.root !== frontier.root()) {
      const range = firstUnvouched === seq ? `Event ${seq} does` : `Events ${firstUnvouched} to ${seq} do`;
      return {
        ok: false,
        seq: firstUnvouched,
        problem: 'altered',
        checkpointSeq: seq,
        detail: `${range} not match the checkpoint signed at seq ${seq} (${signed.payload.at}): at least one was changed and the chain re-hashed after it.`,
      };
    }
    verifiedCheckpoints += 1;
    lastGood = { seq, at: signed.payload.at, keyId: signed.keyId };
    return undefined;
  }

  let prevHash = GENESIS_HASH;
  let expected = 1;

  // Before fromSeq: the stored hashes are trusted, and feed the tree.
  while (expected < fromSeq) {
    const { rows } = await store.query<{ seq: number | string; hash: string }>(
      'SELECT seq, hash FROM audit_event WHERE seq >= $1 AND seq < $2 ORDER BY seq LIMIT $3',
      [expected, fromSeq, HASH_PAGE],
    );
    if (rows.length === 0) break;
    for (const row of rows) {
      const seq = Number(row.seq);
      if (seq !== expected) return missingEvents(expected, seq);
      frontier.pushLeaf(leafHash(row.hash));
      prevHash = row.hash;
      const problem = await checkpointAt(seq, row.hash);
      if (problem !== undefined) return problem;
      expected += 1;
    }
  }
  if (expected < fromSeq) return missingEvents(expected, fromSeq);

  // From fromSeq: every hash recomputed from its event.
  let checked = 0;
  while (expected <= lastSeq) {
    const { rows } = await store.query<AuditRow>(
      `SELECT ${AUDIT_ROW_COLUMNS} FROM audit_event WHERE seq >= $1 AND seq <= $2 ORDER BY seq LIMIT $3`,
      [expected, lastSeq, pageSize],
    );
    if (rows.length === 0) break;
    for (const row of rows) {
      const seq = Number(row.seq);
      if (seq !== expected) return missingEvents(expected, seq);
      if (hashEvent(row.prev_hash, row.body) !== row.hash) {
        return { ok: false, seq, problem: 'altered', detail: `Event ${seq} does not match its hash: its content or prev hash was changed.` };
      }
      const column = disagreeingColumn(row);
      if (column !== undefined) {
        return { ok: false, seq, problem: 'altered', detail: `Event ${seq}: column ${column} disagrees with the hashed event.` };
      }
      if (row.prev_hash !== prevHash) {
        const link = await linkProblem(store, seq, row.prev_hash);
        if (!link.ok) return link;
      }
      frontier.pushLeaf(leafHash(row.hash));
      prevHash = row.hash;
      const problem = await checkpointAt(seq, row.hash);
      if (problem !== undefined) return problem;
      expected += 1;
      checked += 1;
    }
  }
  if (expected <= lastSeq) return missingEvents(expected, lastSeq + 1);

  // Checkpoints beyond the end of the log signed events that are no longer there.
  const beyond = upcoming;
  if (beyond !== undefined) {
    const signed = await checkCheckpoint(beyond, keys, previousRowSeq);
    if (!signed.ok) return signed;
    const seq = Number(beyond.seq);
    const removed = lastSeq + 1 === seq ? `event ${seq} was` : `events ${lastSeq + 1} to ${seq} were`;
    return {
      ok: false,
      seq: lastSeq + 1,
      problem: 'truncated',
      checkpointSeq: seq,
      detail: `The log ends at seq ${lastSeq}, but a checkpoint signed it up to seq ${seq} (${new Date(beyond.at).toISOString()}): ${removed} removed.`,
    };
  }

  const last = lastGood as CheckpointSummary | null;
  return {
    ok: true,
    fromSeq,
    checked,
    headSeq: lastSeq,
    headHash: prevHash,
    checkpoints: verifiedCheckpoints,
    lastCheckpoint: last,
    unsigned: lastSeq - (last?.seq ?? 0),
  };
}

function missingEvents(expected: number, found: number): Failure {
  const range = found - 1 === expected ? `Event ${expected} is` : `Events ${expected} to ${found - 1} are`;
  return { ok: false, seq: expected, problem: 'missing', detail: `${range} missing from the log.` };
}

/** A checkpoint row on its own: signed by a trusted key, its columns as signed, its predecessor present. */
async function checkCheckpoint(
  row: CheckpointRow,
  keys: TrustedKeys,
  previousRowSeq: number,
): Promise<Failure | { ok: true; payload: CheckpointPayload; keyId: string }> {
  const seq = Number(row.seq);
  const signed = await verifyCheckpointJws(row.jws, keys);
  if (!signed.ok) {
    return {
      ok: false,
      seq,
      problem: 'bad-signature',
      checkpointSeq: seq,
      detail: `The checkpoint at seq ${seq} is not validly signed: ${signed.reason}.`,
    };
  }
  const { payload } = signed;
  const column =
    payload.seq !== seq
      ? 'seq'
      : payload.prevSeq !== Number(row.prev_seq)
        ? 'prev_seq'
        : payload.hash !== row.hash
          ? 'hash'
          : payload.root !== row.root
            ? 'root'
            : Date.parse(payload.at) !== new Date(row.at).getTime()
              ? 'at'
              : signed.keyId !== row.key_id
                ? 'key_id'
                : undefined;
  if (column !== undefined) {
    return {
      ok: false,
      seq,
      problem: 'altered',
      checkpointSeq: seq,
      detail: `The checkpoint at seq ${seq} was altered: its ${column} column disagrees with what was signed.`,
    };
  }
  if (payload.prevSeq > previousRowSeq) {
    return {
      ok: false,
      seq: payload.prevSeq,
      problem: 'missing',
      checkpointSeq: payload.prevSeq,
      detail: `The checkpoint at seq ${payload.prevSeq} is missing: the one signed at seq ${seq} follows it.`,
    };
  }
  if (payload.prevSeq < previousRowSeq) {
    return {
      ok: false,
      seq: previousRowSeq,
      problem: 'altered',
      checkpointSeq: previousRowSeq,
      detail: `The checkpoint at seq ${previousRowSeq} was not part of the signed sequence: the one at seq ${seq} follows seq ${payload.prevSeq || 'the start'}.`,
    };
  }
  return signed;
}

/** One line for people: what was checked, or the first thing wrong. */
export function describeVerification(result: AuditVerification): string {
  if (!result.ok) return `Audit log NOT intact at seq ${result.seq} (${result.problem}): ${result.detail}`;
  if (result.headSeq === 0) return 'Audit log intact: it is empty.';
  const checked = result.fromSeq > 1 ? `events ${result.fromSeq} to ${result.headSeq} re-hashed (from a trusted seq ${result.fromSeq - 1})` : `${result.checked} events re-hashed`;
  const signed =
    result.lastCheckpoint === null
      ? 'no signed checkpoint yet'
      : `${result.checkpoints} signed checkpoint${result.checkpoints === 1 ? '' : 's'} verified, the newest at seq ${result.lastCheckpoint.seq} (${result.lastCheckpoint.at})`;
  const tail = result.unsigned === 0 ? 'every event is covered by a signature' : `${result.unsigned} newer event${result.unsigned === 1 ? '' : 's'} await the next checkpoint`;
  return `Audit log intact: seq 1 to ${result.headSeq}, ${checked}; ${signed}; ${tail}.`;
}
