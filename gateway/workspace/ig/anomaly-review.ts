import { createHash, randomUUID } from 'node:crypto';
import type { Actor } from '../../auth/index.js';
import type { AnomalyKind } from '../../audit/oversight.js';
import type { AccessServices, RequestScope } from '../../disclosure/index.js';
import { audited } from '../../disclosure/index.js';
import { badInput, GatewayError } from '../../errors.js';
import type { Queryable } from '../../store/index.js';

/**
 * Information governance signs anomalies off: an anomaly from auditAnomalies (recomputed from the
 * log on every call) is named by its kind, its actor and its events, and a review records who
 * looked at it, when, what they concluded and their note. Reviews are kept as history; the newest
 * review of an anomaly is its current one. Only IG officers review; each review (and each refused
 * attempt) is an audit event naming the review, never its note.
 */

export const ANOMALY_KINDS: readonly AnomalyKind[] = ['break-glass', 'out-of-hours', 'many-subjects', 'after-closure', 'refusal-burst', 'shared-surname', 'manager-join'];
export type AnomalyReviewOutcome = 'reviewed-no-action' | 'action-taken';
export const MAX_NOTE = 2000;
export const MAX_EVENTS = 1000;
export const MAX_REVIEWS_PAGE = 500;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface AnomalyRef {
  kind: string;
  actorId: string | null;
  actorIssuer: string | null;
  eventIds: readonly string[];
}

export interface AnomalyReview {
  id: string;
  kind: string;
  actorId: string | null;
  actorIssuer: string | null;
  eventIds: string[];
  outcome: AnomalyReviewOutcome;
  note: string | null;
  reviewedAt: string;
  reviewedBy: string;
  reviewedByIssuer: string;
  reviewedByName: string | null;
}

export interface ReviewAnomalyInput extends AnomalyRef {
  outcome: AnomalyReviewOutcome;
  note?: string | null;
}

/** What makes two anomalies the same one: kind, actor and the set of events. */
export function anomalyKey(anomaly: AnomalyRef): string {
  const events = [...new Set(anomaly.eventIds.map((id) => id.toLowerCase()))].sort();
  return createHash('sha256')
    .update(JSON.stringify([anomaly.kind, anomaly.actorIssuer ?? null, anomaly.actorId ?? null, events]))
    .digest('hex');
}

interface ReviewRow {
  id: string;
  kind: string;
  actor_issuer: string | null;
  actor_subject: string | null;
  event_ids: string[];
  outcome: AnomalyReviewOutcome;
  note: string | null;
  reviewed_at: Date | string;
  reviewer_issuer: string;
  reviewer_subject: string;
  reviewer_name: string | null;
}

const REVIEW_COLUMNS = 'id, kind, actor_issuer, actor_subject, event_ids, outcome, note, reviewed_at, reviewer_issuer, reviewer_subject, reviewer_name';

const toReview = (row: ReviewRow): AnomalyReview => ({
  id: row.id,
  kind: row.kind,
  actorId: row.actor_subject,
  actorIssuer: row.actor_issuer,
  eventIds: row.event_ids,
  outcome: row.outcome,
  note: row.note,
  reviewedAt: new Date(row.reviewed_at).toISOString(),
  reviewedBy: row.reviewer_subject,
  reviewedByIssuer: row.reviewer_issuer,
  reviewedByName: row.reviewer_name,
});

function requireIg(actor: Actor, what: string): void {
  if (!actor.roles.includes('ig-officer')) throw new GatewayError('FORBIDDEN', `${what} is for ig-officer.`);
}

/** The input checked: a known kind, an actor as a pair or not at all, 1 to 1000 event ids, a note where needed. */
export function checkReviewInput(input: ReviewAnomalyInput): ReviewAnomalyInput & { eventIds: string[]; note: string | null } {
  if (!ANOMALY_KINDS.includes(input.kind as AnomalyKind)) throw badInput(`kind must be one of ${ANOMALY_KINDS.join(', ')} (got "${String(input.kind).slice(0, 40)}").`, { field: 'kind' });
  const actorId = input.actorId ?? null;
  const actorIssuer = input.actorIssuer ?? null;
  if ((actorId === null) !== (actorIssuer === null)) throw badInput('Give both actorId and actorIssuer (an actor is an issuer and a subject), or neither.', { field: actorId === null ? 'actorId' : 'actorIssuer' });
  if (!Array.isArray(input.eventIds) || input.eventIds.length === 0 || input.eventIds.length > MAX_EVENTS) throw badInput(`eventIds must list 1 to ${MAX_EVENTS} audit event ids.`, { field: 'eventIds' });
  const bad = input.eventIds.find((id) => typeof id !== 'string' || !UUID.test(id));
  if (bad !== undefined) throw badInput(`"${String(bad).slice(0, 60)}" is not an audit event id (a UUID).`, { field: 'eventIds' });
  if (input.outcome !== 'reviewed-no-action' && input.outcome !== 'action-taken') throw badInput('outcome must be REVIEWED_NO_ACTION or ACTION_TAKEN.', { field: 'outcome' });
  const note = typeof input.note === 'string' && input.note.trim() !== '' ? input.note.trim() : null;
  if (note !== null && note.length > MAX_NOTE) throw badInput(`note must be at most ${MAX_NOTE} characters (it has ${note.length}).`, { field: 'note' });
  if (input.outcome === 'action-taken' && note === null) throw badInput('Say in the note what action was taken.', { field: 'note' });
  return { ...input, actorId, actorIssuer, eventIds: [...new Set(input.eventIds.map((id) => id.toLowerCase()))], note };
}

/** Every event must be in the log and, for an anomaly with an actor, be that actor's (issuer and subject). */
async function checkEvents(store: Queryable, input: { actorId: string | null; actorIssuer: string | null; eventIds: string[] }): Promise<void> {
  const { rows } = await store.query<{ id: string; issuer: string | null; subject: string | null }>(
    `SELECT id, body->'actor'->>'issuer' AS issuer, body->'actor'->>'id' AS subject FROM audit_event WHERE id = ANY($1::uuid[])`,
    [input.eventIds],
  );
  const found = new Map(rows.map((row) => [String(row.id).toLowerCase(), row]));
  const missing = input.eventIds.find((id) => !found.has(id));
  if (missing !== undefined) throw badInput(`No audit event has id ${missing}: name the anomaly's events as auditAnomalies gave them.`, { field: 'eventIds' });
  if (input.actorId === null) return;
  const other = input.eventIds.find((id) => {
    const row = found.get(id)!;
    return row.subject !== input.actorId || (row.issuer ?? null) !== input.actorIssuer;
  });
  if (other !== undefined) throw badInput(`Audit event ${other} is not an event of actor ${input.actorId} (${input.actorIssuer}): name the anomaly as auditAnomalies gave it.`, { field: 'eventIds' });
}

export type AnomalyReviewServices = Pick<AccessServices, 'store' | 'audit' | 'logger' | 'policy' | 'now'>;

export function createAnomalyReviews(services: AnomalyReviewServices) {
  const { store } = services;
  return {
    /** Records an IG officer's review of one anomaly (audited; refusals too). */
    async review(scope: Pick<RequestScope, 'requestId' | 'actor'>, raw: ReviewAnomalyInput): Promise<AnomalyReview> {
      const attempt = { reason: `review of a ${String(raw.kind).slice(0, 40)} anomaly` };
      const { value } = await audited(services, scope, 'reviewAnomaly', attempt, async () => {
        requireIg(scope.actor, 'Reviewing an anomaly');
        const input = checkReviewInput(raw);
        await checkEvents(store, input);
        const review: AnomalyReview = {
          id: randomUUID(),
          kind: input.kind,
          actorId: input.actorId,
          actorIssuer: input.actorIssuer,
          eventIds: input.eventIds,
          outcome: input.outcome,
          note: input.note,
          reviewedAt: services.now().toISOString(),
          reviewedBy: scope.actor.id,
          reviewedByIssuer: scope.actor.issuer,
          reviewedByName: scope.actor.name ?? null,
        };
        await store.query(
          `INSERT INTO anomaly_review (id, anomaly_key, kind, actor_issuer, actor_subject, event_ids, outcome, note, reviewed_at, reviewer_issuer, reviewer_subject, reviewer_name)
           VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7, $8, $9, $10, $11, $12)`,
          [review.id, anomalyKey(review), review.kind, review.actorIssuer, review.actorId, JSON.stringify(review.eventIds), review.outcome, review.note, review.reviewedAt, review.reviewedByIssuer, review.reviewedBy, review.reviewedByName],
        );
        const actor = review.actorId === null ? 'no actor' : `actor ${review.actorId} (${review.actorIssuer})`;
        return {
          value: review,
          event: { outcome: 'success', reason: `Anomaly review ${review.id}: ${review.kind}, ${actor}, events ${review.eventIds.join(' ')}; ${review.outcome}.` },
        };
      });
      return value;
    },

    /** Reviews recorded in a time window, newest first (audited; refusals too). */
    async list(scope: Pick<RequestScope, 'requestId' | 'actor'>, window: { from?: string | null; to?: string | null; first?: number | null }): Promise<AnomalyReview[]> {
      const { value } = await audited(services, scope, 'anomalyReviews', {}, async () => {
        requireIg(scope.actor, 'Anomaly reviews');
        const first = window.first ?? 100;
        if (!Number.isInteger(first) || first < 1 || first > MAX_REVIEWS_PAGE) throw badInput(`first must be a whole number from 1 to ${MAX_REVIEWS_PAGE}.`, { field: 'first' });
        const where: string[] = [];
        const params: unknown[] = [];
        for (const [field, op] of [['from', '>='], ['to', '<']] as const) {
          const at = window[field];
          if (at === undefined || at === null) continue;
          if (Number.isNaN(Date.parse(at))) throw badInput(`${field} is not a date-time (e.g. 2026-11-26T17:00:00Z).`, { field });
          params.push(new Date(at).toISOString());
          where.push(`reviewed_at ${op} $${params.length}`);
        }
        params.push(first);
        const { rows } = await store.query<ReviewRow>(
          `SELECT ${REVIEW_COLUMNS} FROM anomaly_review ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY seq DESC LIMIT $${params.length}`,
          params,
        );
        const reviews = rows.map(toReview);
        return { value: reviews, event: { outcome: 'success', reason: `${reviews.length} anomaly reviews${window.from ? ` from ${window.from}` : ''}${window.to ? ` to ${window.to}` : ''}` } };
      });
      return value;
    },

    /**
     * The newest review of each anomaly given (null where none): part of an auditAnomalies answer,
     * which is itself audited. One query however many anomalies.
     */
    async latestFor(anomalies: readonly AnomalyRef[]): Promise<(AnomalyReview | null)[]> {
      if (anomalies.length === 0) return [];
      const keys = anomalies.map(anomalyKey);
      const { rows } = await store.query<ReviewRow & { anomaly_key: string }>(
        `SELECT DISTINCT ON (anomaly_key) anomaly_key, ${REVIEW_COLUMNS} FROM anomaly_review WHERE anomaly_key = ANY($1::text[]) ORDER BY anomaly_key, seq DESC`,
        [[...new Set(keys)]],
      );
      const byKey = new Map(rows.map((row) => [row.anomaly_key, toReview(row)]));
      return keys.map((key) => byKey.get(key) ?? null);
    },
  };
}

export type AnomalyReviews = ReturnType<typeof createAnomalyReviews>;
