import { auditEnquiry, auditSubject, audited, isDisclosed, type DisclosedRecord } from '../../disclosure/index.js';
import type { LinkPersonInput, ReviewRequest } from '../../enquiries/index.js';
import { GatewayError } from '../../errors.js';
import { reviewRequestSummary } from '../../workspace/notifications/review-summary.js';
import type { Notification } from '../../workspace/notifications/index.js';
import type { GatewayContext } from '../context.js';

/** Originator review and notifications: the researcher's workspace resolvers for this area (fields in schema.graphql's section). */

const gateOutput = <T extends object>(value: T): T => {
  if (!isDisclosed(value)) throw new GatewayError('INTERNAL_ERROR', 'Refused to return a value that did not pass the disclosure gate.');
  return value;
};

const shapeReviewed = (record: DisclosedRecord) => {
  const f = gateOutput(record).fields;
  return {
    kind: record.kind,
    type: f.type ?? null,
    title: f.title ?? null,
    status: f.status ?? null,
    start: f.start ?? null,
    end: f.end ?? null,
    withheldFields: record.withheldFields,
    provenance: record.provenance,
  };
};

const shapeNotification = (n: Notification) => ({
  id: n.id,
  kind: n.kind.toUpperCase().replace(/-/g, '_'),
  text: n.text,
  enquiryId: n.enquiryId,
  referralReference: n.referralReference,
  reviewRequestId: n.reviewRequestId,
  createdAt: n.createdAt,
  readAt: n.readAt,
  addressedTo: 'team' in n.to ? 'TEAM' : 'ACTOR',
});

const shapeReview = (request: ReviewRequest) => ({ ...request, status: request.status.toUpperCase() });

const reader = (ctx: GatewayContext) => ({ issuer: ctx.actor.issuer, id: ctx.actor.id, agency: ctx.actor.agency, roles: ctx.actor.roles, ...(ctx.actor.school !== undefined ? { school: ctx.actor.school } : {}) });

export const notificationsResolvers = {
  Query: {
    reviewRequestSummary: async (_: unknown, args: { id: string }, ctx: GatewayContext) => {
      const answer = await reviewRequestSummary(ctx.services, ctx, args.id);
      const disclosure = gateOutput(answer.disclosure);
      return {
        request: shapeReview(answer.request),
        status: disclosure.status,
        detail: disclosure.detail ?? null,
        records: disclosure.records.map(shapeReviewed),
        auditEventId: answer.auditEventId,
      };
    },
    notifications: async (_: unknown, args: { unreadOnly?: boolean | null; first?: number | null; after?: string | null }, ctx: GatewayContext) => {
      const { value } = await audited(ctx.services, ctx, 'notifications', {}, async () => {
        const page = await ctx.services.notifications.inbox.list(reader(ctx), { unreadOnly: args.unreadOnly === true, first: args.first ?? 20, after: args.after ?? null });
        return { value: page, event: { outcome: 'success', reason: `${page.items.length} notifications read` } };
      });
      return { notifications: value.items.map(shapeNotification), endCursor: value.endCursor, hasNextPage: value.hasNextPage };
    },
  },
  Mutation: {
    linkPerson: async (_: unknown, args: Omit<LinkPersonInput, 'relation'> & { relation?: string | null }, ctx: GatewayContext) => {
      // A refused attempt names what it asked for (bounded: it is unchecked input).
      const named = (value: string | null | undefined, max = 200) => String(value ?? '').slice(0, max);
      // A key names a likely person of a search (P1) or a candidate of a household read (H1).
      const what = (key: string) => (key.startsWith('H') ? `household candidate ${key} of household read` : `likely person ${key} of search`);
      const attempt = { enquiry: { id: named(args.enquiryId) }, reason: `link ${what(named(args.key, 20))} ${named(args.searchEventId, 60)}` };
      const { value } = await audited(ctx.services, ctx, 'linkPerson', attempt, async () => {
        const { enquiry, subject } = await ctx.services.enquiries.linkPerson(ctx.actor, args, ctx.services.now());
        return {
          value: subject,
          event: {
            outcome: 'success',
            enquiry: auditEnquiry(enquiry),
            subjects: [auditSubject(subject)],
            reason: `linked ${what(args.key)} ${args.searchEventId} as subject ${subject.id}: ${subject.links.map((l) => `${l.agency} ${l.personId}`).join(', ')}`,
          },
        };
      });
      return { ...value, relation: value.relation.toUpperCase() };
    },
    markNotificationsRead: async (_: unknown, args: { ids: string[] }, ctx: GatewayContext) => {
      const { value } = await audited(ctx.services, ctx, 'markNotificationsRead', { reason: `mark ${args.ids.length} notifications read` }, async () => {
        const read = await ctx.services.notifications.inbox.markRead(reader(ctx), args.ids, ctx.services.now());
        return { value: read, event: { outcome: 'success', reason: `marked ${read.length} of ${args.ids.length} notifications read` } };
      });
      return value;
    },
  },
  ReviewRequest: {
    categoryLabel: (request: ReviewRequest, _: unknown, ctx: GatewayContext) => ctx.services.policy.document.categories[request.category]?.label ?? request.category,
    requester: (request: ReviewRequest) => ({ id: request.requestedBy, issuer: request.requestedByIssuer, name: request.requestedByName, agency: request.requestedByAgency }),
  },
};
