import { audited, auditEnquiry, auditSubject } from '../../disclosure/index.js';
import { channelOfType, type ContactLogDisclosure, type DisclosedContactEntry, type LogContactInput } from '../../workspace/contacts/index.js';
import { outcomeEnum, type MashDecision, type RecordDecisionInput } from '../../workspace/decision/index.js';
import type { GatewayContext } from '../context.js';
import { gateOutput, shapeMarker } from '../shape.js';

/**
 * The MASH decision and the contact log: the researcher's workspace resolvers for this area
 * (fields in schema.graphql's section). Thin: they call the services, audit, and shape. Free text
 * (rationale, comments, reasons, what was said) never goes into an audit reason.
 */

const STATUS_NAMES = { recorded: 'AWAITING_SIGN_OFF', 'signed-off': 'SIGNED_OFF', returned: 'RETURNED' } as const;

const shapeDecision = (decision: MashDecision) => ({
  id: decision.id,
  enquiryId: decision.enquiryId,
  sequence: decision.seq,
  level: decision.level,
  levelLabel: decision.levelLabel,
  outcome: outcomeEnum(decision.outcome),
  rationale: decision.rationale,
  nextSteps: decision.nextSteps.map((step) => ({ action: step.action, due: step.due, owner: { name: step.owner.name, teamName: step.owner.team, agencyName: step.owner.agency } })),
  recordedAt: decision.recordedAt,
  recordedBy: decision.recordedBy.id,
  recordedByIssuer: decision.recordedBy.issuer,
  recordedByName: decision.recordedBy.name,
  status: STATUS_NAMES[decision.status],
  decidedAt: decision.decidedAt,
  decidedBy: decision.decidedBy?.id ?? null,
  decidedByIssuer: decision.decidedBy?.issuer ?? null,
  decidedByName: decision.decidedBy?.name ?? null,
  signOffComment: decision.status === 'signed-off' ? decision.decisionNote : null,
  returnReason: decision.status === 'returned' ? decision.decisionNote : null,
  supersededBy: decision.supersededBy,
  current: decision.supersededBy === null,
});


function shapeEntry(entry: DisclosedContactEntry) {
  const record = gateOutput(entry.record);
  const f = record.fields;
  const hasContact = f.contactName ?? f.contactRole ?? f.contactPhone ?? f.contactEmail;
  const channel = channelOfType(f.type);
  return {
    id: entry.id,
    reference: entry.reference,
    subjectId: entry.subjectId,
    channel: channel === undefined ? null : channel.toUpperCase(),
    agency: record.agency,
    category: record.category,
    sensitivity: record.tier,
    decision: record.decision === 'disclose' ? 'DISCLOSED' : 'SUMMARISED',
    type: f.type ?? null,
    title: f.title ?? null,
    status: f.status ?? null,
    start: f.start ?? null,
    end: f.end ?? null,
    location: f.location ?? null,
    narrative: f.narrative ?? null,
    outcome: f.outcome ?? null,
    service: f.service ?? null,
    contact: hasContact === undefined ? null : { name: f.contactName ?? null, role: f.contactRole ?? null, organisation: f.service ?? null, phone: f.contactPhone ?? null, email: f.contactEmail ?? null },
    withheldFields: record.withheldFields,
    provenance: record.provenance,
    recordedAt: entry.recordedAt,
    recordedBy: entry.recordedBy.id,
    recordedByIssuer: entry.recordedBy.issuer,
    recordedByName: entry.recordedBy.name,
    corrects: entry.corrects,
    correctedBy: entry.correctedBy,
  };
}


const shapeSubjectLog = (read: ContactLogDisclosure) => ({
  subject: { ...read.subject, relation: read.subject.relation.toUpperCase() },
  entries: read.entries.map(shapeEntry),
  withheld: [...read.disclosure.agencies.flatMap((a) => gateOutput(a).withheld.map(shapeMarker)), ...(read.disclosure.restricted ? [shapeMarker(read.disclosure.restricted)] : [])],
});

/** A refused attempt names what it was about (bounded: it is unchecked input). */
const named = (value: unknown, max = 100): string => String(value ?? '').slice(0, max);

export const decisionResolvers = {
  Query: {
    mashDecisions: async (_: unknown, args: { enquiryId: string }, ctx: GatewayContext) => {
      const { value } = await audited(ctx.services, ctx, 'mashDecisions', { enquiry: { id: named(args.enquiryId) } }, async () => {
        const { enquiry, decisions } = await ctx.services.decisions.list(ctx.actor, args.enquiryId);
        return { value: decisions, event: { outcome: 'success', enquiry: auditEnquiry(enquiry), reason: `${decisions.length} MASH ${decisions.length === 1 ? 'decision' : 'decisions'} read` } };
      });
      return value.map(shapeDecision);
    },
    thresholdLevels: (_: unknown, __: unknown, ctx: GatewayContext) =>
      ctx.services.decisions.levels().map((level) => ({ id: level.id, label: level.label, outcomes: level.outcomes.map(outcomeEnum) })),
    contactLog: async (_: unknown, args: { enquiryId: string; subjectId?: string | null }, ctx: GatewayContext) => {
      const answer = await ctx.services.contactLog.read(ctx, args.enquiryId, args.subjectId);
      return {
        enquiryId: answer.enquiry.id,
        subjects: answer.subjects.map(shapeSubjectLog),
        auditEventId: answer.auditEventId,
        policyVersion: ctx.services.policy.document.version,
      };
    },
  },
  Mutation: {
    recordDecision: async (_: unknown, args: { enquiryId: string; input: RecordDecisionInput }, ctx: GatewayContext) => {
      const { value } = await audited(ctx.services, ctx, 'recordDecision', { enquiry: { id: named(args.enquiryId) } }, async () => {
        const { enquiry, decision, supersedes } = await ctx.services.decisions.record(ctx.actor, args.enquiryId, args.input, ctx.services.now());
        return {
          value: decision,
          event: {
            outcome: 'success',
            enquiry: auditEnquiry(enquiry),
            reason: `recorded MASH decision ${decision.id}: level ${decision.level}, outcome ${decision.outcome}, ${decision.nextSteps.length} next ${decision.nextSteps.length === 1 ? 'step' : 'steps'}${supersedes ? `; supersedes ${supersedes}` : ''}`,
          },
        };
      });
      return shapeDecision(value);
    },
    signOffDecision: async (_: unknown, args: { enquiryId: string; decisionId: string; comment?: string | null }, ctx: GatewayContext) => {
      const attempt = { enquiry: { id: named(args.enquiryId) }, reason: `sign off MASH decision ${named(args.decisionId)}` };
      const { value } = await audited(ctx.services, ctx, 'signOffDecision', attempt, async () => {
        const { enquiry, decision } = await ctx.services.decisions.signOff(ctx.actor, args.enquiryId, args.decisionId, args.comment, ctx.services.now());
        return { value: decision, event: { outcome: 'success', enquiry: auditEnquiry(enquiry), reason: `signed off MASH decision ${decision.id} (level ${decision.level}, outcome ${decision.outcome})` } };
      });
      return shapeDecision(value);
    },
    returnDecision: async (_: unknown, args: { enquiryId: string; decisionId: string; reason: string }, ctx: GatewayContext) => {
      const attempt = { enquiry: { id: named(args.enquiryId) }, reason: `return MASH decision ${named(args.decisionId)}` };
      const { value } = await audited(ctx.services, ctx, 'returnDecision', attempt, async () => {
        const { enquiry, decision } = await ctx.services.decisions.return(ctx.actor, args.enquiryId, args.decisionId, args.reason, ctx.services.now());
        return { value: decision, event: { outcome: 'success', enquiry: auditEnquiry(enquiry), reason: `returned MASH decision ${decision.id}` } };
      });
      return shapeDecision(value);
    },
    logContact: async (_: unknown, args: { enquiryId: string; input: LogContactInput }, ctx: GatewayContext) => {
      const attempt = { enquiry: { id: named(args.enquiryId) }, subjects: [{ subjectId: named(args.input.subjectId), links: [] }] };
      const { value } = await audited(ctx.services, ctx, 'logContact', attempt, async () => {
        const { enquiry, subject, entry } = await ctx.services.contactLog.log(ctx.actor, args.enquiryId, args.input, ctx.services.now());
        return {
          value: entry,
          event: {
            outcome: 'success',
            enquiry: auditEnquiry(enquiry),
            subjects: [auditSubject(subject)],
            reason: `logged contact-log entry ${entry.id}: ${entry.agency} ${entry.category} by ${entry.channel}${entry.corrects ? `, correcting ${entry.corrects}` : ''}`,
          },
        };
      });
      return {
        id: value.id,
        reference: `contact:${value.id}`,
        subjectId: value.subjectId,
        agency: value.agency,
        category: value.category,
        channel: value.channel.toUpperCase(),
        occurredAt: value.occurredAt,
        recordedAt: value.recordedAt,
        corrects: value.corrects,
      };
    },
  },
};
