import { accessNotifications, anomalyReport, personsTouched, queryAccessLog, whoAccessed, type AccessLogFilter } from '../audit/oversight.js';
import { proveEvent, type AccessEvent, type AuditDecisionKind, type RecordedEvent } from '../audit/index.js';
import { audited } from '../disclosure/index.js';
import { subjectAccessByIdentifier, subjectAccessDecisions } from '../disclosure/subject-access.js';
import { GatewayError } from '../errors.js';
import type { GatewayContext } from './context.js';

/**
 * Information-governance reads of the audit log. Each is for named roles only, and each read
 * (and each refused attempt) is itself an audit event: IG's own access is accountable too.
 */
function requireRole(ctx: GatewayContext, roles: string[], what: string): void {
  if (!roles.some((role) => ctx.actor.roles.includes(role))) {
    throw new GatewayError('FORBIDDEN', `${what} is for ${roles.join(' or ')}.`);
  }
}

const shapeEvent = (e: RecordedEvent) => ({
  ...e,
  enquiryId: e.enquiry?.id ?? null,
  purpose: e.enquiry?.purpose ?? null,
  legalBasis: e.enquiry?.legalBasis ?? null,
  policyVersion: e.policy?.version ?? null,
  breakGlass: e.breakGlass === true,
  sharedSurname: e.sharedSurname === true,
  managerJoin: e.managerJoin === true,
});

/**
 * Whether an event concerns an agency: it decided on (or failed at) that agency, read or showed one
 * of its persons, or was the caller's own act. An agency reviewer's proofs are limited to these.
 */
function concernsAgency(event: AccessEvent, agency: string, self: { id: string; issuer: string }): boolean {
  if (event.decisions.some((d) => d.agency === agency)) return true;
  if (personsTouched(event).some((p) => p.agency === agency)) return true;
  return event.actor !== null && event.actor.id === self.id && event.actor.issuer === self.issuer;
}

type FilterInput = Omit<AccessLogFilter, 'decision'> & { decision?: string | null };

function cleanFilter(input: FilterInput | null | undefined): AccessLogFilter {
  const filter: AccessLogFilter = {};
  for (const [key, value] of Object.entries(input ?? {})) if (value !== null && value !== undefined) (filter as Record<string, unknown>)[key] = value;
  if (input?.decision) filter.decision = input.decision as AuditDecisionKind;
  return filter;
}

export const oversightQueries = {
  accessLog: async (_: unknown, args: { filter?: FilterInput | null; first?: number | null; after?: string | null }, ctx: GatewayContext) => {
    const filter = cleanFilter(args.filter);
    const { value } = await audited(ctx.services, ctx, 'accessLog', { reason: `filter ${JSON.stringify(filter)}` }, async () => {
      requireRole(ctx, ['ig-officer'], 'The access log');
      const page = await queryAccessLog(ctx.services.store, filter, { first: args.first ?? 50, after: args.after ?? null });
      return { value: page, event: { outcome: 'success', reason: `filter ${JSON.stringify(filter)}; ${page.events.length} events` } };
    });
    return { ...value, events: value.events.map(shapeEvent) };
  },
  whoAccessed: async (_: unknown, args: { agency: string; personId: string }, ctx: GatewayContext) => {
    const { value } = await audited(ctx.services, ctx, 'whoAccessed', { reason: `${args.agency} ${args.personId}` }, async () => {
      requireRole(ctx, ['ig-officer'], 'A subject access report');
      return { value: await whoAccessed(ctx.services.store, args.agency, args.personId), event: { outcome: 'success', reason: `${args.agency} ${args.personId}` } };
    });
    return value;
  },
  whoAccessedByIdentifier: async (_: unknown, args: { kind: string; value: string }, ctx: GatewayContext) => {
    const label = args.kind === 'UPN' ? 'UPN' : 'NHS number';
    const { value } = await audited(ctx.services, ctx, 'whoAccessedByIdentifier', { reason: `subject access by ${label}` }, async () => {
      requireRole(ctx, ['ig-officer'], 'A subject access report');
      const report = await subjectAccessByIdentifier({ federation: ctx.federation, matcher: ctx.services.matcher, store: ctx.services.store }, args.kind, args.value);
      return {
        value: report,
        event: {
          outcome: report.unavailable.length > 0 ? 'partial' : 'success',
          reason: `subject access by ${label}: ${report.persons.length} agency records, ${report.accesses.length} accesses`,
          decisions: [...subjectAccessDecisions(report), ...report.unavailable.map((u) => ({ agency: u.agency, category: `${u.agency}.identity`, decision: 'unavailable' as const, fields: [], recordIds: [], markers: 0, reason: u.reason }))],
        },
      };
    });
    return value;
  },
  auditAnomalies: async (_: unknown, args: { from: string; to: string; subjectsPerHour?: number | null; refusalBurst?: number | null }, ctx: GatewayContext) => {
    const { value } = await audited(ctx.services, ctx, 'auditAnomalies', {}, async () => {
      requireRole(ctx, ['ig-officer'], 'Anomaly review');
      const { anomalies, scanned } = await anomalyReport(ctx.services.store, {
        from: args.from,
        to: args.to,
        ...(args.subjectsPerHour ? { subjectsPerHour: args.subjectsPerHour } : {}),
        ...(args.refusalBurst ? { refusalBurst: args.refusalBurst } : {}),
      });
      return { value: anomalies, event: { outcome: 'success', reason: `${args.from}..${args.to}; ${scanned} events read; ${anomalies.length} flags` } };
    });
    return value;
  },
  auditProof: async (_: unknown, args: { eventId: string }, ctx: GatewayContext) => {
    const { value } = await audited(ctx.services, ctx, 'auditProof', { reason: `event ${args.eventId}` }, async () => {
      requireRole(ctx, ['ig-officer', 'agency-reviewer'], 'An inclusion proof');
      const settings = ctx.services.auditSettings;
      const proof = await proveEvent(ctx.services.store, args.eventId, { signer: settings.signer, origin: settings.origin, now: ctx.services.now });
      // An agency reviewer proves only events about their own agency: a proof carries the whole event.
      if (!ctx.actor.roles.includes('ig-officer') && !concernsAgency(proof.event, ctx.actor.agency, ctx.actor)) {
        throw new GatewayError(
          'FORBIDDEN',
          `Audit event ${proof.event.id} does not concern ${ctx.actor.agency}: an agency reviewer may prove only events about their own agency's records or their own actions. Ask information governance (ig-officer) for a proof of this event.`,
          { details: { reason: 'EVENT_OF_ANOTHER_AGENCY' } },
        );
      }
      return { value: proof, event: { outcome: 'success', reason: `event ${args.eventId}` } };
    });
    return {
      eventId: value.event.id,
      seq: value.seq,
      treeSize: value.treeSize,
      leafHash: value.leafHash,
      path: value.path,
      checkpointSeq: value.checkpoint.seq,
      checkpointKeyId: value.checkpoint.keyId,
      checkpointJws: value.checkpoint.jws,
      publicKey: JSON.stringify(ctx.services.auditSettings.signer.publicJwk),
      proof: JSON.stringify(value),
    };
  },
  accessNotifications: async (_: unknown, args: { since: string }, ctx: GatewayContext) => {
    const { value } = await audited(ctx.services, ctx, 'accessNotifications', {}, async () => {
      requireRole(ctx, ['agency-reviewer', 'ig-officer'], 'The access-notification feed');
      return { value: await accessNotifications(ctx.services.store, ctx.actor.agency, args.since), event: { outcome: 'success', reason: `${ctx.actor.agency} since ${args.since}` } };
    });
    return value;
  },
};
