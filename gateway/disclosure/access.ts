import type { PersonQuery } from '../../connectors/sdk/index.js';
import type { AccessContext, LoadedPolicy, PolicyAbility } from '../../policies/index.js';
import type { AccessEventInput, AuditActor, AuditDecision, AuditEnquiry, AuditLog, AuditSettings, AuditSubject } from '../audit/index.js';
import type { Actor } from '../auth/index.js';
import type { Enquiry, EnquiryService, EnquirySubject, ReviewRepository, SearchShownRepository } from '../enquiries/index.js';
import { GatewayError, isGatewayError } from '../errors.js';
import type { Federation, RequestFederation } from '../federation/index.js';
import type { IdentityMatcher, SearchCandidate } from '../identity/search.js';
import type { PersonRecord } from '../identity/types.js';
import { searchPasses } from '../identity/search-passes.js';
import { personRecordFromQuery, personRecordFromSource } from '../identity/source-person.js';
import { sharesFamilyName } from '../identity/surname.js';
import type { Logger } from '../log.js';
import type { Store } from '../store/index.js';
import type { QueueService } from '../workspace/queue/index.js';
import { auditDecisions, auditSearchDecisions, candidateKey, discloseRecords, discloseSearch, shownPersons, type AgencyAnswer, type AgencyDisclosure, type DisclosedRecord, type Disclosure, type PersonAnswer, type ReviewLookup, type ReviewState, type SearchDisclosure, type SearchRanking } from './gate.js';
import { narrowSearchToRoll, requireOnRoll, schoolOf } from './school-roll.js';

/**
 * The one path every disclosure takes (ARCHITECTURE.md): enquiry check -> ability -> federation
 * -> gate -> audit (awaited) -> answer. Nothing leaves here before its AccessEvent is committed,
 * and refusals are recorded too.
 */
export interface AccessServices {
  enquiries: EnquiryService;
  reviews: ReviewRepository;
  /** Where each search's shown persons are kept (linkSubject checks against them). */
  shown: SearchShownRepository;
  policy: LoadedPolicy;
  /** For information-governance reads of the audit log. */
  store: Store;
  /** Signs checkpoints for inclusion proofs. */
  auditSettings: AuditSettings;
  audit: AuditLog;
  abilities: (context: AccessContext) => PolicyAbility;
  federation: Federation;
  /** Scores and groups person-search candidates (made once, from `identity` configuration). */
  matcher: IdentityMatcher;
  logger: Logger;
  now: () => Date;
  /** The triage queue, assignments, deadlines and the referral (gateway/workspace/queue). */
  queue?: QueueService;
}

export interface RequestScope {
  requestId: string;
  actor: Actor;
  federation: RequestFederation;
}

type EventParts = Omit<AccessEventInput, 'requestId' | 'operation' | 'actor'>;

export const auditActor = (actor: Actor): AuditActor => ({
  id: actor.id,
  name: actor.name,
  agency: actor.agency,
  roles: actor.roles,
  issuer: actor.issuer,
  ...(actor.school !== undefined ? { school: actor.school } : {}),
});

export const auditEnquiry = (enquiry: Enquiry): AuditEnquiry => ({
  id: enquiry.id,
  purpose: enquiry.purpose,
  legalBasis: enquiry.legalBasis,
  consent: enquiry.consentRecorded,
});

export const auditSubject = (subject: EnquirySubject): AuditSubject => ({
  subjectId: subject.id,
  links: subject.links.map((l) => ({ agency: l.agency, personId: l.personId })),
});

/**
 * Runs an operation and records it. Success: the event is committed before the value is returned.
 * Refusal or failure: the event is committed, then the original error is rethrown. If the audit
 * log cannot commit, the caller gets AUDIT_UNAVAILABLE and nothing else (invariant 3).
 */
export async function audited<T>(
  services: Pick<AccessServices, 'audit' | 'logger'> & { policy?: LoadedPolicy },
  scope: { requestId: string; actor: Actor | null },
  operation: string,
  attempt: Partial<EventParts>,
  body: () => Promise<{ value: T; event: EventParts }>,
): Promise<{ value: T; eventId: string }> {
  // Every event names the policy in force, whatever the operation.
  const policy = services.policy ? { policy: { id: services.policy.document.id, version: services.policy.document.version } } : {};
  const base = { requestId: scope.requestId, operation, actor: scope.actor ? auditActor(scope.actor) : null, ...policy };
  let outcome: { value: T; event: EventParts };
  try {
    outcome = await body();
  } catch (error) {
    const refused = isGatewayError(error) && error.code !== 'INTERNAL_ERROR' && error.code !== 'AUDIT_UNAVAILABLE';
    if (isGatewayError(error) && error.code === 'AUDIT_UNAVAILABLE') throw error;
    await services.audit.append({
      ...base,
      ...attempt,
      outcome: refused ? 'refused' : 'failed',
      outcomeCode: isGatewayError(error) ? error.code : 'INTERNAL_ERROR',
      reason: attempt.reason ?? (isGatewayError(error) ? error.message : 'internal error'),
    });
    throw error;
  }
  const committed = await services.audit.append({ ...base, ...outcome.event });
  return { value: outcome.value, eventId: committed.id };
}

export interface ProfileAnswer {
  enquiry: Enquiry;
  subject: EnquirySubject;
  disclosure: Disclosure<AgencyDisclosure>;
  auditEventId: string;
}

/** One subject of a disclosure step, with the gate's output for it. */
export interface SubjectDisclosure {
  subject: EnquirySubject;
  disclosure: Disclosure<AgencyDisclosure>;
  /** What each extra source (e.g. the contact log) disclosed about the subject, in the order the sources were given. */
  sourced?: readonly SourcedDisclosure[];
}

/** One extra source's gate output for one subject. */
export interface SourcedDisclosure {
  source: string;
  /** How the source's records are cited (the contact log: `contact:<id>`). */
  reference: (record: DisclosedRecord) => string;
  disclosure: Disclosure<AgencyDisclosure>;
}

/**
 * Information held outside the agencies' systems (the contact log) that a disclosure step reads
 * with the agencies: `disclose` must pass its records through the gate with the ability it is
 * given and must not audit (the step's one event carries its decisions); it may ask for originator
 * reviews as the step does (`requestedBy`).
 */
export interface SubjectSource {
  readonly name: string;
  reference(record: DisclosedRecord): string;
  disclose(enquiry: Enquiry, subject: EnquirySubject, compiled: PolicyAbility, reviews: ReviewLookup, requestedBy: Actor): Promise<Disclosure<AgencyDisclosure>>;
}

/** The subjects disclosed in one audited step: the subject asked about first. */
export interface SubjectsAnswer {
  enquiry: Enquiry;
  subjects: SubjectDisclosure[];
  auditEventId: string;
}

export interface SearchAnswer {
  disclosure: SearchDisclosure;
  auditEventId: string;
}

/** Every agency's answers as the matcher's candidates (one per agency person id). */
export function searchCandidates(answers: readonly PersonAnswer[]): SearchCandidate[] {
  const candidates = new Map<string, SearchCandidate>();
  for (const answer of answers) {
    if (answer.status !== 'answered') continue;
    for (const person of answer.persons) {
      const key = candidateKey(answer.agency, person.personId);
      if (!candidates.has(key)) candidates.set(key, { agency: answer.agency, personId: person.personId, record: personRecordFromSource(person) });
    }
  }
  return [...candidates.values()];
}

/**
 * A person search across every agency for whom `asked` describes: search passes (each relaxing one
 * field, so nicknames, slips and swaps come back to be scored) fanned out through the federation,
 * every agency's candidates scored and grouped by the matcher into likely people, and only those
 * at or above the possible band passed through the gate (proportionality). `narrow` may cut the
 * answers and ranking further before the gate (ENC: a school DSL sees only the school's pupils).
 * Never links anyone, and does not audit: the caller's event carries auditSearchDecisions.
 * Shared by searchPeople and the daily domestic-abuse triage (gateway/incidents/triage).
 */
export async function searchAcross<N extends { answers: PersonAnswer[]; ranking: SearchRanking }>(
  matcher: IdentityMatcher,
  federation: Pick<RequestFederation, 'searchPersons'>,
  compiled: PolicyAbility,
  search: { query: PersonQuery; asked: PersonRecord },
  narrow?: (fetched: readonly PersonAnswer[], ranked: SearchRanking) => N,
): Promise<{ disclosure: SearchDisclosure; candidates: SearchCandidate[]; narrowed: N | undefined }> {
  const fetched = await federation.searchPersons(searchPasses(search.query));
  const candidates = searchCandidates(fetched);
  const ranked = matcher.rank(search.asked, candidates);
  const narrowed = narrow?.(fetched, ranked);
  const disclosure = discloseSearch(compiled, narrowed?.answers ?? fetched, narrowed?.ranking ?? ranked);
  return { disclosure, candidates, narrowed };
}

/** The event's one-line account of a search: how many likely people, their bands, and what was left out. */
export function searchSummary(disclosure: SearchDisclosure): string {
  const people = disclosure.people.map((p) => `${p.key} ${p.band}`).join(', ');
  const left = disclosure.notShown.reduce((sum, n) => sum + n.count, 0);
  return `${disclosure.people.length} likely ${disclosure.people.length === 1 ? 'person' : 'people'} shown${people ? ` (${people})` : ''}; ${left} ${left === 1 ? 'candidate' : 'candidates'} below the possible match band not shown.`;
}

/**
 * One subject's share of a federation answer fetched for several subjects: per agency, only the
 * records about the persons linked to that subject (an agency with no link for it is not-linked,
 * whatever it answered for the others).
 */
function answersOf(answers: readonly AgencyAnswer[], subject: EnquirySubject): AgencyAnswer[] {
  return answers.map((answer): AgencyAnswer => {
    const linked = new Set(subject.links.filter((l) => l.agency === answer.agency).map((l) => l.personId));
    if (linked.size === 0) return { agency: answer.agency, status: 'not-linked' };
    if (answer.status !== 'answered') return answer;
    return { ...answer, records: answer.records.filter((r) => linked.has(r.personId)) };
  });
}

/** Partial when an agency could not answer. */
export const outcomeOf = (disclosure: Disclosure<unknown>): 'success' | 'partial' => (disclosure.failures.length > 0 ? 'partial' : 'success');

/**
 * The compiled policy for a read about one subject: the actor's roles, the enquiry's purpose and
 * consent, the subject's relation and whether their relevance is recorded. Outside the policy's
 * effective dates nothing is shared (FORBIDDEN), like a data-sharing agreement.
 */
export function policyAbility(
  services: Pick<AccessServices, 'policy' | 'abilities' | 'now'>,
  actor: Actor,
  enquiry: Pick<Enquiry, 'purpose' | 'consentRecorded'>,
  subject: Pick<EnquirySubject, 'relation' | 'relevance'>,
): PolicyAbility {
  const { effective, id, version } = services.policy.document;
  const today = services.now().toISOString().slice(0, 10);
  if (today < effective.from || (effective.to !== undefined && today > effective.to)) {
    throw new GatewayError(
      'FORBIDDEN',
      `Policy ${id} ${version} is in effect from ${effective.from}${effective.to ? ` to ${effective.to}` : ''}, not on ${today}: no agency information can be shared until a current policy is loaded.`,
    );
  }
  return services.abilities({ roles: actor.roles, purpose: enquiry.purpose, consent: enquiry.consentRecorded, relation: subject.relation, relevance: subject.relevance !== null });
}

export function createAccess(services: AccessServices) {
  const abilityFor = (actor: Actor, enquiry: Enquiry, subject: Pick<EnquirySubject, 'relation' | 'relevance'>): PolicyAbility => policyAbility(services, actor, enquiry, subject);

  const access = {
    /**
     * The one audited "disclose these subjects of this enquiry" step that `profile`, `chronology`
     * and the risk indicators share. `subjectId` must be a linked subject of an open enquiry the
     * actor belongs to; with `household`, every other subject of the enquiry with a link in force
     * is disclosed too (the household members linked to the enquiry). Each subject is decided with
     * its own ability (relation and recorded relevance: WT23, a household adult without recorded
     * relevance gets only what the policy allows for that), all subjects' links are fetched in one
     * federation call, and one AccessEvent names every subject and every decision (each decision
     * carrying its subject when there are several), committed before anything is returned.
     */
    async discloseSubjects(scope: RequestScope, operation: string, enquiryId: string, subjectId: string, options: { household?: boolean; sources?: readonly SubjectSource[] } = {}): Promise<SubjectsAnswer> {
      const { value, eventId } = await audited(
        services,
        scope,
        operation,
        { enquiry: { id: enquiryId }, subjects: [{ subjectId, links: [] }] },
        async () => {
          const rollRule = services.policy.document.crossCutting.schoolRoll;
          const school = schoolOf(rollRule, scope.actor);
          const { enquiry, subject } = await services.enquiries.authoriseRead(scope.actor, enquiryId, subjectId, services.now());
          // ENC: a school DSL reads only about a child on their school's roll, so never about the
          // child's household: a school-bound actor is given the one subject asked about.
          if (school !== undefined && rollRule) await requireOnRoll(scope.federation, subject.links, school, rollRule);
          const others = options.household === true && school === undefined ? enquiry.subjects.filter((s) => s.id !== subject.id && s.links.length > 0) : [];
          const subjects = [subject, ...others];
          const abilities = subjects.map((s) => abilityFor(scope.actor, enquiry, s));
          const answers = await scope.federation.fetchRecords(subjects.flatMap((s) => s.links));
          const disclosed: SubjectDisclosure[] = [];
          for (const [index, s] of subjects.entries()) {
            const subjectAnswers = answersOf(answers, s);
            // ORIG review states are read only when a category of the answer needs the owning
            // agency's review: without any, the gate decides nothing from them (and the contact
            // log's sources read their own), so most disclosures skip the read.
            let disclosure = discloseRecords(abilities[index]!, subjectAnswers, undefined, services.now());
            const needsReview = disclosure.decisions.some((d) => d.decision === 'review') || (options.sources?.length ?? 0) > 0;
            const states = needsReview ? await services.reviews.statesFor(enquiry.id, s.id) : new Map<string, ReviewState>();
            if (needsReview) disclosure = discloseRecords(abilities[index]!, subjectAnswers, (agency, category) => states.get(`${agency}|${category}`), services.now());
            // ORIG: a `review` decision with no request yet asks the owning agency's reviewer.
            for (const decision of disclosure.decisions) {
              if (decision.decision === 'review' && !states.has(`${decision.agency}|${decision.category}`)) {
                await services.reviews.ensurePending(
                  { enquiryId: enquiry.id, subjectId: s.id, agency: decision.agency, category: decision.category, purpose: enquiry.purpose, requestedBy: scope.actor },
                  services.now(),
                );
              }
            }
            const lookup: ReviewLookup = (agency, category) => states.get(`${agency}|${category}`);
            const sourced: SourcedDisclosure[] = [];
            for (const source of options.sources ?? []) sourced.push({ source: source.name, reference: (record) => source.reference(record), disclosure: await source.disclose(enquiry, s, abilities[index]!, lookup, scope.actor) });
            disclosed.push({ subject: s, disclosure, ...(sourced.length > 0 ? { sourced } : {}) });
          }
          const several = disclosed.length > 1;
          // An agency that could not answer is one failure of the call, not one per subject.
          const failures = new Map<string, AuditDecision>();
          for (const { disclosure } of disclosed) for (const f of disclosure.failures) failures.set(f.agency, f);
          const decisions = disclosed.flatMap(({ subject: s, disclosure, sourced }) => [
            ...auditDecisions({ ...disclosure, failures: [] }).map((d) => (several ? { ...d, subjectId: s.id } : d)),
            // A source's decisions name it, so its record ids are not read as the agency's own.
            ...(sourced ?? []).flatMap(({ source, disclosure: other }) =>
              auditDecisions(other).map((d) => ({ ...d, reason: d.reason ? `${source}: ${d.reason}` : source, ...(several ? { subjectId: s.id } : {}) })),
            ),
          ]);
          return {
            value: { enquiry, subjects: disclosed },
            event: {
              outcome: failures.size > 0 ? 'partial' : 'success',
              enquiry: auditEnquiry(enquiry),
              subjects: subjects.map(auditSubject),
              policy: disclosed[0]!.disclosure.policy,
              decisions: [...decisions, ...failures.values()],
              ...(enquiry.breakGlassJustification !== null ? { breakGlass: true } : {}),
            },
          };
        },
      );
      return { ...value, auditEventId: eventId };
    },

    /** Everything the agencies hold about one linked subject, as far as the purpose allows. */
    async profile(scope: RequestScope, enquiryId: string, subjectId: string): Promise<ProfileAnswer> {
      const answer = await access.discloseSubjects(scope, 'profile', enquiryId, subjectId);
      const { subject, disclosure } = answer.subjects[0]!;
      return { enquiry: answer.enquiry, subject, disclosure, auditEventId: answer.auditEventId };
    },

    /** A person search across every agency, within an open enquiry. */
    async searchPeople(scope: RequestScope, enquiryId: string, query: PersonQuery): Promise<SearchAnswer> {
      const { value, eventId } = await audited(services, scope, 'searchPeople', { enquiry: { id: enquiryId } }, async () => {
        const school = schoolOf(services.policy.document.crossCutting.schoolRoll, scope.actor);
        const enquiry = await services.enquiries.authoriseSearch(scope.actor, enquiryId, services.now());
        // Identity is decided as for a child: a search is how a subject is first found.
        const compiled = abilityFor(scope.actor, enquiry, { relation: 'child', relevance: null });
        const asked = personRecordFromQuery(query);
        const { disclosure, candidates, narrowed } = await searchAcross(services.matcher, scope.federation, compiled, { query, asked }, school !== undefined ? (fetched, ranked) => narrowSearchToRoll(fetched, ranked, school) : undefined);
        // IG flag: the actor's family name is the one searched for, or a shown person's.
        const shown = new Set(disclosure.people.flatMap((p) => p.records.map((r) => candidateKey(r.agency, r.personId))));
        const sharedSurname = sharesFamilyName(scope.actor.name, [asked, ...candidates.filter((c) => shown.has(candidateKey(c.agency, c.personId))).map((c) => c.record)]);
        return {
          value: { disclosure },
          event: {
            outcome: outcomeOf(disclosure),
            reason: `${searchSummary(disclosure)}${narrowed ? ` Narrowed to pupils on the roll of school ${school}: ${narrowed.leftOut} ${narrowed.leftOut === 1 ? 'candidate' : 'candidates'} not on the roll left out.` : ''}`,
            enquiry: auditEnquiry(enquiry),
            policy: disclosure.policy,
            decisions: auditSearchDecisions(disclosure),
            ...(enquiry.breakGlassJustification !== null ? { breakGlass: true } : {}),
            ...(sharedSurname ? { sharedSurname: true } : {}),
          },
        };
      });
      // The persons shown are kept against the committed event before the answer leaves: a person
      // can be linked only if this is written, and nothing is shown if it cannot be.
      await services.shown.record(enquiryId, shownPersons(value.disclosure), { auditEventId: eventId, actorId: scope.actor.id, issuer: scope.actor.issuer }, services.now());
      return { ...value, auditEventId: eventId };
    },
  };
  return access;
}

export type Access = ReturnType<typeof createAccess>;
