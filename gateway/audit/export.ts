import { badInput } from '../errors.js';
import type { Queryable } from '../store/index.js';
import { toFhirAuditEvent } from './fhir.js';
import type { AccessEvent } from './types.js';

export const EXPORT_FORMATS = ['jsonl', 'fhir'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export interface ExportOptions {
  format: ExportFormat;
  /** Events recorded at or after this instant. */
  from?: Date;
  /** Events recorded at or before this instant. */
  to?: Date;
  /** Events read per query (default 1000). */
  pageSize?: number;
}

/** One line of a `jsonl` export: the event exactly as hashed, so hashEvent(prevHash, event) === hash. */
export interface ExportedEvent {
  seq: number;
  prevHash: string;
  hash: string;
  event: AccessEvent;
}

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;
const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * Read `--from` / `--to` as given on a command line or in a query: an ISO 8601 date (UTC; as `to`
 * it means the end of that day) or a date-time with a zone (Z or ±hh:mm).
 */
export function parseInstant(text: string, bound: 'from' | 'to'): Date {
  const trimmed = text.trim();
  const ms = DATE_ONLY.test(trimmed) || DATE_TIME.test(trimmed) ? Date.parse(trimmed) : Number.NaN;
  if (Number.isNaN(ms) || !isCalendarDate(trimmed.slice(0, 10))) {
    throw badInput(
      `--${bound} "${trimmed.slice(0, 40)}" is not an ISO 8601 date or date-time with a zone, like 2024-05-01 or 2024-05-01T09:30:00Z.`,
      { field: bound },
    );
  }
  return new Date(DATE_ONLY.test(trimmed) && bound === 'to' ? ms + DAY_MS - 1 : ms);
}

// Date.parse rolls 2024-02-31 over into March; a date that does not exist is a typo.
function isCalendarDate(date: string): boolean {
  const [year, month, day] = date.split('-').map(Number) as [number, number, number];
  const parsed = new Date(Date.UTC(year, month - 1, day));
  return parsed.getUTCFullYear() === year && parsed.getUTCMonth() === month - 1 && parsed.getUTCDate() === day;
}

/** Validate what an export was asked for; throws BAD_INPUT naming the first problem. */
export function exportOptions(input: { format?: string; from?: string; to?: string }): ExportOptions {
  const format = input.format ?? 'jsonl';
  if (!(EXPORT_FORMATS as readonly string[]).includes(format)) {
    throw badInput(`--format "${format.slice(0, 20)}" is not known; use jsonl or fhir.`, { field: 'format' });
  }
  const from = input.from === undefined ? undefined : parseInstant(input.from, 'from');
  const to = input.to === undefined ? undefined : parseInstant(input.to, 'to');
  if (from !== undefined && to !== undefined && from.getTime() > to.getTime()) {
    throw badInput(`The range is the wrong way round: --from ${from.toISOString()} is after --to ${to.toISOString()}.`, {
      field: 'from',
    });
  }
  return { format: format as ExportFormat, ...(from === undefined ? {} : { from }), ...(to === undefined ? {} : { to }) };
}

/**
 * The log in seq order as lines of JSON (no newline): ExportedEvent for `jsonl`, a FHIR R4
 * AuditEvent (IHE BALP) for `fhir`. Streams page by page, so memory stays flat.
 */
export async function* exportEvents(store: Queryable, options: ExportOptions): AsyncGenerator<string> {
  if (options.from !== undefined && options.to !== undefined && options.from.getTime() > options.to.getTime()) {
    throw badInput('The range is the wrong way round: from is after to.', { field: 'from' });
  }
  const pageSize = Math.max(1, Math.min(10_000, Math.floor(options.pageSize ?? 1000)));
  const from = options.from?.toISOString() ?? null;
  const to = options.to?.toISOString() ?? null;
  let afterSeq = 0;
  for (;;) {
    const { rows } = await store.query<{ seq: number | string; prev_hash: string; hash: string; body: AccessEvent }>(
      `SELECT seq, prev_hash, hash, body FROM audit_event
        WHERE seq > $1 AND ($2::timestamptz IS NULL OR at >= $2::timestamptz) AND ($3::timestamptz IS NULL OR at <= $3::timestamptz)
        ORDER BY seq LIMIT $4`,
      [afterSeq, from, to, pageSize],
    );
    for (const row of rows) {
      const seq = Number(row.seq);
      if (options.format === 'fhir') {
        yield JSON.stringify(toFhirAuditEvent({ ...row.body, seq, hash: row.hash }));
      } else {
        const line: ExportedEvent = { seq, prevHash: row.prev_hash, hash: row.hash, event: row.body };
        yield JSON.stringify(line);
      }
      afterSeq = seq;
    }
    if (rows.length < pageSize) return;
  }
}
