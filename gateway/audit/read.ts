import { badInput } from '../errors.js';
import type { Queryable } from '../store/index.js';
import type { AccessEvent, RecordedEvent } from './types.js';

export const MAX_READ_LIMIT = 10_000;

/** Events in chain order after `afterSeq` (default 0: from the start), at most `limit` of them. */
export async function readEvents(
  store: Queryable,
  options: { afterSeq?: number; limit: number },
): Promise<RecordedEvent[]> {
  const afterSeq = options.afterSeq ?? 0;
  if (!Number.isSafeInteger(afterSeq) || afterSeq < 0) {
    throw badInput('afterSeq must be a whole number of at least 0.', { afterSeq });
  }
  if (!Number.isSafeInteger(options.limit) || options.limit < 1 || options.limit > MAX_READ_LIMIT) {
    throw badInput(`limit must be a whole number from 1 to ${MAX_READ_LIMIT}.`, { limit: options.limit });
  }
  const { rows } = await store.query<{ seq: number | string; hash: string; body: AccessEvent }>(
    'SELECT seq, hash, body FROM audit_event WHERE seq > $1 ORDER BY seq LIMIT $2',
    [afterSeq, options.limit],
  );
  return rows.map((row) => ({ ...row.body, seq: Number(row.seq), hash: row.hash }));
}
