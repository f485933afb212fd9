import { checkProof, createAnomalyReviews, exportSubjectAccessReport, verifyAuditNow, type AnomalyRef, type AnomalyReview, type AnomalyReviewOutcome } from '../../workspace/ig/index.js';
import type { GatewayContext } from '../context.js';

/** Information governance's own work: anomaly sign-off, audit log verification, the subject access report as a PDF. */

const OUTCOMES: Readonly<Record<string, AnomalyReviewOutcome>> = { REVIEWED_NO_ACTION: 'reviewed-no-action', ACTION_TAKEN: 'action-taken' };
const shapeReview = (review: AnomalyReview) => ({ ...review, outcome: review.outcome === 'action-taken' ? 'ACTION_TAKEN' : 'REVIEWED_NO_ACTION' });

const reviews = (ctx: GatewayContext) => createAnomalyReviews(ctx.services);

interface ReviewArgs {
  input: { kind: string; actorId?: string | null; actorIssuer?: string | null; eventIds: string[]; outcome: string; note?: string | null };
}

export const igResolvers = {
  Query: {
    anomalyReviews: async (_: unknown, args: { from?: string | null; to?: string | null; first?: number | null }, ctx: GatewayContext) => (await reviews(ctx).list(ctx, args)).map(shapeReview),
    auditVerification: async (_: unknown, _args: unknown, ctx: GatewayContext) => verifyAuditNow(ctx.services, ctx),
  },
  Mutation: {
    reviewAnomaly: async (_: unknown, args: ReviewArgs, ctx: GatewayContext) =>
      shapeReview(
        await reviews(ctx).review(ctx, {
          ...args.input,
          actorId: args.input.actorId ?? null,
          actorIssuer: args.input.actorIssuer ?? null,
          outcome: OUTCOMES[args.input.outcome] ?? (args.input.outcome as AnomalyReviewOutcome),
        }),
      ),
    exportSubjectAccessReport: async (_: unknown, args: { kind: string; value: string }, ctx: GatewayContext) => exportSubjectAccessReport(ctx.services, ctx, args.kind, args.value),
  },
  AuditAnomaly: {
    // Part of the auditAnomalies answer (itself audited); one store query for all the anomalies of an answer.
    review: async (anomaly: AnomalyRef, _args: unknown, ctx: GatewayContext) => {
      const found = await batchedLatest(ctx, anomaly);
      return found === null ? null : shapeReview(found);
    },
  },
  AccessExplanation: {
    legalSources: (explanation: { sources: string[] }, _args: unknown, ctx: GatewayContext) =>
      explanation.sources.map((id) => ({ id, title: ctx.services.policy.document.sources[id] ?? null })),
  },
  AuditProof: {
    verification: async (proof: { proof: string }, _args: unknown, ctx: GatewayContext) => checkProof(proof.proof, ctx.services.auditSettings.publicKeys),
  },
};

/**
 * The anomalies of one answer are resolved together: the first `review` field asked for queues its
 * anomaly, and the lookup runs once the current tick's siblings have queued theirs.
 */
const pending = new WeakMap<object, { refs: AnomalyRef[]; result: Promise<(AnomalyReview | null)[]> }>();
function batchedLatest(ctx: GatewayContext, anomaly: AnomalyRef): Promise<AnomalyReview | null> {
  let batch = pending.get(ctx);
  if (batch === undefined) {
    const refs: AnomalyRef[] = [];
    const result = new Promise<(AnomalyReview | null)[]>((resolve, reject) => {
      setImmediate(() => {
        pending.delete(ctx);
        reviews(ctx).latestFor(refs).then(resolve, reject);
      });
    });
    batch = { refs, result };
    pending.set(ctx, batch);
  }
  const index = batch.refs.push(anomaly) - 1;
  return batch.result.then((all) => all[index] ?? null);
}
