import type { AgencyContact, DashRiskLevel, IncidentRole, PersonQuery, SourcePerson } from '../../../connectors/sdk/index.js';
import { decide, type AccessContext, type LoadedPolicy, type PolicyAbility } from '../../../policies/index.js';
import type { AccessEventInput, AuditDecision, AuditLog } from '../../audit/index.js';
import type { Actor } from '../../auth/index.js';
import {
  auditDecisions,
  auditEnquiry,
  audited,
  auditSearchDecisions,
  disclosePersons,
  outcomeOf,
  policyAbility,
  searchAcross,
  searchSummary,
  type DisclosedPerson,
  type RequestScope,
  type SearchDisclosure,
} from '../../disclosure/index.js';
import { sameActor, type Enquiry, type EnquiryService, type OpenEnquiryInput } from '../../enquiries/index.js';
import { GatewayError, badInput } from '../../errors.js';
import type { Federation } from '../../federation/index.js';
import { NHS_NUMBER_SYSTEM } from '../../identity/index.js';
import type { IdentityMatcher } from '../../identity/search.js';
import { personRecordFromSource } from '../../identity/source-person.js';
import type { PersonRecord } from '../../identity/types.js';
import type { Logger } from '../../log.js';
import type { Store } from '../../store/index.js';
import type { WorkingCalendar } from '../../workspace/queue/working-time.js';
import { encompassStatusFor } from '../encompass/index.js';
import { createIncidentRepository, type StoredIncident, type StoredIncidentPerson } from '../repository.js';
import { groupHouseholds } from './households.js';
import { compareHouseholds, triageIndicators } from './indicators.js';
import { ageOn, londonDay, meetingAt, meetingDate, previousMeetingAt } from './meeting.js';
import { createOutcomeRepository, INCIDENT_OUTCOMES, type IncidentOutcome, type IncidentOutcomeKind } from './outcomes.js';

/**
 * The MASH's daily domestic-abuse meeting (docs/incidents.md): the list of the police's
 * domestic-abuse notifications with children since the last meeting, each child searched for
 * across every agency (bands and reasons, never a link), grouped per household and ordered by
 * risk; what the meeting decided for each incident; and opening an enquiry from one.
 *
 * Everything shown passes the disclosure gate under the policy's domestic-abuse-triage purpose;
 * one audit event per child is committed before the list is returned. The stored incidents are raw
 * agency records: only the fixed facts of the notification (its reference, time, DASH risk and
 * whether a child was present) leave this module as they are, since they are what the meeting
 * decides on; the place and the officer only as the purpose allows police.flags' fields.
 */
export const TRIAGE_PURPOSE = 'domestic-abuse-triage';
/** Most children one list searches for; a longer list is refused (record outcomes for older incidents first). */
export const MAX_TRIAGE_CHILDREN = 150;
/** Children searched for at once: each search is several passes at every agency. */
export const TRIAGE_SEARCH_CONCURRENCY = 3;
export const OUTCOME_REASON_MAX = 2000;
const YEAR_MS = 365 * 86_400_000;
const CHILD_ROLES: ReadonlySet<IncidentRole> = new Set(['child-present', 'child-in-household']);
const ADULT_ROLES: ReadonlySet<IncidentRole> = new Set(['victim', 'suspect']);

/** An incident as the meeting (or an enquiry opened from it) reads it. */
export interface TriageIncidentView {
  id: string;
  agency: string;
  reference: string;
  occurredAt: string;
  risk: DashRiskLevel | null;
  childrenPresent: boolean;
  location: string | null;
  officer: { name: string | null; role: string | null; organisation: string | null; phone: string | null; email: string | null } | null;
  carriedOver: boolean;
  outcome: IncidentOutcome | null;
}

export interface TriagePersonView {
  roles: IncidentRole[];
  person: DisclosedPerson;
}

export interface EncompassChildStatus {
  incidentId: string;
  status: string;
  schoolName: string | null;
  dueBy: string | null;
  sentAt: string | null;
  acknowledgedAt: string | null;
}

export interface TriageChildView {
  roles: IncidentRole[];
  person: DisclosedPerson;
  age: number | null;
  search: SearchDisclosure;
  auditEventId: string;
  encompass: EncompassChildStatus[];
}

export interface TriageHouseholdView {
  key: string;
  highestRisk: DashRiskLevel | null;
  indicators: string[];
  incidents: TriageIncidentView[];
  adults: TriagePersonView[];
  children: TriageChildView[];
}

export interface TriageList {
  date: string;
  meetingAt: string;
  households: TriageHouseholdView[];
  auditEventIds: string[];
}

export interface TriageDeps {
  store: Store;
  policy: LoadedPolicy;
  abilities: (context: AccessContext) => PolicyAbility;
  audit: AuditLog;
  logger: Logger;
  matcher: IdentityMatcher;
  federation: Pick<Federation, 'manifests'>;
  enquiries: EnquiryService;
  now: () => Date;
  /** incidents.meeting.time (HH:MM, Europe/London). */
  meetingTime: string;
  /** The MASH's working calendar (queue.workingHours): the previous meeting is the previous working day's. */
  calendar: WorkingCalendar;
  /** queue.referral.maxAgeDays: an enquiry's receivedAt may be no older. */
  referralMaxAgeMs: number;
  /** Operation Encompass status of the children at these incidents; default: the encompass store's (encompassStatusFor). */
  encompass?: (incidentIds: readonly string[]) => Promise<readonly (EncompassChildStatus & { personId: string })[]>;
}

const key = (agency: string, personId: string): string => `${agency}\u0000${personId}`;

/** At most `limit` at once, results in order. */
async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/** The matcher's record of a child as a search: name, date of birth, postcode and NHS number (other agencies' own ids mean nothing elsewhere). */
export function queryFromRecord(record: PersonRecord): PersonQuery {
  const query: PersonQuery = {};
  if (record.family) query.family = record.family;
  if (record.given) query.given = record.given.split(/\s+/)[0]!;
  if (record.birthDate) query.birthDate = record.birthDate;
  if (record.postcode) query.postalCode = record.postcode;
  const nhs = record.identifiers?.filter((i) => i.system === NHS_NUMBER_SYSTEM) ?? [];
  if (nhs.length > 0) query.identifiers = nhs;
  return query;
}

const locationText = (location: StoredIncident['location']): string | null => {
  const parts = [location.description, location.line1, location.line2, location.city, location.postalCode].filter((p): p is string => typeof p === 'string' && p.trim() !== '');
  return parts.length > 0 ? parts.join(', ') : null;
};

/**
 * The incident as a reader under `ability` may see it: the notification's fixed facts, and its place
 * and officer only where the ability discloses police.flags' location and contact fields (with no
 * record scope narrowing them).
 */
export function incidentView(incident: StoredIncident, ability: PolicyAbility, extra: { carriedOver: boolean; outcome: IncidentOutcome | null }): TriageIncidentView {
  const flags = decide(ability, `${incident.agency}.flags`);
  const open = (flags.decision === 'disclose' || flags.decision === 'summarise') && flags.records === undefined;
  const fields = new Set(open ? flags.fields : []);
  const officer = incident.officer;
  const contact = fields.has('contactName') || fields.has('contactPhone') || fields.has('contactEmail');
  return {
    id: incident.id,
    agency: incident.agency,
    reference: incident.incidentId,
    occurredAt: incident.occurredAt,
    risk: incident.riskLevel,
    childrenPresent: incident.childrenPresent,
    location: fields.has('location') ? locationText(incident.location) : null,
    officer: contact
      ? {
          name: fields.has('contactName') ? officer.name ?? null : null,
          role: fields.has('contactRole') ? officer.role ?? null : null,
          organisation: officer.organisation ?? null,
          phone: fields.has('contactPhone') ? officer.phone ?? null : null,
          email: fields.has('contactEmail') ? officer.email ?? null : null,
        }
      : null,
    carriedOver: extra.carriedOver,
    outcome: extra.outcome,
  };
}

/** A person of the household (each once, by agency person id) with every role they had. */
interface Involved {
  agency: string;
  personId: string;
  roles: IncidentRole[];
  person: SourcePerson;
  incidentIds: string[];
}

function involved(incidents: readonly StoredIncident[], roles: ReadonlySet<IncidentRole>): Involved[] {
  const out = new Map<string, Involved>();
  for (const incident of incidents) {
    for (const p of incident.persons as StoredIncidentPerson[]) {
      if (!roles.has(p.role)) continue;
      const k = key(incident.agency, p.personId);
      const seen = out.get(k);
      if (!seen) out.set(k, { agency: incident.agency, personId: p.personId, roles: [p.role], person: p.person, incidentIds: [incident.id] });
      else {
        if (!seen.roles.includes(p.role)) seen.roles.push(p.role);
        if (!seen.incidentIds.includes(incident.id)) seen.incidentIds.push(incident.id);
      }
    }
  }
  return [...out.values()];
}

export function parseOutcome(value: string): IncidentOutcomeKind {
  const id = value.trim().toLowerCase().replace(/_/g, '-') as IncidentOutcomeKind;
  if (!INCIDENT_OUTCOMES.includes(id)) throw badInput(`outcome must be MARAC_REFERRAL, ENCOMPASS_ONLY or NO_FURTHER_ACTION (got "${value.slice(0, 40)}").`, { field: 'outcome' });
  return id;
}

function outcomeReason(value: string): string {
  const trimmed = (value ?? '').trim();
  if (trimmed === '') throw badInput("reason must say why, e.g. 'High risk, repeat victim: MARAC referral made by the IDVA'.", { field: 'reason' });
  if (trimmed.length > OUTCOME_REASON_MAX) throw badInput(`reason must be at most ${OUTCOME_REASON_MAX} characters (got ${trimmed.length}).`, { field: 'reason' });
  return trimmed;
}

export function createTriageService(deps: TriageDeps) {
  const incidents = createIncidentRepository(deps.store);
  const outcomes = createOutcomeRepository(deps.store);
  const purposeOf = () => deps.policy.document.purposes[TRIAGE_PURPOSE];

  /** MASH researchers and managers (the purpose's roles); FORBIDDEN otherwise. */
  function requireMash(actor: Actor, what: string): void {
    const purpose = purposeOf();
    if (!purpose) throw new GatewayError('FORBIDDEN', `The policy in force (${deps.policy.document.version}) has no ${TRIAGE_PURPOSE} purpose, so ${what} is not available.`);
    if (!purpose.roles.some((role) => actor.roles.includes(role))) {
      throw new GatewayError('FORBIDDEN', `${what} is for MASH researchers and managers (${purpose.roles.join(', ')}); your roles: ${actor.roles.join(', ') || 'none'}.`);
    }
  }

  const abilityFor = (actor: Actor, relation: 'child' | 'adult'): PolicyAbility =>
    policyAbility(deps, actor, { purpose: TRIAGE_PURPOSE, consentRecorded: false }, { relation, relevance: null });

  /** The incident's agency's contact (its connector manifest), else the officer. */
  const agencyContact = (incident: StoredIncident): AgencyContact =>
    deps.federation.manifests().find((m) => m.agency === incident.agency)?.contact ?? { name: incident.officer.name ?? incident.agency, ...(incident.officer.phone ? { phone: incident.officer.phone } : {}) };

  /** A refusal or failure before any child's event: recorded, then rethrown (audit down: AUDIT_UNAVAILABLE). */
  async function recordRefusal(scope: RequestScope, error: unknown, reason?: string): Promise<never> {
    await audited(deps, scope, 'domesticAbuseTriage', reason ? { reason } : {}, () => Promise.reject(error));
    throw error;
  }

  async function repeatCounts(household: readonly StoredIncident[], before: Date): Promise<number> {
    const adults = involved(household, ADULT_ROLES);
    if (adults.length === 0) return household.length;
    const seen = new Set<string>();
    for (const agency of new Set(adults.map((a) => a.agency))) {
      const ids = adults.filter((a) => a.agency === agency).map((a) => a.personId);
      const wanted = new Set(ids);
      const found = await incidents.list({ kind: 'domestic-abuse', occurredFrom: new Date(before.getTime() - YEAR_MS).toISOString(), occurredBefore: before.toISOString(), personIds: { agency, ids } });
      for (const incident of found) if (incident.persons.some((p) => ADULT_ROLES.has(p.role) && wanted.has(p.personId))) seen.add(incident.id);
    }
    return Math.max(seen.size, household.length);
  }

  return {
    incidents,
    outcomes,

    /** The meeting's list for a date (YYYY-MM-DD). */
    async list(scope: RequestScope, date: string): Promise<TriageList> {
      const now = deps.now();
      const prepared = await (async () => {
        requireMash(scope.actor, 'The daily domestic-abuse meeting list');
        const day = meetingDate(date, now);
        const childAbility = abilityFor(scope.actor, 'child');
        const adultAbility = abilityFor(scope.actor, 'adult');
        const startsAt = meetingAt(day, deps.meetingTime);
        const previous = previousMeetingAt(day, deps.meetingTime, deps.calendar);
        const { from, to } = londonDay(day);
        const ids = await outcomes.meetingIncidentIds(startsAt, from, to, MAX_TRIAGE_CHILDREN + 1);
        const listed = await incidents.list({ ids });
        const current = await outcomes.current(listed.map((i) => i.id));
        const groups = groupHouseholds(listed);
        const childCount = groups.reduce((sum, g) => sum + involved(g, CHILD_ROLES).length, 0);
        if (childCount > MAX_TRIAGE_CHILDREN) {
          throw new GatewayError('COST_LIMIT', `The list for ${day} has more than ${MAX_TRIAGE_CHILDREN} children to search for; record the outcomes of the carried-over incidents first.`);
        }
        const encompass = listed.length > 0 ? await (deps.encompass ?? ((ids) => encompassStatusFor(deps.store, ids)))(listed.map((i) => i.id)) : [];
        const households = await Promise.all(
          groups.map(async (group) => {
            const carried = (incident: StoredIncident) => Date.parse(incident.firstReceivedAt) < previous.getTime();
            const views = group.map((incident) => incidentView(incident, childAbility, { carriedOver: carried(incident), outcome: current.get(incident.id) ?? null }));
            const adults = involved(group, ADULT_ROLES);
            // One identity answer per agency for the household's adults, as the incident's agency holds them.
            const adultDisclosure = disclosePersons(
              adultAbility,
              [...new Set(adults.map((a) => a.agency))].map((agency) => ({ agency, status: 'answered' as const, persons: adults.filter((a) => a.agency === agency).map((a) => a.person), contact: agencyContact(group.find((i) => i.agency === agency)!) })),
            );
            const disclosedAdults = new Map(adultDisclosure.agencies.flatMap((a) => a.persons.map((p) => [key(p.agency, p.personId), p] as const)));
            return {
              group,
              views,
              adults: adults.flatMap((a) => {
                const person = disclosedAdults.get(key(a.agency, a.personId));
                return person ? [{ roles: a.roles, person }] : [];
              }),
              adultDecisions: auditDecisions(adultDisclosure).map((d): AuditDecision => ({ ...d, personIds: adults.filter((a) => a.agency === d.agency).map((a) => a.personId) })),
              children: involved(group, CHILD_ROLES),
              repeat: await repeatCounts(group, startsAt),
            };
          }),
        );
        // Each child is searched for across every agency from the incident's record of them, a few at a time.
        const work = households.flatMap((h) => h.children.map((child) => ({ h, child })));
        const searched = await mapLimit(work, TRIAGE_SEARCH_CONCURRENCY, async ({ h, child }) => {
          const asked = personRecordFromSource(child.person);
          const { disclosure } = await searchAcross(deps.matcher, scope.federation, childAbility, { query: queryFromRecord(asked), asked });
          const own = disclosePersons(childAbility, [{ agency: child.agency, status: 'answered', persons: [child.person], contact: agencyContact(h.group.find((i) => i.agency === child.agency)!) }]);
          return { h, child, search: disclosure, own };
        });
        return { day, startsAt, households, searched, encompass };
      })().catch((error: unknown) => recordRefusal(scope, error, `domestic-abuse meeting list for ${String(date).slice(0, 20)}`));

      // Keys and order: highest risk, then more indicators, then the earliest incident.
      const { day, startsAt, households, searched, encompass } = prepared;
      const shaped = households.map((h) => {
        const children = searched.filter((s) => s.h === h);
        const highestRisk = h.group.reduce<DashRiskLevel | null>((best, i) => (i.riskLevel && (best === null || ['standard', 'medium', 'high'].indexOf(i.riskLevel) > ['standard', 'medium', 'high'].indexOf(best)) ? i.riskLevel : best), null);
        const indicators = triageIndicators({
          highestRisk,
          childPresent: h.group.some((i) => i.childrenPresent || i.persons.some((p) => p.role === 'child-present')),
          childAges: children.map((c) => ageOn(c.own.agencies[0]?.persons[0]?.birthDate, day)),
          incidentsIn12Months: h.repeat,
          knownToSocialCare: children.some((c) => c.search.people.some((p) => p.records.some((r) => r.agency === 'social-care' && (r.band === 'certain' || r.band === 'probable')))),
          carriedOver: h.views.some((v) => v.carriedOver),
        });
        return { h, children, highestRisk, indicators, earliest: h.group[0]!.occurredAt };
      });
      shaped.sort(compareHouseholds);

      // One event per child, each naming the child, the incidents, every agency person the search
      // showed and the household's adults disclosed; all committed before anything is returned.
      const events: Omit<AccessEventInput, 'requestId' | 'operation' | 'actor'>[] = [];
      const policyRef = { id: deps.policy.document.id, version: deps.policy.document.version };
      shaped.forEach((s, index) => {
        for (const c of s.children) {
          const refs = s.h.group.filter((i) => c.child.incidentIds.includes(i.id)).map((i) => `${i.id} (${i.agency} ${i.incidentId})`);
          events.push({
            outcome: outcomeOf(c.search),
            reason: `Daily domestic-abuse meeting ${day}, household T${index + 1}: child at ${c.child.agency} ${c.child.personId} (${c.child.roles.join(', ')}) of incident ${refs.join(', ')}. ${searchSummary(c.search)}`,
            subjects: [{ subjectId: `${c.child.agency}:${c.child.personId}`, links: [{ agency: c.child.agency, personId: c.child.personId }] }],
            policy: policyRef,
            decisions: [
              ...auditDecisions(c.own).map((d): AuditDecision => ({ ...d, personIds: [c.child.personId], reason: `The child's identity as ${c.child.agency} recorded it at the incident.` })),
              ...auditSearchDecisions(c.search),
              ...s.h.adultDecisions.map((d) => ({ ...d, reason: "The household's adults (victims, suspects) as the incident's agency recorded them." })),
            ],
          });
        }
      });
      if (events.length === 0) events.push({ outcome: 'success', reason: `Daily domestic-abuse meeting ${day}: no incident with a child to list.`, policy: policyRef });
      const base = { requestId: scope.requestId, operation: 'domesticAbuseTriage', actor: { id: scope.actor.id, name: scope.actor.name, agency: scope.actor.agency, roles: scope.actor.roles, issuer: scope.actor.issuer } };
      const committed = await Promise.all(events.map((event) => deps.audit.append({ ...base, ...event })));
      const ids = committed.map((c) => c.id);

      let next = 0;
      const encompassOf = (child: Involved): EncompassChildStatus[] =>
        encompass.filter((e) => e.personId === child.personId && child.incidentIds.includes(e.incidentId)).map(({ personId: _personId, ...status }) => status);
      return {
        date: day,
        meetingAt: startsAt.toISOString(),
        auditEventIds: ids,
        households: shaped.map((s, index) => ({
          key: `T${index + 1}`,
          highestRisk: s.highestRisk,
          indicators: s.indicators,
          incidents: s.h.views,
          adults: s.h.adults,
          children: s.children.map((c) => {
            const person = c.own.agencies[0]?.persons[0];
            if (!person) throw new GatewayError('INTERNAL_ERROR', 'A child of the meeting list was not disclosed under the domestic-abuse-triage purpose; check the policy row.');
            return { roles: c.child.roles, person, age: ageOn(person.birthDate, day), search: c.search, auditEventId: ids[next++]!, encompass: encompassOf(c.child) };
          }),
        })),
      };
    },

    /** Records the meeting's outcome for one incident (not MASH_ENQUIRY: openEnquiryFromIncident). */
    async recordOutcome(scope: RequestScope, incidentId: string, outcome: string, reason: string): Promise<IncidentOutcome> {
      const named = String(incidentId).slice(0, 100);
      const { value } = await audited(deps, scope, 'recordIncidentOutcome', { reason: `outcome ${String(outcome).slice(0, 40)} for incident ${named}` }, async () => {
        requireMash(scope.actor, 'Recording a daily meeting outcome');
        const kind = parseOutcome(outcome);
        if (kind === 'mash-enquiry') throw badInput('MASH_ENQUIRY is recorded by opening the enquiry: use openEnquiryFromIncident, which records it with the enquiry.', { field: 'outcome' });
        const why = outcomeReason(reason);
        const incident = await incidents.get(incidentId);
        if (!incident) throw new GatewayError('NOT_FOUND', `No incident ${named}: pass a TriageIncident.id from the daily meeting list.`);
        const recorded = await outcomes.record({ incidentId: incident.id, outcome: kind, reason: why, by: { issuer: scope.actor.issuer, id: scope.actor.id, name: scope.actor.name }, now: deps.now() });
        // The reason stays with the outcome: the event says what was decided, not why.
        return { value: recorded, event: { outcome: 'success', reason: `outcome ${kind} recorded for incident ${incident.id} (${incident.agency} ${incident.incidentId})` } };
      });
      return value;
    },

    /**
     * Opens a MASH enquiry from an incident through the enquiry service (its checks: the purpose
     * must open enquiries, the roles, consent), the referral carried over from the incident, and
     * the incident's outcome MASH_ENQUIRY recorded in the enquiry's transaction.
     */
    async openEnquiry(scope: RequestScope, incidentId: string, input: OpenEnquiryInput, reason: string): Promise<Enquiry> {
      const named = String(incidentId).slice(0, 100);
      const { value } = await audited(deps, scope, 'openEnquiryFromIncident', { reason: `open an enquiry from incident ${named}` }, async () => {
        requireMash(scope.actor, 'Opening an enquiry from an incident');
        const why = outcomeReason(reason);
        const incident = await incidents.get(incidentId);
        if (!incident) throw new GatewayError('NOT_FOUND', `No incident ${named}: pass a TriageIncident.id from the daily meeting list.`);
        const now = deps.now();
        const opened = (await outcomes.current([incident.id])).get(incident.id);
        if (opened?.outcome === 'mash-enquiry') throw new GatewayError('CONFLICT', `Enquiry ${opened.enquiryId} was already opened from incident ${incident.id}; add to it rather than opening another.`);
        // The referral is the incident: the police referred it, when the feed first gave it to the gateway.
        const received = Date.parse(incident.firstReceivedAt);
        const officer = incident.officer;
        const agencyName = deps.federation.manifests().find((m) => m.agency === incident.agency)?.name ?? incident.agency;
        const carried: OpenEnquiryInput = {
          ...input,
          source: { kind: 'agency', organisation: (officer.organisation ?? agencyName).slice(0, 200), referrerName: (officer.name ?? 'Attending officer').slice(0, 200), referrerRole: officer.role ? officer.role.slice(0, 200) : null },
          concernCategories: [...(input.concernCategories ?? []), 'domestic-abuse'],
          receivedAt: now.getTime() - received <= deps.referralMaxAgeMs && received <= now.getTime() ? incident.firstReceivedAt : null,
        };
        const enquiry = await deps.enquiries.open(scope.actor, carried, now, {
          sourceIncidentId: incident.id,
          alongside: async (tx, made) => {
            await outcomes.record({ incidentId: incident.id, outcome: 'mash-enquiry', reason: why, enquiryId: made.id, by: { issuer: scope.actor.issuer, id: scope.actor.id, name: scope.actor.name }, now }, tx);
          },
        });
        return { value: enquiry, event: { outcome: 'success', enquiry: auditEnquiry(enquiry), reason: `enquiry opened from incident ${incident.id} (${incident.agency} ${incident.incidentId}); outcome mash-enquiry recorded` } };
      });
      return value;
    },

    /**
     * The incident an enquiry was opened from, for the enquiry's members (others: null), audited:
     * its place and officer only as the enquiry's purpose allows police.flags' fields.
     */
    async sourceIncident(scope: RequestScope, enquiry: Enquiry): Promise<TriageIncidentView | null> {
      if (!enquiry.sourceIncidentId) return null;
      if (!enquiry.members.some((m) => sameActor({ issuer: m.issuer, id: m.actorId }, scope.actor))) return null;
      const { value } = await audited(deps, scope, 'sourceIncident', { enquiry: { id: enquiry.id } }, async () => {
        const incident = await incidents.get(enquiry.sourceIncidentId!);
        if (!incident) return { value: null, event: { outcome: 'success', enquiry: auditEnquiry(enquiry), reason: 'source incident no longer stored' } };
        const ability = policyAbility(deps, scope.actor, enquiry, { relation: 'child', relevance: null });
        const outcome = (await outcomes.current([incident.id])).get(incident.id) ?? null;
        return {
          value: incidentView(incident, ability, { carriedOver: false, outcome }),
          event: { outcome: 'success', enquiry: auditEnquiry(enquiry), reason: `source incident ${incident.id} (${incident.agency} ${incident.incidentId})` },
        };
      });
      return value;
    },
  };
}

export type TriageService = ReturnType<typeof createTriageService>;
