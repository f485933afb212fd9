/**
 * Conflicts between agencies about one linked person (issue 12, item 6). The identity each
 * linked record holds now is read with the household capability's fetchPersons, passes the gate
 * as the subject's `<agency>.identity` (relation and recorded relevance as for their profile), and
 * only what the gate disclosed is compared (compare.ts). Audited like `profile`: one event, every
 * gate decision, committed before the answer is returned.
 */
import type { AgencyContact, SourcePerson } from '../../../connectors/sdk/index.js';
import type { AuditDecision } from '../../audit/index.js';
import {
  audited,
  auditDecisions,
  auditEnquiry,
  auditHouseholdDecisions,
  auditSubject,
  candidateKey,
  discloseHousehold,
  disclosePersons,
  isDisclosed,
  outcomeOf,
  policyAbility,
  type AccessServices,
  type DisclosedPerson,
  type HouseholdAnswer,
  type PersonAnswer,
  type RequestScope,
  type WithheldMarker,
} from '../../disclosure/index.js';
import { collectCandidates, HOUSEHOLD_RELATIONSHIPS_STRONG, rankHousehold } from '../household/candidates.js';
import { requireOnRoll, schoolOf } from '../../disclosure/school-roll.js';
import type { Enquiry, EnquirySubject } from '../../enquiries/index.js';
import { GatewayError } from '../../errors.js';
import { compareHouseholds, compareIdentities, type FieldConflict, type HouseholdPersonView, type HouseholdRecorder, type IdentityView } from './compare.js';

export { compareHouseholds, compareIdentities, WITHHELD_BY_POLICY, type ConflictField, type ConflictKind, type ConflictSide, type FieldConflict, type IdentityView } from './compare.js';

/** What one agency answered about the linked person: the four statuses of invariant 6, and "not supported". */
export type WorkspaceAgencyStatus = 'RECORDS' | 'NO_RECORD' | 'UNAVAILABLE' | 'NOT_SUPPORTED';

export interface WorkspaceAgencyAnswer {
  agency: string;
  status: WorkspaceAgencyStatus;
  detail?: string;
  /** The identity category's marker where the policy withholds it whole. */
  withheld: readonly WithheldMarker[];
}

export interface ConflictsAnswer {
  enquiry: Enquiry;
  subject: EnquirySubject;
  agencies: WorkspaceAgencyAnswer[];
  conflicts: FieldConflict[];
  /** The records compared: each agency record of the subject the gate disclosed. */
  compared: number;
  auditEventId: string;
  policyVersion: string;
}

/** Only gate output is compared: a value the gate did not make is refused (invariant 2 at run time). */
function gated(person: DisclosedPerson): DisclosedPerson {
  if (!isDisclosed(person)) throw new GatewayError('INTERNAL_ERROR', 'Refused to compare a value that did not pass the disclosure gate.');
  return person;
}

const countOf = (n: number, noun: string) => `${n} ${noun}${n === 1 ? '' : 's'}`;

const FAMILY: ReadonlySet<string> = new Set(['parent', 'step-parent', 'carer', 'partner-of-parent', 'sibling', 'child', 'partner', 'other-relative']);

/**
 * Household composition as each agency records it (householdOf): the members are grouped across
 * agencies with the identity matcher and their identity passes the gate as for the relation they
 * would have, exactly as for `household`; only members an agency places in the household (same
 * address, or a household relationship, not a mere associate) are compared.
 */
function householdComposition(
  services: AccessServices,
  scope: RequestScope,
  enquiry: Enquiry,
  subject: EnquirySubject,
  households: readonly HouseholdAnswer[],
  views: readonly IdentityView[],
  asked: readonly PersonAnswer[],
): { conflicts: FieldConflict[]; decisions: AuditDecision[]; failures: AuditDecision[] } {
  const failures: AuditDecision[] = households
    .filter((a): a is Extract<HouseholdAnswer, { status: 'unavailable' }> => a.status === 'unavailable')
    .map((a) => ({ agency: a.agency, category: `${a.agency}.*`, decision: 'unavailable' as const, fields: [], recordIds: [], markers: 0, reason: a.reason }));
  const answered = households.filter((a): a is Extract<HouseholdAnswer, { status: 'answered' }> => a.status === 'answered');
  // An agency takes part only with its record of the subject disclosed (its side's provenance).
  const recorders: HouseholdRecorder[] = answered.flatMap((a) => {
    const view = views.find((v) => v.agency === a.agency);
    return view ? [{ agency: a.agency, personId: view.personId, provenance: view.provenance }] : [];
  });
  if (recorders.length < 2) return { conflicts: [], decisions: [], failures };
  const linked = new Set(subject.links.map((l) => candidateKey(l.agency, l.personId)));
  const members = answered
    .filter((a) => recorders.some((r) => r.agency === a.agency))
    .flatMap((a) => a.members.filter(({ member }) => member.basis === 'same-address' || HOUSEHOLD_RELATIONSHIPS_STRONG.has(member.relationship)).map(({ member }) => ({ agency: a.agency, member })));
  const candidates = collectCandidates(members, [], [], (agency, personId) => linked.has(candidateKey(agency, personId)));
  const own = asked.flatMap((a) => (a.status === 'answered' ? a.persons : []));
  const ranking = rankHousehold(services.matcher, candidates, own, [], services.now().toISOString().slice(0, 10));
  const persons = new Map<string, SourcePerson>(candidates.map((c) => [candidateKey(c.agency, c.personId), c.person]));
  const contacts = new Map<string, AgencyContact>(answered.map((a) => [a.agency, a.contact]));
  const disclosure = discloseHousehold((relation) => policyAbility(services, scope.actor, enquiry, { relation, relevance: null }), ranking, persons, contacts);
  const people: HouseholdPersonView[] = disclosure.candidates.map((candidate) => {
    const named = candidate.records.map((r) => r.person).find((p) => p.names && p.names.length > 0);
    const name = named?.names?.[0] ? [named.names[0].given.join(' '), named.names[0].family].filter(Boolean).join(' ') : undefined;
    return {
      ...(name ? { name } : {}),
      records: candidate.records.map((r) => {
        const related = r.evidence.find((e) => e.relationship !== undefined && FAMILY.has(e.relationship));
        const evidence = related ?? r.evidence[0];
        return { agency: r.agency, personId: r.personId, ...(related?.relationship ? { relationship: related.relationship } : {}), provenance: evidence?.provenance ?? r.person.provenance };
      }),
    };
  });
  return { conflicts: compareHouseholds(recorders, people), decisions: auditHouseholdDecisions(disclosure), failures };
}

export function createConflicts(services: AccessServices) {
  return {
    async conflicts(scope: RequestScope, enquiryId: string, subjectId: string): Promise<ConflictsAnswer> {
      const { value, eventId } = await audited(services, scope, 'conflicts', { enquiry: { id: enquiryId }, subjects: [{ subjectId, links: [] }] }, async () => {
        const rollRule = services.policy.document.crossCutting.schoolRoll;
        const school = schoolOf(rollRule, scope.actor);
        const { enquiry, subject } = await services.enquiries.authoriseRead(scope.actor, enquiryId, subjectId, services.now());
        // ENC: a school DSL reads only about a child on their school's roll, here as in profile.
        if (school !== undefined && rollRule) await requireOnRoll(scope.federation, subject.links, school, rollRule);
        const compiled = policyAbility(services, scope.actor, enquiry, subject);
        const [answers, households] = await Promise.all([scope.federation.fetchPersons(subject.links), scope.federation.householdOf(subject.links)]);
        const asked: PersonAnswer[] = [];
        const agencies = new Map<string, WorkspaceAgencyAnswer>();
        for (const answer of answers) {
          if (answer.status === 'not-linked') continue;
          if (answer.status === 'not-supported') agencies.set(answer.agency, { agency: answer.agency, status: 'NOT_SUPPORTED', detail: answer.reason, withheld: [] });
          else asked.push(answer);
        }
        const disclosure = disclosePersons(compiled, asked);
        for (const result of disclosure.agencies) {
          agencies.set(result.agency, {
            agency: result.agency,
            status: result.status,
            ...(result.detail !== undefined ? { detail: result.detail } : {}),
            withheld: result.withheld,
          });
        }
        const views = disclosure.agencies.flatMap((a) => a.persons.map(gated));
        const composition = householdComposition(services, scope, enquiry, subject, households, views, asked);
        const conflicts = [...compareIdentities(views), ...composition.conflicts];
        const order = answers.map((a) => a.agency);
        return {
          value: {
            enquiry,
            subject,
            agencies: [...agencies.values()].sort((a, b) => order.indexOf(a.agency) - order.indexOf(b.agency)),
            conflicts,
            compared: views.length,
            policyVersion: disclosure.policy.version,
          },
          event: {
            outcome: composition.failures.length > 0 ? 'partial' : outcomeOf(disclosure),
            reason: `${countOf(views.length, 'agency record')} compared; ${countOf(conflicts.length, 'difference')} found${conflicts.length > 0 ? ` (${conflicts.map((c) => `${c.field}: ${c.kind}`).join(', ')})` : ''}.`,
            enquiry: auditEnquiry(enquiry),
            subjects: [auditSubject(subject)],
            policy: disclosure.policy,
            decisions: [...auditDecisions(disclosure), ...composition.decisions, ...composition.failures],
            ...(enquiry.breakGlassJustification !== null ? { breakGlass: true } : {}),
          },
        };
      });
      return { ...value, auditEventId: eventId };
    },
  };
}

export type Conflicts = ReturnType<typeof createConflicts>;
