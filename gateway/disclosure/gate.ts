import type { AgencyContact, SourcePerson, SourceRecord } from '../../connectors/sdk/index.js';
import { decide, type CategoryDecision, type PolicyAbility } from '../../policies/index.js';
import type { AuditDecision } from '../audit/types.js';

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

export type AgencyStatus = 'RECORDS' | 'NO_RECORD' | 'UNAVAILABLE';

export type DisclosedRecord = Disclosed<{
  kind: SourceRecord['kind'];
  agency: string;
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

/** Records about linked subjects: each category decided once, each record filtered field by field. */
export function discloseRecords(compiled: PolicyAbility, answers: readonly AgencyAnswer[], reviews: ReviewLookup = noReviews): Disclosure<AgencyDisclosure> {
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
    for (const [category, group] of groupBy(open, (r) => r.category)) {
      const outcome = applyDecision(answer.agency, decide(compiled, category), group.length, answer.contact, reviews(answer.agency, category), (permitted, decision) =>
        group.map((record) => {
          const { kept, withheld: withheldFields } = filterFields(record.fields, permitted);
          return brand({
            kind: record.kind,
            agency: record.agency,
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
      ? brand({ agency: 'information-governance', label: generic.label, reason: generic.reason, contact: generic.contact, count: 1 })
      : undefined;
  return { agencies, decisions, failures, policy: { id: compiled.policyId, version: compiled.policyVersion }, ...(restricted ? { restricted } : {}) };
}

/** Person-search answers: each agency's `<agency>.identity` category decides what of a match is shown. */
export function disclosePersons(compiled: PolicyAbility, answers: readonly PersonAnswer[]): Disclosure<PersonDisclosure> {
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
      agencies.push(brand({ agency: answer.agency, status: 'NO_RECORD', persons: [], withheld: [] }));
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
    })),
    ...disclosure.failures,
  ];
}
