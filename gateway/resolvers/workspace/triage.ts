import type { OpenEnquiryInput } from '../../enquiries/index.js';
import { GatewayError } from '../../errors.js';
import type { IncidentOutcome, TriageChildView, TriageIncidentView, TriageList, TriagePersonView, TriageService } from '../../incidents/triage/index.js';
import type { GatewayContext } from '../context.js';
import { shapeEnquiry, shapeMatch, shapePerson, shapePersonResult } from '../index.js';

/**
 * The daily domestic-abuse meeting (gateway/incidents/triage): its list, the outcomes it records
 * and enquiries opened from incidents. Thin: the service decides and audits; people are shaped
 * from the gate's output only.
 */
const triageOf = (ctx: GatewayContext): TriageService => {
  if (!ctx.services.triage) throw new GatewayError('INTERNAL_ERROR', 'The daily domestic-abuse meeting is not configured on this gateway.');
  return ctx.services.triage;
};

const upper = (value: string): string => value.toUpperCase().replace(/-/g, '_');

export const shapeOutcome = (o: IncidentOutcome) => ({
  id: o.id,
  incidentId: o.incidentId,
  outcome: upper(o.outcome),
  reason: o.reason,
  enquiryId: o.enquiryId,
  recordedAt: o.recordedAt,
  recordedBy: { id: o.recordedBy.id, issuer: o.recordedBy.issuer, name: o.recordedBy.name, agency: null },
});

export const shapeIncident = (i: TriageIncidentView) => ({ ...i, risk: i.risk === null ? null : upper(i.risk), outcome: i.outcome ? shapeOutcome(i.outcome) : null });

const shapeInvolved = (p: TriagePersonView) => ({ roles: p.roles.map(upper), person: shapePerson(p.person) });

const shapeChild = (c: TriageChildView) => ({
  roles: c.roles.map(upper),
  person: shapePerson(c.person),
  age: c.age,
  search: {
    agencies: c.search.agencies.map(shapePersonResult),
    people: c.search.people.map(shapeMatch),
    notShown: c.search.notShown,
    queryProblems: c.search.queryProblems,
    auditEventId: c.auditEventId,
  },
  encompass: c.encompass.map((e) => ({ ...e, status: e.status.toUpperCase() })),
});

const shapeList = (list: TriageList) => ({
  date: list.date,
  meetingAt: list.meetingAt,
  auditEventIds: list.auditEventIds,
  households: list.households.map((h) => ({
    key: h.key,
    highestRisk: h.highestRisk === null ? null : upper(h.highestRisk),
    indicators: h.indicators,
    incidents: h.incidents.map(shapeIncident),
    adults: h.adults.map(shapeInvolved),
    children: h.children.map(shapeChild),
  })),
});

export const triageResolvers = {
  Query: {
    domesticAbuseTriage: async (_: unknown, args: { date: string }, ctx: GatewayContext) => shapeList(await triageOf(ctx).list(ctx, args.date)),
  },
  Mutation: {
    recordIncidentOutcome: async (_: unknown, args: { incidentId: string; outcome: string; reason: string }, ctx: GatewayContext) =>
      shapeOutcome(await triageOf(ctx).recordOutcome(ctx, args.incidentId, args.outcome, args.reason)),
    openEnquiryFromIncident: async (_: unknown, args: { incidentId: string; input: OpenEnquiryInput; reason: string }, ctx: GatewayContext) =>
      shapeEnquiry(await triageOf(ctx).openEnquiry(ctx, args.incidentId, args.input, args.reason), ctx.services.now()),
  },
  Enquiry: {
    sourceIncident: async (parent: Parameters<typeof shapeEnquiry>[0], _: unknown, ctx: GatewayContext) => {
      if (!parent.sourceIncidentId || !ctx.services.triage) return null;
      const view = await ctx.services.triage.sourceIncident(ctx, parent);
      return view ? shapeIncident(view) : null;
    },
  },
};
