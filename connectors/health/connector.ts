/**
 * The health connector: a county health system's FHIR R4 endpoint (UK Core shaped) as a
 * `Connector`. Person search by NHS number or demographics; record fetch in one search per
 * resource type for a whole batch of persons; the household capability (household.ts) from
 * RelatedPerson records and Patients at the same address.
 */
import {
  ConnectorError,
  httpBaseUrl,
  wholeNumberIn,
  planEach,
  unionByPersonId,
  type AgencyContact,
  type CallContext,
  type Connector,
  type ConnectorHealth,
  type ConnectorManifest,
  type PersonQuery,
  type SourcePerson,
  type SourceRecord,
} from '../sdk/index.js';
import { HEALTH_CATEGORIES, SYSTEMS } from './codes.js';
import { healthHousehold, RELATED_PERSON_PREFIX } from './household.js';
import { FhirClient, type SearchOptions } from './http.js';
import {
  AGENCY,
  appointmentRecord,
  encounterRecord,
  episodeRecord,
  flagRecord,
  patientRecords,
  toSourcePerson,
  type MappingContext,
} from './mapping.js';
import { CapabilityStatementSchema, FHIR_ID, type Patient } from './schema.js';

export interface HealthConnectorOptions {
  /** FHIR base URL, e.g. `https://fhir.health.example/fhir` (no trailing slash needed). */
  baseUrl: string;
  /** Provenance `system` for records; defaults to `baseUrl`. */
  system?: string;
  /** Who to contact at health about withheld information. */
  contact?: AgencyContact;
  /** `_count` per page. Default 100. */
  pageSize?: number;
  /** A person search matching more patients than this is refused as too broad. Default 50. */
  maxPersonMatches?: number;
  /** An address with more current residents than this (a care home, a hostel) is not a household. Default 50. */
  maxAddressMatches?: number;
}

const DEFAULT_CONTACT: AgencyContact = {
  name: 'Designated Nurse for Safeguarding Children',
  organisation: 'Integrated Care Board',
};

/** NHS number: 10 digits with a Modulus 11 check digit (STANDARDS.md). */
export function isValidNhsNumber(value: string): boolean {
  if (!/^\d{10}$/.test(value)) return false;
  let sum = 0;
  for (let i = 0; i < 9; i++) sum += (value.charCodeAt(i) - 48) * (10 - i);
  const check = 11 - (sum % 11);
  const expected = check === 11 ? 0 : check;
  return expected !== 10 && expected === value.charCodeAt(9) - 48;
}

const PARTIAL_DATE = /^\d{4}(-\d{2}(-\d{2})?)?$/;

function trimmed(value: string | undefined): string | undefined {
  const t = value?.trim();
  return t ? t : undefined;
}

export function createHealthConnector(options: HealthConnectorOptions): Connector {
  const baseUrl = httpBaseUrl('createHealthConnector', options.baseUrl);
  const pageSize = wholeNumberIn('createHealthConnector', 'pageSize', options.pageSize ?? 100, 1, 1000);
  const maxPersonMatches = options.maxPersonMatches ?? 50;
  const client = new FhirClient(baseUrl, pageSize);
  const system = options.system ?? baseUrl;

  const manifest: ConnectorManifest = {
    agency: AGENCY,
    name: 'County health FHIR R4 endpoint',
    version: '0.1.0',
    protocol: 'fhir-r4',
    identifierSystems: [SYSTEMS.nhsNumber],
    categories: HEALTH_CATEGORIES,
    contact: options.contact ?? DEFAULT_CONTACT,
  };

  const mappingContext = (): MappingContext => ({ system, fetchedAt: new Date().toISOString() });

  /**
   * What one query asks of the FHIR endpoint, or BAD_QUERY where it cannot be searched.
   * Demographics are usable with a name and a birth date, or a full name (MASH referrals often
   * lack a date of birth); the postcode narrows a search without a birth date only: with one, it
   * would hide patients whose health record still has the address before a move.
   */
  function plan(query: PersonQuery): { nhsNumbers: string[]; byNhsNumber?: Array<[string, string]>; byDemographics?: Array<[string, string]> } {
    const nhsNumbers = (query.identifiers ?? [])
      .filter((i) => i.system === SYSTEMS.nhsNumber)
      .map((i) => i.value.replace(/\s+/g, ''))
      .filter(isValidNhsNumber);
    const family = trimmed(query.family);
    const given = trimmed(query.given);
    const birthDate = trimmed(query.birthDate);
    const postalCode = trimmed(query.postalCode)?.replace(/\s+/g, '');
    if (birthDate !== undefined && !PARTIAL_DATE.test(birthDate)) {
      throw new ConnectorError('BAD_QUERY', 'health person search: birth date must be YYYY-MM-DD');
    }
    const demographics = (family !== undefined || given !== undefined) && (birthDate !== undefined || (family !== undefined && given !== undefined));
    if (nhsNumbers.length === 0 && !demographics) {
      throw new ConnectorError('BAD_QUERY', 'health person search needs a valid NHS number, or a name with a birth date, or a full name');
    }
    const byNhsNumber: Array<[string, string]> | undefined =
      nhsNumbers.length > 0 ? [['identifier', [...new Set(nhsNumbers)].map((n) => `${SYSTEMS.nhsNumber}|${n}`).join(',')]] : undefined;
    let byDemographics: Array<[string, string]> | undefined;
    if (demographics) {
      byDemographics = [];
      if (family) byDemographics.push(['family', family]);
      if (given) byDemographics.push(['given', given]);
      if (birthDate) byDemographics.push(['birthdate', `eq${birthDate}`]);
      if (postalCode && !birthDate) byDemographics.push(['address-postalcode', postalCode]);
    }
    return { nhsNumbers, ...(byNhsNumber ? { byNhsNumber } : {}), ...(byDemographics ? { byDemographics } : {}) };
  }

  /** A patient with a different NHS number from the one asked for is someone else. */
  function sameNhsNumber(found: Patient[], nhsNumbers: readonly string[]): Patient[] {
    if (nhsNumbers.length === 0) return found;
    return found.filter((p) => {
      const theirs = (p.identifier ?? []).filter((i) => i.system === SYSTEMS.nhsNumber).map((i) => i.value);
      return theirs.length === 0 || theirs.some((v) => v !== undefined && nhsNumbers.includes(v));
    });
  }

  const tooMany = (page: { total?: number; resources: readonly unknown[] }): boolean =>
    (page.total ?? page.resources.length) > maxPersonMatches || page.resources.length > maxPersonMatches;

  async function findPatients(params: Array<[string, string]>, opts: SearchOptions): Promise<Patient[]> {
    const page = await client.search('Patient', params, opts, maxPersonMatches + 1);
    if (tooMany(page)) {
      // As PDS does: too many matches is a query to narrow, not a list to return.
      throw new ConnectorError('BAD_QUERY', 'health person search matched too many patients; add a birth date or more of the name');
    }
    return page.resources;
  }

  return {
    manifest,
    ...healthHousehold({ client, mappingContext, maxAddressMatches: wholeNumberIn('createHealthConnector', 'maxAddressMatches', options.maxAddressMatches ?? 50, 1, 1000) }),

    async searchPersons(query: PersonQuery, ctx: CallContext): Promise<SourcePerson[]> {
      const { byNhsNumber, byDemographics, nhsNumbers } = plan(query);
      const opts: SearchOptions = { signal: ctx.signal, requestId: ctx.requestId };
      let patients: Patient[] = [];
      if (byNhsNumber) patients = await findPatients(byNhsNumber, opts);
      if (patients.length === 0 && byDemographics) patients = sameNhsNumber(await findPatients(byDemographics, opts), nhsNumbers);
      const ctxMap = mappingContext();
      return patients.map((p) => toSourcePerson(p, ctxMap));
    },

    /**
     * The union of `searchPersons` over the queries from one FHIR batch Bundle of Patient
     * searches, each entry answered as the search on its own would be: a query's NHS number
     * search first, its demographics if that finds no one; too many matches (or an entry the
     * server refuses) adds no one.
     */
    async searchPersonsAny(queries: readonly PersonQuery[], ctx: CallContext): Promise<SourcePerson[]> {
      const plans = planEach('health', queries, plan);
      const searches: Array<Array<[string, string]>> = [];
      const slots = plans.map((p) => {
        if (p === null) return null;
        const at = (params: Array<[string, string]> | undefined): number | undefined => (params === undefined ? undefined : searches.push(params) - 1);
        return { plan: p, byNhsNumber: at(p.byNhsNumber), byDemographics: at(p.byDemographics) };
      });
      const opts: SearchOptions = { signal: ctx.signal, requestId: ctx.requestId };
      const pages = await client.batchSearch('Patient', searches, opts, maxPersonMatches + 1);
      const found = (i: number | undefined): Patient[] | null => {
        if (i === undefined) return [];
        const page = pages[i]!;
        if (page === 'refused' || tooMany(page)) return null;
        return page.resources;
      };
      const ctxMap = mappingContext();
      return unionByPersonId(
        slots.map((slot) => {
          if (slot === null) return [];
          const byNhs = found(slot.byNhsNumber);
          if (byNhs === null) return [];
          const patients = byNhs.length > 0 ? byNhs : sameNhsNumber(found(slot.byDemographics) ?? [], slot.plan.nhsNumbers);
          return patients.map((p) => toSourcePerson(p, ctxMap));
        }),
      );
    },

    async fetchRecords(personIds: readonly string[], ctx: CallContext): Promise<Map<string, SourceRecord[]>> {
      const all = [...new Set(personIds)];
      // A household member known only as a RelatedPerson has no records of its own.
      const ids = all.filter((id) => !(id.startsWith(RELATED_PERSON_PREFIX) && FHIR_ID.test(id.slice(RELATED_PERSON_PREFIX.length))));
      if (ids.some((id) => !FHIR_ID.test(id))) throw new ConnectorError('BAD_QUERY', 'health record fetch: person ids must be FHIR ids');
      const result = new Map<string, SourceRecord[]>(all.map((id) => [id, []]));
      if (ids.length === 0) return result;

      // One search per resource type for the whole batch. When one fails, cancel the others:
      // the batch fails as a whole. The caller's signal still governs every request.
      const cancel = new AbortController();
      const opts: SearchOptions = { signal: AbortSignal.any([ctx.signal, cancel.signal]), requestId: ctx.requestId };
      const subjects = ids.map((id) => `Patient/${id}`).join(',');
      const guard = <T>(p: Promise<T>): Promise<T> =>
        p.catch((error: unknown) => {
          cancel.abort();
          throw error;
        });
      const [patients, encounters, flags, episodes, appointments] = await Promise.all([
        guard(client.search('Patient', [['_id', ids.join(',')]], opts)),
        guard(client.search('Encounter', [['subject', subjects]], opts)),
        guard(client.search('Flag', [['subject', subjects]], opts)),
        guard(client.search('EpisodeOfCare', [['patient', subjects]], opts)),
        guard(client.search('Appointment', [['patient', subjects], ['status', 'noshow']], opts)),
      ]);

      const ctxMap = mappingContext();
      const add = (r: SourceRecord | undefined): void => {
        if (r) result.get(r.personId)?.push(r);
      };
      const birthDates = new Map<string, string>();
      for (const patient of patients.resources) {
        if (patient.birthDate) birthDates.set(patient.id, patient.birthDate);
        for (const r of patientRecords(patient, ctxMap)) add(r);
      }
      for (const f of flags.resources) add(flagRecord(f, ctxMap));
      for (const e of episodes.resources) add(episodeRecord(e, ctxMap));
      for (const e of encounters.resources) add(encounterRecord(e, ctxMap));
      for (const a of appointments.resources) add(appointmentRecord(a, ctxMap, birthDates));
      return result;
    },

    async health(ctx: CallContext): Promise<ConnectorHealth> {
      try {
        const statement = await client.read('metadata', CapabilityStatementSchema, { signal: ctx.signal, requestId: ctx.requestId });
        return statement.fhirVersion.startsWith('4.0')
          ? { ok: true }
          : { ok: false, detail: `endpoint speaks FHIR ${statement.fhirVersion}, not R4` };
      } catch (error) {
        return { ok: false, detail: error instanceof ConnectorError ? error.kind : 'unknown error' };
      }
    },
  };
}
