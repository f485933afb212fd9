import { randomUUID } from 'node:crypto';
import type { ActorRef } from '../../enquiries/index.js';
import type { Queryable, Store } from '../../store/index.js';

/**
 * What the daily meeting decided for each incident (migration 019, append-only): a later outcome
 * is a new row, the latest is the current one and the earlier ones are its history.
 */
export const INCIDENT_OUTCOMES = ['marac-referral', 'mash-enquiry', 'encompass-only', 'no-further-action'] as const;
export type IncidentOutcomeKind = (typeof INCIDENT_OUTCOMES)[number];

export interface IncidentOutcome {
  id: string;
  incidentId: string;
  outcome: IncidentOutcomeKind;
  reason: string;
  enquiryId: string | null;
  recordedAt: string;
  recordedBy: ActorRef & { name: string | null };
}

export interface NewIncidentOutcome {
  incidentId: string;
  outcome: IncidentOutcomeKind;
  reason: string;
  enquiryId?: string | undefined;
  by: ActorRef & { name: string };
  now: Date;
}

type Row = Record<string, unknown>;
const iso = (value: unknown): string => (value instanceof Date ? value : new Date(String(value))).toISOString();

const fromRow = (row: Row): IncidentOutcome => ({
  id: String(row.id),
  incidentId: String(row.incident_id),
  outcome: String(row.outcome) as IncidentOutcomeKind,
  reason: String(row.reason),
  enquiryId: row.enquiry_id == null ? null : String(row.enquiry_id),
  recordedAt: iso(row.recorded_at),
  recordedBy: { issuer: String(row.recorded_by_issuer), id: String(row.recorded_by), name: row.recorded_by_name == null ? null : String(row.recorded_by_name) },
});

export function createOutcomeRepository(store: Store) {
  return {
    /** Appends an outcome (in `tx` when given: openEnquiryFromIncident writes it with the enquiry). */
    async record(input: NewIncidentOutcome, tx: Queryable = store): Promise<IncidentOutcome> {
      const { rows } = await tx.query<Row>(
        `INSERT INTO incident_outcome (id, incident_id, outcome, reason, enquiry_id, recorded_at, recorded_by, recorded_by_issuer, recorded_by_name)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING *`,
        [randomUUID(), input.incidentId, input.outcome, input.reason, input.enquiryId ?? null, input.now.toISOString(), input.by.id, input.by.issuer, input.by.name],
      );
      return fromRow(rows[0]!);
    },

    /** The current outcome of each incident that has one. */
    async current(incidentIds: readonly string[]): Promise<Map<string, IncidentOutcome>> {
      if (incidentIds.length === 0) return new Map();
      const { rows } = await store.query<Row>(
        `SELECT DISTINCT ON (incident_id) * FROM incident_outcome WHERE incident_id = ANY($1::uuid[]) ORDER BY incident_id, recorded_at DESC, seq DESC`,
        [[...incidentIds]],
      );
      return new Map(rows.map((row) => [String(row.incident_id), fromRow(row)]));
    },

    /** Every outcome of an incident, oldest first (the last is the current one). */
    async history(incidentId: string): Promise<IncidentOutcome[]> {
      const { rows } = await store.query<Row>('SELECT * FROM incident_outcome WHERE incident_id = $1 ORDER BY recorded_at, seq', [incidentId]);
      return rows.map(fromRow);
    },

    /**
     * The meeting's incidents: domestic-abuse incidents with a child involved that happened before
     * the meeting and have no outcome, or whose current outcome was recorded in [dayFrom, dayTo).
     * Oldest first; at most `limit`.
     */
    async meetingIncidentIds(before: Date, dayFrom: Date, dayTo: Date, limit: number): Promise<string[]> {
      const { rows } = await store.query<Row>(
        `SELECT i.id FROM incident i
           LEFT JOIN LATERAL (SELECT o.recorded_at FROM incident_outcome o WHERE o.incident_id = i.id ORDER BY o.recorded_at DESC, o.seq DESC LIMIT 1) cur ON TRUE
          WHERE i.kind = 'domestic-abuse' AND i.occurred_at < $1
            AND EXISTS (SELECT 1 FROM incident_person p WHERE p.incident_id = i.id AND p.role IN ('child-present', 'child-in-household'))
            AND (cur.recorded_at IS NULL OR (cur.recorded_at >= $2 AND cur.recorded_at < $3))
          ORDER BY i.occurred_at, i.seq
          LIMIT $4`,
        [before.toISOString(), dayFrom.toISOString(), dayTo.toISOString(), limit],
      );
      return rows.map((row) => String(row.id));
    },
  };
}

export type OutcomeRepository = ReturnType<typeof createOutcomeRepository>;
