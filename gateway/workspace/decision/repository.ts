import { randomUUID } from 'node:crypto';
import type { ActorRef } from '../../enquiries/index.js';
import { GatewayError } from '../../errors.js';
import type { Store } from '../../store/index.js';
import type { DecisionOutcome } from './vocabulary.js';

/** Persistence of MASH decisions. No decisions about access here: see service.ts. */

export interface NextStep {
  action: string;
  /** Who does it: a named person, a team, an agency (at least one). */
  owner: { name: string | null; team: string | null; agency: string | null };
  /** YYYY-MM-DD. */
  due: string;
}

export type DecisionStatus = 'recorded' | 'signed-off' | 'returned';

export interface MashDecision {
  id: string;
  enquiryId: string;
  /** 1, 2, ... within the enquiry: the highest is the current decision. */
  seq: number;
  level: string;
  levelLabel: string;
  outcome: DecisionOutcome;
  rationale: string;
  nextSteps: NextStep[];
  recordedAt: string;
  recordedBy: ActorRef & { name: string | null };
  status: DecisionStatus;
  /** When and by whom it was signed off or returned. */
  decidedAt: string | null;
  decidedBy: (ActorRef & { name: string | null }) | null;
  /** The sign-off comment, or why it was returned. */
  decisionNote: string | null;
  /** The decision recorded after this one, if any (this one is then history). */
  supersededBy: string | null;
}

export interface NewDecision {
  level: string;
  levelLabel: string;
  outcome: DecisionOutcome;
  rationale: string;
  nextSteps: NextStep[];
}

type Row = Record<string, unknown>;
const iso = (value: unknown): string => (value instanceof Date ? value : new Date(String(value))).toISOString();
const textOrNull = (value: unknown): string | null => (value === null || value === undefined ? null : String(value));

function fromRow(row: Row, next: Row | undefined): MashDecision {
  const steps = typeof row.next_steps === 'string' ? (JSON.parse(row.next_steps) as NextStep[]) : (row.next_steps as NextStep[]);
  return {
    id: String(row.id),
    enquiryId: String(row.enquiry_id),
    seq: Number(row.seq),
    level: String(row.level),
    levelLabel: String(row.level_label),
    outcome: String(row.outcome) as DecisionOutcome,
    rationale: String(row.rationale),
    nextSteps: steps,
    recordedAt: iso(row.recorded_at),
    recordedBy: { issuer: String(row.recorded_by_issuer), id: String(row.recorded_by), name: textOrNull(row.recorded_by_name) },
    status: String(row.status) as DecisionStatus,
    decidedAt: row.decided_at === null || row.decided_at === undefined ? null : iso(row.decided_at),
    decidedBy: row.decided_by === null || row.decided_by === undefined ? null : { issuer: String(row.decided_by_issuer), id: String(row.decided_by), name: textOrNull(row.decided_by_name) },
    decisionNote: textOrNull(row.decision_note),
    supersededBy: next ? String(next.id) : null,
  };
}

const isUniqueViolation = (error: unknown): boolean => typeof error === 'object' && error !== null && (error as { code?: unknown }).code === '23505';

export function createDecisionRepository(store: Store) {
  return {
    /** Every decision of the enquiry, oldest first (the last is the current one). */
    async list(enquiryId: string): Promise<MashDecision[]> {
      const { rows } = await store.query<Row>('SELECT * FROM mash_decision WHERE enquiry_id = $1 ORDER BY seq', [enquiryId]);
      return rows.map((row, index) => fromRow(row, rows[index + 1]));
    },

    /**
     * Records a new decision as the enquiry's current one (the one before, if any, becomes
     * history), unless the enquiry is closed: checked in the same statement. Null when closed.
     */
    async insert(enquiryId: string, decision: NewDecision, by: ActorRef & { name: string | null }, now: Date): Promise<MashDecision | null> {
      const id = randomUUID();
      try {
        const { rows } = await store.query<Row>(
          `INSERT INTO mash_decision (id, enquiry_id, seq, level, level_label, outcome, rationale, next_steps, recorded_at, recorded_by, recorded_by_issuer, recorded_by_name)
           SELECT $1, $2, coalesce((SELECT max(seq) FROM mash_decision WHERE enquiry_id = $2), 0) + 1, $3, $4, $5, $6, $7::jsonb, $8, $9, $10, $11
           WHERE EXISTS (SELECT 1 FROM enquiry WHERE id = $2 AND closed_at IS NULL)
           RETURNING id`,
          [id, enquiryId, decision.level, decision.levelLabel, decision.outcome, decision.rationale, JSON.stringify(decision.nextSteps), now.toISOString(), by.id, by.issuer, by.name],
        );
        if (rows.length === 0) return null;
      } catch (error) {
        // Two decisions recorded at the same moment: one is current, the other is told to look again.
        if (isUniqueViolation(error)) throw new GatewayError('CONFLICT', `Another decision was recorded for enquiry ${enquiryId} at the same time; read the decisions and record again if needed.`);
        throw error;
      }
      return (await this.list(enquiryId)).find((d) => d.id === id)!;
    },

    /**
     * Signs off or returns a decision: only the current one, only while it awaits sign-off, and
     * only while the enquiry is open, all checked in the one statement. False when any fails.
     */
    async decide(enquiryId: string, decisionId: string, status: 'signed-off' | 'returned', by: ActorRef & { name: string | null }, note: string | null, now: Date): Promise<boolean> {
      const { rows } = await store.query<Row>(
        `UPDATE mash_decision d SET status = $3, decided_at = $4, decided_by = $5, decided_by_issuer = $6, decided_by_name = $7, decision_note = $8
         WHERE d.id = $1 AND d.enquiry_id = $2 AND d.status = 'recorded'
           AND NOT EXISTS (SELECT 1 FROM mash_decision n WHERE n.enquiry_id = d.enquiry_id AND n.seq > d.seq)
           AND EXISTS (SELECT 1 FROM enquiry e WHERE e.id = d.enquiry_id AND e.closed_at IS NULL)
         RETURNING d.id`,
        [decisionId, enquiryId, status, now.toISOString(), by.id, by.issuer, by.name, note],
      );
      return rows.length === 1;
    },
  };
}

export type DecisionRepository = ReturnType<typeof createDecisionRepository>;
