import type { AuditDecision } from '../../audit/index.js';
import { audited } from '../../disclosure/index.js';
import { FIELD_LABELS, type EncompassContent, type EncompassRow, type ExceptionView, type HistoryRecord } from '../../incidents/encompass/index.js';
import type { GatewayContext } from '../context.js';

/**
 * Operation Encompass (schema.graphql's Incidents section). The content a school's DSL reads is
 * the disclosure gate's output as it was sent (composed through the gate and audited at send
 * time), read again under this read's own audit event.
 */

const actorRef = (by: { issuer: string; id: string; name: string | null } | null) => (by === null ? null : { id: by.id, issuer: by.issuer, name: by.name, agency: null });

/** One field's value as text: names as 'Given Family', dates as given. */
function valueText(name: string, value: unknown): string {
  if (name === 'names' && Array.isArray(value)) {
    return value.map((n: { given?: string[]; family?: string }) => [...(n.given ?? []), n.family ?? ''].join(' ').trim()).filter(Boolean).join('; ');
  }
  if (typeof value === 'string') return value;
  return JSON.stringify(value);
}

/** Exactly the fields sent, in the policy's order. */
function fieldsOf(content: EncompassContent | null) {
  if (content === null) return [];
  const all: Record<string, unknown> = { ...content.person.fields, ...content.record.fields };
  const ordered = [...Object.keys(FIELD_LABELS).filter((f) => f in all), ...Object.keys(all).filter((f) => !(f in FIELD_LABELS))];
  return ordered.map((name) => ({ name, label: FIELD_LABELS[name] ?? name, value: valueText(name, all[name]) }));
}

const fieldNames = (content: EncompassContent | null): string[] => fieldsOf(content).map((f) => f.name);

/** The decisions a read of a notification names: the child (their agency person id) and the fields read, per category. */
function readDecisions(row: EncompassRow): AuditDecision[] {
  if (row.content === null) return [];
  const ruleId = row.ruleId ?? undefined;
  return [
    { agency: row.agency, category: row.content.person.category, decision: 'disclose', fields: Object.keys(row.content.person.fields), recordIds: [], markers: 0, personIds: [row.personId], ...(ruleId ? { ruleId } : {}) },
    { agency: row.agency, category: row.content.record.category, decision: 'summarise', fields: Object.keys(row.content.record.fields), recordIds: [row.content.record.recordId], markers: 0, personIds: [row.personId], ...(ruleId ? { ruleId } : {}) },
  ];
}

function shapeNotification(row: EncompassRow, auditEventId: string) {
  return {
    id: row.id,
    school: row.school,
    schoolName: row.schoolName,
    keyAdult: row.keyAdultName,
    schoolDay: row.schoolDay,
    dueBy: row.dueBy,
    sentAt: row.sentAt,
    fields: fieldsOf(row.content),
    ruleId: row.ruleId,
    acknowledgedAt: row.acknowledgedAt,
    acknowledgedBy: actorRef(row.acknowledgedBy),
    auditEventId,
  };
}

const shapeException = (e: ExceptionView) => ({
  id: e.id,
  reason: e.reason,
  detail: e.detail,
  incidentId: e.incidentId,
  incidentReference: e.incidentReference,
  personId: e.personId,
  school: e.school,
  schoolName: e.schoolName,
  keyAdultPhone: e.keyAdultPhone,
  raisedAt: e.raisedAt,
  schoolDay: e.schoolDay,
  resolvedAt: e.resolvedAt,
  resolvedBy: actorRef(e.resolvedBy),
  resolution: e.resolution,
});

const shapeRecord = (r: HistoryRecord) => ({
  id: r.id,
  incidentId: r.incidentId,
  incidentReference: r.incidentReference,
  agency: r.agency,
  personId: r.personId,
  school: r.school,
  schoolName: r.schoolName,
  keyAdult: r.keyAdultName,
  channels: r.channels,
  fieldNames: fieldNames(r.content),
  ruleId: r.ruleId,
  sentAt: r.sentAt,
  dueBy: r.dueBy,
  acknowledgedAt: r.acknowledgedAt,
  acknowledgedBy: actorRef(r.acknowledgedBy),
  escalatedAt: r.escalatedAt,
  auditEventId: r.auditEventId,
});

/** The child ids an answer names, per agency, as decisions (subject access and oversight count them). */
function namedPersons(rows: readonly { agency: string; personId: string }[], fields: string[], ruleId: string): AuditDecision[] {
  const byAgency = new Map<string, Set<string>>();
  for (const r of rows) byAgency.set(r.agency, (byAgency.get(r.agency) ?? new Set()).add(r.personId));
  return [...byAgency].map(([agency, ids]) => ({ agency, category: `${agency}.identity`, decision: 'disclose' as const, ruleId, fields, recordIds: [], markers: 0, personIds: [...ids] }));
}

const bounded = (value: unknown, max = 100) => String(value ?? '').slice(0, max);

export const encompassResolvers = {
  Query: {
    encompassNotifications: async (_: unknown, args: { unacknowledgedOnly?: boolean | null; first?: number | null; after?: string | null }, ctx: GatewayContext) => {
      const { value } = await audited(ctx.services, ctx, 'encompassNotifications', {}, async () => {
        const page = await ctx.services.encompass.listForSchool(ctx.actor, { unacknowledgedOnly: args.unacknowledgedOnly === true, first: args.first ?? 20, after: args.after ?? null });
        return { value: page, event: { outcome: 'success', reason: `${page.items.length} Operation Encompass notifications of school ${ctx.actor.school} listed (no content)` } };
      });
      return value;
    },
    encompassNotification: async (_: unknown, args: { id: string }, ctx: GatewayContext) => {
      const { value, eventId } = await audited(ctx.services, ctx, 'encompassNotification', { reason: `read Operation Encompass notification ${bounded(args.id, 60)}` }, async () => {
        const row = await ctx.services.encompass.readForSchool(ctx.actor, args.id);
        return {
          value: row,
          event: {
            outcome: 'success',
            reason: `read Operation Encompass notification ${row.id} sent to school ${row.school} (${row.agency} person ${row.personId}): ${fieldNames(row.content).join(', ')}`,
            decisions: readDecisions(row),
          },
        };
      });
      return shapeNotification(value, eventId);
    },
    encompassExceptions: async (_: unknown, args: { includeResolved?: boolean | null }, ctx: GatewayContext) => {
      const { value } = await audited(ctx.services, ctx, 'encompassExceptions', {}, async () => {
        const list = await ctx.services.encompass.exceptions(ctx.actor, args.includeResolved === true);
        return {
          value: list,
          event: { outcome: 'success', reason: `${list.length} Operation Encompass exceptions listed`, decisions: namedPersons(list, ['personId', 'incidentReference'], 'operation-encompass-exceptions') },
        };
      });
      return value.map(shapeException);
    },
    encompassNotificationHistory: async (_: unknown, args: { school?: string | null; agency?: string | null; personId?: string | null }, ctx: GatewayContext) => {
      const asked = `school ${bounded(args.school, 20)} agency ${bounded(args.agency, 40)} person ${bounded(args.personId)}`;
      const { value } = await audited(ctx.services, ctx, 'encompassNotificationHistory', { reason: `Operation Encompass history for ${asked}` }, async () => {
        const list = await ctx.services.encompass.history(ctx.actor, args);
        return {
          value: list,
          event: { outcome: 'success', reason: `Operation Encompass history for ${asked}: ${list.length} notifications`, decisions: namedPersons(list, ['personId', 'incidentReference'], 'operation-encompass-history') },
        };
      });
      return value.map(shapeRecord);
    },
  },
  Mutation: {
    acknowledgeEncompassNotification: async (_: unknown, args: { id: string }, ctx: GatewayContext) => {
      const { value, eventId } = await audited(ctx.services, ctx, 'acknowledgeEncompassNotification', { reason: `acknowledge Operation Encompass notification ${bounded(args.id, 60)}` }, async () => {
        const { row, first } = await ctx.services.encompass.acknowledge(ctx.actor, args.id, ctx.services.now());
        return {
          value: row,
          event: {
            outcome: 'success',
            reason: `${first ? 'acknowledged' : 'already acknowledged'} Operation Encompass notification ${row.id} sent to school ${row.school} (${row.agency} person ${row.personId})`,
            decisions: readDecisions(row),
          },
        };
      });
      return shapeNotification(value, eventId);
    },
    resolveEncompassException: async (_: unknown, args: { id: string; note: string }, ctx: GatewayContext) => {
      const { value } = await audited(ctx.services, ctx, 'resolveEncompassException', { reason: `resolve Operation Encompass exception ${bounded(args.id, 60)}` }, async () => {
        const exception = await ctx.services.encompass.resolveException(ctx.actor, args.id, args.note, ctx.services.now());
        return { value: exception, event: { outcome: 'success', reason: `resolved Operation Encompass exception ${exception.id} (${exception.reason})` } };
      });
      return shapeException(value);
    },
  },
};
