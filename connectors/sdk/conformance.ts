/**
 * The conformance kit: the standard suite every connector must pass before the gateway will use
 * it. It exercises a connector only through the `Connector` contract, so it runs the same against
 * an agency's test system, the sandbox, or an in-memory fake; it imports nothing of the gateway.
 *
 * What it checks (each a line of the report, with a reason):
 * - the manifest: agency, categories `<agency>.<name>` with tiers and canonical field names, the
 *   `<agency>.identity` category (T0), identifier systems, a contact;
 * - person search by each declared identifier system and by demographics, SourcePerson-shaped
 *   answers with provenance, no match answered `[]`, an unusable query `[]` or BAD_QUERY;
 * - record fetch for several persons in one call, keyed by the ids asked for, the same as asking
 *   one by one; every record in canonical shape (kind, declared category, the category's tier,
 *   provenance with an ISO `asOf`, fields only from RECORD_FIELDS and declared for the category);
 *   an unknown person answered with no records, not an error;
 * - timeouts: a call given an already-aborted signal rejects promptly with ConnectorError TIMEOUT,
 *   and a call aborted mid-flight either finishes or rejects with TIMEOUT, promptly;
 * - errors: every failure the suite saw was a ConnectorError; with `faults`, each injected fault
 *   (a 5xx, a malformed payload, ...) is reported with the expected ConnectorError kind;
 * - `health()`, when declared, reports rather than throws;
 * - the household capability, when declared (all three of householdOf, personsAtAddress and
 *   fetchPersons): members are SourcePersons of this agency, never the person asked about, with a
 *   basis and relationship from the vocabularies, same-address members carrying the address; an
 *   unknown person has no household; fetchPersons answers only the ids asked for; an empty address
 *   query is refused (BAD_QUERY, rejectedInput) rather than answering the whole system; an address
 *   the agency holds finds its resident; with `samples.household`, each known household is found;
 * - the incident feed, when declared (`incidentsSince`), read from `samples.incidents.since`
 *   (default 30 days back): incidents in canonical shape, each of a kind asked for, each person
 *   once with a role from INCIDENT_ROLES; pages in feed order (`provenance.asOf`, the agency's
 *   last change, never decreasing) with no incident twice; the whole feed read page by page gives
 *   each incident once and the same set as one large read; a cursor resumes where it left off
 *   (only what came after); an empty page still returns a usable cursor; a cursor the connector
 *   never gave is refused with BAD_QUERY (never a silent restart).
 *
 * Reasons name ids, keys and codes, never names, birth dates or identifier values: the kit may
 * be pointed at a real system's test environment.
 */
import {
  ConnectorError,
  DASH_RISK_LEVELS,
  HOUSEHOLD_BASES,
  HOUSEHOLD_RELATIONSHIPS,
  INCIDENT_KINDS,
  INCIDENT_ROLES,
  ORGANISATION_SYSTEMS,
  PERSON_FIELDS,
  RECORD_FIELDS,
  RECORD_KINDS,
  TIERS,
  type CallContext,
  type CategoryManifest,
  type Connector,
  type ConnectorErrorKind,
  type ConnectorManifest,
  type HouseholdMember,
  type IncidentCapability,
  type IncidentFeedPosition,
  type IncidentKind,
  type PersonIdentifier,
  type PersonQuery,
  type SourcePerson,
  type SourceRecord,
  type AddressQuery,
} from './types.js';

/** Known data in the system under test, which the suite searches and fetches. */
export interface ConformanceSamples {
  /** At least one identifier per system in `manifest.identifierSystems`, each of a person the system holds. */
  identifiers?: PersonIdentifier[];
  /** Demographics that find at least one person. */
  demographics?: PersonQuery;
  /** At least two agency-local person ids of persons who have records. */
  knownPersonIds?: string[];
  /** A well-formed id of no one. Default `conformance-no-such-person`. */
  unknownPersonId?: string;
  /**
   * Household fixture, for a connector with the household capability: agency-local person id ->
   * agency-local ids of persons the agency is known to record with them (same address or related).
   * Every expected member must be among `householdOf`'s members (more may be found).
   */
  household?: Readonly<Record<string, readonly string[]>>;
  /**
   * For a connector with the incident feed: where to start reading (an ISO 8601 date-time with a
   * zone; default 30 days before now), and the kinds to ask for (default every INCIDENT_KINDS).
   * At least two incidents should have been recorded or changed since, so paging can be checked.
   */
  incidents?: { since?: string; kinds?: readonly IncidentKind[] };
}

/**
 * A fault the test harness can switch on in the system under test (its simulator), and the
 * ConnectorError kind(s) the connector must report while it is on.
 */
export interface ConformanceFault {
  name: string;
  expect: ConnectorErrorKind | readonly ConnectorErrorKind[];
  apply(): void | Promise<void>;
  clear(): void | Promise<void>;
}

export interface ConformanceOptions {
  samples: ConformanceSamples;
  /** How long one call may take before the kit aborts it (ms). Default 5000. */
  timeoutMs?: number;
  /** Faults to inject, one at a time, to check error mapping. */
  faults?: readonly ConformanceFault[];
}

export type ConformanceStatus = 'pass' | 'fail';

export interface ConformanceCheck {
  /** Stable id, e.g. `manifest.categories`, `search.identifier:https://fhir.nhs.uk/Id/nhs-number`. */
  id: string;
  title: string;
  status: ConformanceStatus;
  /** Why it passed or, when it failed, what was wrong and what to do. */
  reason: string;
}

export interface ConformanceReport {
  agency: string;
  /** `name version (protocol)` from the manifest. */
  connector: string;
  passed: boolean;
  checks: ConformanceCheck[];
}

const DEFAULT_TIMEOUT_MS = 5000;
const DEFAULT_UNKNOWN_PERSON_ID = 'conformance-no-such-person';
/** Demographics of no one: the sample's shape with a surname no register holds and an old birth date. */
const NOBODY_FAMILY = 'Zzyzxconformance';
const NOBODY_BIRTH_DATE = '1901-01-01';

const SLUG = /^[a-z][a-z0-9-]*$/;
const URI = /^[a-z][a-z0-9+.-]*:\S+$/i;
const ISO_DATE = /^\d{4}(-\d{2}(-\d{2})?)?$/;
const ISO_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;
const DATE_OR_DATE_TIME = /^\d{4}(-\d{2}(-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?)?)?)?$/;
const NAME_USES: readonly string[] = ['usual', 'official', 'temp', 'nickname', 'anonymous', 'old', 'maiden'];
const GENDER_CODES: readonly string[] = ['0', '1', '2', '9'];
const PERSON_KEYS: readonly string[] = ['agency', 'personId', 'identifiers', 'names', 'birthDate', 'birthDateAccuracy', 'gender', 'addresses', 'contact', 'provenance'];
const NAME_KEYS: readonly string[] = ['use', 'family', 'given'];
const ADDRESS_KEYS: readonly string[] = ['line1', 'line2', 'city', 'postalCode', 'uprn', 'from', 'to'];
const CONTACT_KEYS: readonly string[] = ['name', 'organisation', 'phone', 'email'];
const RECORD_KEYS: readonly string[] = ['kind', 'agency', 'category', 'tier', 'personId', 'provenance', 'fields'];
const PROVENANCE_KEYS: readonly string[] = ['system', 'recordId', 'asOf', 'organisation'];
const MEMBER_KEYS: readonly string[] = ['person', 'basis', 'relationship', 'agencyRelationship', 'address', 'provenance'];
const HOUSEHOLD_METHODS = ['householdOf', 'personsAtAddress', 'fetchPersons'] as const;
const INCIDENT_KEYS: readonly string[] = ['agency', 'incidentId', 'kind', 'occurredAt', 'location', 'riskLevel', 'childrenPresent', 'officer', 'persons', 'provenance'];
const INCIDENT_PERSON_KEYS: readonly string[] = ['person', 'role'];
/** Feed reads: a large page, and at most this many of them before the kit gives up on a feed that never ends. */
const FEED_LARGE_LIMIT = 500;
const FEED_MAX_LARGE_PAGES = 50;
const DEFAULT_INCIDENT_LOOKBACK_MS = 30 * 24 * 3600 * 1000;
/** A cursor no connector gives. */
const GARBAGE_CURSOR = 'conformance-not-a-cursor';

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const isText = (value: unknown): value is string => typeof value === 'string' && value.trim().length > 0;
const isDateTime = (value: unknown): boolean => typeof value === 'string' && ISO_DATE_TIME.test(value) && !Number.isNaN(Date.parse(value));
const quote = (value: string): string => JSON.stringify(value);

function unknownKeys(value: Record<string, unknown>, allowed: readonly string[]): string[] {
  return Object.keys(value).filter((k) => !allowed.includes(k));
}

/** First few problems, so a reason stays one readable line. */
function summarise(problems: readonly string[], max = 6): string {
  const shown = problems.slice(0, max).join('; ');
  return problems.length > max ? `${shown}; and ${problems.length - max} more` : shown;
}

/**
 * Folds problems of the form `subject: text` that repeat across records or persons into one
 * line each, so the reason shows every kind of problem rather than the first record's many.
 */
function grouped(problems: readonly string[], noun: string): string[] {
  const byText = new Map<string, { first: string; count: number }>();
  const order: string[] = [];
  for (const problem of problems) {
    const split = problem.indexOf(': ');
    const text = split < 0 ? problem : problem.slice(split + 2);
    const seen = byText.get(text);
    if (seen) seen.count++;
    else {
      byText.set(text, { first: problem, count: 1 });
      order.push(text);
    }
  }
  return order.map((text) => {
    const { first, count } = byText.get(text)!;
    return count === 1 ? first : `${first} (and ${count - 1} more ${noun})`;
  });
}

function describeError(error: unknown): string {
  if (error instanceof ConnectorError) return `ConnectorError ${error.kind} ("${error.message}")`;
  if (error instanceof Error) return `${error.name} ("${error.message.slice(0, 160)}"), not a ConnectorError`;
  return `a thrown ${typeof error}, not a ConnectorError`;
}

/** `{ system, value }` and nothing else; a DfE LAESTAB is 7 digits. */
function organisationProblems(value: unknown, where: string): string[] {
  if (!isObject(value)) return [`${where} must be an object { system, value }`];
  const problems: string[] = [];
  for (const key of unknownKeys(value, ['system', 'value'])) problems.push(`${where} has non-canonical key ${quote(key)}`);
  if (!isText(value.system)) problems.push(`${where}.system is missing`);
  if (!isText(value.value)) problems.push(`${where}.value is missing`);
  else if (value.system === ORGANISATION_SYSTEMS.laestab && !/^\d{7}$/.test(value.value)) problems.push(`${where}.value is not a DfE LAESTAB (7 digits)`);
  return problems;
}

function provenanceProblems(value: unknown, where: string): string[] {
  if (!isObject(value)) return [`${where}: provenance is missing`];
  const problems: string[] = [];
  for (const key of unknownKeys(value, PROVENANCE_KEYS)) problems.push(`${where}: provenance has non-canonical key ${quote(key)}`);
  if (!isText(value.system)) problems.push(`${where}: provenance.system is missing`);
  if (!isText(value.recordId)) problems.push(`${where}: provenance.recordId is missing`);
  if (!isDateTime(value.asOf)) problems.push(`${where}: provenance.asOf is not an ISO 8601 date-time with a zone`);
  if (value.organisation !== undefined) problems.push(...organisationProblems(value.organisation, `${where}: provenance.organisation`));
  return problems;
}

// ---- manifest --------------------------------------------------------------------------------

function categoryProblems(manifest: ConnectorManifest): string[] {
  const problems: string[] = [];
  if (!Array.isArray(manifest.categories) || manifest.categories.length === 0) return ['manifest.categories is empty'];
  const seen = new Set<string>();
  for (const [i, category] of manifest.categories.entries()) {
    if (!isObject(category)) {
      problems.push(`categories[${i}] is not an object`);
      continue;
    }
    const id = typeof category.id === 'string' ? category.id : '';
    const where = id ? `category ${quote(id)}` : `categories[${i}]`;
    const [agency, name, ...extra] = id.split('.');
    if (agency !== manifest.agency || !name || !SLUG.test(name) || extra.length > 0) {
      problems.push(`${where}: id must be ${quote(`${manifest.agency}.<name>`)} with a lower-case name`);
    }
    if (seen.has(id)) problems.push(`${where} is declared twice`);
    seen.add(id);
    if (!TIERS.includes(category.tier)) problems.push(`${where}: tier must be one of ${TIERS.join(', ')}`);
    if (!isText(category.description)) problems.push(`${where}: description is missing`);
    const kinds: unknown[] = Array.isArray(category.kinds) ? category.kinds : [];
    if (!Array.isArray(category.kinds)) problems.push(`${where}: kinds must be a list`);
    const identity = id === `${manifest.agency}.identity`;
    const badKinds = kinds.filter((k) => !(RECORD_KINDS as readonly unknown[]).includes(k));
    if (badKinds.length > 0) problems.push(`${where}: kinds ${badKinds.map(String).join(', ')} are not ${RECORD_KINDS.join('/')}`);
    if (identity && kinds.length > 0) problems.push(`${where}: the identity category has no record kinds (person search answers it)`);
    if (!identity && kinds.length === 0) problems.push(`${where}: declares no record kinds`);
    const vocabulary: readonly string[] = identity ? PERSON_FIELDS : RECORD_FIELDS;
    const fields: unknown[] = Array.isArray(category.fields) ? category.fields : [];
    if (fields.length === 0) problems.push(`${where}: declares no fields`);
    const badFields = fields.filter((f) => typeof f !== 'string' || !vocabulary.includes(f));
    if (badFields.length > 0) {
      problems.push(`${where}: fields ${badFields.map((f) => quote(String(f))).join(', ')} are not canonical ${identity ? 'person' : 'record'} fields`);
    }
  }
  return problems;
}

// ---- persons and records ---------------------------------------------------------------------

function personProblems(person: unknown, manifest: ConnectorManifest, where: string): string[] {
  if (!isObject(person)) return [`${where} is not an object`];
  const problems: string[] = [];
  const id = isText(person.personId) ? person.personId : undefined;
  const at = id ? `${where} (personId ${quote(id)})` : where;
  for (const key of unknownKeys(person, PERSON_KEYS)) problems.push(`${at}: non-canonical key ${quote(key)}`);
  if (person.agency !== manifest.agency) problems.push(`${at}: agency is not ${quote(manifest.agency)}`);
  if (!id) problems.push(`${at}: personId is missing`);
  if (!Array.isArray(person.identifiers)) problems.push(`${at}: identifiers must be a list`);
  else {
    for (const identifier of person.identifiers as unknown[]) {
      if (!isObject(identifier) || !isText(identifier.system) || !isText(identifier.value)) problems.push(`${at}: an identifier lacks system or value`);
      else if (!(Array.isArray(manifest.identifierSystems) && manifest.identifierSystems.includes(identifier.system))) {
        problems.push(`${at}: identifier system ${quote(identifier.system)} is not declared in manifest.identifierSystems`);
      }
    }
  }
  if (!Array.isArray(person.names)) problems.push(`${at}: names must be a list`);
  else {
    for (const name of person.names as unknown[]) {
      if (!isObject(name)) {
        problems.push(`${at}: a name is not an object`);
        continue;
      }
      for (const key of unknownKeys(name, NAME_KEYS)) problems.push(`${at}: a name has non-canonical key ${quote(key)}`);
      if (!Array.isArray(name.given) || !name.given.every((g) => typeof g === 'string')) problems.push(`${at}: name.given must be a list of strings`);
      if (name.family !== undefined && typeof name.family !== 'string') problems.push(`${at}: name.family must be a string`);
      if (name.use !== undefined && !NAME_USES.includes(name.use as string)) problems.push(`${at}: name.use must be one of ${NAME_USES.join(', ')}`);
    }
  }
  if (person.birthDate !== undefined && !(typeof person.birthDate === 'string' && ISO_DATE.test(person.birthDate))) {
    problems.push(`${at}: birthDate is not an ISO date (YYYY, YYYY-MM or YYYY-MM-DD)`);
  }
  if (person.birthDateAccuracy !== undefined && !(typeof person.birthDateAccuracy === 'string' && /^[AEUX]{3}$/.test(person.birthDateAccuracy))) {
    problems.push(`${at}: birthDateAccuracy must be three MAIS accuracy letters (A/E/U/X for year, month, day)`);
  }
  if (person.gender !== undefined && !GENDER_CODES.includes(person.gender as string)) problems.push(`${at}: gender must be an NHS stated gender code (0, 1, 2, 9)`);
  if (!Array.isArray(person.addresses)) problems.push(`${at}: addresses must be a list`);
  else {
    for (const address of person.addresses as unknown[]) {
      if (!isObject(address)) {
        problems.push(`${at}: an address is not an object`);
        continue;
      }
      for (const key of unknownKeys(address, ADDRESS_KEYS)) problems.push(`${at}: an address has non-canonical key ${quote(key)}`);
      if (Object.values(address).some((v) => v !== undefined && typeof v !== 'string')) problems.push(`${at}: address values must be strings`);
      for (const key of ['from', 'to'] as const) {
        if (address[key] !== undefined && !(typeof address[key] === 'string' && ISO_DATE.test(address[key]))) problems.push(`${at}: address.${key} is not an ISO date`);
      }
    }
  }
  if (person.contact !== undefined) {
    if (!isObject(person.contact) || !isText(person.contact.name)) problems.push(`${at}: contact must have a name`);
    else for (const key of unknownKeys(person.contact, CONTACT_KEYS)) problems.push(`${at}: contact has non-canonical key ${quote(key)}`);
  }
  problems.push(...provenanceProblems(person.provenance, at));
  return problems;
}

function recordProblems(record: unknown, key: string, categories: ReadonlyMap<string, CategoryManifest>, manifest: ConnectorManifest, where: string): string[] {
  if (!isObject(record)) return [`${where} is not an object`];
  const problems: string[] = [];
  const recordId = isObject(record.provenance) && isText(record.provenance.recordId) ? record.provenance.recordId : undefined;
  const at = recordId ? `record ${quote(recordId)}` : where;
  for (const k of unknownKeys(record, RECORD_KEYS)) problems.push(`${at}: non-canonical key ${quote(k)}`);
  if (!(RECORD_KINDS as readonly unknown[]).includes(record.kind)) problems.push(`${at}: kind must be one of ${RECORD_KINDS.join(', ')}`);
  if (record.agency !== manifest.agency) problems.push(`${at}: agency is not ${quote(manifest.agency)}`);
  if (record.personId !== key) problems.push(`${at}: personId differs from the map key ${quote(key)} it was returned under`);
  const category = typeof record.category === 'string' ? categories.get(record.category) : undefined;
  if (!category) problems.push(`${at}: category ${quote(String(record.category))} is not declared in the manifest`);
  else if (category.id === `${manifest.agency}.identity`) problems.push(`${at}: records may not be in the identity category (person search answers it)`);
  else {
    if (record.tier !== category.tier) problems.push(`${at}: tier ${String(record.tier)} differs from its category's ${category.tier}`);
    if (!(Array.isArray(category.kinds) && category.kinds.includes(record.kind as SourceRecord['kind']))) problems.push(`${at}: kind ${String(record.kind)} is not declared for ${category.id}`);
  }
  problems.push(...provenanceProblems(record.provenance, at));
  if (!isObject(record.fields)) problems.push(`${at}: fields must be an object`);
  else {
    const nonCanonical: string[] = [];
    const undeclared: string[] = [];
    for (const [field, value] of Object.entries(record.fields)) {
      if (!(RECORD_FIELDS as readonly string[]).includes(field)) nonCanonical.push(quote(field));
      else if (category && !(Array.isArray(category.fields) && category.fields.includes(field as (typeof RECORD_FIELDS)[number]))) undeclared.push(quote(field));
      if (value !== undefined && typeof value !== 'string') problems.push(`${at}: field ${quote(field)} is not a string`);
      if ((field === 'start' || field === 'end') && typeof value === 'string' && !DATE_OR_DATE_TIME.test(value)) problems.push(`${at}: field ${quote(field)} is not an ISO date or date-time`);
    }
    const list = (fields: string[]): string => (fields.length === 1 ? `field ${fields[0]} is` : `fields ${fields.join(', ')} are`);
    if (nonCanonical.length > 0) problems.push(`${at}: ${list(nonCanonical)} not in RECORD_FIELDS`);
    if (undeclared.length > 0 && category) problems.push(`${at}: ${list(undeclared)} not declared for ${category.id}`);
  }
  return problems;
}

// ---- household -------------------------------------------------------------------------------

/** An address that can be searched: a UPRN, or a first line with a postcode. */
function searchable(address: unknown): address is Record<string, string> {
  return isObject(address) && (isText(address.uprn) || (isText(address.line1) && isText(address.postalCode)));
}

const alnum = (text: string): string => text.normalize('NFD').replace(/[\u0300-\u036f]/g, '').toLowerCase().replace(/[^a-z0-9]/g, '');

/** Loosely the same address: the UPRN when both have one, else the first line and postcode ignoring case, spacing and punctuation. */
function sameAddress(a: unknown, b: unknown): boolean {
  if (!isObject(a) || !isObject(b)) return false;
  if (isText(a.uprn) && isText(b.uprn)) return a.uprn.trim() === b.uprn.trim();
  return isText(a.line1) && isText(b.line1) && isText(a.postalCode) && isText(b.postalCode) && alnum(a.line1) === alnum(b.line1) && alnum(a.postalCode) === alnum(b.postalCode);
}

function memberProblems(member: unknown, askedId: string, manifest: ConnectorManifest, where: string): string[] {
  if (!isObject(member)) return [`${where} is not an object`];
  const problems: string[] = [];
  const personId = isObject(member.person) && isText(member.person.personId) ? member.person.personId : undefined;
  const at = personId ? `${where} (member ${quote(personId)})` : where;
  for (const key of unknownKeys(member, MEMBER_KEYS)) problems.push(`${at}: non-canonical key ${quote(key)}`);
  problems.push(...personProblems(member.person, manifest, `${where} person`));
  if (personId === askedId) problems.push(`${at}: the person asked about is listed as their own household member`);
  if (!(HOUSEHOLD_BASES as readonly unknown[]).includes(member.basis)) problems.push(`${at}: basis ${quote(String(member.basis))} is not one of ${HOUSEHOLD_BASES.join(', ')}`);
  if (!(HOUSEHOLD_RELATIONSHIPS as readonly unknown[]).includes(member.relationship)) {
    problems.push(`${at}: relationship ${quote(String(member.relationship))} is not in HOUSEHOLD_RELATIONSHIPS`);
  }
  if (member.agencyRelationship !== undefined && !isText(member.agencyRelationship)) problems.push(`${at}: agencyRelationship must be a non-empty string`);
  if (member.address !== undefined) {
    if (!isObject(member.address)) problems.push(`${at}: address is not an object`);
    else {
      for (const key of unknownKeys(member.address, ADDRESS_KEYS)) problems.push(`${at}: address has non-canonical key ${quote(key)}`);
      if (Object.values(member.address).some((v) => v !== undefined && typeof v !== 'string')) problems.push(`${at}: address values must be strings`);
    }
  }
  if (member.basis === 'same-address' && !searchable(member.address)) problems.push(`${at}: a same-address member must carry the address (a UPRN, or line1 and postalCode)`);
  else if (member.basis === 'same-address' && isObject(member.person) && Array.isArray(member.person.addresses) && !member.person.addresses.some((a) => sameAddress(a, member.address))) {
    problems.push(`${at}: a same-address member's person is not recorded at the address the member carries`);
  }
  problems.push(...provenanceProblems(member.provenance, at));
  return problems;
}

// ---- the suite -------------------------------------------------------------------------------

// ---- incidents -------------------------------------------------------------------------------

function incidentProblems(incident: unknown, manifest: ConnectorManifest, kinds: readonly string[], where: string): string[] {
  if (!isObject(incident)) return [`${where}: not an object`];
  const at = isText(incident.incidentId) ? `incident ${quote(incident.incidentId)}` : where;
  const problems: string[] = [];
  for (const key of unknownKeys(incident, INCIDENT_KEYS)) problems.push(`${at}: non-canonical key ${quote(key)}`);
  if (incident.agency !== manifest.agency) problems.push(`${at}: agency is not ${quote(String(manifest.agency))}`);
  if (!isText(incident.incidentId)) problems.push(`${where}: incidentId is missing`);
  if (!(INCIDENT_KINDS as readonly unknown[]).includes(incident.kind)) problems.push(`${at}: kind ${quote(String(incident.kind))} is not one of ${INCIDENT_KINDS.join(', ')}`);
  else if (!kinds.includes(incident.kind as string)) problems.push(`${at}: kind ${quote(String(incident.kind))} was not asked for`);
  if (!isDateTime(incident.occurredAt)) problems.push(`${at}: occurredAt is not an ISO 8601 date-time with a zone`);
  if (!isObject(incident.location)) problems.push(`${at}: location is missing`);
  else for (const key of unknownKeys(incident.location, [...ADDRESS_KEYS, 'description'])) problems.push(`${at}: location has non-canonical key ${quote(key)}`);
  if (incident.riskLevel !== undefined && !(DASH_RISK_LEVELS as readonly unknown[]).includes(incident.riskLevel)) problems.push(`${at}: riskLevel is not one of ${DASH_RISK_LEVELS.join(', ')}`);
  if (typeof incident.childrenPresent !== 'boolean') problems.push(`${at}: childrenPresent must be a boolean`);
  if (!isObject(incident.officer) || !isText(incident.officer.name)) problems.push(`${at}: officer.name is missing (whom to contact about the incident)`);
  else for (const key of unknownKeys(incident.officer, [...CONTACT_KEYS, 'role'])) problems.push(`${at}: officer has non-canonical key ${quote(key)}`);
  if (!Array.isArray(incident.persons)) problems.push(`${at}: persons must be a list`);
  else {
    const seen = new Set<string>();
    incident.persons.forEach((entry: unknown, i: number) => {
      if (!isObject(entry)) {
        problems.push(`${at}: persons[${i}] is not an object`);
        return;
      }
      for (const key of unknownKeys(entry, INCIDENT_PERSON_KEYS)) problems.push(`${at}: persons[${i}] has non-canonical key ${quote(key)}`);
      if (!(INCIDENT_ROLES as readonly unknown[]).includes(entry.role)) problems.push(`${at}: persons[${i}] role ${quote(String(entry.role))} is not one of INCIDENT_ROLES`);
      problems.push(...personProblems(entry.person, manifest, `${at} persons[${i}]`));
      const id = isObject(entry.person) && isText(entry.person.personId) ? entry.person.personId : undefined;
      if (id !== undefined) {
        if (seen.has(id)) problems.push(`${at}: person ${quote(id)} is listed twice (each person once, with one role)`);
        seen.add(id);
      }
    });
  }
  problems.push(...provenanceProblems(incident.provenance, at));
  return problems;
}

/** An incident's id and the instant of its last change (`provenance.asOf`), where readable. */
function feedKey(incident: unknown): { id: string; asOf: number } | undefined {
  if (!isObject(incident) || !isText(incident.incidentId)) return undefined;
  const asOf = isObject(incident.provenance) && typeof incident.provenance.asOf === 'string' ? Date.parse(incident.provenance.asOf) : Number.NaN;
  return { id: incident.incidentId, asOf };
}

/**
 * Queries to compare one call with single searches: the samples, the relaxed variants a
 * gateway sends for a search (one name with the date, names the other way round, day and month
 * swapped), a query matching no one and one that cannot be searched.
 */
function queryVariants(samples: ConformanceSamples): PersonQuery[] {
  const queries: PersonQuery[] = (samples.identifiers ?? []).map((identifier) => ({ identifiers: [identifier] }));
  const d = samples.demographics;
  if (d) {
    queries.push(d);
    const { family, given, birthDate } = d;
    if (family && birthDate) queries.push({ family, birthDate });
    if (given && birthDate) queries.push({ given, birthDate });
    if (family && given) queries.push({ family: given, given: family, ...(birthDate ? { birthDate } : {}) });
    const m = birthDate ? /^(\d{4})-(\d{2})-(\d{2})$/.exec(birthDate) : null;
    if (m && family && m[2] !== m[3] && Number(m[3]) <= 12) queries.push({ family, ...(given ? { given } : {}), birthDate: `${m[1]}-${m[3]}-${m[2]}` });
    if (family) queries.push({ family: family.slice(0, 1), ...(given ? { given } : {}), ...(birthDate ? { birthDate: birthDate.slice(0, 4) } : {}) });
  }
  queries.push({ family: NOBODY_FAMILY, given: 'Conformance', birthDate: NOBODY_BIRTH_DATE });
  queries.push({});
  return queries;
}

type Outcome<T> = { settled: 'value'; value: T; ms: number } | { settled: 'error'; error: unknown; ms: number } | { settled: 'hung'; ms: number };

function isConnectorShaped(value: unknown): value is Connector {
  return (
    isObject(value) &&
    isObject(value.manifest) &&
    typeof value.searchPersons === 'function' &&
    typeof value.fetchRecords === 'function' &&
    (value.health === undefined || typeof value.health === 'function') &&
    (value.close === undefined || typeof value.close === 'function')
  );
}

/** Runs the standard suite against a connector. Never throws for a failing connector: it reports. */
export async function checkConnector(connector: Connector, options: ConformanceOptions): Promise<ConformanceReport> {
  const checks: ConformanceCheck[] = [];
  const record = (id: string, title: string, problems: readonly string[], passReason: string): boolean => {
    const ok = problems.length === 0;
    checks.push({ id, title, status: ok ? 'pass' : 'fail', reason: ok ? passReason : summarise(problems) });
    return ok;
  };

  if (!isConnectorShaped(connector)) {
    record('contract', 'Implements the Connector contract', ['not a Connector: needs a `manifest` object and `searchPersons` and `fetchRecords` functions'], '');
    return { agency: '?', connector: '?', passed: false, checks };
  }
  const manifest = connector.manifest;
  const agency = typeof manifest.agency === 'string' ? manifest.agency : '?';
  const label = `${String(manifest.name)} ${String(manifest.version)} (${String(manifest.protocol)})`;
  record('contract', 'Implements the Connector contract', [], 'manifest, searchPersons and fetchRecords are present');

  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  /** How soon an aborted call must settle. */
  const promptMs = Math.min(1000, timeoutMs);
  const samples = options.samples ?? {};
  const unknownPersonId = samples.unknownPersonId ?? DEFAULT_UNKNOWN_PERSON_ID;
  const unmapped: string[] = [];
  let failuresSeen = 0;
  let callNo = 0;

  /** One connector call, bounded: the signal aborts at `timeoutMs`, and the kit stops waiting at `settleWithinMs`. */
  async function invoke<T>(what: string, run: (ctx: CallContext) => Promise<T>, signal?: AbortSignal, settleWithinMs = timeoutMs + promptMs): Promise<Outcome<T>> {
    const ctx: CallContext = { signal: signal ?? AbortSignal.timeout(timeoutMs), requestId: `conformance-${++callNo}` };
    const started = performance.now();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const hung = new Promise<'hung'>((resolve) => {
      timer = setTimeout(() => resolve('hung'), settleWithinMs);
    });
    try {
      const outcome = await Promise.race([
        Promise.resolve()
          .then(() => run(ctx))
          .then(
            (value) => ({ settled: 'value', value }) as const,
            (error: unknown) => ({ settled: 'error', error }) as const,
          ),
        hung,
      ]);
      const ms = Math.round(performance.now() - started);
      if (outcome === 'hung') return { settled: 'hung', ms };
      if (outcome.settled === 'error') {
        failuresSeen++;
        if (!(outcome.error instanceof ConnectorError)) unmapped.push(`${what}: ${describeError(outcome.error)}`);
        return { ...outcome, ms };
      }
      return { ...outcome, ms };
    } finally {
      clearTimeout(timer);
    }
  }

  const outcomeProblem = (what: string, outcome: Outcome<unknown>): string =>
    outcome.settled === 'hung'
      ? `${what} did not settle within ${timeoutMs + promptMs} ms (its signal was aborted at ${timeoutMs} ms)`
      : outcome.settled === 'error'
        ? `${what} rejected with ${describeError(outcome.error)}`
        : `${what} answered`;

  // ---- manifest
  const agencyProblems: string[] = [];
  if (typeof manifest.agency !== 'string' || !SLUG.test(manifest.agency)) agencyProblems.push('agency must be a lower-case name such as "police" or "social-care"');
  for (const key of ['name', 'version', 'protocol'] as const) if (!isText(manifest[key])) agencyProblems.push(`manifest.${key} is missing`);
  record('manifest.agency', 'Manifest names the agency and the connected system', agencyProblems, `agency ${quote(agency)}: ${label}`);

  const declared: CategoryManifest[] = (Array.isArray(manifest.categories) ? manifest.categories : []).filter((c) => isObject(c));
  record(
    'manifest.categories',
    'Categories are `<agency>.<name>` with a tier, record kinds and canonical fields',
    categoryProblems(manifest),
    `${declared.length} categories: ${declared.map((c) => `${c.id} (${c.tier})`).join(', ')}`,
  );

  const identity = declared.find((c) => c.id === `${agency}.identity`);
  record(
    'manifest.identity',
    'The identity category is declared at T0',
    identity ? (identity.tier === 'T0' ? [] : [`${identity.id} must be tier T0 (POLICY-GUIDANCE.md), not ${identity.tier}`]) : [`no ${quote(`${agency}.identity`)} category: declare it (tier T0, no kinds, person fields)`],
    `${agency}.identity (T0) is answered by person search`,
  );

  const systems: string[] = Array.isArray(manifest.identifierSystems) ? manifest.identifierSystems : [];
  const systemProblems: string[] = [];
  if (systems.length === 0) systemProblems.push('manifest.identifierSystems is empty: declare the identifier system(s) person search accepts');
  for (const system of systems) if (typeof system !== 'string' || !URI.test(system)) systemProblems.push(`identifier system ${quote(String(system))} is not a URI`);
  if (new Set(systems).size !== systems.length) systemProblems.push('an identifier system is declared twice');
  for (const sample of samples.identifiers ?? []) {
    if (!systems.includes(sample.system)) systemProblems.push(`samples.identifiers has system ${quote(sample.system)}, which the manifest does not declare`);
  }
  record('manifest.identifier-systems', 'Identifier systems are declared as URIs', systemProblems, systems.join(', '));

  const contact = manifest.contact as unknown;
  const contactProblems: string[] = [];
  if (!isObject(contact) || !isText(contact.name)) contactProblems.push('manifest.contact.name is missing: withheld markers tell the researcher whom to ask');
  else {
    for (const key of unknownKeys(contact, CONTACT_KEYS)) contactProblems.push(`manifest.contact has non-canonical key ${quote(key)}`);
    if (contact.email !== undefined && !(typeof contact.email === 'string' && /^[^@\s]+@[^@\s]+$/.test(contact.email))) contactProblems.push('manifest.contact.email is not an email address');
  }
  record('manifest.contact', 'Manifest says whom to contact at the agency', contactProblems, 'contact named');

  const categories = new Map(declared.map((c) => [c.id, c] as const));

  // ---- person search
  const found: Array<{ where: string; person: unknown }> = [];
  for (const system of systems) {
    const id = `search.identifier:${system}`;
    const title = `Person search by identifier ${system}`;
    const ofSystem = (samples.identifiers ?? []).filter((i) => i.system === system);
    if (ofSystem.length === 0) {
      record(id, title, [`no sample: add an identifier of system ${quote(system)} to samples.identifiers`], '');
      continue;
    }
    const problems: string[] = [];
    let hits = 0;
    for (const [n, identifier] of ofSystem.entries()) {
      const outcome = await invoke('searchPersons', (ctx) => connector.searchPersons({ identifiers: [identifier] }, ctx));
      if (outcome.settled !== 'value') {
        problems.push(outcomeProblem(`search by sample identifier #${n + 1}`, outcome));
        continue;
      }
      if (!Array.isArray(outcome.value)) {
        problems.push(`search by sample identifier #${n + 1} did not answer a list`);
        continue;
      }
      outcome.value.forEach((person, i) => found.push({ where: `identifier search #${n + 1} result ${i}`, person }));
      if (outcome.value.length === 0) {
        problems.push(`search by sample identifier #${n + 1} found no one`);
        continue;
      }
      const normalise = (v: unknown): string => String(v).replace(/\s+/g, '').toLowerCase();
      const carries = outcome.value.some(
        (p: SourcePerson) => isObject(p) && Array.isArray(p.identifiers) && p.identifiers.some((i) => isObject(i) && i.system === system && normalise(i.value) === normalise(identifier.value)),
      );
      if (!carries) problems.push(`search by sample identifier #${n + 1} found persons, none carrying the identifier searched for`);
      hits += outcome.value.length;
    }
    record(id, title, problems, `${ofSystem.length} sample identifier(s) found ${hits} person(s), carrying the identifier`);
  }

  {
    const title = 'Person search by demographics';
    if (!samples.demographics) record('search.demographics', title, ['no sample: add samples.demographics (e.g. family, given, birthDate)'], '');
    else {
      const outcome = await invoke('searchPersons', (ctx) => connector.searchPersons(samples.demographics!, ctx));
      const problems: string[] = [];
      if (outcome.settled !== 'value') problems.push(outcomeProblem('search by the sample demographics', outcome));
      else if (!Array.isArray(outcome.value)) problems.push('search by the sample demographics did not answer a list');
      else if (outcome.value.length === 0) problems.push('search by the sample demographics found no one');
      else outcome.value.forEach((person, i) => found.push({ where: `demographic search result ${i}`, person }));
      record('search.demographics', title, problems, `found ${outcome.settled === 'value' && Array.isArray(outcome.value) ? outcome.value.length : 0} person(s)`);
    }
  }

  record(
    'search.person-shape',
    'Search results are SourcePersons with provenance',
    found.length === 0 ? ['no search found anyone, so no result could be checked'] : grouped(found.flatMap(({ where, person }) => personProblems(person, manifest, where)), 'results'),
    `${found.length} result(s) are canonical SourcePersons`,
  );

  {
    const title = 'A search that matches no one answers [] (no record), not an error';
    const base = samples.demographics ?? { given: 'Conformance' };
    const { identifiers: _ignored, ...demographics } = base;
    const nobody: PersonQuery = { ...demographics, family: NOBODY_FAMILY, ...(base.birthDate ? { birthDate: NOBODY_BIRTH_DATE } : {}) };
    const outcome = await invoke('searchPersons', (ctx) => connector.searchPersons(nobody, ctx));
    const problems: string[] = [];
    if (outcome.settled !== 'value') problems.push(outcomeProblem(`search for surname ${quote(NOBODY_FAMILY)}`, outcome));
    else if (!Array.isArray(outcome.value) || outcome.value.length > 0) problems.push(`search for surname ${quote(NOBODY_FAMILY)} should answer [] but answered ${Array.isArray(outcome.value) ? `${outcome.value.length} person(s)` : 'not a list'}`);
    record('search.no-match', title, problems, 'answered []');
  }

  {
    const title = 'An unusable query answers [] or ConnectorError BAD_QUERY';
    const outcome = await invoke('searchPersons', (ctx) => connector.searchPersons({}, ctx));
    const ok =
      (outcome.settled === 'value' && Array.isArray(outcome.value) && outcome.value.length === 0) ||
      (outcome.settled === 'error' && outcome.error instanceof ConnectorError && outcome.error.kind === 'BAD_QUERY');
    record('search.empty-query', title, ok ? [] : [outcomeProblem('search with an empty query', outcome) + (outcome.settled === 'value' ? ' with persons' : '')], outcome.settled === 'value' ? 'answered []' : 'rejected with BAD_QUERY');
  }

  // ---- several queries in one call (optional)
  {
    const id = 'search.any';
    const title = 'Several queries in one call (optional searchPersonsAny) answer the union of the single searches';
    const anyOf = typeof (connector as unknown as Record<string, unknown>).searchPersonsAny === 'function' ? connector.searchPersonsAny!.bind(connector) : undefined;
    if (!anyOf) record(id, title, [], 'not declared (optional): the gateway asks once per query');
    else {
      const queries = queryVariants(samples);
      const problems: string[] = [];
      const union = new Set<string>();
      for (const [n, query] of queries.entries()) {
        const outcome = await invoke('searchPersons', (ctx) => connector.searchPersons(query, ctx));
        if (outcome.settled === 'value' && Array.isArray(outcome.value)) {
          for (const p of outcome.value) if (isObject(p) && isText(p.personId)) union.add(p.personId);
        } else if (!(outcome.settled === 'error' && outcome.error instanceof ConnectorError && outcome.error.kind === 'BAD_QUERY' && !outcome.error.rejectedInput)) {
          problems.push(outcomeProblem(`single search #${n + 1}`, outcome));
        }
      }
      const outcome = await invoke('searchPersonsAny', (ctx) => anyOf(queries, ctx));
      if (outcome.settled !== 'value') problems.push(outcomeProblem(`searchPersonsAny of ${queries.length} queries`, outcome));
      else if (!Array.isArray(outcome.value)) problems.push('searchPersonsAny did not answer a list');
      else {
        const ids = outcome.value.map((p: unknown) => (isObject(p) && isText(p.personId) ? p.personId : '(no personId)'));
        const once = new Set(ids);
        if (once.size !== ids.length) problems.push('searchPersonsAny listed a person more than once');
        const missing = [...union].filter((p) => !once.has(p));
        const extra = [...once].filter((p) => !union.has(p));
        if (missing.length > 0) problems.push(`searchPersonsAny missed ${missing.length} person(s) a single search found: ${missing.slice(0, 5).map(quote).join(', ')}`);
        if (extra.length > 0) problems.push(`searchPersonsAny found ${extra.length} person(s) no single search found: ${extra.slice(0, 5).map(quote).join(', ')}`);
        problems.push(...grouped(outcome.value.flatMap((person: unknown, i: number) => personProblems(person, manifest, `searchPersonsAny result ${i}`)), 'results'));
      }
      if (union.size === 0) problems.push('no single search found anyone, so the union could not be compared');
      const refused = await invoke('searchPersonsAny', (ctx) => anyOf([{}, {}], ctx));
      const refusedOk =
        (refused.settled === 'value' && Array.isArray(refused.value) && refused.value.length === 0) ||
        (refused.settled === 'error' && refused.error instanceof ConnectorError && refused.error.kind === 'BAD_QUERY');
      if (!refusedOk) problems.push(outcomeProblem('searchPersonsAny of unusable queries only', refused) + (refused.settled === 'value' ? ' with persons' : ''));
      record(id, title, problems, `${queries.length} queries: one call found the ${union.size} person(s) the single searches found, each once`);
    }
  }

  // ---- record fetch
  const known = [...new Set(samples.knownPersonIds ?? [])];
  const batchRecords = new Map<string, SourceRecord[]>();
  {
    const title = 'Records for several persons come back from one call, keyed by those ids';
    const problems: string[] = [];
    if (known.length < 2) problems.push('needs samples.knownPersonIds with at least two persons who have records');
    if (known.length > 0) {
      const outcome = await invoke('fetchRecords', (ctx) => connector.fetchRecords(known, ctx));
      if (outcome.settled !== 'value') problems.push(outcomeProblem(`fetchRecords of ${known.length} ids`, outcome));
      else if (!(outcome.value instanceof Map)) problems.push('fetchRecords must answer a Map keyed by person id');
      else {
        for (const [key, records] of outcome.value) {
          if (!known.includes(key)) problems.push(`the answer has a key ${quote(String(key))} that was not asked for`);
          else if (!Array.isArray(records)) problems.push(`the entry for ${quote(key)} is not a list`);
          else batchRecords.set(key, records);
        }
        for (const id of known) {
          if ((batchRecords.get(id) ?? []).length === 0) problems.push(`no records for ${quote(id)} (samples.knownPersonIds should name persons who have records)`);
        }
      }
    }
    const total = [...batchRecords.values()].reduce((n, r) => n + r.length, 0);
    record('fetch.batch', title, problems, `${total} records for ${known.length} persons in one call`);
  }

  {
    const title = 'The batch answer is the same as asking for each person alone';
    const problems: string[] = [];
    if (batchRecords.size === 0) problems.push('not checked: the batch fetch gave no records');
    else {
      const ids = (records: readonly SourceRecord[]): string =>
        records
          .map((r) => (isObject(r) && isObject(r.provenance) ? `${String(r.provenance.system)}|${String(r.provenance.recordId)}` : '?'))
          .sort()
          .join('\n');
      for (const id of known) {
        const outcome = await invoke('fetchRecords', (ctx) => connector.fetchRecords([id], ctx));
        if (outcome.settled !== 'value') problems.push(outcomeProblem(`fetchRecords of ${quote(id)} alone`, outcome));
        else if (!(outcome.value instanceof Map)) problems.push(`fetchRecords of ${quote(id)} alone did not answer a Map`);
        else if (ids(outcome.value.get(id) ?? []) !== ids(batchRecords.get(id) ?? [])) problems.push(`${quote(id)} alone has different records from ${quote(id)} in the batch`);
      }
    }
    record('fetch.batch-consistent', title, problems, `each of ${known.length} persons alone matches the batch`);
  }

  {
    const title = 'Every record is canonical: kind, declared category and its tier, provenance, RECORD_FIELDS only';
    const problems: string[] = [];
    let count = 0;
    for (const [key, records] of batchRecords) {
      const recordIds = new Set<string>();
      for (const [i, r] of records.entries()) {
        count++;
        problems.push(...recordProblems(r, key, categories, manifest, `records of ${quote(key)}[${i}]`));
        const rid = isObject(r) && isObject(r.provenance) ? `${String(r.provenance.system)}|${String(r.provenance.recordId)}` : undefined;
        if (rid !== undefined) {
          if (recordIds.has(rid)) problems.push(`records of ${quote(key)}: provenance ${quote(rid)} appears twice`);
          recordIds.add(rid);
        }
      }
    }
    if (count === 0) problems.push('not checked: the batch fetch gave no records');
    problems.splice(0, problems.length, ...grouped(problems, 'records'));
    const used = new Set([...batchRecords.values()].flat().map((r) => (isObject(r) ? String(r.category) : '')));
    record('records.shape', title, problems, `${count} records are canonical (categories seen: ${[...used].sort().join(', ')})`);
  }

  {
    const title = 'An unknown person id answers no records, not an error, even in a batch';
    const problems: string[] = [];
    const alone = await invoke('fetchRecords', (ctx) => connector.fetchRecords([unknownPersonId], ctx));
    if (alone.settled !== 'value') {
      problems.push(outcomeProblem(`fetchRecords of unknown id ${quote(unknownPersonId)}`, alone));
      if (alone.settled === 'error' && alone.error instanceof ConnectorError && alone.error.kind === 'BAD_QUERY') {
        problems.push('if that id is malformed for your system, give a well-formed one in samples.unknownPersonId');
      }
    } else if (!(alone.value instanceof Map)) problems.push('fetchRecords of an unknown id did not answer a Map');
    else if ((alone.value.get(unknownPersonId) ?? []).length > 0) problems.push(`unknown id ${quote(unknownPersonId)} came back with records`);
    const first = known[0];
    if (first !== undefined && problems.length === 0) {
      const mixed = await invoke('fetchRecords', (ctx) => connector.fetchRecords([first, unknownPersonId], ctx));
      if (mixed.settled !== 'value') problems.push(outcomeProblem('fetchRecords of a known and an unknown id', mixed));
      else if (!(mixed.value instanceof Map)) problems.push('fetchRecords of a known and an unknown id did not answer a Map');
      else {
        if ((mixed.value.get(unknownPersonId) ?? []).length > 0) problems.push('the unknown id came back with records in a batch');
        if ((mixed.value.get(first) ?? []).length !== (batchRecords.get(first) ?? []).length) problems.push(`an unknown id in the batch changed the records of ${quote(first)}`);
      }
    }
    record('fetch.unknown-person', title, problems, 'answered no records');
  }

  // ---- household (optional capability)
  const declaredMethods = HOUSEHOLD_METHODS.filter((m) => typeof (connector as unknown as Record<string, unknown>)[m] === 'function');
  const household = declaredMethods.length === HOUSEHOLD_METHODS.length ? (connector as Connector & Required<Pick<Connector, (typeof HOUSEHOLD_METHODS)[number]>>) : undefined;
  record(
    'household.declared',
    'The household capability (optional) is declared whole: householdOf, personsAtAddress and fetchPersons',
    declaredMethods.length === 0 || household ? [] : [`declares ${declaredMethods.join(', ')} but not ${HOUSEHOLD_METHODS.filter((m) => !declaredMethods.includes(m)).join(', ')}: declare all three or none`],
    household ? 'declared: the household checks follow' : 'not declared (optional): no household checks',
  );
  if (household) {
    const fixture = samples.household ?? {};
    const fixtureIds = Object.keys(fixture);
    const askIds = [...new Set([...fixtureIds, ...known])];
    const households = new Map<string, HouseholdMember[]>();
    {
      const title = 'householdOf answers, for the ids asked, members that are this agency’s SourcePersons with a basis, relationship and provenance';
      const problems: string[] = [];
      let members = 0;
      const bases = new Set<string>();
      if (askIds.length === 0) problems.push('needs samples.knownPersonIds or samples.household to ask about');
      else {
        const outcome = await invoke('householdOf', (ctx) => household.householdOf(askIds, ctx));
        if (outcome.settled !== 'value') problems.push(outcomeProblem(`householdOf of ${askIds.length} ids`, outcome));
        else if (!(outcome.value instanceof Map)) problems.push('householdOf must answer a Map keyed by person id');
        else {
          for (const [key, list] of outcome.value) {
            if (!askIds.includes(key)) problems.push(`the answer has a key ${quote(String(key))} that was not asked for`);
            else if (!Array.isArray(list)) problems.push(`the entry for ${quote(key)} is not a list`);
            else {
              households.set(key, list);
              const seen = new Set<string>();
              for (const [i, member] of list.entries()) {
                members++;
                problems.push(...memberProblems(member, key, manifest, `household of ${quote(key)}[${i}]`));
                if (isObject(member)) {
                  bases.add(String(member.basis));
                  const dedupe = `${isObject(member.person) ? String(member.person.personId) : '?'}|${String(member.basis)}|${String(member.relationship)}`;
                  if (seen.has(dedupe)) problems.push(`household of ${quote(key)}: member ${quote(dedupe.split('|')[0]!)} is listed twice with the same basis and relationship`);
                  seen.add(dedupe);
                }
              }
            }
          }
        }
      }
      record('household.members', title, grouped(problems, 'members'), `${members} member(s) for ${askIds.length} person(s) (bases seen: ${[...bases].sort().join(', ') || 'none'})`);
    }

    {
      const title = 'householdOf of an unknown person answers no members, not an error, even in a batch';
      const problems: string[] = [];
      const alone = await invoke('householdOf', (ctx) => household.householdOf([unknownPersonId], ctx));
      if (alone.settled !== 'value') problems.push(outcomeProblem(`householdOf of unknown id ${quote(unknownPersonId)}`, alone));
      else if (!(alone.value instanceof Map)) problems.push('householdOf of an unknown id did not answer a Map');
      else if ((alone.value.get(unknownPersonId) ?? []).length > 0) problems.push(`unknown id ${quote(unknownPersonId)} came back with household members`);
      const first = askIds[0];
      if (first !== undefined && problems.length === 0) {
        const mixed = await invoke('householdOf', (ctx) => household.householdOf([first, unknownPersonId], ctx));
        if (mixed.settled !== 'value') problems.push(outcomeProblem('householdOf of a known and an unknown id', mixed));
        else if (!(mixed.value instanceof Map)) problems.push('householdOf of a known and an unknown id did not answer a Map');
        else {
          if ((mixed.value.get(unknownPersonId) ?? []).length > 0) problems.push('the unknown id came back with household members in a batch');
          if (households.has(first) && (mixed.value.get(first) ?? []).length !== (households.get(first) ?? []).length) problems.push(`an unknown id in the batch changed the household of ${quote(first)}`);
        }
      }
      record('household.unknown-person', title, problems, 'answered no members');
    }

    {
      const title = 'Each household in samples.household is found: every expected member is returned';
      const problems: string[] = [];
      let expected = 0;
      let foundMembers = 0;
      for (const id of fixtureIds) {
        const returned = new Set((households.get(id) ?? []).map((m) => (isObject(m) && isObject(m.person) ? String(m.person.personId) : '')));
        const want = [...new Set(fixture[id] ?? [])];
        expected += want.length;
        const missing = want.filter((w) => !returned.has(w));
        foundMembers += want.length - missing.length;
        if (missing.length > 0) problems.push(`household of ${quote(id)}: ${missing.length} of ${want.length} expected member(s) not returned (${missing.map(quote).join(', ')})`);
      }
      record(
        'household.fixture',
        title,
        problems,
        fixtureIds.length === 0 ? 'not checked: no samples.household fixture (optional)' : `${foundMembers} of ${expected} expected member(s) found for ${fixtureIds.length} household(s)`,
      );
    }

    const persons = new Map<string, SourcePerson>();
    {
      const title = 'fetchPersons answers only the ids asked for, as SourcePersons keyed by id; an unknown id is absent';
      const problems: string[] = [];
      const ids = [...new Set([...known, ...fixtureIds])];
      if (ids.length === 0) problems.push('needs samples.knownPersonIds to fetch');
      const outcome = await invoke('fetchPersons', (ctx) => household.fetchPersons([...ids, unknownPersonId], ctx));
      if (outcome.settled !== 'value') problems.push(outcomeProblem(`fetchPersons of ${ids.length} known and one unknown id`, outcome));
      else if (!(outcome.value instanceof Map)) problems.push('fetchPersons must answer a Map keyed by person id');
      else {
        for (const [key, person] of outcome.value) {
          if (key === unknownPersonId) problems.push(`the unknown id ${quote(unknownPersonId)} is present (it must be absent)`);
          else if (!ids.includes(key)) problems.push(`the answer has a key ${quote(String(key))} that was not asked for`);
          else {
            problems.push(...personProblems(person, manifest, `person ${quote(key)}`));
            if (isObject(person) && person.personId !== key) problems.push(`person ${quote(key)}: personId differs from the map key it was returned under`);
            else persons.set(key, person);
          }
        }
        for (const id of known) if (!outcome.value.has(id)) problems.push(`known person ${quote(id)} is missing`);
      }
      record('persons.fetch', title, grouped(problems, 'persons'), `${persons.size} person(s) fetched by id; the unknown id absent`);
    }

    {
      const title = 'Every household member is a person fetchPersons knows by that id';
      const problems: string[] = [];
      const memberIds = [
        ...new Set(
          [...households.values()].flatMap((list) => list.flatMap((m) => (isObject(m) && isObject(m.person) && isText(m.person.personId) ? [m.person.personId] : []))),
        ),
      ].slice(0, 100);
      if (memberIds.length > 0) {
        const outcome = await invoke('fetchPersons', (ctx) => household.fetchPersons(memberIds, ctx));
        if (outcome.settled !== 'value') problems.push(outcomeProblem(`fetchPersons of ${memberIds.length} member id(s)`, outcome));
        else if (!(outcome.value instanceof Map)) problems.push('fetchPersons must answer a Map keyed by person id');
        else {
          const absent = memberIds.filter((id) => !outcome.value.has(id));
          if (absent.length > 0) problems.push(`${absent.length} member id(s) unknown to fetchPersons (${absent.slice(0, 5).map(quote).join(', ')}${absent.length > 5 ? ', ...' : ''})`);
        }
      }
      record('household.members-fetchable', title, problems, memberIds.length === 0 ? 'not checked: no household members were returned' : `${memberIds.length} member id(s) fetched`);
    }

    {
      const title = 'personsAtAddress refuses an empty address query (BAD_QUERY, rejectedInput) rather than answering the whole system';
      const problems: string[] = [];
      const empties: Array<[string, AddressQuery]> = [
        ['{}', {}],
        ['blank uprn, line1 and postalCode', { uprn: ' ', line1: '', postalCode: '  ' }],
      ];
      for (const [what, query] of empties) {
        const outcome = await invoke('personsAtAddress', (ctx) => household.personsAtAddress(query, ctx));
        const refused = outcome.settled === 'error' && outcome.error instanceof ConnectorError && outcome.error.kind === 'BAD_QUERY' && outcome.error.rejectedInput;
        if (!refused) {
          problems.push(
            outcome.settled === 'value'
              ? `personsAtAddress(${what}) answered ${Array.isArray(outcome.value) ? `${outcome.value.length} person(s)` : 'a value'}; throw ConnectorError BAD_QUERY with rejectedInput`
              : outcome.settled === 'error' && outcome.error instanceof ConnectorError && outcome.error.kind === 'BAD_QUERY'
                ? `personsAtAddress(${what}) rejected with BAD_QUERY without rejectedInput (the caller gave the bad value)`
                : outcomeProblem(`personsAtAddress(${what})`, outcome),
          );
        }
      }
      record('address.empty-query', title, problems, 'rejected with BAD_QUERY (rejectedInput)');
    }

    {
      const title = 'personsAtAddress finds a person at a current address the agency holds for them, by UPRN and by line1 with postcode';
      const problems: string[] = [];
      const candidates: Array<{ personId: string; address: Record<string, string> }> = [];
      for (const [personId, person] of persons) {
        for (const address of Array.isArray(person.addresses) ? person.addresses : []) {
          if (searchable(address) && (address as { to?: unknown }).to === undefined) candidates.push({ personId, address });
        }
      }
      for (const list of households.values()) {
        for (const member of list) {
          if (isObject(member) && member.basis === 'same-address' && searchable(member.address) && isObject(member.person) && isText(member.person.personId)) {
            candidates.push({ personId: member.person.personId, address: member.address });
          }
        }
      }
      const pick = candidates[0];
      let queries = 0;
      if (!pick) problems.push('not checked: no fetched person or same-address member has a current address with a UPRN or line1 and postalCode');
      else {
        const queryList: Array<[string, AddressQuery]> = [];
        if (isText(pick.address.uprn)) queryList.push(['by UPRN', { uprn: pick.address.uprn }]);
        if (isText(pick.address.line1) && isText(pick.address.postalCode)) queryList.push(['by line1 and postalCode', { line1: pick.address.line1, postalCode: pick.address.postalCode }]);
        for (const [what, query] of queryList) {
          queries++;
          const outcome = await invoke('personsAtAddress', (ctx) => household.personsAtAddress(query, ctx));
          if (outcome.settled !== 'value') problems.push(outcomeProblem(`personsAtAddress ${what}`, outcome));
          else if (!Array.isArray(outcome.value)) problems.push(`personsAtAddress ${what} did not answer a list`);
          else {
            problems.push(...grouped(outcome.value.flatMap((p, i) => personProblems(p, manifest, `address search ${what} result ${i}`)), 'results'));
            if (!outcome.value.some((p) => isObject(p) && p.personId === pick.personId)) problems.push(`personsAtAddress ${what} did not find ${quote(pick.personId)}, whom the agency records there`);
          }
        }
      }
      record('address.search', title, problems, pick ? `${queries} address search(es) found ${quote(pick.personId)}` : '');
    }
  }

  // ---- incidents (optional capability)
  const feed = typeof (connector as unknown as Record<string, unknown>).incidentsSince === 'function' ? (connector as Connector & IncidentCapability) : undefined;
  record(
    'incidents.declared',
    'The incident feed (optional): incidentsSince',
    [],
    feed ? 'declared: the incident feed checks follow' : 'not declared (optional): no incident feed checks',
  );
  const feedKinds: readonly IncidentKind[] = samples.incidents?.kinds ?? INCIDENT_KINDS;
  const feedSince = samples.incidents?.since ?? new Date(Date.now() - DEFAULT_INCIDENT_LOOKBACK_MS).toISOString();
  if (feed) {
    interface FeedRead {
      pages: Array<{ incidents: unknown[]; cursor: string; hasMore: boolean }>;
      problems: string[];
      ended: boolean;
    }
    /** Reads the feed from a position page by page, at most `maxPages` pages. */
    const readFeed = async (start: IncidentFeedPosition, limit: number, maxPages: number, what: string): Promise<FeedRead> => {
      const read: FeedRead = { pages: [], problems: [], ended: false };
      let position = start;
      while (read.pages.length < maxPages) {
        const n = read.pages.length + 1;
        const outcome = await invoke('incidentsSince', (ctx) => feed.incidentsSince(position, feedKinds, limit, ctx));
        if (outcome.settled !== 'value') {
          read.problems.push(outcomeProblem(`${what}: incidentsSince page ${n}`, outcome));
          return read;
        }
        const page = outcome.value as unknown;
        if (!isObject(page) || !Array.isArray(page.incidents) || typeof page.hasMore !== 'boolean') {
          read.problems.push(`${what}: page ${n} is not { incidents: [...], cursor, hasMore: boolean }`);
          return read;
        }
        if (!isText(page.cursor)) {
          read.problems.push(`${what}: page ${n} has no cursor (every page, an empty one too, returns where to resume)`);
          return read;
        }
        if (page.incidents.length > limit) read.problems.push(`${what}: page ${n} has ${page.incidents.length} incidents, more than the limit ${limit}`);
        read.pages.push({ incidents: page.incidents, cursor: page.cursor, hasMore: page.hasMore });
        if (!page.hasMore) {
          read.ended = true;
          return read;
        }
        position = { cursor: page.cursor };
      }
      read.problems.push(`${what}: still hasMore after ${maxPages} pages of ${limit}: a cursor that does not move on, or a feed too long to check (give samples.incidents.since closer to now)`);
      return read;
    };
    const idsOf = (read: FeedRead): string[] => read.pages.flatMap((p) => p.incidents.map((i) => feedKey(i)?.id ?? '?'));
    const twice = (ids: readonly string[]): string[] => [...new Set(ids.filter((id, i) => ids.indexOf(id) !== i))];
    const startAt: IncidentFeedPosition = { since: feedSince };
    const large = await readFeed(startAt, FEED_LARGE_LIMIT, FEED_MAX_LARGE_PAGES, `from ${feedSince} by ${FEED_LARGE_LIMIT}`);
    const largeIds = idsOf(large);

    {
      const title = 'incidentsSince answers incidents in canonical shape: a kind asked for, each person once with a role from INCIDENT_ROLES, provenance';
      const problems = [...large.problems];
      const all = large.pages.flatMap((p) => p.incidents);
      problems.push(...grouped(all.flatMap((incident, i) => incidentProblems(incident, manifest, feedKinds, `incident ${i}`)), 'incidents'));
      const persons = all.reduce<number>((n, i) => n + (isObject(i) && Array.isArray(i.persons) ? i.persons.length : 0), 0);
      record('incidents.shape', title, problems, `${all.length} incident(s) since ${feedSince} (${feedKinds.join(', ')}), ${persons} person(s) with roles`);
    }

    const smallLimit = Math.max(2, Math.ceil(largeIds.length / 8));
    const small = await readFeed(startAt, smallLimit, Math.ceil(largeIds.length / smallLimit) + 3, `from ${feedSince} by ${smallLimit}`);
    const smallIds = idsOf(small);

    {
      const title = 'Pages are in feed order (provenance.asOf never decreases) with no incident twice in a page';
      const problems: string[] = [];
      for (const [what, read] of [[`by ${FEED_LARGE_LIMIT}`, large], [`by ${smallLimit}`, small]] as const) {
        let previous = Number.NEGATIVE_INFINITY;
        read.pages.forEach((page, n) => {
          const keys = page.incidents.map(feedKey);
          for (const id of twice(keys.map((k) => k?.id ?? '?'))) problems.push(`read ${what}, page ${n + 1}: incident ${quote(id)} appears twice in one page`);
          for (const key of keys) {
            if (!key || Number.isNaN(key.asOf)) continue;
            if (key.asOf < previous) problems.push(`read ${what}, page ${n + 1}: incident ${quote(key.id)} (asOf ${new Date(key.asOf).toISOString()}) comes after a later change: answer oldest change first`);
            previous = Math.max(previous, key.asOf);
          }
        });
      }
      record('incidents.order', title, problems, `${large.pages.length + small.pages.length} page(s) in order`);
    }

    {
      const title = 'Reading the whole feed page by page gives each incident once, the same set as one large read';
      const problems = [...small.problems];
      if (largeIds.length < 2) problems.push(`needs at least 2 incidents since ${feedSince} to check paging (found ${largeIds.length}): give samples.incidents.since further back`);
      for (const id of twice(smallIds)) problems.push(`incident ${quote(id)} came back more than once reading by ${smallLimit}: a cursor must resume after what it returned`);
      for (const id of twice(largeIds)) problems.push(`incident ${quote(id)} came back more than once reading by ${FEED_LARGE_LIMIT}`);
      const inSmall = new Set(smallIds);
      const inLarge = new Set(largeIds);
      const missing = [...inLarge].filter((id) => !inSmall.has(id));
      const extra = [...inSmall].filter((id) => !inLarge.has(id));
      if (small.ended && missing.length > 0) problems.push(`reading by ${smallLimit} missed ${missing.length} incident(s) a large read gives (${missing.slice(0, 3).map(quote).join(', ')})`);
      if (extra.length > 0) problems.push(`reading by ${smallLimit} gave ${extra.length} incident(s) a large read does not (${extra.slice(0, 3).map(quote).join(', ')})`);
      record('incidents.paging', title, problems, `${largeIds.length} incident(s) in ${small.pages.length} page(s) of ${smallLimit}, as in ${large.pages.length} of ${FEED_LARGE_LIMIT}`);
    }

    {
      const title = 'A cursor resumes where it left off: re-reading from it gives only what came after';
      const problems: string[] = [];
      const first = small.pages[0];
      if (!first || !first.hasMore) problems.push('not checked: the paged read did not get past its first page');
      else {
        const before = new Set(first.incidents.map((i) => feedKey(i)?.id ?? '?'));
        const expected = smallIds.slice(first.incidents.length);
        const again = await readFeed({ cursor: first.cursor }, FEED_LARGE_LIMIT, FEED_MAX_LARGE_PAGES, `from the cursor after page 1`);
        problems.push(...again.problems);
        const got = idsOf(again);
        const repeated = got.filter((id) => before.has(id));
        if (repeated.length > 0) problems.push(`re-reading from the cursor after page 1 gave ${repeated.length} incident(s) of page 1 again (${repeated.slice(0, 3).map(quote).join(', ')}): the cursor must not restart`);
        const gotSet = new Set(got);
        const lost = expected.filter((id) => !gotSet.has(id));
        if (again.ended && lost.length > 0) problems.push(`re-reading from the cursor after page 1 missed ${lost.length} incident(s) that came after it`);
      }
      record('incidents.resume', title, problems, first ? `from the cursor after page 1: the ${smallIds.length - first.incidents.length} incident(s) after it, none before` : '');
    }

    {
      const title = 'An empty page (the end of the feed) still returns a usable cursor';
      const problems: string[] = [];
      const last = small.ended ? small.pages[small.pages.length - 1] : large.ended ? large.pages[large.pages.length - 1] : undefined;
      if (!last) problems.push('not checked: no read of the feed reached its end');
      else {
        const end = await readFeed({ cursor: last.cursor }, FEED_LARGE_LIMIT, 1, 'from the end of the feed');
        problems.push(...end.problems);
        const page = end.pages[0];
        if (page) {
          if (page.incidents.length > 0) problems.push(`reading from the cursor at the end of the feed gave ${page.incidents.length} incident(s) already read`);
          if (page.hasMore) problems.push('reading from the cursor at the end of the feed answered hasMore: true');
          const after = await readFeed({ cursor: page.cursor }, FEED_LARGE_LIMIT, 1, 'from the cursor an empty page gave');
          problems.push(...after.problems);
          if ((after.pages[0]?.incidents.length ?? 0) > 0) problems.push('reading from the cursor an empty page gave answered incidents already read');
        }
      }
      record('incidents.empty-page', title, problems, 'an empty page at the end of the feed returned a cursor that reads on');
    }

    {
      const title = 'A cursor the connector never gave is refused with ConnectorError BAD_QUERY, never a silent restart';
      const problems: string[] = [];
      const outcome = await invoke('incidentsSince', (ctx) => feed.incidentsSince({ cursor: GARBAGE_CURSOR }, feedKinds, FEED_LARGE_LIMIT, ctx));
      const refused = outcome.settled === 'error' && outcome.error instanceof ConnectorError && outcome.error.kind === 'BAD_QUERY';
      if (!refused) {
        problems.push(
          outcome.settled === 'value'
            ? `incidentsSince from cursor ${quote(GARBAGE_CURSOR)} answered ${isObject(outcome.value) && Array.isArray(outcome.value.incidents) ? `${outcome.value.incidents.length} incident(s)` : 'a value'}; throw ConnectorError BAD_QUERY`
            : `${outcomeProblem(`incidentsSince from cursor ${quote(GARBAGE_CURSOR)}`, outcome)}; expected BAD_QUERY`,
        );
      }
      record('incidents.bad-cursor', title, problems, 'rejected with BAD_QUERY');
    }
  }

  /** With the household capability, its three methods join the timeout and fault checks (an address of no one: a well-formed UPRN). */
  const householdCalls = (): Array<[string, (ctx: CallContext) => Promise<unknown>]> =>
    household
      ? [
          ['householdOf', (ctx) => household.householdOf(fetchIds, ctx)],
          ['fetchPersons', (ctx) => household.fetchPersons(fetchIds, ctx)],
          ['personsAtAddress', (ctx) => household.personsAtAddress({ uprn: '100000000001' }, ctx)],
        ]
      : [];
  /** With the incident feed, incidentsSince joins them too. */
  const incidentCalls = (): Array<[string, (ctx: CallContext) => Promise<unknown>]> =>
    feed ? [['incidentsSince', (ctx) => feed.incidentsSince({ since: feedSince }, feedKinds, 10, ctx)]] : [];

  // ---- timeouts
  const searchQuery: PersonQuery | undefined = samples.identifiers?.[0] ? { identifiers: [samples.identifiers[0]] } : samples.demographics;
  const fetchIds = known.length > 0 ? known : [unknownPersonId];
  {
    const title = 'A call whose signal is already aborted rejects promptly with ConnectorError TIMEOUT';
    const problems: string[] = [];
    const calls: Array<[string, (ctx: CallContext) => Promise<unknown>]> = [['fetchRecords', (ctx) => connector.fetchRecords(fetchIds, ctx)]];
    if (searchQuery) calls.unshift(['searchPersons', (ctx) => connector.searchPersons(searchQuery, ctx)]);
    else problems.push('searchPersons not checked: no sample to search with');
    calls.push(...householdCalls(), ...incidentCalls());
    for (const [what, run] of calls) {
      const outcome = await invoke(what, run, AbortSignal.abort(), promptMs);
      const timedOut = outcome.settled === 'error' && outcome.error instanceof ConnectorError && outcome.error.kind === 'TIMEOUT';
      if (!timedOut) {
        problems.push(
          outcome.settled === 'hung'
            ? `${what} with an aborted signal had not settled after ${promptMs} ms`
            : outcome.settled === 'value'
              ? `${what} with an aborted signal answered instead of rejecting with TIMEOUT (check ctx.signal before and during work)`
              : `${what} with an aborted signal rejected with ${describeError(outcome.error)}, not TIMEOUT`,
        );
      }
    }
    record('timeout.aborted', title, problems, `${calls.map(([what]) => what).join(', ')} rejected with TIMEOUT`);
  }

  {
    const title = 'A call aborted mid-flight finishes or rejects with TIMEOUT, promptly';
    const problems: string[] = [];
    const calls: Array<[string, (ctx: CallContext) => Promise<unknown>]> = [['fetchRecords', (ctx) => connector.fetchRecords(fetchIds, ctx)]];
    if (searchQuery) calls.unshift(['searchPersons', (ctx) => connector.searchPersons(searchQuery, ctx)]);
    calls.push(...householdCalls(), ...incidentCalls());
    const results: string[] = [];
    for (const [what, run] of calls) {
      const controller = new AbortController();
      const abortSoon = setTimeout(() => controller.abort(), 0);
      const outcome = await invoke(what, run, controller.signal, promptMs);
      clearTimeout(abortSoon);
      if (outcome.settled === 'hung') problems.push(`${what} aborted mid-flight had not settled after ${promptMs} ms`);
      else if (outcome.settled === 'error' && !(outcome.error instanceof ConnectorError && outcome.error.kind === 'TIMEOUT')) {
        problems.push(`${what} aborted mid-flight rejected with ${describeError(outcome.error)}, not TIMEOUT`);
      } else results.push(`${what} ${outcome.settled === 'value' ? 'finished first' : 'rejected with TIMEOUT'}`);
    }
    record('timeout.mid-flight', title, problems, results.join('; '));
  }

  // ---- health
  if (connector.health) {
    const outcome = await invoke('health', (ctx) => connector.health!(ctx));
    const problems: string[] = [];
    if (outcome.settled !== 'value') problems.push(`${outcomeProblem('health()', outcome)}: report { ok: false, detail } instead`);
    else if (!isObject(outcome.value) || typeof outcome.value.ok !== 'boolean') problems.push('health() must answer { ok: boolean, detail?: string }');
    else if (outcome.value.detail !== undefined && typeof outcome.value.detail !== 'string') problems.push('health().detail must be a string');
    record('health', 'health() reports the system’s state', problems, outcome.settled === 'value' && isObject(outcome.value) ? `ok: ${String(outcome.value.ok)}` : '');
  } else {
    record('health', 'health() reports the system’s state', [], 'no health check declared (optional)');
  }

  // ---- injected faults
  for (const fault of options.faults ?? []) {
    const expected: readonly ConnectorErrorKind[] = typeof fault.expect === 'string' ? [fault.expect] : fault.expect;
    const problems: string[] = [];
    const calls: Array<[string, (ctx: CallContext) => Promise<unknown>]> = [['fetchRecords', (ctx) => connector.fetchRecords(fetchIds, ctx)]];
    if (searchQuery) calls.unshift(['searchPersons', (ctx) => connector.searchPersons(searchQuery, ctx)]);
    calls.push(...householdCalls(), ...incidentCalls());
    try {
      await fault.apply();
      for (const [what, run] of calls) {
        const outcome = await invoke(what, run);
        const ok = outcome.settled === 'error' && outcome.error instanceof ConnectorError && expected.includes(outcome.error.kind);
        if (!ok) problems.push(`${outcomeProblem(what, outcome)}; expected ConnectorError ${expected.join(' or ')}`);
      }
    } catch (error) {
      problems.push(`could not inject the fault: ${error instanceof Error ? error.message : String(error)}`);
    } finally {
      await Promise.resolve()
        .then(() => fault.clear())
        .catch((error: unknown) => problems.push(`could not clear the fault: ${error instanceof Error ? error.message : String(error)}`));
    }
    record(`errors.fault:${fault.name}`, `Fault "${fault.name}" is reported as ${expected.join(' or ')}`, problems, `${calls.map(([what]) => what).join(', ')} rejected with ${expected.join(' or ')}`);
  }

  record(
    'errors.mapped',
    'Every failure is a ConnectorError',
    unmapped,
    failuresSeen === 0 ? 'no call failed' : `all ${failuresSeen} failures the suite provoked were ConnectorErrors`,
  );

  return { agency, connector: label, passed: checks.every((c) => c.status === 'pass'), checks };
}

/** The report as text: one line a check, then a summary line. */
export function formatConformanceReport(report: ConformanceReport): string {
  const lines = [`Conformance of the ${report.agency} connector: ${report.connector}`, ''];
  for (const check of report.checks) {
    lines.push(`${check.status === 'pass' ? 'PASS' : 'FAIL'}  ${check.title}  [${check.id}]`);
    if (check.reason) lines.push(`      ${check.status === 'pass' ? '' : '-> '}${check.reason}`);
  }
  const failed = report.checks.filter((c) => c.status === 'fail').length;
  lines.push('', failed === 0 ? `All ${report.checks.length} checks passed.` : `${failed} of ${report.checks.length} checks failed.`);
  return lines.join('\n');
}
