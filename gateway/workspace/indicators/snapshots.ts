import type { ActorRef } from '../../enquiries/index.js';
import type { Store } from '../../store/index.js';
import type { IndicatorResult } from './compute.js';

/** The last indicators computed for an enquiry: ids and counts only, never record detail. */
export interface IndicatorSnapshot {
  readonly enquiryId: string;
  readonly subjectId: string;
  readonly definitions: { readonly id: string; readonly version: string };
  readonly indicators: readonly { readonly id: string; readonly count: number }[];
  readonly computedAt: string;
  readonly auditEventId: string;
}

export interface IndicatorSnapshotRepository {
  /** Replaces the enquiry's snapshot (written after the access event that disclosed the records committed). */
  save(enquiryId: string, subjectId: string, result: IndicatorResult, by: { auditEventId: string; actor: ActorRef }, now: Date): Promise<IndicatorSnapshot>;
  /** The snapshots of these enquiries (those never computed are absent). */
  latest(enquiryIds: readonly string[]): Promise<Map<string, IndicatorSnapshot>>;
}

interface Row {
  enquiry_id: string;
  subject_id: string;
  definitions_id: string;
  definitions_version: string;
  indicators: unknown;
  computed_at: Date | string;
  audit_event_id: string;
}

const asIndicators = (value: unknown): { id: string; count: number }[] => {
  const parsed = typeof value === 'string' ? (JSON.parse(value) as unknown) : value;
  return Array.isArray(parsed) ? parsed.map((i: { id: unknown; count: unknown }) => ({ id: String(i.id), count: Number(i.count) })) : [];
};

const toSnapshot = (row: Row): IndicatorSnapshot => ({
  enquiryId: row.enquiry_id,
  subjectId: row.subject_id,
  definitions: { id: row.definitions_id, version: row.definitions_version },
  indicators: asIndicators(row.indicators),
  computedAt: new Date(row.computed_at).toISOString(),
  auditEventId: String(row.audit_event_id),
});

export function createIndicatorSnapshotRepository(store: Store): IndicatorSnapshotRepository {
  return {
    async save(enquiryId, subjectId, result, by, now) {
      const indicators = result.fired.map((f) => ({ id: f.id, count: f.count }));
      const { rows } = await store.query<Row>(
        `INSERT INTO enquiry_indicator_snapshot (enquiry_id, subject_id, definitions_id, definitions_version, indicators, computed_at, audit_event_id, computed_by, computed_by_issuer)
         VALUES ($1, $2, $3, $4, $5::jsonb, $6, $7::uuid, $8, $9)
         ON CONFLICT (enquiry_id) DO UPDATE SET subject_id = EXCLUDED.subject_id, definitions_id = EXCLUDED.definitions_id,
           definitions_version = EXCLUDED.definitions_version, indicators = EXCLUDED.indicators, computed_at = EXCLUDED.computed_at,
           audit_event_id = EXCLUDED.audit_event_id, computed_by = EXCLUDED.computed_by, computed_by_issuer = EXCLUDED.computed_by_issuer
         RETURNING enquiry_id, subject_id, definitions_id, definitions_version, indicators, computed_at, audit_event_id`,
        [enquiryId, subjectId, result.definitions.id, result.definitions.version, JSON.stringify(indicators), now.toISOString(), by.auditEventId, by.actor.id, by.actor.issuer],
      );
      return toSnapshot(rows[0]!);
    },
    async latest(enquiryIds) {
      if (enquiryIds.length === 0) return new Map();
      const { rows } = await store.query<Row>(
        `SELECT enquiry_id, subject_id, definitions_id, definitions_version, indicators, computed_at, audit_event_id
         FROM enquiry_indicator_snapshot WHERE enquiry_id = ANY($1::text[])`,
        [[...enquiryIds]],
      );
      return new Map(rows.map((row) => [row.enquiry_id, toSnapshot(row)]));
    },
  };
}
