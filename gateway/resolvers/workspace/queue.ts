import { auditEnquiry, audited } from '../../disclosure/index.js';
import { enquiryStatus, isOverdue, type Enquiry, type Rag } from '../../enquiries/index.js';
import { GatewayError } from '../../errors.js';
import { CONCERN_CATEGORIES, concernCategory, type Assignment, type DeadlineChange, type QueueService, type ReferralRecord, type RemovedMember } from '../../workspace/queue/index.js';
import type { GatewayContext } from '../context.js';

/**
 * Referral intake and the triage queue: the researcher's workspace resolvers for this area
 * (fields in schema.graphql's section). Every operation is audited, refusals too; the referral
 * text, referrer and handover notes never go into an audit reason.
 */

function queueOf(ctx: GatewayContext): QueueService {
  const queue = ctx.services.queue;
  if (!queue) throw new GatewayError('INTERNAL_ERROR', 'The triage queue is not configured.');
  return queue;
}

/** Unchecked input named in a refused attempt's event: bounded. */
const named = (value: string | null | undefined, max = 200) => String(value ?? '').slice(0, max);

const shapeCategories = (ids: readonly string[]) => ids.map((id) => concernCategory(id) ?? { id, label: id });
const shapeActor = (a: { issuer: string; id: string; name?: string | null }) => ({ id: a.id, issuer: a.issuer, name: a.name ?? null });
const shapeAssignment = (a: Assignment) => ({ ...a, assignee: shapeActor(a.assignee), previous: a.previous ? shapeActor(a.previous) : null, assignedBy: shapeActor(a.assignedBy) });
const shapeDeadlineChange = (c: DeadlineChange) => ({ ...c, changedBy: shapeActor(c.changedBy) });
const shapeRemoved = (r: RemovedMember) => ({ actorId: r.actor.id, issuer: r.actor.issuer, name: r.actor.name, agency: r.actor.agency, addedAt: r.addedAt, removedAt: r.removedAt, removedBy: shapeActor(r.removedBy), reason: r.reason });
const shapeEnquiryOf = (enquiry: Enquiry, now: Date) => ({
  ...enquiry,
  status: enquiryStatus(enquiry, now),
  consent: enquiry.consents.filter((c) => c.withdrawnAt === null).at(-1) ?? null,
  consentHistory: enquiry.consents,
  breakGlass: enquiry.breakGlassJustification !== null,
  subjects: enquiry.subjects.map((s) => ({ ...s, relation: s.relation.toUpperCase() })),
});

/** A manager of the owning team acting on an enquiry they are not a member of: flagged for IG review. */
const byManager = (flag: boolean) => (flag ? ' by a manager of the owning team who is not a member' : '');
const managerFlag = (flag: boolean) => (flag ? { managerJoin: true } : {});

const describeReferral = (referral: ReferralRecord | null) =>
  referral === null ? 'no referral source or text recorded' : `referral ${referral.source ? `source (${referral.source.kind})` : 'without a source'} and ${referral.text !== null ? 'text' : 'no text'} read`;

/** The referral read: its own audited access, committed before the answer (Enquiry.referral and QueueEntry.referral). */
async function readReferral(enquiryId: string, ctx: GatewayContext) {
  const queue = queueOf(ctx);
  const { value, eventId } = await audited(ctx.services, ctx, 'readReferral', { enquiry: { id: named(enquiryId) } }, async () => {
    const answer = await queue.readReferral(ctx.actor, enquiryId, ctx.services.now());
    return {
      value: answer,
      event: {
        outcome: 'success' as const,
        enquiry: auditEnquiry(answer.enquiry),
        reason: `${describeReferral(answer.referral)}${byManager(answer.managerNotMember)}`,
        ...managerFlag(answer.managerNotMember),
      },
    };
  });
  const source = value.referral?.source ?? null;
  return {
    enquiryId: value.enquiry.id,
    receivedAt: value.enquiry.receivedAt,
    source: source ? { ...source, kind: source.kind.toUpperCase() } : null,
    concernCategories: shapeCategories(value.enquiry.concernCategories),
    text: value.referral?.text ?? null,
    auditEventId: eventId,
  };
}

type QueueArgs = { team: string; filter?: { rag?: Rag | null; assignment?: 'ASSIGNED_TO_ME' | 'UNASSIGNED' | null; overdue?: boolean | null; purpose?: string | null } | null; first?: number | null; after?: string | null };

export const queueResolvers = {
  Query: {
    enquiryQueue: async (_: unknown, args: QueueArgs, ctx: GatewayContext) => {
      const queue = queueOf(ctx);
      const f = args.filter ?? {};
      const assignment = f.assignment === 'ASSIGNED_TO_ME' ? 'mine' : f.assignment === 'UNASSIGNED' ? 'unassigned' : null;
      const { value, eventId } = await audited(ctx.services, ctx, 'enquiryQueue', { reason: `queue of team ${named(args.team, 64)}` }, async () => {
        const page = await queue.queue(ctx.actor, args.team, { rag: f.rag ?? null, assignment, overdue: f.overdue ?? null, purpose: f.purpose ?? null }, { first: args.first ?? null, after: args.after ?? null }, ctx.services.now());
        return { value: page, event: { outcome: 'success' as const, reason: `queue of team ${page.team}: ${page.entries.length} of ${page.totalCount} open enquiries listed` } };
      });
      return {
        team: value.team,
        totalCount: value.totalCount,
        nextCursor: value.nextCursor,
        auditEventId: eventId,
        entries: value.entries.map((e) => ({ ...e, assignee: e.assignee ? shapeActor(e.assignee) : null, concernCategories: shapeCategories(e.concernCategories) })),
      };
    },
    referralConcernCategories: () => CONCERN_CATEGORIES,
    referral: (_: unknown, args: { enquiryId: string }, ctx: GatewayContext) => readReferral(args.enquiryId, ctx),
    // The policy's own vocabulary, like the concern categories: public to every signed-in caller.
    purposes: (_: unknown, __: unknown, ctx: GatewayContext) =>
      Object.entries(ctx.services.policy.document.purposes).map(([id, purpose]) => ({
        id,
        label: purpose.label,
        legalBasis: purpose.legalBasis,
        consent: purpose.consent.toUpperCase().replace('-', '_'),
        roles: purpose.roles,
        opensEnquiry: purpose.enquiry,
        mayOpen: purpose.enquiry && purpose.roles.some((role) => ctx.actor.roles.includes(role)),
      })),
    policyRoles: (_: unknown, __: unknown, ctx: GatewayContext) => Object.entries(ctx.services.policy.document.roles).map(([id, label]) => ({ id, label })),
  },
  Mutation: {
    assignEnquiry: async (_: unknown, args: { enquiryId: string; actorId: string; issuer: string; note?: string | null }, ctx: GatewayContext) => {
      const queue = queueOf(ctx);
      const attempt = { enquiry: { id: named(args.enquiryId) }, reason: `assign to ${named(args.issuer, 300)} ${named(args.actorId)}` };
      const { value } = await audited(ctx.services, ctx, 'assignEnquiry', attempt, async () => {
        const { enquiry, assignment, reassigned, managerNotMember } = await queue.assign(ctx.actor, args.enquiryId, args, ctx.services.now());
        const to = `${assignment.assignee.issuer} ${assignment.assignee.id}`;
        // The handover note stays with the assignment; the event says only who handed to whom.
        const reason = reassigned ? `reassigned from ${assignment.previous!.issuer} ${assignment.previous!.id} to ${to} with a handover note` : `assigned to ${to}`;
        return { value: enquiry, event: { outcome: 'success' as const, enquiry: auditEnquiry(enquiry), reason: `${reason}${byManager(managerNotMember)}`, ...managerFlag(managerNotMember) } };
      });
      return shapeEnquiryOf(value, ctx.services.now());
    },
    extendDeadline: async (_: unknown, args: { enquiryId: string; deadline: string; reason: string }, ctx: GatewayContext) => {
      const queue = queueOf(ctx);
      const { value } = await audited(ctx.services, ctx, 'extendDeadline', { enquiry: { id: named(args.enquiryId) } }, async () => {
        const { enquiry, change, managerNotMember } = await queue.extendDeadline(ctx.actor, args.enquiryId, args, ctx.services.now());
        const reason = `deadline extended from ${change.from} to ${change.to}; access ends ${change.accessEndsAt}${byManager(managerNotMember)}`;
        return { value: enquiry, event: { outcome: 'success' as const, enquiry: auditEnquiry(enquiry), reason, ...managerFlag(managerNotMember) } };
      });
      return shapeEnquiryOf(value, ctx.services.now());
    },
    removeEnquiryMember: async (_: unknown, args: { enquiryId: string; actorId: string; issuer: string; reason: string }, ctx: GatewayContext) => {
      const queue = queueOf(ctx);
      const attempt = { enquiry: { id: named(args.enquiryId) }, reason: `remove member ${named(args.issuer, 300)} ${named(args.actorId)}` };
      const { value } = await audited(ctx.services, ctx, 'removeEnquiryMember', attempt, async () => {
        const removal = await queue.removeMember(ctx.actor, args.enquiryId, args, ctx.services.now());
        const self = removal.member.issuer === ctx.actor.issuer && removal.member.id === ctx.actor.id;
        const reason = `removed member ${removal.member.issuer} ${removal.member.id}${self ? ' (themselves)' : ''}${byManager(removal.managerNotMember)}`;
        return { value: removal, event: { outcome: 'success' as const, enquiry: auditEnquiry(removal.enquiry), reason, ...managerFlag(removal.managerNotMember) } };
      });
      return { enquiryId: value.enquiry.id, actorId: value.member.id, issuer: value.member.issuer, removedAt: value.removedAt, reason: value.reason };
    },
  },
  Enquiry: {
    overdue: (enquiry: Enquiry, _: unknown, ctx: GatewayContext) => isOverdue(enquiry, ctx.services.now()),
    concernCategories: (enquiry: Enquiry) => shapeCategories(enquiry.concernCategories),
    assignee: (enquiry: Enquiry) => (enquiry.assignee ? shapeActor(enquiry.assignee) : null),
    assignments: async (enquiry: Enquiry, _: unknown, ctx: GatewayContext) => (await queueOf(ctx).assignments(enquiry.id)).map(shapeAssignment),
    deadlineChanges: async (enquiry: Enquiry, _: unknown, ctx: GatewayContext) => (await queueOf(ctx).deadlineChanges(enquiry.id)).map(shapeDeadlineChange),
    removedMembers: async (enquiry: Enquiry, _: unknown, ctx: GatewayContext) => (await queueOf(ctx).removedMembers(enquiry.id)).map(shapeRemoved),
    referral: (enquiry: Enquiry, _: unknown, ctx: GatewayContext) => readReferral(enquiry.id, ctx),
  },
  QueueEntry: {
    referral: (entry: { enquiryId: string }, _: unknown, ctx: GatewayContext) => readReferral(entry.enquiryId, ctx),
  },
};
