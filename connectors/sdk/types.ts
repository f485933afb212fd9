/**
 * The connector contract: what every agency's connector returns, in the canonical shape of the
 * DfE MAIS data-exchange standard (Involvement / State / Event) and person standard.
 * Nothing here is disclosed data: these values are raw agency records and only the gateway's
 * disclosure gate may turn them into something a resolver can read.
 */

/** Sensitivity tiers of POLICY-GUIDANCE.md: T0 identity ... T4 sealed. */
export const TIERS = ['T0', 'T1', 'T2', 'T3', 'T4'] as const;
export type Tier = (typeof TIERS)[number];

/** MAIS: a sustained involvement, a status of interest, or a dated occurrence. */
export const RECORD_KINDS = ['involvement', 'state', 'event'] as const;
export type RecordKind = (typeof RECORD_KINDS)[number];

/**
 * The field vocabulary of a canonical record. Policies name these fields (full and summary
 * lists per category), so the gate can disclose field by field whatever the agency.
 */
export const RECORD_FIELDS = [
  'type', // a code for what it is, e.g. `ae-attendance`, `camhs`, `cp-plan`
  'title', // a short human label for the type
  'status', // e.g. active, finished, cancelled
  'start', // ISO date or date-time: when it began / occurred
  'end', // ISO date or date-time: when it ended
  'location', // where (site, ward, school)
  'narrative', // free text: what happened, why, clinical detail
  'outcome', // what followed
  'service', // the team or service involved (e.g. "CAMHS", "Health visiting")
  'contactName', // who to contact about it
  'contactRole',
  'contactPhone',
  'contactEmail',
] as const;
export type RecordField = (typeof RECORD_FIELDS)[number];

/** The identity fields of a person as an agency holds them (category `<agency>.identity`). */
export const PERSON_FIELDS = ['names', 'birthDate', 'gender', 'identifiers', 'addresses', 'contact'] as const;
export type PersonField = (typeof PERSON_FIELDS)[number];

export interface Provenance {
  /** The agency system the record came from, e.g. `https://fhir.health.sandbox.example/fhir`. */
  system: string;
  /** The record's id in that system. */
  recordId: string;
  /** When the agency system last knew this to be true (ISO 8601 date-time). */
  asOf: string;
  /**
   * The organisation that holds the record or person, where the agency has several. For
   * education: the school (`ORGANISATION_SYSTEMS.laestab`). A person's is the school whose roll
   * they are on now; an active involvement's is the school it is with.
   */
  organisation?: OrganisationIdentifier;
}

/** An organisation, as `{ system, value }` like any identifier. */
export interface OrganisationIdentifier {
  system: string;
  value: string;
}

/** Identifier systems for organisations. */
export const ORGANISATION_SYSTEMS = {
  /** DfE establishment number (LAESTAB): local authority code and establishment number, 7 digits. */
  laestab: 'https://get-information-schools.service.gov.uk/Id/laestab',
} as const;

export interface SourceRecord {
  kind: RecordKind;
  agency: string;
  /** The policy key, e.g. `health.summary`; must be one of the connector manifest's categories. */
  category: string;
  tier: Tier;
  /** The agency-local person id this record is about. */
  personId: string;
  provenance: Provenance;
  fields: Partial<Record<RecordField, string>>;
}

/** FHIR-style identifier: `https://fhir.nhs.uk/Id/nhs-number` and the like. */
export interface PersonIdentifier {
  system: string;
  value: string;
}

/** MAIS person standard name `use` codes. */
export type NameUse = 'usual' | 'official' | 'temp' | 'nickname' | 'anonymous' | 'old' | 'maiden';

export interface PersonName {
  use?: NameUse;
  family?: string;
  given: string[];
}

export interface Address {
  line1?: string;
  line2?: string;
  city?: string;
  postalCode?: string;
  uprn?: string;
  /** ISO dates the person lived there, where known. */
  from?: string;
  to?: string;
}

/** Who at the agency to contact about a person or a record. */
export interface AgencyContact {
  name: string;
  organisation?: string;
  phone?: string;
  email?: string;
}

/** NHS stated gender codes of the MAIS person standard: 1 male, 2 female, 9 indeterminate, 0 not known. */
export type GenderCode = '0' | '1' | '2' | '9';

/** A person as one agency holds them: the answer to a person search. */
export interface SourcePerson {
  agency: string;
  /** The agency-local person id (the id to pass to `fetchRecords`). */
  personId: string;
  identifiers: PersonIdentifier[];
  names: PersonName[];
  birthDate?: string;
  /** MAIS accuracy indicator for Y-M-D: A accurate, E estimated, U unknown, X expected. */
  birthDateAccuracy?: string;
  gender?: GenderCode;
  addresses: Address[];
  contact?: AgencyContact;
  provenance: Provenance;
}

/** A person search. Connectors search by any declared identifier, or by demographics. */
export interface PersonQuery {
  identifiers?: PersonIdentifier[];
  family?: string;
  given?: string;
  birthDate?: string;
  postalCode?: string;
}

export interface CategoryManifest {
  /** Policy key, `<agency>.<name>`, e.g. `health.clinical`. */
  id: string;
  tier: Tier;
  /** Record kinds in the category; empty for `<agency>.identity`, which person search returns. */
  kinds: RecordKind[];
  /** The canonical fields this connector fills: record fields, or person fields for identity. */
  fields: (RecordField | PersonField)[];
  description: string;
}

export interface ConnectorManifest {
  agency: string;
  /** Human name of the connected system, e.g. "County health FHIR R4 endpoint". */
  name: string;
  version: string;
  protocol: string;
  identifierSystems: string[];
  categories: CategoryManifest[];
  /** Who to contact at the agency (used in withheld markers). */
  contact: AgencyContact;
}

export interface CallContext {
  /** Aborted when the gateway's timeout for the call expires or the request ends. */
  signal: AbortSignal;
  /** Correlation id for the agency's own logs; carries no personal data. */
  requestId: string;
}

export interface ConnectorHealth {
  ok: boolean;
  detail?: string;
}

/**
 * A connector is a plain object: a manifest and a few async methods. It never imports the
 * gateway; timeouts, retries and circuit breaking wrap it from outside.
 */
export interface Connector extends Partial<HouseholdCapability>, Partial<IncidentCapability> {
  readonly manifest: ConnectorManifest;
  /** Persons matching the query. An empty array means no record; an error means unavailable. */
  searchPersons(query: PersonQuery, ctx: CallContext): Promise<SourcePerson[]>;
  /**
   * Optional: the persons matching any of the queries, in one request to the agency's system (a
   * FHIR batch, one SQL statement with OR'd predicates, one search with alternatives) instead of
   * one per query. The answer must equal the union of `searchPersons` over the queries, each
   * person once (first query first): a query `searchPersons` would refuse (BAD_QUERY, e.g. too
   * many matches or too few fields) adds no one. Throws BAD_QUERY when every query would be
   * refused, and like `searchPersons` when the system fails or refuses a value (`rejectedInput`).
   * The gateway calls it for its search passes where present; the conformance kit checks it
   * against the single searches.
   */
  searchPersonsAny?(queries: readonly PersonQuery[], ctx: CallContext): Promise<SourcePerson[]>;
  /**
   * Records for many persons in one call, keyed by agency-local person id. A person with no
   * records maps to an empty array (or is absent). Throw ConnectorError when the system fails.
   */
  fetchRecords(personIds: readonly string[], ctx: CallContext): Promise<Map<string, SourceRecord[]>>;
  health?(ctx: CallContext): Promise<ConnectorHealth>;
  close?(): Promise<void>;
}

export type ConnectorErrorKind = 'TIMEOUT' | 'UPSTREAM_ERROR' | 'MALFORMED_RESPONSE' | 'UNREACHABLE' | 'BAD_QUERY';

/**
 * What a connector throws when its system fails; the gateway maps it to UNAVAILABLE with why.
 * A BAD_QUERY with `rejectedInput` says the system refused a value the caller gave (e.g. SQLSTATE
 * class 22, data exception: a NUL in a name); the gateway answers BAD_INPUT to the caller, and it
 * never counts against the agency's circuit breaker.
 */
export class ConnectorError extends Error {
  readonly kind: ConnectorErrorKind;
  readonly rejectedInput: boolean;

  constructor(kind: ConnectorErrorKind, message: string, options?: { cause?: unknown; rejectedInput?: boolean }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ConnectorError';
    this.kind = kind;
    this.rejectedInput = kind === 'BAD_QUERY' && options?.rejectedInput === true;
  }
}

/**
 * Household (optional capability). How an agency records that two persons belong together: at
 * the same address (UPRN first, then the agency's normalised address), or as related persons
 * (FHIR RelatedPerson, police POLE person links, housing tenancy members, social care family).
 */
export const HOUSEHOLD_BASES = ['same-address', 'related-person'] as const;
export type HouseholdBasis = (typeof HOUSEHOLD_BASES)[number];

/**
 * The relationship vocabulary connectors map their own codes into (from the member's side:
 * `parent` means the member is a parent of the person asked about).
 */
export const HOUSEHOLD_RELATIONSHIPS = [
  'parent',
  'step-parent',
  'carer',
  'partner-of-parent',
  'sibling',
  'child',
  'partner',
  'other-relative',
  'tenancy-member',
  'household-member',
  'associate',
  'unknown',
] as const;
export type HouseholdRelationship = (typeof HOUSEHOLD_RELATIONSHIPS)[number];

/** One person an agency places with the person asked about, and why. */
export interface HouseholdMember {
  /** The member as the agency holds them (their identity, category `<agency>.identity`). */
  person: SourcePerson;
  basis: HouseholdBasis;
  relationship: HouseholdRelationship;
  /** The agency's own term for the relationship, e.g. `MTH` or `Joint tenant`. */
  agencyRelationship?: string;
  /** For `same-address`: the address both are recorded at. */
  address?: Address;
  /** The record that says so (the RelatedPerson, person link, tenancy or family record). */
  provenance: Provenance;
}

/** An address search: a UPRN, or a first line with a postcode. */
export interface AddressQuery {
  uprn?: string;
  line1?: string;
  postalCode?: string;
}

/** The optional household and person-lookup methods a connector may add to `Connector`. */
export interface HouseholdCapability {
  /**
   * Persons the agency records with this person: at the same current address or as related
   * persons. The person asked about is not among them. A person the agency does not hold maps to
   * an empty array (or is absent).
   */
  householdOf(personIds: readonly string[], ctx: CallContext): Promise<Map<string, HouseholdMember[]>>;
  /** Persons the agency records at an address (current addresses only). */
  personsAtAddress(address: AddressQuery, ctx: CallContext): Promise<SourcePerson[]>;
  /** Persons by the agency's own ids (for comparing what agencies hold about a linked person). */
  fetchPersons(personIds: readonly string[], ctx: CallContext): Promise<Map<string, SourcePerson>>;
}

/**
 * Incidents (optional capability). A feed of the agency's incidents in the order the agency
 * recorded (or last changed) them, so the gateway can start work from an incident rather than
 * from a referral about one child: the MASH's daily domestic-abuse meeting and Operation
 * Encompass notifications to schools. Only police implement it today.
 */
export const INCIDENT_KINDS = ['domestic-abuse'] as const;
export type IncidentKind = (typeof INCIDENT_KINDS)[number];

/**
 * A person's part in an incident. `child-present`: a child who saw or heard it, or was there;
 * `child-in-household`: a child of the household who was not there (police still notify).
 */
export const INCIDENT_ROLES = ['victim', 'suspect', 'child-present', 'child-in-household', 'witness', 'other'] as const;
export type IncidentRole = (typeof INCIDENT_ROLES)[number];

/** The DASH risk level of a domestic-abuse incident. */
export const DASH_RISK_LEVELS = ['standard', 'medium', 'high'] as const;
export type DashRiskLevel = (typeof DASH_RISK_LEVELS)[number];

/** One person involved in an incident, as the agency holds them. */
export interface IncidentPerson {
  /** The person as the agency holds them (category `<agency>.identity`); `person.personId` is their agency id. */
  person: SourcePerson;
  role: IncidentRole;
}

/**
 * One incident as the feed gives it. Like every connector answer this is a raw agency record:
 * only the gateway's disclosure gate may turn it into something a person reads.
 */
export interface SourceIncident {
  agency: string;
  /** The agency's id for the incident (for police, the occurrence id; the same id `fetchRecords` cites as `events/<id>`). */
  incidentId: string;
  kind: IncidentKind;
  /** When it happened (ISO 8601 date-time with offset). */
  occurredAt: string;
  /** Where it happened: the address (with UPRN where known) or a description of a public place. */
  location: Address & { description?: string };
  /** DASH risk level, when assessed. */
  riskLevel?: DashRiskLevel;
  /** A child was present (saw, heard or was there). */
  childrenPresent: boolean;
  /** The attending officer or whom to contact about the incident at the agency. */
  officer: AgencyContact & { role?: string };
  /** Everyone recorded as involved, each once. */
  persons: IncidentPerson[];
  /** `recordId` is the incident's record id; `asOf` when the agency last changed it. */
  provenance: Provenance;
}

/** One page of the feed. */
export interface IncidentPage {
  /** In feed order (the order the agency recorded or last changed them); an incident at most once per page. */
  incidents: SourceIncident[];
  /**
   * Where the next call resumes: opaque to the gateway, stored as given. Pass it back to get the
   * incidents recorded or changed after this page, and none of this page's again (unless changed
   * since). Present even when the page is empty (it may equal the cursor passed in).
   */
  cursor: string;
  /** More incidents are waiting now: call again at once with `cursor`. */
  hasMore: boolean;
}

/** Where a feed read starts: a stored cursor, or (the first time) a point in time. */
export type IncidentFeedPosition = { cursor: string } | { since: string };

export interface IncidentCapability {
  /**
   * Incidents of the given kinds recorded or changed after the position, oldest first, at most
   * `limit` (the connector may return fewer). A cursor the agency no longer recognises is a
   * ConnectorError BAD_QUERY (never silently restarting from the beginning).
   */
  incidentsSince(position: IncidentFeedPosition, kinds: readonly IncidentKind[], limit: number, ctx: CallContext): Promise<IncidentPage>;
}
