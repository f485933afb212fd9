import { audited } from '../../disclosure/index.js';
import { createBreakGlassReviews, type BreakGlassEnquiry, type BreakGlassOutcome, type BreakGlassStatus } from '../../workspace/break-glass/index.js';
import type { GatewayContext } from '../context.js';

/**
 * Break-glass review: the resolvers for schema.graphql's section. Every call is audited, refusals
 * too; the justification and the reviewer's note never go into an audit reason.
 */

const OUTCOME_NAMES = { justified: 'JUSTIFIED', 'not-justified': 'NOT_JUSTIFIED' } as const;
const OUTCOME_VALUES: Record<string, BreakGlassOutcome> = { JUSTIFIED: 'justified', NOT_JUSTIFIED: 'not-justified' };
const STATUS_VALUES: Record<string, BreakGlassStatus> = { AWAITING_REVIEW: 'awaiting', REVIEWED: 'reviewed' };

/** Unchecked input named in a refused attempt's event: bounded. */
const named = (value: string | null | undefined, max = 200) => String(value ?? '').slice(0, max);

const shape = (e: BreakGlassEnquiry) => ({
  ...e,
  status: e.review === null ? 'AWAITING_REVIEW' : 'REVIEWED',
  review: e.review === null ? null : { ...e.review, outcome: OUTCOME_NAMES[e.review.outcome] },
});

const reviewsOf = (ctx: GatewayContext) => createBreakGlassReviews(ctx.services.store);

export const breakGlassResolvers = {
  Query: {
    breakGlassReviews: async (_: unknown, args: { status?: string | null }, ctx: GatewayContext) => {
      const status = args.status ? (STATUS_VALUES[args.status] ?? null) : null;
      const attempt = { reason: `break-glass enquiries${status ? ` (${status})` : ''}` };
      const { value } = await audited(ctx.services, ctx, 'breakGlassReviews', attempt, async () => {
        const list = await reviewsOf(ctx).list(ctx.actor, status);
        const awaiting = list.filter((e) => e.review === null).length;
        return { value: list, event: { outcome: 'success' as const, reason: `${list.length} break-glass ${list.length === 1 ? 'enquiry' : 'enquiries'} listed, ${awaiting} awaiting review` } };
      });
      return value.map(shape);
    },
  },
  Mutation: {
    reviewBreakGlass: async (_: unknown, args: { enquiryId: string; outcome: string; note?: string | null }, ctx: GatewayContext) => {
      const outcome = OUTCOME_VALUES[args.outcome] ?? (args.outcome as BreakGlassOutcome);
      const attempt = { enquiry: { id: named(args.enquiryId) }, reason: `break-glass review: ${named(outcome, 20)}` };
      const { value } = await audited(ctx.services, ctx, 'reviewBreakGlass', attempt, async () => {
        const reviewed = await reviewsOf(ctx).review(ctx.actor, args.enquiryId, { outcome, note: args.note ?? null }, ctx.services.now());
        return {
          value: reviewed,
          event: { outcome: 'success' as const, enquiry: { id: reviewed.enquiryId, purpose: reviewed.purpose }, reason: `break-glass review recorded: ${reviewed.review!.outcome}${reviewed.review!.note ? ', with a note' : ''}` },
        };
      });
      return shape(value);
    },
  },
};
