/**
 * The health FHIR server's data and search: indexes over the county's health view and the FHIR
 * search parameters the server supports. Searches are pure functions of the parameters, so the
 * server is a thin HTTP layer over `search` and `read`.
 */
import type { County, HealthPatient, HealthRelatedPerson } from '../county/index.js';
import {
  appointmentResource,
  encounterResource,
  episodeResource,
  flagResource,
  patientResource,
  relatedPersonResource,
  SYSTEMS,
  type FhirResource,
  type RenderContext,
} from './fhir.js';

export const RESOURCE_TYPES = ['Patient', 'RelatedPerson', 'Encounter', 'Flag', 'EpisodeOfCare', 'Appointment'] as const;
export type ResourceType = (typeof RESOURCE_TYPES)[number];

/** Search parameters by resource type; `_count`, `_offset` and `_format` are allowed everywhere. */
export const SEARCH_PARAMS: Readonly<Record<ResourceType, readonly string[]>> = {
  Patient: ['_id', 'identifier', 'family', 'given', 'birthdate', 'gender', 'address-postalcode', 'address', 'address-uprn'],
  RelatedPerson: ['_id', 'patient', 'identifier'],
  Encounter: ['subject', 'patient', 'status', 'class'],
  Flag: ['subject', 'patient', 'status'],
  EpisodeOfCare: ['patient', 'status'],
  Appointment: ['patient', 'actor', 'status'],
};
const STRING_MODIFIERS = new Set(['', 'exact', 'contains']);
/** String parameters (the only ones that take :exact and :contains). */
export const STRING_PARAMS: readonly string[] = ['family', 'given', 'address-postalcode', 'address'];
/**
 * `address-uprn` is this server's own SearchParameter (as NHS systems define local ones): the
 * UPRN in a Patient address's UK Core AddressKey extension, exact match.
 */
const UPRN = /^\d{1,12}$/;

/** A client error: the server answers 400 with an OperationOutcome carrying this text. */
export class SearchError extends Error {
  constructor(
    message: string,
    readonly code: 'invalid' | 'not-supported' | 'not-found' = 'invalid',
  ) {
    super(message);
    this.name = 'SearchError';
  }
}

export interface SearchResult {
  total: number;
  resources: FhirResource[];
}

type Predicate<T> = (item: T) => boolean;

/** FHIR string matching: case- and accent-insensitive, punctuation kept. */
function normalise(text: string): string {
  return text.normalize('NFD').replace(/[\u0300-\u036f]/g, '').toLowerCase();
}

function stringMatch(modifier: string, wanted: string): Predicate<string> {
  const w = normalise(wanted);
  if (modifier === 'exact') return (value) => value === wanted;
  if (modifier === 'contains') return (value) => normalise(value).includes(w);
  return (value) => normalise(value).startsWith(w);
}

const DATE_RE = /^(eq|ne|lt|gt|le|ge|sa|eb|ap)?(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$/;

/** A FHIR date search on a YYYY-MM-DD value: prefixes eq/ne/lt/gt/le/ge over the precision given. */
function dateMatch(raw: string): Predicate<string> {
  const m = DATE_RE.exec(raw);
  if (!m) throw new SearchError(`Invalid date search value '${raw}'; expected [prefix]YYYY[-MM[-DD]]`);
  const prefix = m[1] ?? 'eq';
  if (!['eq', 'ne', 'lt', 'gt', 'le', 'ge'].includes(prefix)) throw new SearchError(`Date prefix '${prefix}' is not supported`);
  const year = m[2] as string;
  const month = m[3];
  const day = m[4];
  // The implicit range of a partial date, as comparable strings.
  const low = `${year}-${month ?? '01'}-${day ?? '01'}`;
  const high = `${year}-${month ?? '12'}-${day ?? '31'}`;
  switch (prefix) {
    case 'eq':
      return (v) => v >= low && v <= high;
    case 'ne':
      return (v) => v < low || v > high;
    case 'lt':
      return (v) => v < low;
    case 'le':
      return (v) => v <= high;
    case 'gt':
      return (v) => v > high;
    default:
      return (v) => v >= low;
  }
}

const FHIR_ID = /^[A-Za-z0-9\-.]{1,64}$/;

/** Patient ids named by a reference search value: `Patient/x`, `x` or an absolute URL. */
function referenceIds(raw: string): Set<string> {
  const ids = new Set<string>();
  for (const part of raw.split(',')) {
    const value = part.trim();
    const typed = /^(?:.*\/)?Patient\/([^/]+)$/.exec(value);
    const id = typed ? (typed[1] as string) : value;
    if (!FHIR_ID.test(id) || (!typed && value.includes('/'))) {
      throw new SearchError('Reference search values must name a Patient (Patient/{id} or {id})');
    }
    ids.add(id);
  }
  return ids;
}

interface PatientIndexEntry {
  patient: HealthPatient;
  families: string[];
  givens: string[];
  postcodes: string[];
  /** Every string part of every address (lines, city, postcode), for the `address` parameter. */
  addressParts: string[];
  uprns: string[];
}

export class HealthStore {
  readonly ctx: RenderContext;
  private readonly patients: readonly PatientIndexEntry[];
  private readonly patientsById = new Map<string, PatientIndexEntry>();
  private readonly patientsByNhs = new Map<string, PatientIndexEntry[]>();
  private readonly patientsByLocalNumber = new Map<string, PatientIndexEntry>();
  private readonly patientsByUprn = new Map<string, PatientIndexEntry[]>();
  /** Patients by birth date, and by the first two letters of the family name (normalised), in patient order. */
  private readonly patientsByBirthDate = new Map<string, PatientIndexEntry[]>();
  private readonly patientsByFamilyStart = new Map<string, PatientIndexEntry[]>();
  private readonly relatedById = new Map<string, HealthRelatedPerson>();
  private readonly relatedByPatient = new Map<string, HealthRelatedPerson[]>();
  private readonly relatedByNhs = new Map<string, HealthRelatedPerson[]>();
  private readonly byPatient: { [K in Exclude<ResourceType, 'Patient' | 'RelatedPerson'>]: Map<string, Array<{ status: string; cls?: string; render: () => FhirResource }>> } = {
    Encounter: new Map(),
    Flag: new Map(),
    EpisodeOfCare: new Map(),
    Appointment: new Map(),
  };

  constructor(readonly county: County) {
    const view = county.views.health;
    const patientsById = new Map(view.patients.map((p) => [p.id, p]));
    this.ctx = {
      county,
      organisationsById: new Map(view.organisations.map((o) => [o.id, o])),
      patientsById,
    };
    this.patients = view.patients.map((patient) => {
      const entry: PatientIndexEntry = {
        patient,
        families: [normalise(patient.family)],
        givens: patient.given.map(normalise),
        postcodes: patient.addresses.map((a) => a.address.postcode.replace(/\s+/g, '').toLowerCase()),
        addressParts: patient.addresses.flatMap((a) => [a.address.line1, a.address.line2, a.address.city, a.address.postcode].filter((x): x is string => !!x)),
        uprns: patient.addresses.map((a) => a.address.uprn),
      };
      for (const uprn of new Set(entry.uprns)) {
        const list = this.patientsByUprn.get(uprn) ?? [];
        list.push(entry);
        this.patientsByUprn.set(uprn, list);
      }
      this.patientsById.set(patient.id, entry);
      pushTo(this.patientsByBirthDate, patient.birthDate, entry);
      for (const start of new Set(entry.families.map((f) => f.slice(0, 2)))) pushTo(this.patientsByFamilyStart, start, entry);
      this.patientsByLocalNumber.set(patient.localNumber, entry);
      if (patient.nhsNumber) {
        const list = this.patientsByNhs.get(patient.nhsNumber) ?? [];
        list.push(entry);
        this.patientsByNhs.set(patient.nhsNumber, list);
      }
      return entry;
    });
    const add = (type: Exclude<ResourceType, 'Patient' | 'RelatedPerson'>, patientId: string, status: string, render: () => FhirResource, cls?: string): void => {
      const map = this.byPatient[type];
      const list = map.get(patientId) ?? [];
      list.push({ status, render, ...(cls ? { cls } : {}) });
      map.set(patientId, list);
    };
    for (const r of view.relatedPersons) {
      this.relatedById.set(r.id, r);
      pushTo(this.relatedByPatient, r.patientId, r);
      if (r.nhsNumber) pushTo(this.relatedByNhs, r.nhsNumber, r);
    }
    for (const e of view.encounters) add('Encounter', e.patientId, 'finished', () => encounterResource(e, this.ctx), e.service === 'sexual-health' ? 'AMB' : 'EMER');
    for (const f of view.flags) add('Flag', f.patientId, f.status, () => flagResource(f, this.ctx));
    for (const ep of view.episodes) add('EpisodeOfCare', ep.patientId, ep.status, () => episodeResource(ep, this.ctx));
    for (const a of view.missedAppointments) add('Appointment', a.patientId, 'noshow', () => appointmentResource(a, this.ctx));
  }

  read(type: string, id: string): FhirResource {
    if (type === 'RelatedPerson') {
      const related = this.relatedById.get(id);
      if (!related) throw new SearchError(`RelatedPerson/${id} is not known`, 'not-found');
      return relatedPersonResource(related);
    }
    if (type !== 'Patient') throw new SearchError(`Read is supported for Patient and RelatedPerson only`, 'not-supported');
    const entry = this.patientsById.get(id);
    if (!entry) throw new SearchError(`Patient/${id} is not known`, 'not-found');
    return patientResource(entry.patient, this.ctx);
  }

  /**
   * Runs a search. `params` are the request's (name, value) pairs without paging parameters;
   * repeated parameters AND together, comma-separated values OR together.
   */
  search(type: ResourceType, params: ReadonlyArray<readonly [string, string]>, offset: number, count: number): SearchResult {
    const allowed = SEARCH_PARAMS[type];
    for (const [name, value] of params) {
      const [base, modifier = ''] = name.split(':') as [string, string?];
      if (!allowed.includes(base)) throw new SearchError(`Unknown search parameter '${base}' for ${type}`, 'not-supported');
      if (modifier && !(STRING_MODIFIERS.has(modifier) && STRING_PARAMS.includes(base))) {
        throw new SearchError(`Modifier ':${modifier}' is not supported on '${base}'`, 'not-supported');
      }
      if (value === '') throw new SearchError(`Search parameter '${base}' has an empty value`);
    }
    if (type === 'Patient') {
      const matches = this.searchPatients(params);
      return { total: matches.length, resources: matches.slice(offset, offset + count).map((e) => patientResource(e.patient, this.ctx)) };
    }
    if (type === 'RelatedPerson') {
      const matches = this.searchRelatedPersons(params);
      return { total: matches.length, resources: matches.slice(offset, offset + count).map(relatedPersonResource) };
    }
    return this.searchByPatient(type, params, offset, count);
  }

  private searchPatients(params: ReadonlyArray<readonly [string, string]>): PatientIndexEntry[] {
    let candidates: readonly PatientIndexEntry[] | undefined;
    const predicates: Array<Predicate<PatientIndexEntry>> = [];
    const narrow = (list: PatientIndexEntry[]): void => {
      candidates = candidates === undefined ? list : candidates.filter((e) => list.includes(e));
    };
    // Patients who can meet a predicate, from an index (in patient order): the search reads them
    // rather than every patient. The predicates still decide, so the answer is the same.
    const within: PatientIndexEntry[][] = [];
    for (const [name, value] of params) {
      const [base, modifier = ''] = name.split(':') as [string, string?];
      const alternatives = value.split(',');
      switch (base) {
        case '_id':
          narrow(alternatives.map((id) => this.patientsById.get(id.trim())).filter((e): e is PatientIndexEntry => e !== undefined));
          break;
        case 'identifier': {
          const found: PatientIndexEntry[] = [];
          for (const token of alternatives) {
            const bar = token.indexOf('|');
            const system = bar >= 0 ? token.slice(0, bar) : undefined;
            const code = bar >= 0 ? token.slice(bar + 1) : token;
            if (!code) throw new SearchError('Identifier searches need a value (system|value)');
            if (system === undefined || system === '' || system === SYSTEMS.nhsNumber) {
              found.push(...(this.patientsByNhs.get(code) ?? []));
            }
            if (system === undefined || system === '' || system === SYSTEMS.localPatientNumber) {
              const local = this.patientsByLocalNumber.get(code);
              if (local) found.push(local);
            }
          }
          narrow(found);
          break;
        }
        case 'family': {
          const tests = alternatives.map((v) => stringMatch(modifier, v));
          predicates.push((e) => (modifier === 'exact' ? [e.patient.family] : e.families).some((f) => tests.some((t) => t(f))));
          if (modifier === '' && alternatives.length === 1 && normalise(value).length >= 2) within.push(this.patientsByFamilyStart.get(normalise(value).slice(0, 2)) ?? []);
          break;
        }
        case 'given': {
          const tests = alternatives.map((v) => stringMatch(modifier, v));
          predicates.push((e) => (modifier === 'exact' ? e.patient.given : e.givens).some((g) => tests.some((t) => t(g))));
          break;
        }
        case 'birthdate': {
          const tests = alternatives.map(dateMatch);
          predicates.push((e) => tests.some((t) => t(e.patient.birthDate)));
          // `eq` a whole day is that day only.
          const day = alternatives.length === 1 ? /^(?:eq)?(\d{4}-\d{2}-\d{2})$/.exec(value)?.[1] : undefined;
          if (day !== undefined) within.push(this.patientsByBirthDate.get(day) ?? []);
          break;
        }
        case 'gender': {
          for (const g of alternatives) {
            if (!['male', 'female', 'other', 'unknown'].includes(g)) throw new SearchError(`Invalid gender '${g}'`);
          }
          predicates.push((e) => alternatives.includes(e.patient.gender));
          break;
        }
        case 'address': {
          const tests = alternatives.map((v) => stringMatch(modifier, v));
          predicates.push((e) => e.addressParts.some((part) => tests.some((t) => (modifier === 'exact' ? t(part) : t(part) || t(part.replace(/\s+/g, ''))))));
          break;
        }
        case 'address-uprn': {
          const found: PatientIndexEntry[] = [];
          for (const raw of alternatives) {
            const uprn = raw.trim();
            if (!UPRN.test(uprn)) throw new SearchError('address-uprn values must be UPRNs (up to 12 digits)');
            found.push(...(this.patientsByUprn.get(uprn) ?? []));
          }
          narrow([...new Set(found)]);
          break;
        }
        case 'address-postalcode': {
          const wanted = alternatives.map((v) => v.replace(/\s+/g, '').toLowerCase());
          predicates.push((e) =>
            e.postcodes.some((p) => wanted.some((w) => (modifier === 'contains' ? p.includes(w) : modifier === 'exact' ? p === w : p.startsWith(w)))),
          );
          break;
        }
        default:
          throw new SearchError(`Unknown search parameter '${base}' for Patient`, 'not-supported');
      }
    }
    if (candidates === undefined && predicates.length === 0) {
      // An unbounded patient search is refused, as PDS refuses it.
      throw new SearchError('Patient searches need an identifier, _id or demographics');
    }
    const smallest = within.reduce<PatientIndexEntry[] | undefined>((a, b) => (a === undefined || b.length < a.length ? b : a), undefined);
    return (candidates ?? smallest ?? this.patients).filter((e) => predicates.every((p) => p(e)));
  }

  /** RelatedPersons by id, by the patient whose record lists them, or by their NHS number. */
  private searchRelatedPersons(params: ReadonlyArray<readonly [string, string]>): HealthRelatedPerson[] {
    let candidates: HealthRelatedPerson[] | undefined;
    const narrow = (list: HealthRelatedPerson[]): void => {
      candidates = candidates === undefined ? list : candidates.filter((r) => list.includes(r));
    };
    for (const [name, value] of params) {
      const alternatives = value.split(',');
      if (name === '_id') narrow(alternatives.map((id) => this.relatedById.get(id.trim())).filter((r): r is HealthRelatedPerson => r !== undefined));
      else if (name === 'patient') narrow([...referenceIds(value)].flatMap((id) => this.relatedByPatient.get(id) ?? []));
      else if (name === 'identifier') {
        const found: HealthRelatedPerson[] = [];
        for (const token of alternatives) {
          const bar = token.indexOf('|');
          const system = bar >= 0 ? token.slice(0, bar) : undefined;
          const code = bar >= 0 ? token.slice(bar + 1) : token;
          if (!code) throw new SearchError('Identifier searches need a value (system|value)');
          if (system === undefined || system === '' || system === SYSTEMS.nhsNumber) found.push(...(this.relatedByNhs.get(code) ?? []));
        }
        narrow(found);
      }
    }
    // As for Patient: a RelatedPerson search names whom it is about.
    if (candidates === undefined) throw new SearchError('RelatedPerson searches need a patient, _id or identifier');
    return candidates;
  }

  private searchByPatient(
    type: Exclude<ResourceType, 'Patient' | 'RelatedPerson'>,
    params: ReadonlyArray<readonly [string, string]>,
    offset: number,
    count: number,
  ): SearchResult {
    let patientIds: string[] | undefined;
    const statusSets: Array<Set<string>> = [];
    const classSets: Array<Set<string>> = [];
    for (const [name, value] of params) {
      if (name === 'subject' || name === 'patient' || name === 'actor') {
        const ids = [...referenceIds(value)];
        patientIds = patientIds === undefined ? ids : patientIds.filter((id) => ids.includes(id));
      } else if (name === 'status') {
        statusSets.push(new Set(value.split(',')));
      } else if (name === 'class') {
        // Token: system|code or code.
        classSets.push(new Set(value.split(',').map((t) => t.slice(t.indexOf('|') + 1))));
      }
    }
    if (patientIds === undefined) throw new SearchError(`${type} searches need a patient (subject, patient or actor)`);
    const map = this.byPatient[type];
    const matches: Array<() => FhirResource> = [];
    for (const id of patientIds) {
      for (const item of map.get(id) ?? []) {
        if (!statusSets.every((s) => s.has(item.status))) continue;
        if (!classSets.every((s) => item.cls !== undefined && s.has(item.cls))) continue;
        matches.push(item.render);
      }
    }
    return { total: matches.length, resources: matches.slice(offset, offset + count).map((render) => render()) };
  }
}

function pushTo<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}
