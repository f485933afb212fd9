import type { AgencyContact, HouseholdMember, PersonField, SourcePerson, SourceRecord } from '../../connectors/sdk/index.js';
import { decide, describeScope, inScope, scopeStart, type CategoryDecision, type PolicyAbility } from '../../policies/index.js';
import type { AuditDecision } from '../audit/types.js';
import type { Band, FieldReason, PairScore } from '../identity/types.js';

/**
 * The one gate (invariant 2). Pure and synchronous: from a compiled policy ability and the
 * agencies' raw answers it makes the only values a resolver may read. The type brand is
 * module-private, so no other module can name a disclosed type's maker without a cast; at run
 * time the gate remembers what it made (a WeakSet), so a copy or a forgery is not disclosed.
 */
declare const DISCLOSED: unique symbol;
type Disclosed<T> = Readonly<T> & { readonly [DISCLOSED]: true };
const madeByGate = new WeakSet<object>();

/** What federation hands the gate for one agency. */
export type AgencyAnswer =
  | { agency: string; status: 'answered'; records: SourceRecord[]; contact: AgencyContact }
  | { agency: string; status: 'unavailable'; reason: string }
  | { agency: string; status: 'not-linked' };

export type PersonAnswer =
  | { agency: string; status: 'answered'; persons: SourcePerson[]; contact: AgencyContact }
  | { agency: string; status: 'unavailable'; reason: string };

/** An agency whose connector lacks an optional method (the household capability): nothing was asked. */
export type NotSupportedAnswer = { agency: string; status: 'not-supported'; reason: string };

/** Who each agency records with the linked persons (`of`: the linked person id asked about). */
export type HouseholdAnswer =
  | { agency: string; status: 'answered'; members: { of: string; member: HouseholdMember }[]; contact: AgencyContact }
  | { agency: string; status: 'unavailable'; reason: string }
  | NotSupportedAnswer
  | { agency: string; status: 'not-linked' };

/**
 * The persons each agency records at an address. `refused` counts address searches the agency
 * declined to run (BAD_QUERY, e.g. a crowded address that is not a household): no one from them.
 */
export type AddressAnswer = (PersonAnswer & { refused?: number }) | NotSupportedAnswer;

/** The linked persons' identity as each agency holds it (fetchPersons). */
export type LinkedPersonAnswer = PersonAnswer | NotSupportedAnswer | { agency: string; status: 'not-linked' };

export type AgencyStatus = 'RECORDS' | 'NO_RECORD' | 'UNAVAILABLE';

export type DisclosedRecord = Disclosed<{
  kind: SourceRecord['kind'];
  agency: string;
  /** The agency's person the record is about (one of the subject's confirmed links). */
  personId: string;
  category: string;
  tier: SourceRecord['tier'];
  decision: 'disclose' | 'summarise';
  provenance: SourceRecord['provenance'];
  fields: SourceRecord['fields'];
  /** Fields the agency holds for this record that the policy did not disclose. */
  withheldFields: string[];
}>;

export type DisclosedPerson = Disclosed<{
  agency: string;
  personId: string;
  decision: 'disclose' | 'summarise';
  names?: SourcePerson['names'];
  birthDate?: string;
  gender?: SourcePerson['gender'];
  identifiers?: SourcePerson['identifiers'];
  addresses?: SourcePerson['addresses'];
  contact?: AgencyContact;
  withheldFields: string[];
  provenance: SourcePerson['provenance'];
}>;

export type WithheldMarker = Disclosed<{
  agency: string;
  /** The category's label; sealed categories never get a marker at all. */
  label: string;
  reason: string;
  contact: AgencyContact;
  /** Set when the information awaits the owning agency's approval (originator control). */
  awaiting?: 'originator-approval';
  /** How many records the marker stands for. */
  count: number;
}>;

export interface GateDecision extends CategoryDecision {
  agency: string;
  recordIds: string[];
  markers: number;
  /** Set for records the cell's record scope leaves out: what the audit entry gives as its reason. */
  outOfScope?: string;
}

export type AgencyDisclosure = Disclosed<{
  agency: string;
  status: AgencyStatus;
  detail?: string;
  records: DisclosedRecord[];
  withheld: WithheldMarker[];
}>;

export type PersonDisclosure = Disclosed<{
  agency: string;
  status: AgencyStatus;
  detail?: string;
  persons: DisclosedPerson[];
  withheld: WithheldMarker[];
}>;

export interface Disclosure<A> {
  readonly agencies: readonly A[];
  /** The one generic marker sealed information may produce (never naming agency or category). */
  readonly restricted?: WithheldMarker;
  readonly decisions: readonly GateDecision[];
  /** Agencies that could not answer, as audit entries. */
  readonly failures: readonly AuditDecision[];
  readonly policy: { id: string; version: string };
}

function brand<T extends object>(value: T): Disclosed<T> {
  const made = Object.freeze({ ...value });
  madeByGate.add(made);
  return made as Disclosed<T>;
}

/** True only for values the gate itself made. */
export function isDisclosed(value: unknown): boolean {
  return typeof value === 'object' && value !== null && madeByGate.has(value);
}

/** Sealed tier: whatever a category or connector says, a T4 item is never disclosed or hinted. */
function sealedDecision(decision: CategoryDecision): CategoryDecision {
  return { ...decision, decision: 'deny', fields: [], ruleId: `${decision.ruleId}+sealed-tier`, reason: 'Sealed information (T4) is never disclosed.' };
}

interface CategoryOutcome<T> {
  decision: CategoryDecision;
  disclosed: T[];
  marker?: WithheldMarker;
}

/** Where an originator review stands for one (agency, category) of the enquiry's subject. */
export type ReviewState = { status: 'pending' | 'approved' | 'refused'; reason?: string };
export type ReviewLookup = (agency: string, category: string) => ReviewState | undefined;
const noReviews: ReviewLookup = () => undefined;

function marker(agency: string, decision: CategoryDecision, reason: string, contact: AgencyContact, count: number, awaiting?: 'originator-approval'): WithheldMarker {
  return brand({ agency, label: decision.label, reason, contact, count, ...(awaiting ? { awaiting } : {}) });
}

function applyDecision<T>(
  agency: string,
  decision: CategoryDecision,
  count: number,
  contact: AgencyContact,
  review: ReviewState | undefined,
  discloseOne: (fields: ReadonlySet<string>, decision: 'disclose' | 'summarise') => T[],
): CategoryOutcome<T> {
  if (decision.sealed && decision.decision !== 'deny') return { decision: sealedDecision(decision), disclosed: [] };
  switch (decision.decision) {
    case 'disclose':
    case 'summarise':
      return { decision, disclosed: discloseOne(new Set(decision.fields), decision.decision) };
    case 'withhold':
      return { decision, disclosed: [], marker: marker(agency, decision, decision.reason, contact, count) };
    case 'review': {
      // ORIG: the owning agency decides. Approved: its records are released to this enquiry.
      if (review?.status === 'approved') {
        const approved = { ...decision, decision: 'disclose' as const, ruleId: `${decision.ruleId}+approved`, fields: decision.approvedFields };
        return { decision: approved, disclosed: discloseOne(new Set(approved.fields), 'disclose') };
      }
      if (review?.status === 'refused') {
        const refused = { ...decision, decision: 'withhold' as const, ruleId: `${decision.ruleId}+refused`, fields: [] };
        return { decision: refused, disclosed: [], marker: marker(agency, decision, `${agency} did not approve sharing this for the enquiry; contact them to discuss.`, contact, count) };
      }
      // Pending: the fallback (a summary, or nothing) now, and a marker that approval is awaited.
      const meanwhile = decision.fields.length > 0 ? discloseOne(new Set(decision.fields), 'summarise') : [];
      return { decision, disclosed: meanwhile, marker: marker(agency, decision, `Awaiting ${agency} approval: ${decision.reason}`, contact, count, 'originator-approval') };
    }
    case 'deny':
      return { decision, disclosed: [] };
  }
}

function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const group = groups.get(k);
    if (group) group.push(item);
    else groups.set(k, [item]);
  }
  return groups;
}

function filterFields<F extends Record<string, unknown>>(source: F, permitted: ReadonlySet<string>): { kept: Partial<F>; withheld: string[] } {
  const kept: Partial<F> = {};
  const withheld: string[] = [];
  for (const [name, value] of Object.entries(source)) {
    if (value === undefined) continue;
    if (permitted.has(name)) (kept as Record<string, unknown>)[name] = value;
    else withheld.push(name);
  }
  return { kept, withheld };
}

function gateDecision(agency: string, outcome: CategoryOutcome<unknown>, recordIds: string[]): GateDecision {
  return { ...outcome.decision, agency, recordIds, markers: outcome.marker ? 1 : 0 };
}

function failure(agency: string, reason: string): AuditDecision {
  return { agency, category: `${agency}.*`, decision: 'unavailable', fields: [], recordIds: [], markers: 0, reason };
}

/**
 * A cell's record scope splits a category's records: those in scope go on to the decision, the
 * rest are denied (ENC: the school hears of recent domestic-abuse incidents and of nothing else).
 * Without `now` an age limit cannot be placed, so nothing it covers is in scope (fail closed).
 */
function splitByScope(decided: CategoryDecision, group: SourceRecord[], now: Date | undefined, compiled: PolicyAbility): { inside: SourceRecord[]; outside: SourceRecord[]; why?: string } {
  const scope = decided.records;
  if (!scope) return { inside: group, outside: [] };
  if (scope.since !== undefined && now === undefined) return { inside: [], outside: group, why: `out-of-scope: ${describeScope(scope)}; the time of the request was not known` };
  const from = now === undefined ? undefined : scopeStart(scope, now, compiled.schoolCalendar);
  const inside: SourceRecord[] = [];
  const outside: SourceRecord[] = [];
  for (const record of group) (inScope(record, scope, from) ? inside : outside).push(record);
  return { inside, outside, why: `out-of-scope: ${describeScope(scope, from)}` };
}

/**
 * Records about linked subjects: each category decided once, each record filtered field by field.
 * `now` places a record scope's age limit (Operation Encompass: since the previous school day).
 */
export function discloseRecords(compiled: PolicyAbility, answers: readonly AgencyAnswer[], reviews: ReviewLookup = noReviews, now?: Date): Disclosure<AgencyDisclosure> {
  let hintable = false;
  const agencies: AgencyDisclosure[] = [];
  const decisions: GateDecision[] = [];
  const failures: AuditDecision[] = [];
  for (const answer of answers) {
    if (answer.status === 'unavailable') {
      agencies.push(brand({ agency: answer.agency, status: 'UNAVAILABLE', detail: answer.reason, records: [], withheld: [] }));
      failures.push(failure(answer.agency, answer.reason));
      continue;
    }
    if (answer.status === 'not-linked') {
      agencies.push(brand({ agency: answer.agency, status: 'NO_RECORD', detail: 'No record at this agency is linked to the subject in this enquiry.', records: [], withheld: [] }));
      continue;
    }
    const records: DisclosedRecord[] = [];
    const withheld: WithheldMarker[] = [];
    // Records the connector itself marks sealed are kept apart from their category, so a
    // category that is otherwise disclosed can never carry a T4 record out.
    const sealed = answer.records.filter((r) => r.tier === 'T4');
    const open = answer.records.filter((r) => r.tier !== 'T4');
    for (const [category, all] of groupBy(open, (r) => r.category)) {
      const decided = decide(compiled, category);
      const { inside: group, outside, why } = splitByScope(decided, all, now, compiled);
      if (outside.length > 0) {
        // Out of scope: denied and audited, never marked, so nothing says such records exist.
        decisions.push({
          ...decided,
          decision: 'deny',
          fields: [],
          approvedFields: [],
          ruleId: `${decided.ruleId}+out-of-scope`,
          agency: answer.agency,
          recordIds: outside.map((r) => r.provenance.recordId),
          markers: 0,
          outOfScope: why ?? 'out-of-scope',
        });
      }
      if (group.length === 0) continue;
      const outcome = applyDecision(answer.agency, decided, group.length, answer.contact, reviews(answer.agency, category), (permitted, decision) =>
        group.map((record) => {
          const { kept, withheld: withheldFields } = filterFields(record.fields, permitted);
          return brand({
            kind: record.kind,
            agency: record.agency,
            personId: record.personId,
            category: record.category,
            tier: record.tier,
            decision,
            provenance: record.provenance,
            fields: kept,
            withheldFields,
          });
        }),
      );
      records.push(...outcome.disclosed);
      if (outcome.marker) withheld.push(outcome.marker);
      if (outcome.decision.sealed && !outcome.decision.neverHint) hintable = true;
      decisions.push(gateDecision(answer.agency, outcome, group.map((r) => r.provenance.recordId)));
    }
    for (const [category, group] of groupBy(sealed, (r) => r.category)) {
      const decided = decide(compiled, category);
      // Only a category the policy itself declares sealed, and not gender history, may lead to the
      // generic marker; a T4 record inside an ordinary category might be anything.
      if (decided.sealed && !decided.neverHint) hintable = true;
      const denied = decided.decision === 'deny' ? decided : sealedDecision(decided);
      decisions.push({ ...denied, agency: answer.agency, recordIds: group.map((r) => r.provenance.recordId), markers: 0 });
    }
    const status: AgencyStatus = records.length + withheld.length > 0 ? 'RECORDS' : 'NO_RECORD';
    agencies.push(brand({ agency: answer.agency, status, records, withheld }));
  }
  const generic = compiled.sealedMarker;
  const restricted =
    hintable && generic
      ? brand({ agency: RESTRICTED_AGENCY, label: generic.label, reason: generic.reason, contact: generic.contact, count: 1 })
      : undefined;
  return { agencies, decisions, failures, policy: { id: compiled.policyId, version: compiled.policyVersion }, ...(restricted ? { restricted } : {}) };
}

/**
 * Person-search answers: each agency's `<agency>.identity` category decides what of a match is
 * shown. `notShown` counts, per agency, the candidates left out before the gate because they did
 * not match the search (see discloseSearch); an agency left with none says so in its detail.
 */
export function disclosePersons(compiled: PolicyAbility, answers: readonly PersonAnswer[], notShown: ReadonlyMap<string, number> = new Map()): Disclosure<PersonDisclosure> {
  const agencies: PersonDisclosure[] = [];
  const decisions: GateDecision[] = [];
  const failures: AuditDecision[] = [];
  for (const answer of answers) {
    if (answer.status === 'unavailable') {
      agencies.push(brand({ agency: answer.agency, status: 'UNAVAILABLE', detail: answer.reason, persons: [], withheld: [] }));
      failures.push(failure(answer.agency, answer.reason));
      continue;
    }
    if (answer.persons.length === 0) {
      const left = notShown.get(answer.agency) ?? 0;
      const detail = left > 0 ? `${countOf(left, 'record')} found at ${answer.agency} did not match the search closely enough to be shown.` : undefined;
      agencies.push(brand({ agency: answer.agency, status: 'NO_RECORD', ...(detail ? { detail } : {}), persons: [], withheld: [] }));
      continue;
    }
    const category = `${answer.agency}.identity`;
    const outcome = applyDecision(answer.agency, decide(compiled, category), answer.persons.length, answer.contact, undefined, (permitted, decision) =>
      answer.persons.map((person) => {
        const { agency, personId, provenance, ...identity } = person;
        const { kept, withheld: withheldFields } = filterFields(identity, permitted);
        return brand({ agency, personId, provenance, decision, ...kept, withheldFields });
      }),
    );
    decisions.push(gateDecision(answer.agency, outcome, answer.persons.map((p) => p.provenance.recordId)));
    const withheld = outcome.marker ? [outcome.marker] : [];
    const status: AgencyStatus = outcome.disclosed.length + withheld.length > 0 ? 'RECORDS' : 'NO_RECORD';
    agencies.push(brand({ agency: answer.agency, status, persons: outcome.disclosed, withheld }));
  }
  return { agencies, decisions, failures, policy: { id: compiled.policyId, version: compiled.policyVersion } };
}

/** The audit entries for a disclosure: every decision, including deny, and every failure. */
export function auditDecisions(disclosure: Disclosure<unknown>): AuditDecision[] {
  return [
    ...disclosure.decisions.map((d) => ({
      agency: d.agency,
      category: d.category,
      decision: d.decision,
      ruleId: d.ruleId,
      sources: d.sources,
      fields: d.decision === 'disclose' || d.decision === 'summarise' ? d.fields : [],
      recordIds: d.recordIds,
      markers: d.markers,
      ...(d.outOfScope !== undefined ? { reason: d.outOfScope } : {}),
    })),
    ...disclosure.failures,
  ];
}

// ---- person search with identity matching ---------------------------------------------------

const countOf = (n: number, noun: string): string => `${n} ${noun}${n === 1 ? '' : 's'}`;

/**
 * What the matcher made of a search (gateway/identity/search.ts `RankResult`), as the gate reads
 * it: likely people (candidates at or above the possible band, grouped, best first) and the rest.
 */
export interface SearchRanking {
  readonly groups: readonly {
    readonly key: string;
    readonly band: Band | null;
    readonly probability: number;
    readonly members: readonly { readonly agency: string; readonly personId: string; readonly score: PairScore }[];
  }[];
  readonly belowThreshold: readonly { readonly agency: string; readonly personId: string; readonly score: PairScore }[];
  readonly queryProblems: readonly string[];
}

/** One agency's record of a likely person: how well it matches the search, why, and the gated identity. */
export type MatchedRecord = Disclosed<{
  agency: string;
  personId: string;
  band: Band;
  /** Match probability against the search, 0..1. */
  score: number;
  /** Field by field, only for identity fields the policy disclosed for this record. */
  reasons: readonly Readonly<FieldReason>[];
  /** Why the record must not be linked without checking (possible twins, different NHS numbers). */
  caution?: string;
  /** The gate's output for this record: never the agency's raw answer. */
  person: DisclosedPerson;
}>;

/** One likely person: the agencies' records the matcher judged to be the same person, best first. */
export type PersonMatch = Disclosed<{
  key: string;
  band: Band;
  score: number;
  records: readonly MatchedRecord[];
}>;

export interface AgencyCount {
  readonly agency: string;
  readonly count: number;
}

export interface SearchDisclosure extends Disclosure<PersonDisclosure> {
  /** Likely people, best first; only records the gate disclosed. */
  readonly people: readonly PersonMatch[];
  /** Per agency, records found that did not match closely enough to be shown (agencies with none are left out). */
  readonly notShown: readonly AgencyCount[];
  /** What in the search itself could not be used (e.g. a malformed postcode). */
  readonly queryProblems: readonly string[];
}

/** One agency person, as a map key. */
export const candidateKey = (agency: string, personId: string): string => `${agency}\u0000${personId}`;

/** Which identity field of a person each comparison of the matcher reads (gateway/identity/comparisons.ts). */
const REASON_FIELDS: Readonly<Record<string, PersonField>> = {
  given: 'names',
  family: 'names',
  birthDate: 'birthDate',
  sex: 'gender',
  postcode: 'addresses',
  address: 'addresses',
  city: 'addresses',
  uprn: 'addresses',
};

/**
 * A reason says how a field of the agency's record compares with the search; where the policy
 * withholds that field (early help without consent shows only whom to contact) the reason would
 * tell it, so it is left out. A comparison the gate cannot place is shown only when nothing is withheld.
 */
function shownReasons(person: DisclosedPerson, reasons: readonly FieldReason[]): Readonly<FieldReason>[] {
  const withheld = new Set(person.withheldFields);
  return reasons
    .filter((reason) => {
      const field = reason.field.startsWith('id:') || reason.field === 'nhsNumber' ? 'identifiers' : REASON_FIELDS[reason.field];
      return field === undefined ? withheld.size === 0 : !withheld.has(field);
    })
    .map((reason) => Object.freeze({ field: reason.field, level: reason.level, weight: reason.weight, explanation: reason.explanation }));
}

/** A caution speaks of names, dates of birth and NHS numbers: shown only where those are disclosed. */
function shownCaution(person: DisclosedPerson, caution: string | undefined): string | undefined {
  if (caution === undefined) return undefined;
  return person.withheldFields.some((f) => f === 'names' || f === 'birthDate' || f === 'identifiers') ? undefined : caution;
}

/**
 * A person search after identity matching. Proportionality: only candidates the matcher placed in
 * a likely person (at or above the possible band) reach the gate at all; the others are counted per
 * agency and nothing else about them is shown. What does reach the gate passes disclosePersons as
 * any search did, and each likely person lists only the records the gate disclosed.
 */
export function discloseSearch(compiled: PolicyAbility, answers: readonly PersonAnswer[], ranking: SearchRanking): SearchDisclosure {
  const matched = new Set<string>();
  for (const group of ranking.groups) {
    for (const member of group.members) if (member.score.band !== null) matched.add(candidateKey(member.agency, member.personId));
  }
  const notShown = new Map<string, number>();
  const shown = answers.map((answer): PersonAnswer => {
    if (answer.status !== 'answered') return answer;
    const persons = answer.persons.filter((p) => matched.has(candidateKey(answer.agency, p.personId)));
    if (persons.length < answer.persons.length) notShown.set(answer.agency, answer.persons.length - persons.length);
    return { ...answer, persons };
  });
  const disclosure = disclosePersons(compiled, shown, notShown);

  const gated = new Map<string, DisclosedPerson>();
  for (const agency of disclosure.agencies) for (const person of agency.persons) gated.set(candidateKey(agency.agency, person.personId), person);

  const placed = new Set<string>();
  const likely: { band: Band; score: number; records: MatchedRecord[] }[] = [];
  for (const group of ranking.groups) {
    const records: MatchedRecord[] = [];
    for (const member of group.members) {
      const key = candidateKey(member.agency, member.personId);
      const person = gated.get(key);
      const band = member.score.band;
      if (!person || band === null || placed.has(key)) continue;
      placed.add(key);
      const caution = shownCaution(person, member.score.caution);
      records.push(
        brand({ agency: member.agency, personId: member.personId, band, score: member.score.probability, reasons: shownReasons(person, member.score.reasons), ...(caution ? { caution } : {}), person }),
      );
    }
    if (records.length === 0) continue;
    records.sort((a, b) => b.score - a.score);
    // A group shown whole keeps the matcher's verdict; one with records the gate held back is
    // judged on what is shown, so its band says nothing about the records withheld.
    const whole = records.length === group.members.length && group.band !== null;
    likely.push({ band: whole ? group.band! : records[0]!.band, score: whole ? group.probability : records[0]!.score, records });
  }
  likely.sort((a, b) => b.score - a.score);
  const people = likely.map((match, index) => brand({ key: `P${index + 1}`, band: match.band, score: match.score, records: Object.freeze(match.records) }));
  return {
    ...disclosure,
    people,
    notShown: [...notShown].map(([agency, count]) => ({ agency, count })),
    queryProblems: [...ranking.queryProblems],
  };
}

// ---- originator review: what the owning agency's reviewer sees ---------------------------------

/**
 * What an agency's reviewer is shown of a review request (ORIG): their own agency's records of the
 * category under review, for the subject of that request only, and of each record only the
 * category's summary fields the reviewer rule allows (type, title, status, dates): enough to know
 * what they are asked to release, never the narrative. Another agency's records, the category's
 * sealed (T4) records and the subject's records in other categories are denied and audited.
 */
export type ReviewDisclosure = Disclosed<{
  agency: string;
  category: string;
  status: AgencyStatus;
  detail?: string;
  records: DisclosedRecord[];
}>;

/** The fields a reviewer may see of a record under review, where the category's summary has them. */
export const REVIEWER_FIELDS: readonly string[] = ['type', 'title', 'status', 'start', 'end'];

export interface ReviewerRule {
  /** The reviewer's agency: the request's owning agency (checked before anything is fetched). */
  agency: string;
  category: string;
  /** The category's label and summary fields in the policy (summary: what a summary may show). */
  label: string;
  summaryFields: readonly string[];
  ruleId: string;
  sources: readonly string[];
  policy: { id: string; version: string };
}

export function discloseForReview(rule: ReviewerRule, answers: readonly AgencyAnswer[]): { disclosure: ReviewDisclosure; decisions: AuditDecision[]; failures: AuditDecision[] } {
  const fields = REVIEWER_FIELDS.filter((f) => rule.summaryFields.includes(f));
  const decisions: AuditDecision[] = [];
  const failures: AuditDecision[] = [];
  const records: DisclosedRecord[] = [];
  let status: AgencyStatus = 'NO_RECORD';
  let detail: string | undefined;
  for (const answer of answers) {
    if (answer.agency !== rule.agency) continue; // never another agency's answer
    if (answer.status === 'unavailable') {
      status = 'UNAVAILABLE';
      detail = answer.reason;
      failures.push(failure(answer.agency, answer.reason));
      continue;
    }
    if (answer.status === 'not-linked') {
      detail = 'No record at your agency is linked to the subject of this request.';
      continue;
    }
    const under = answer.records.filter((r) => r.agency === rule.agency && r.category === rule.category && r.tier !== 'T4');
    const others = answer.records.filter((r) => !under.includes(r));
    for (const record of under) {
      const { kept, withheld } = filterFields(record.fields, new Set(fields));
      records.push(brand({ kind: record.kind, agency: record.agency, personId: record.personId, category: record.category, tier: record.tier, decision: 'summarise', provenance: record.provenance, fields: kept, withheldFields: withheld }));
    }
    decisions.push({
      agency: rule.agency,
      category: rule.category,
      decision: 'summarise',
      ruleId: rule.ruleId,
      sources: [...rule.sources],
      fields,
      recordIds: under.map((r) => r.provenance.recordId),
      markers: 0,
      reason: `originator review: the reviewer sees ${rule.label} records of the request's subject, summary fields only`,
    });
    if (others.length > 0) {
      decisions.push({
        agency: rule.agency,
        category: `${rule.agency}.*`,
        decision: 'deny',
        ruleId: `${rule.ruleId}+out-of-scope`,
        sources: [...rule.sources],
        fields: [],
        recordIds: others.map((r) => r.provenance.recordId),
        markers: 0,
        reason: 'out-of-scope: not the category under review (or sealed)',
      });
    }
    status = records.length > 0 ? 'RECORDS' : 'NO_RECORD';
  }
  return {
    disclosure: brand({ agency: rule.agency, category: rule.category, status, ...(detail !== undefined ? { detail } : {}), records }),
    decisions,
    failures,
  };
}

/** Every agency person a search showed (a record of a likely person), once each, in the order shown. */
export function shownPersons(disclosure: SearchDisclosure): { agency: string; personId: string; matchKey: string }[] {
  const seen = new Set<string>();
  const shown: { agency: string; personId: string; matchKey: string }[] = [];
  for (const match of disclosure.people) {
    for (const record of match.records) {
      const key = candidateKey(record.agency, record.personId);
      if (seen.has(key)) continue;
      seen.add(key);
      // The likely person (P1, P2...) the record was shown as: linkPerson links one of them whole.
      shown.push({ agency: record.agency, personId: record.personId, matchKey: match.key });
    }
  }
  return shown;
}

/**
 * The audit entries for a person search: every gate decision, each agency's identity decision
 * naming the person ids shown and their likely person, band and score, and the candidates not
 * shown (as `no-record`, with how many) so the event says what was found and withheld.
 */
export function auditSearchDecisions(disclosure: SearchDisclosure): AuditDecision[] {
  const idsShown = new Map<string, string[]>();
  for (const { agency, personId } of shownPersons(disclosure)) idsShown.set(agency, [...(idsShown.get(agency) ?? []), personId]);
  const shownBy = new Map<string, string[]>();
  for (const match of disclosure.people) {
    for (const record of match.records) {
      shownBy.set(record.agency, [...(shownBy.get(record.agency) ?? []), `${record.personId} (${match.key}, ${record.band}, ${record.score.toFixed(3)})`]);
    }
  }
  const notShown = new Map(disclosure.notShown.map((n) => [n.agency, n.count]));
  const left = (agency: string): string | undefined => {
    const count = notShown.get(agency);
    return count ? `${countOf(count, 'candidate')} below the possible match band not shown.` : undefined;
  };
  const decided = new Set<string>();
  const decisions = auditDecisions(disclosure).map((decision) => {
    if (decision.category !== `${decision.agency}.identity` || decision.decision === 'unavailable') return decision;
    decided.add(decision.agency);
    const shown = shownBy.get(decision.agency);
    const reason = [shown ? `Shown as search matches: ${shown.join('; ')}.` : undefined, left(decision.agency)].filter(Boolean).join(' ');
    const personIds = idsShown.get(decision.agency);
    return { ...decision, ...(reason ? { reason } : {}), ...(personIds ? { personIds } : {}) };
  });
  for (const { agency } of disclosure.notShown) {
    if (decided.has(agency)) continue;
    decisions.push({ agency, category: `${agency}.identity`, decision: 'no-record', fields: [], recordIds: [], markers: 0, reason: left(agency)! });
  }
  return decisions;
}

// ---- re-checking cited sources (the précis) ---------------------------------------------------

/**
 * A source a stored statement cites (gateway/workspace/precis): an agency record of an enquiry
 * subject, the category it was disclosed under and the fields the statement was written from.
 * `key` is the caller's name for it (the shared entry reference).
 */
export interface Citation {
  readonly key: string;
  readonly agency: string;
  readonly recordId: string;
  readonly category: string;
  readonly subjectId: string;
  readonly fields: readonly string[];
  /** The agency's person the record is about, where known: that link must still be in force. */
  readonly personId?: string | null;
}

/** The agency name of the generic restricted-information marker (discloseRecords' `restricted`). */
export const RESTRICTED_AGENCY = 'information-governance';

/** What the reader may see now of one enquiry subject: the ability for them, the agencies linked in force, originator reviews. */
export interface CitationSubject {
  readonly compiled: PolicyAbility;
  readonly linkedAgencies: ReadonlySet<string>;
  /** The links in force, as candidateKey(agency, personId). */
  readonly linkedPersons: ReadonlySet<string>;
  readonly reviews: ReviewLookup;
}

export type CitationCheck = Disclosed<{
  key: string;
  agency: string;
  category: string;
  subjectId: string;
  /** True when the reader may see every cited field now. */
  resolves: boolean;
  /** The decision the policy makes now for the reader (after originator review). */
  decision: CategoryDecision['decision'];
  ruleId: string;
  reason: string;
}>;

/** The fields a reader may see of a category now, or why none. */
function permittedNow(decided: CategoryDecision, review: ReviewState | undefined): { fields: readonly string[]; decision: CategoryDecision['decision']; ruleId: string } {
  if (decided.decision === 'review') {
    if (review?.status === 'approved') return { fields: decided.approvedFields, decision: 'disclose', ruleId: `${decided.ruleId}+approved` };
    if (review?.status === 'refused') return { fields: [], decision: 'withhold', ruleId: `${decided.ruleId}+refused` };
    return { fields: decided.fields, decision: 'review', ruleId: decided.ruleId };
  }
  if (decided.decision === 'disclose' || decided.decision === 'summarise') return { fields: decided.fields, decision: decided.decision, ruleId: decided.ruleId };
  return { fields: [], decision: decided.decision, ruleId: decided.ruleId };
}

/**
 * Re-checks sources a stored statement cites against what the reader may see now, field by field:
 * a citation resolves only while its subject is in the enquiry with a link in force to the agency,
 * the category is not sealed or limited by record age (which cannot be re-placed: fail closed),
 * and the policy for the reader, under the enquiry's purpose and consent as they are now (and the
 * originator's review), discloses every field the statement was written from. With `marker` set,
 * the citation is a "holds information" line: it resolves while the category is still shown at
 * all (disclosed, summarised, withheld with a marker or under review), never when it is denied.
 * Pure; each check is gate output.
 */
export function discloseCitations(subjects: ReadonlyMap<string, CitationSubject>, citations: readonly (Citation & { marker?: boolean })[]): CitationCheck[] {
  return citations.map((citation) => {
    const { key, agency, category, subjectId } = citation;
    const refused = (reason: string, decision: CategoryDecision['decision'] = 'deny', ruleId = 'precis/recheck'): CitationCheck =>
      brand({ key, agency, category, subjectId, resolves: false, decision, ruleId, reason });
    const subject = subjects.get(subjectId);
    if (!subject) return refused('The subject is no longer part of the enquiry.');
    if (citation.marker === true && agency === RESTRICTED_AGENCY) {
      // The one generic marker sealed information may produce: shown while the purpose still allows it.
      const generic = subject.compiled.sealedMarker;
      return generic && subject.linkedAgencies.size > 0
        ? brand({ key, agency, category, subjectId, resolves: true, decision: 'withhold', ruleId: 'sealed-marker', reason: generic.reason })
        : refused('The purpose no longer allows the generic restricted-information marker.');
    }
    if (!subject.linkedAgencies.has(agency)) return refused(`No link to ${agency} is in force for the subject (the link was undone).`);
    if (citation.personId && !subject.linkedPersons.has(candidateKey(agency, citation.personId))) return refused(`The link to the ${agency} person the record is about is no longer in force (it was undone).`);
    // A category of another agency is never accepted as this agency's.
    if (!category.startsWith(`${agency}.`)) return refused('The category does not belong to the agency.');
    const decided = decide(subject.compiled, category);
    if (decided.sealed) return refused('Sealed information (T4) is never disclosed.', 'deny', `${decided.ruleId}+sealed-tier`);
    if (decided.records) return refused('The category is limited by record age, which a stored statement cannot show: ask again.', 'deny', `${decided.ruleId}+out-of-scope`);
    const now = permittedNow(decided, subject.reviews(agency, category));
    if (citation.marker === true) {
      return now.decision === 'deny'
        ? refused(decided.reason, now.decision, now.ruleId)
        : brand({ key, agency, category, subjectId, resolves: true, decision: now.decision, ruleId: now.ruleId, reason: 'The agency still shows that it holds information.' });
    }
    const allowed = new Set(now.fields);
    const missing = citation.fields.filter((f) => !allowed.has(f));
    if (citation.fields.length === 0 || missing.length > 0) {
      return refused(missing.length > 0 ? `Not disclosed now: ${missing.join(', ')} (${decided.reason})` : 'No field cited.', now.decision, now.ruleId);
    }
    return brand({ key, agency, category, subjectId, resolves: true, decision: now.decision, ruleId: now.ruleId, reason: 'Disclosed now.' });
  });
}

// ---- household candidates -------------------------------------------------------------------

/**
 * What household ranking (gateway/workspace/household/candidates.ts) made of the agencies'
 * answers, as the gate reads it: groups of agency records judged one person, each with why the
 * agency places them with the child. Raw: nothing here is shown until discloseHousehold gates it.
 */
export interface HouseholdRankingInput {
  readonly groups: readonly {
    readonly band: Band;
    readonly identityBand: Band;
    readonly householdBand: Band;
    readonly relation: 'child' | 'adult';
    readonly members: readonly {
      readonly agency: string;
      readonly personId: string;
      readonly score: PairScore | null;
      readonly evidence: readonly {
        readonly agency: string;
        readonly basis: HouseholdMember['basis'];
        readonly relationship?: HouseholdMember['relationship'];
        readonly agencyRelationship?: string;
        readonly address?: HouseholdMember['address'];
        readonly provenance: HouseholdMember['provenance'];
      }[];
    }[];
  }[];
}

/** Why an agency places a candidate with the child, as far as the candidate's identity decision allows. */
export type HouseholdEvidence = Disclosed<{
  agency: string;
  basis: HouseholdMember['basis'];
  /** Only where the candidate's identity is disclosed in full (not a summary). */
  relationship?: HouseholdMember['relationship'];
  agencyRelationship?: string;
  /** Only where the policy discloses the candidate's addresses. */
  address?: HouseholdMember['address'];
  /** The record that says so (related-person link, tenancy, or the person's own record). */
  provenance: HouseholdMember['provenance'];
}>;

/** One agency's record of a household candidate. */
export type HouseholdRecord = Disclosed<{
  agency: string;
  personId: string;
  /** How well this record matches the candidate's first record (absent for the first record itself). */
  match?: { band: Band; score: number; reasons: readonly Readonly<FieldReason>[]; caution?: string };
  person: DisclosedPerson;
  evidence: readonly HouseholdEvidence[];
}>;

/** One person the agencies record with the child: their records, grouped, with the evidence. */
export type HouseholdCandidate = Disclosed<{
  key: string;
  band: Band;
  identityBand: Band;
  householdBand: Band;
  /** The relation the candidate would have as a subject; their identity was decided as for it. */
  relation: 'child' | 'adult';
  records: readonly HouseholdRecord[];
}>;

export interface HouseholdDisclosure {
  readonly candidates: readonly HouseholdCandidate[];
  /** Per agency, identity the policy withheld from candidates (one marker per agency and relation). */
  readonly withheld: readonly WithheldMarker[];
  /** Each identity decision, with the relation it was decided for. */
  readonly decisions: readonly (GateDecision & { relation: 'child' | 'adult' })[];
  readonly policy: { id: string; version: string };
}

/**
 * Household candidates through the gate: each agency record's identity is decided by its
 * `<agency>.identity` category under the ability for the relation the candidate would have (WT23:
 * an adult's detail only as far as the policy allows without recorded relevance), exactly as a
 * search result's identity is. Records the policy withholds are not shown (a marker says so);
 * a candidate with no record left is not shown at all.
 */
export function discloseHousehold(
  abilityOf: (relation: 'child' | 'adult') => PolicyAbility,
  ranking: HouseholdRankingInput,
  persons: ReadonlyMap<string, SourcePerson>,
  contacts: ReadonlyMap<string, AgencyContact>,
): HouseholdDisclosure {
  const decisions: (GateDecision & { relation: 'child' | 'adult' })[] = [];
  const withheld: WithheldMarker[] = [];
  const gated = new Map<string, { person: DisclosedPerson; permitted: ReadonlySet<string> }>();
  let compiled: PolicyAbility | undefined;
  for (const relation of ['child', 'adult'] as const) {
    const groups = ranking.groups.filter((g) => g.relation === relation);
    if (groups.length === 0) continue;
    const ability = abilityOf(relation);
    compiled = ability;
    const byAgency = groupBy(
      groups.flatMap((g) => g.members),
      (m) => m.agency,
    );
    for (const [agency, members] of byAgency) {
      const sources = members.map((m) => persons.get(candidateKey(m.agency, m.personId))).filter((p): p is SourcePerson => p !== undefined);
      if (sources.length === 0) continue;
      const contact = contacts.get(agency) ?? { name: `${agency}` };
      let permittedFields: ReadonlySet<string> = new Set();
      const outcome = applyDecision(agency, decide(ability, `${agency}.identity`), sources.length, contact, undefined, (permitted, decision) => {
        permittedFields = permitted;
        return sources.map((source) => {
          const { agency: a, personId, provenance, ...identity } = source;
          const { kept, withheld: withheldFields } = filterFields(identity, permitted);
          return brand({ agency: a, personId, provenance, decision, ...kept, withheldFields });
        });
      });
      for (const person of outcome.disclosed) gated.set(candidateKey(person.agency, person.personId), { person, permitted: permittedFields });
      if (outcome.marker) withheld.push(outcome.marker);
      decisions.push({ ...gateDecision(agency, outcome, sources.map((p) => p.provenance.recordId)), relation });
    }
  }
  const candidates: HouseholdCandidate[] = [];
  for (const group of ranking.groups) {
    const records: HouseholdRecord[] = [];
    for (const member of group.members) {
      const shown = gated.get(candidateKey(member.agency, member.personId));
      if (!shown) continue;
      const { person, permitted } = shown;
      const full = person.decision === 'disclose';
      const evidence = member.evidence.map((e) =>
        brand({
          agency: e.agency,
          basis: e.basis,
          ...(full && e.relationship !== undefined ? { relationship: e.relationship } : {}),
          ...(full && e.agencyRelationship !== undefined ? { agencyRelationship: e.agencyRelationship } : {}),
          ...(permitted.has('addresses') && e.address !== undefined ? { address: e.address } : {}),
          provenance: e.provenance,
        }),
      );
      const score = member.score;
      const caution = score ? shownCaution(person, score.caution) : undefined;
      const match = score && score.band !== null ? { band: score.band, score: score.probability, reasons: shownReasons(person, score.reasons), ...(caution ? { caution } : {}) } : undefined;
      records.push(brand({ agency: member.agency, personId: member.personId, ...(match ? { match } : {}), person, evidence: Object.freeze(evidence) }));
    }
    if (records.length === 0) continue;
    // A candidate shown in part is at most possible: its bands would otherwise rest on records
    // the policy withheld, and so say something about them.
    const whole = records.length === group.members.length;
    const band = (b: Band): Band => (whole ? b : 'possible');
    candidates.push(
      brand({ key: `H${candidates.length + 1}`, band: band(group.band), identityBand: band(group.identityBand), householdBand: band(group.householdBand), relation: group.relation, records: Object.freeze(records) }),
    );
  }
  const policy = compiled ? { id: compiled.policyId, version: compiled.policyVersion } : { id: '', version: '' };
  return { candidates, withheld, decisions, policy };
}

/**
 * Every agency person the household read showed, once each, in the order shown, with the candidate
 * (H1, H2...) it was shown as: linkPerson links one candidate whole. A record belongs to one
 * candidate only (the matcher's groups do not overlap).
 */
export function shownHouseholdPersons(disclosure: Pick<HouseholdDisclosure, 'candidates'>): { agency: string; personId: string; matchKey: string }[] {
  const seen = new Set<string>();
  const shown: { agency: string; personId: string; matchKey: string }[] = [];
  for (const candidate of disclosure.candidates) {
    for (const record of candidate.records) {
      const key = candidateKey(record.agency, record.personId);
      if (seen.has(key)) continue;
      seen.add(key);
      shown.push({ agency: record.agency, personId: record.personId, matchKey: candidate.key });
    }
  }
  return shown;
}

/** The audit entries for a household read: each identity decision naming the persons shown, their candidate and band. */
export function auditHouseholdDecisions(disclosure: HouseholdDisclosure): AuditDecision[] {
  const shownBy = new Map<string, { ids: string[]; text: string[] }>();
  for (const candidate of disclosure.candidates) {
    for (const record of candidate.records) {
      const key = `${record.agency}|${candidate.relation}`;
      const entry = shownBy.get(key) ?? { ids: [], text: [] };
      entry.ids.push(record.personId);
      entry.text.push(`${record.personId} (${candidate.key}, ${candidate.band})`);
      shownBy.set(key, entry);
    }
  }
  return disclosure.decisions.map((d) => {
    const relation = d.relation;
    const shown = shownBy.get(`${d.agency}|${relation}`);
    return {
      agency: d.agency,
      category: d.category,
      decision: d.decision,
      ruleId: d.ruleId,
      sources: d.sources,
      fields: d.decision === 'disclose' || d.decision === 'summarise' ? d.fields : [],
      recordIds: d.recordIds,
      markers: d.markers,
      reason: shown ? `Shown as household ${relation} candidates: ${shown.text.join('; ')}.` : `Household ${relation} candidates not shown (${d.decision}).`,
      ...(shown ? { personIds: shown.ids } : {}),
    };
  });
}
