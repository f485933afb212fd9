/**
 * The household of an enquiry's child (issue 12, item 4): who the agencies record with the child,
 * as candidates for the researcher to confirm (linkSubject, relation CHILD or ADULT; for an adult,
 * the relevance the policy needs before any of their detail is shared, WT23).
 *
 *   enquiry check (member, open, child subject with links)
 *   -> householdOf(child's links) and fetchPersons(child's links)        (federation, in parallel)
 *   -> the child's identity through the gate (their own relation)        (addresses to search)
 *   -> personsAtAddress(the child's disclosed current addresses)          (UPRN first)
 *   -> rankHousehold: the child's own records set aside, records grouped into people with the
 *      identity matcher, each banded on identity and household evidence   (pure)
 *   -> discloseHousehold: each candidate's identity through the gate as for the relation they
 *      would have                                                         (pure)
 *   -> one audit event naming the persons shown, committed; then the persons shown are kept
 *      against it (enquiry_search_shown), so each may be linked.
 */
import type { Address, AgencyContact, SourcePerson } from '../../../connectors/sdk/index.js';
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
  policyAbility,
  shownHouseholdPersons,
  type AccessServices,
  type HouseholdCandidate,
  type PersonAnswer,
  type RequestScope,
  type WithheldMarker,
} from '../../disclosure/index.js';
import { schoolOf } from '../../disclosure/school-roll.js';
import type { Enquiry, EnquirySubject } from '../../enquiries/index.js';
import { GatewayError, badInput } from '../../errors.js';
import type { AuditDecision } from '../../audit/index.js';
import type { WorkspaceAgencyAnswer, WorkspaceAgencyStatus } from '../conflicts/index.js';
import { addressSearches, collectCandidates, rankHousehold } from './candidates.js';

export { addressSearches, collectCandidates, HOUSEHOLD_RELATIONSHIPS_STRONG, rankHousehold, type CandidateRecord, type HouseholdRanking } from './candidates.js';
export { HOUSEHOLD_CALLS_PER_AGENCY, MAX_ADDRESS_SEARCHES } from './limits.js';

export interface HouseholdAnswer {
  enquiry: Enquiry;
  subject: EnquirySubject;
  agencies: WorkspaceAgencyAnswer[];
  candidates: readonly HouseholdCandidate[];
  /** How many of the child's current addresses were searched (0 when the policy withholds them). */
  addressesSearched: number;
  /** Agency records judged to be the child's own (not linked to the enquiry): not candidates. */
  childRecordsSetAside: number;
  auditEventId: string;
  policyVersion: string;
}

const countOf = (n: number, noun: string) => `${n} ${noun}${n === 1 ? '' : 's'}`;

export function createHousehold(services: AccessServices) {
  return {
    async household(scope: RequestScope, enquiryId: string, subjectId: string): Promise<HouseholdAnswer> {
      let shownCount = 0;
      const { value, eventId } = await audited(services, scope, 'household', { enquiry: { id: enquiryId }, subjects: [{ subjectId, links: [] }] }, async () => {
        // ENC: a school DSL hears about the child on their roll and nothing else: not their household.
        const school = schoolOf(services.policy.document.crossCutting.schoolRoll, scope.actor);
        if (school !== undefined) throw new GatewayError('FORBIDDEN', 'Finding a child’s household is not part of a school’s Operation Encompass notification.');
        const now = services.now();
        const { enquiry, subject } = await services.enquiries.authoriseRead(scope.actor, enquiryId, subjectId, now);
        if (subject.relation !== 'child') throw badInput(`Subject ${subjectId} is a household adult; a household is found from the enquiry's child.`, { field: 'subjectId' });
        const childAbility = policyAbility(services, scope.actor, enquiry, subject);
        // Each candidate's identity is decided as for the relation they would have, without
        // recorded relevance (they are not subjects yet): WT23.
        const abilityOf = (relation: 'child' | 'adult') => policyAbility(services, scope.actor, enquiry, { relation, relevance: null });

        const [households, childIdentity] = await Promise.all([scope.federation.householdOf(subject.links), scope.federation.fetchPersons(subject.links)]);

        // The child's addresses are searched only as far as the gate discloses them to this
        // enquiry: an address the policy withholds is not used to find anyone.
        const childAnswers = childIdentity.filter((a): a is PersonAnswer => a.status === 'answered' || a.status === 'unavailable');
        const childDisclosure = disclosePersons(childAbility, childAnswers);
        const childAddresses: Address[] = [];
        for (const agency of childDisclosure.agencies) {
          for (const person of agency.persons) {
            if (!isDisclosed(person)) continue;
            const current = person.addresses?.find((a) => !a.to?.trim());
            if (current) childAddresses.push(current);
          }
        }
        const { queries, agreed } = addressSearches(childAddresses);
        const atAddress = queries.length > 0 ? await scope.federation.personsAtAddress(queries) : [];

        // Raw answers stay here: they go to the matcher and the gate, never to the caller.
        const linked = new Set(subject.links.map((l) => candidateKey(l.agency, l.personId)));
        const persons = new Map<string, SourcePerson>();
        const contacts = new Map<string, AgencyContact>();
        const members: Parameters<typeof collectCandidates>[0][number][] = [];
        for (const answer of households) {
          if (answer.status !== 'answered') continue;
          contacts.set(answer.agency, answer.contact);
          for (const { member } of answer.members) members.push({ agency: answer.agency, member });
        }
        const found: { agency: string; person: SourcePerson }[] = [];
        for (const answer of atAddress) {
          if (answer.status !== 'answered') continue;
          contacts.set(answer.agency, answer.contact);
          for (const person of answer.persons) found.push({ agency: answer.agency, person });
        }
        const candidates = collectCandidates(members, found, queries.map((q) => ({ ...q })), (agency, personId) => linked.has(candidateKey(agency, personId)));
        for (const c of candidates) persons.set(candidateKey(c.agency, c.personId), c.person);
        const childRaw = childAnswers.flatMap((a) => (a.status === 'answered' ? a.persons : []));
        const ranking = rankHousehold(services.matcher, candidates, childRaw, agreed, now.toISOString().slice(0, 10));
        const disclosure = discloseHousehold(abilityOf, ranking, persons, contacts);

        // Each agency's answer: unavailable if any of its calls failed (a partial answer must not
        // pass for "no one"), not supported if it offers neither household method.
        const agencies: WorkspaceAgencyAnswer[] = [];
        const failures: AuditDecision[] = [];
        for (const agency of services.federation.agencies()) {
          const household = households.find((a) => a.agency === agency);
          const address = atAddress.find((a) => a.agency === agency);
          const child = childIdentity.find((a) => a.agency === agency);
          const unavailable = [household, address, child].find((a) => a?.status === 'unavailable') as { reason: string } | undefined;
          const withheld: WithheldMarker[] = disclosure.withheld.filter((m) => m.agency === agency);
          let status: WorkspaceAgencyStatus;
          let detail: string | undefined;
          if (unavailable) {
            status = 'UNAVAILABLE';
            detail = unavailable.reason;
            failures.push({ agency, category: `${agency}.*`, decision: 'unavailable', fields: [], recordIds: [], markers: 0, reason: unavailable.reason });
          } else if ((household?.status === 'not-supported' || household?.status === 'not-linked') && (address === undefined || address.status === 'not-supported')) {
            status = household.status === 'not-supported' || address?.status === 'not-supported' ? 'NOT_SUPPORTED' : 'NO_RECORD';
            detail =
              status === 'NOT_SUPPORTED'
                ? `${agency}'s connector does not offer the household capability${household.status === 'not-linked' ? ' (and no record of the child there is linked)' : ''}; nothing was asked of it.`
                : 'No record at this agency is linked to the child, and no address of the child was searched.';
          } else {
            const shown = disclosure.candidates.some((c) => c.records.some((r) => r.agency === agency));
            status = shown || withheld.length > 0 ? 'RECORDS' : 'NO_RECORD';
            // A declined address search is said, so "no one" is never read into it.
            const refused = address?.status === 'answered' ? (address.refused ?? 0) : 0;
            if (refused > 0) detail = `${agency} declined ${countOf(refused, 'address search')} of the child's (e.g. an address with too many residents to be one household); persons recorded there are not listed.`;
          }
          agencies.push({ agency, status, ...(detail !== undefined ? { detail } : {}), withheld });
        }

        const childReads = auditDecisions(childDisclosure)
          .filter((d) => d.decision !== 'unavailable')
          .map((d) => ({ ...d, reason: "The child's identity, read to search the child's current addresses; not shown." }));
        const decisions = [...childReads, ...auditHouseholdDecisions(disclosure), ...failures];
        const byBand = (band: string) => disclosure.candidates.filter((c) => c.band === band).length;
        shownCount = disclosure.candidates.length;
        return {
          value: {
            enquiry,
            subject,
            agencies,
            candidates: disclosure.candidates,
            addressesSearched: queries.length,
            childRecordsSetAside: ranking.childRecords.length,
            policyVersion: services.policy.document.version,
          },
          event: {
            outcome: failures.length > 0 ? 'partial' : 'success',
            reason: `${countOf(disclosure.candidates.length, 'household candidate')} shown (${byBand('certain')} certain, ${byBand('probable')} probable, ${byBand('possible')} possible); ${countOf(queries.length, 'address')} of the child searched; ${countOf(ranking.childRecords.length, "record")} judged the child's own set aside.`,
            enquiry: auditEnquiry(enquiry),
            subjects: [auditSubject(subject)],
            policy: { id: services.policy.document.id, version: services.policy.document.version },
            decisions,
            ...(enquiry.breakGlassJustification !== null ? { breakGlass: true } : {}),
          },
        };
      });
      // Like a search: the persons shown are kept against the committed event before the answer
      // leaves, so the researcher can confirm each (linkSubject); nothing is shown if this fails.
      if (shownCount > 0) {
        await services.shown.record(
          enquiryId,
          shownHouseholdPersons(value),
          { auditEventId: eventId, actorId: scope.actor.id, issuer: scope.actor.issuer },
          services.now(),
        );
      }
      return { ...value, auditEventId: eventId };
    },
  };
}

export type Household = ReturnType<typeof createHousehold>;
