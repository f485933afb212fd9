import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { GraphQLScalarType, Kind } from 'graphql';
import { makeExecutableSchema } from '@graphql-tools/schema';
import type { PersonQuery } from '../../connectors/sdk/index.js';
import {
  auditEnquiry,
  auditSubject,
  audited,
  type AgencyDisclosure,
  type DisclosedPerson,
  type DisclosedRecord,
  type MatchedRecord,
  type PersonDisclosure,
  type PersonMatch,
} from '../disclosure/index.js';
import { enquiryStatus, type ConsentInput, type Enquiry, type EnquirySubject, type LinkSubjectInput, type OpenEnquiryInput, type ReviewRequest, type ReviewStatus, type UnlinkSubjectInput } from '../enquiries/index.js';
import { explain, ExplainError } from '../../policies/index.js';
import { GatewayError, badInput } from '../errors.js';
import { NHS_NUMBER_SYSTEM, normaliseNhsNumber } from '../identity/index.js';
import type { GatewayContext } from './context.js';
import { oversightQueries } from './oversight.js';
import { decisionName, gateOutput, shapeMarker, shapeRecord } from './shape.js';
import { workspaceResolvers } from './workspace/index.js';

export type { GatewayContext } from './context.js';

export const SCHEMA_PATH = fileURLToPath(new URL('../../schema/schema.graphql', import.meta.url));

/**
 * Resolvers are thin: they validate input at the edge, call the access path, and shape the
 * gate's output. They never see a SourceRecord and never decide what is disclosed.
 */

const DateTime = new GraphQLScalarType<string, string>({
  name: 'DateTime',
  description: 'An ISO 8601 date-time.',
  serialize: (value) => (value instanceof Date ? value.toISOString() : String(value)),
  parseValue: (value) => {
    if (typeof value !== 'string' || Number.isNaN(Date.parse(value)) || !/^\d{4}-\d{2}-\d{2}T/.test(value)) {
      throw badInput(`Expected an ISO 8601 date-time such as 2026-11-26T17:00:00Z, got ${JSON.stringify(value)}.`);
    }
    return value;
  },
  parseLiteral: (ast) => {
    if (ast.kind !== Kind.STRING || Number.isNaN(Date.parse(ast.value)) || !/^\d{4}-\d{2}-\d{2}T/.test(ast.value)) {
      throw badInput('Expected an ISO 8601 date-time string such as "2026-11-26T17:00:00Z".');
    }
    return ast.value;
  },
});

function personQuery(input: { nhsNumber?: string | null; family?: string | null; given?: string | null; birthDate?: string | null; postcode?: string | null }): PersonQuery {
  const query: PersonQuery = {};
  const clean = (name: string, value: string | null | undefined, max = 100): string | undefined => {
    if (value === null || value === undefined || value.trim() === '') return undefined;
    if (value.length > max) throw badInput(`${name} must be at most ${max} characters.`, { field: name });
    return value.trim();
  };
  const nhs = clean('nhsNumber', input.nhsNumber, 20);
  if (nhs !== undefined) {
    const valid = normaliseNhsNumber(nhs);
    if (!valid) throw badInput('nhsNumber is not a valid NHS number: it needs ten digits with a correct Modulus 11 check digit.', { field: 'nhsNumber' });
    query.identifiers = [{ system: NHS_NUMBER_SYSTEM, value: valid }];
  }
  const family = clean('family', input.family);
  const given = clean('given', input.given);
  const birthDate = clean('birthDate', input.birthDate, 10);
  const postalCode = clean('postcode', input.postcode, 10);
  if (birthDate !== undefined) {
    if (!/^\d{4}-\d{2}-\d{2}$/.test(birthDate) || Number.isNaN(Date.parse(birthDate))) {
      throw badInput(`birthDate must be a date as YYYY-MM-DD (got "${birthDate}").`, { field: 'birthDate' });
    }
    query.birthDate = birthDate;
  }
  if (family !== undefined) query.family = family;
  if (given !== undefined) query.given = given;
  if (postalCode !== undefined) query.postalCode = postalCode;
  if (!query.identifiers && !(query.family && (query.birthDate || query.given))) {
    throw badInput('Search needs an NHS number, or a family name with a given name or date of birth.', { field: 'query' });
  }
  return query;
}


export const shapeEnquiry = (enquiry: Enquiry, now: Date) => ({
  ...enquiry,
  status: enquiryStatus(enquiry, now),
  consent: enquiry.consents.filter((c) => c.withdrawnAt === null).at(-1) ?? null,
  consentHistory: enquiry.consents,
  breakGlass: enquiry.breakGlassJustification !== null,
  subjects: enquiry.subjects.map(shapeSubject),
});
const shapeReview = (request: ReviewRequest) => ({ ...request, status: request.status.toUpperCase() });
const shapeSubject = (subject: EnquirySubject) => ({ ...subject, relation: subject.relation.toUpperCase() });



function shapeAgency(result: AgencyDisclosure) {
  gateOutput(result);
  const of = (kind: DisclosedRecord['kind']) => result.records.filter((r) => r.kind === kind).map(shapeRecord);
  return {
    agency: result.agency,
    status: result.status,
    detail: result.detail ?? null,
    involvements: of('involvement'),
    states: of('state'),
    events: of('event'),
    withheld: result.withheld.map(shapeMarker),
  };
}

export function shapePerson(person: DisclosedPerson) {
  gateOutput(person);
  return {
    agency: person.agency,
    personId: person.personId,
    decision: decisionName(person.decision),
    names: person.names ?? null,
    birthDate: person.birthDate ?? null,
    gender: person.gender ?? null,
    identifiers: person.identifiers ?? null,
    addresses: person.addresses ?? null,
    contact: person.contact ?? null,
    withheldFields: person.withheldFields,
  };
}

const bandName = (band: PersonMatch['band']) => band.toUpperCase();

function shapeMatchedRecord(record: MatchedRecord) {
  gateOutput(record);
  return {
    agency: record.agency,
    personId: record.personId,
    band: bandName(record.band),
    score: record.score,
    reasons: record.reasons,
    caution: record.caution ?? null,
    person: shapePerson(record.person),
  };
}

export const shapeMatch = (match: PersonMatch) => ({
  key: gateOutput(match).key,
  band: bandName(match.band),
  score: match.score,
  records: match.records.map(shapeMatchedRecord),
});

export const shapePersonResult = (result: PersonDisclosure) => ({
  agency: gateOutput(result).agency,
  status: result.status,
  detail: result.detail ?? null,
  people: result.persons.map(shapePerson),
  withheld: result.withheld.map(shapeMarker),
});

export const resolvers = {
  DateTime,
  Query: {
    ...oversightQueries,
    me: (_: unknown, __: unknown, ctx: GatewayContext) => ctx.actor,
    enquiries: async (_: unknown, __: unknown, ctx: GatewayContext) =>
      (await ctx.services.enquiries.list(ctx.actor)).map((e) => shapeEnquiry(e, ctx.services.now())),
    enquiry: async (_: unknown, args: { id: string }, ctx: GatewayContext) => {
      const { value } = await audited(ctx.services, ctx, 'readEnquiry', { enquiry: { id: args.id } }, async () => {
        const enquiry = await ctx.services.enquiries.get(ctx.actor, args.id);
        return { value: enquiry, event: { outcome: 'success', enquiry: auditEnquiry(enquiry) } };
      });
      return shapeEnquiry(value, ctx.services.now());
    },
    searchPeople: async (_: unknown, args: { enquiryId: string; query: Parameters<typeof personQuery>[0] }, ctx: GatewayContext) => {
      // Bad input is refused before any agency is asked, and the refusal is recorded.
      let query: PersonQuery;
      try {
        query = personQuery(args.query);
      } catch (error) {
        await audited(ctx.services, ctx, 'searchPeople', { enquiry: { id: args.enquiryId } }, () => Promise.reject(error));
        throw error;
      }
      const answer = await ctx.services.access.searchPeople(ctx, args.enquiryId, query);
      return {
        agencies: answer.disclosure.agencies.map(shapePersonResult),
        people: answer.disclosure.people.map(shapeMatch),
        notShown: answer.disclosure.notShown,
        queryProblems: answer.disclosure.queryProblems,
        auditEventId: answer.auditEventId,
      };
    },
    profile: async (_: unknown, args: { enquiryId: string; subjectId: string }, ctx: GatewayContext) => {
      const answer = await ctx.services.access.profile(ctx, args.enquiryId, args.subjectId);
      return {
        enquiryId: answer.enquiry.id,
        subject: shapeSubject(answer.subject),
        agencies: answer.disclosure.agencies.map(shapeAgency),
        restricted: answer.disclosure.restricted ? shapeMarker(answer.disclosure.restricted) : null,
        auditEventId: answer.auditEventId,
        policyVersion: answer.disclosure.policy.version,
      };
    },
    reviewRequests: async (_: unknown, args: { status?: string | null }, ctx: GatewayContext) => {
      const status = args.status ? (args.status.toLowerCase() as ReviewStatus) : undefined;
      const { value } = await audited(ctx.services, ctx, 'reviewRequests', {}, async () => ({
        value: await ctx.services.enquiries.listReviews(ctx.actor, status),
        event: { outcome: 'success' },
      }));
      return value.map(shapeReview);
    },
    explainAccess: async (_: unknown, args: { question: { purpose: string; category: string; consent?: boolean | null; subject?: string | null; relevance?: boolean | null; role?: string | null } }, ctx: GatewayContext) => {
      const q = args.question;
      const { value } = await audited(ctx.services, ctx, 'explainAccess', {}, async () => {
        if (!ctx.actor.roles.includes('ig-officer')) throw new GatewayError('FORBIDDEN', 'explainAccess is for information-governance officers (role ig-officer).');
        try {
          const answer = explain(ctx.services.policy, {
            purpose: q.purpose,
            category: q.category,
            consent: q.consent ?? false,
            subject: q.subject === 'ADULT' ? 'adult' : 'child',
            relevance: q.relevance ?? false,
            ...(q.role ? { role: q.role } : {}),
            now: ctx.services.now(),
          });
          return { value: answer, event: { outcome: 'success', reason: `explained ${q.purpose} / ${q.category}` } };
        } catch (error) {
          if (error instanceof ExplainError) throw badInput(error.message);
          throw error;
        }
      });
      return value;
    },
    agencies: async (_: unknown, __: unknown, ctx: GatewayContext) => {
      const health = new Map((await ctx.services.federation.health(ctx.requestId)).map((h) => [h.agency, h]));
      return ctx.services.federation.manifests().map((m) => {
        const h = health.get(m.agency);
        return {
          ...m,
          categories: m.categories.map((c) => ({ id: c.id, tier: c.tier, description: c.description })),
          health: {
            ok: h?.ok ?? false,
            detail: h?.detail ?? null,
            circuit: h?.circuit?.state ?? null,
            consecutiveFailures: h?.circuit?.consecutiveFailures ?? null,
            retryAfter: h?.circuit?.retryAfter ?? null,
          },
        };
      });
    },
  },
  Mutation: {
    openEnquiry: async (_: unknown, args: { input: OpenEnquiryInput }, ctx: GatewayContext) => {
      const { value } = await audited(ctx.services, ctx, 'openEnquiry', {}, async () => {
        // EMER: a break-glass opening tells information governance and the owning team's managers in its own transaction (app.ts).
        const enquiry = await ctx.services.enquiries.open(ctx.actor, args.input, ctx.services.now());
        const breakGlass = enquiry.breakGlassJustification !== null ? { breakGlass: true, reason: `break-glass: ${enquiry.breakGlassJustification}` } : {};
        return { value: enquiry, event: { outcome: 'success', enquiry: auditEnquiry(enquiry), ...breakGlass } };
      });
      return shapeEnquiry(value, ctx.services.now());
    },
    addEnquiryMember: async (_: unknown, args: { enquiryId: string; actorId: string; issuer: string; reason: string }, ctx: GatewayContext) => {
      // A refused attempt is recorded with whom it named (bounded: it is unchecked input).
      const named = (value: string, max = 200) => value.slice(0, max);
      const attempt = { enquiry: { id: named(args.enquiryId) }, reason: `add member ${named(args.issuer, 300)} ${named(args.actorId)}: ${named(args.reason, 500)}` };
      const { value } = await audited(ctx.services, ctx, 'addEnquiryMember', attempt, async () => {
        const { enquiry, member, managerJoin } = await ctx.services.enquiries.addMember(ctx.actor, args.enquiryId, args, ctx.services.now());
        const added = enquiry.members.find((m) => m.issuer === member.issuer && m.actorId === member.id)!;
        return {
          value: enquiry,
          event: {
            outcome: 'success',
            enquiry: auditEnquiry(enquiry),
            reason: `added member ${member.issuer} ${member.id}${managerJoin ? ' (by a manager who is not a member)' : ''}: ${added.reason ?? ''}`,
            ...(managerJoin ? { managerJoin: true } : {}),
          },
        };
      });
      return shapeEnquiry(value, ctx.services.now());
    },
    linkSubject: async (_: unknown, args: { input: LinkSubjectInput }, ctx: GatewayContext) => {
      // A refused attempt is recorded with the person it named (bounded: it is unchecked input).
      const named = (value: string | null | undefined) => String(value ?? '').slice(0, 200);
      const attempt = {
        enquiry: { id: named(args.input.enquiryId) },
        subjects: [{ subjectId: named(args.input.subjectId ?? '(new)'), links: [{ agency: named(args.input.agency), personId: named(args.input.personId) }] }],
      };
      const { value } = await audited(ctx.services, ctx, 'linkSubject', attempt, async () => {
        const { enquiry, subject } = await ctx.services.enquiries.linkSubject(ctx.actor, args.input, ctx.services.now());
        return { value: subject, event: { outcome: 'success', enquiry: auditEnquiry(enquiry), subjects: [auditSubject(subject)] } };
      });
      return shapeSubject(value);
    },
    unlinkSubject: async (_: unknown, args: UnlinkSubjectInput, ctx: GatewayContext) => {
      // A refused attempt is recorded with the link it named (bounded: it is unchecked input).
      const named = (value: string) => value.slice(0, 200);
      const attempt = { enquiry: { id: named(args.enquiryId) }, subjects: [{ subjectId: named(args.subjectId), links: [{ agency: named(args.agency), personId: named(args.personId) }] }] };
      const { value } = await audited(ctx.services, ctx, 'unlinkSubject', attempt, async () => {
        const { enquiry, subject, link } = await ctx.services.enquiries.unlinkSubject(ctx.actor, args, ctx.services.now());
        return {
          value: subject,
          event: {
            outcome: 'success',
            enquiry: auditEnquiry(enquiry),
            subjects: [{ subjectId: subject.id, links: [{ agency: link.agency, personId: link.personId }] }],
            reason: `unlinked ${link.agency} person ${link.personId}: ${link.reason}`,
          },
        };
      });
      return shapeSubject(value);
    },
    recordConsent: async (_: unknown, args: { enquiryId: string; consent: ConsentInput }, ctx: GatewayContext) => {
      const { value } = await audited(ctx.services, ctx, 'recordConsent', { enquiry: { id: args.enquiryId } }, async () => {
        const enquiry = await ctx.services.enquiries.recordConsent(ctx.actor, args.enquiryId, args.consent, ctx.services.now());
        return { value: enquiry, event: { outcome: 'success', enquiry: auditEnquiry(enquiry) } };
      });
      return shapeEnquiry(value, ctx.services.now());
    },
    withdrawConsent: async (_: unknown, args: { enquiryId: string; reason: string }, ctx: GatewayContext) => {
      const { value } = await audited(ctx.services, ctx, 'withdrawConsent', { enquiry: { id: args.enquiryId } }, async () => {
        const enquiry = await ctx.services.enquiries.withdrawConsent(ctx.actor, args.enquiryId, args.reason, ctx.services.now());
        return { value: enquiry, event: { outcome: 'success', enquiry: auditEnquiry(enquiry) } };
      });
      return shapeEnquiry(value, ctx.services.now());
    },
    changeEnquiryPurpose: async (_: unknown, args: { enquiryId: string; purpose: string; reason: string }, ctx: GatewayContext) => {
      const { value } = await audited(ctx.services, ctx, 'changeEnquiryPurpose', { enquiry: { id: args.enquiryId } }, async () => {
        const enquiry = await ctx.services.enquiries.changePurpose(ctx.actor, args.enquiryId, args.purpose, args.reason, ctx.services.now());
        return { value: enquiry, event: { outcome: 'success', enquiry: auditEnquiry(enquiry), reason: `purpose changed to ${args.purpose}` } };
      });
      return shapeEnquiry(value, ctx.services.now());
    },
    recordRelevance: async (_: unknown, args: { enquiryId: string; subjectId: string; relevance: string }, ctx: GatewayContext) => {
      const { value } = await audited(ctx.services, ctx, 'recordRelevance', { enquiry: { id: args.enquiryId } }, async () => {
        const { enquiry, subject } = await ctx.services.enquiries.recordRelevance(ctx.actor, args.enquiryId, args.subjectId, args.relevance, ctx.services.now());
        return { value: subject, event: { outcome: 'success', enquiry: auditEnquiry(enquiry), subjects: [auditSubject(subject)] } };
      });
      return shapeSubject(value);
    },
    approveReview: async (_: unknown, args: { id: string; reason?: string | null }, ctx: GatewayContext) => {
      const { value } = await audited(ctx.services, ctx, 'approveReview', {}, async () => {
        const request = await ctx.services.enquiries.decideReview(ctx.actor, args.id, true, args.reason, ctx.services.now());
        return { value: request, event: { outcome: 'success', enquiry: { id: request.enquiryId, purpose: request.purpose }, reason: `approved ${request.agency} ${request.category} (review ${request.id})` } };
      });
      return shapeReview(value);
    },
    refuseReview: async (_: unknown, args: { id: string; reason: string }, ctx: GatewayContext) => {
      const { value } = await audited(ctx.services, ctx, 'refuseReview', {}, async () => {
        const request = await ctx.services.enquiries.decideReview(ctx.actor, args.id, false, args.reason, ctx.services.now());
        return { value: request, event: { outcome: 'success', enquiry: { id: request.enquiryId, purpose: request.purpose }, reason: `refused ${request.agency} ${request.category} (review ${request.id})` } };
      });
      return shapeReview(value);
    },
    closeEnquiry: async (_: unknown, args: { enquiryId: string; decision: string }, ctx: GatewayContext) => {
      const { value } = await audited(ctx.services, ctx, 'closeEnquiry', { enquiry: { id: args.enquiryId } }, async () => {
        const enquiry = await ctx.services.enquiries.close(ctx.actor, args.enquiryId, args.decision, ctx.services.now());
        return { value: enquiry, event: { outcome: 'success', enquiry: auditEnquiry(enquiry), reason: `closed on MASH decision ${enquiry.closureDecisionId}` } };
      });
      return shapeEnquiry(value, ctx.services.now());
    },
  },
  Information: {
    __resolveType: () => null,
  },
};

export function createSchema() {
  return makeExecutableSchema({ typeDefs: readFileSync(SCHEMA_PATH, 'utf8'), resolvers: [resolvers, ...workspaceResolvers] });
}
