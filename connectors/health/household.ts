/**
 * The household capability over FHIR R4 REST searches:
 * - related persons: `RelatedPerson?patient=a,b,c`, each RelatedPerson's relationship (HL7 v3
 *   RoleCode) mapped to the SDK vocabulary. A RelatedPerson is not a Patient: where it carries an
 *   NHS number that names exactly one Patient (`Patient?identifier=...`), the member is that
 *   Patient; otherwise the member is the RelatedPerson itself, as a SourcePerson whose personId is
 *   `RelatedPerson/{id}` (its own name, birth date and address; no records);
 * - same address: the asked patients' current addresses (`Patient?_id=...`), then
 *   `Patient?address-uprn=u1,u2` for those with a UPRN (the sandbox's own SearchParameter over the
 *   UK Core AddressKey extension), else `Patient?address-postalcode=..&address=<line 1>`; a
 *   candidate counts when one of its current addresses has the UPRN or, without one, the same
 *   normalised first line and postcode;
 * - persons by id: `Patient?_id=a,b,c` and `RelatedPerson?_id=...` for `RelatedPerson/{id}` ids.
 * Every answer is validated with zod by the FHIR client; errors are its ConnectorErrors.
 */
import {
  UPRN_PATTERN,
  checkAddressQuery,
  ConnectorError,
  type Address,
  type AddressQuery,
  type CallContext,
  type HouseholdCapability,
  type HouseholdMember,
  type HouseholdRelationship,
  type NameUse,
  type SourcePerson,
} from '../sdk/index.js';
import { SYSTEMS } from './codes.js';
import type { FhirClient, SearchOptions } from './http.js';
import { AGENCY, birthDateAccuracy, GENDER, NAME_USES, provenance, toAddress, toSourcePerson, type MappingContext } from './mapping.js';
import { FHIR_ID, type Patient, type RelatedPerson } from './schema.js';

/** The personId of a member known only as a RelatedPerson (not resolved to a Patient). */
export const RELATED_PERSON_PREFIX = 'RelatedPerson/';

/** HL7 v3 RoleCode (and a few FHIR v2-0131 / plain) relationship codes -> the SDK vocabulary, from the member's side. */
const ROLE_CODES: Readonly<Record<string, HouseholdRelationship>> = {
  MTH: 'parent', FTH: 'parent', NMTH: 'parent', NFTH: 'parent', PRN: 'parent', NPRN: 'parent',
  ADOPTMTH: 'parent', ADOPTFTH: 'parent', ADOPTP: 'parent', GESTM: 'parent',
  STPMTH: 'step-parent', STPFTH: 'step-parent', STPPRN: 'step-parent',
  FTHFOST: 'carer', MTHFOST: 'carer', PRNFOST: 'carer', GUARD: 'carer',
  SIB: 'sibling', BRO: 'sibling', SIS: 'sibling', NSIB: 'sibling', NBRO: 'sibling', NSIS: 'sibling',
  HSIB: 'sibling', HBRO: 'sibling', HSIS: 'sibling', STPSIB: 'sibling', STPBRO: 'sibling', STPSIS: 'sibling',
  TWIN: 'sibling', TWINBRO: 'sibling', TWINSIS: 'sibling', FTWIN: 'sibling', ITWIN: 'sibling',
  SPS: 'partner', HUSB: 'partner', WIFE: 'partner', DOMPART: 'partner', SIGOTHR: 'partner',
  CHILD: 'child', NCHILD: 'child', DAUC: 'child', SONC: 'child', DAU: 'child', SON: 'child',
  STPCHLD: 'child', STPDAU: 'child', STPSON: 'child', CHLDADOPT: 'child', CHLDFOST: 'child', DAUFOST: 'child', SONFOST: 'child',
  GRMTH: 'other-relative', GRFTH: 'other-relative', GRPRN: 'other-relative', MGRMTH: 'other-relative', PGRMTH: 'other-relative',
  MGRFTH: 'other-relative', PGRFTH: 'other-relative', GRNDCHILD: 'other-relative', GRNDDAU: 'other-relative', GRNDSON: 'other-relative',
  AUNT: 'other-relative', UNCLE: 'other-relative', COUSN: 'other-relative', NIECE: 'other-relative', NEPHEW: 'other-relative',
  NIENEPH: 'other-relative', EXT: 'other-relative', FAMMEMB: 'other-relative', INLAW: 'other-relative',
  ROOM: 'household-member',
  FRND: 'associate', NBOR: 'associate', FMRSPS: 'associate',
};

/** The relationship a RelatedPerson records, and the agency's own code for it. */
export function relationshipOf(related: RelatedPerson): { relationship: HouseholdRelationship; code?: string } {
  for (const concept of related.relationship ?? []) {
    for (const coding of concept.coding ?? []) {
      if (coding.system === SYSTEMS.roleCode && coding.code) return { relationship: ROLE_CODES[coding.code] ?? 'unknown', code: coding.code };
    }
  }
  const other = related.relationship?.flatMap((c) => c.coding ?? []).find((c) => c.code)?.code ?? related.relationship?.find((c) => c.text)?.text;
  return { relationship: 'unknown', ...(other ? { code: other } : {}) };
}

/** The patient id a RelatedPerson belongs to (`patient.reference` is `Patient/{id}` or an absolute URL). */
function patientIdOf(related: RelatedPerson): string | undefined {
  const match = /(?:^|\/)Patient\/([A-Za-z0-9\-.]{1,64})$/.exec(related.patient.reference ?? '');
  return match?.[1];
}

const nhsNumbersOf = (resource: { identifier?: Array<{ system?: string; value?: string }> }): string[] =>
  (resource.identifier ?? []).filter((i) => i.system === SYSTEMS.nhsNumber && i.value).map((i) => (i.value as string).replace(/\s+/g, ''));

/** A RelatedPerson as a SourcePerson of its own: `RelatedPerson/{id}`, its name, birth date and address. */
export function relatedSourcePerson(related: RelatedPerson, ctx: MappingContext): SourcePerson {
  return {
    agency: AGENCY,
    personId: `${RELATED_PERSON_PREFIX}${related.id}`,
    identifiers: nhsNumbersOf(related).map((value) => ({ system: SYSTEMS.nhsNumber, value })),
    names: (related.name ?? []).map((n) => ({
      ...(n.use && NAME_USES.has(n.use) ? { use: n.use as NameUse } : {}),
      ...(n.family ? { family: n.family } : {}),
      given: n.given ?? [],
    })),
    ...(related.birthDate ? { birthDate: related.birthDate, birthDateAccuracy: birthDateAccuracy(related.birthDate) } : {}),
    ...(related.gender ? { gender: GENDER[related.gender]! } : {}),
    addresses: (related.address ?? []).map(toAddress),
    provenance: provenance(ctx, `RelatedPerson/${related.id}`, related.meta?.lastUpdated),
  };
}

const ABBREVIATIONS: Readonly<Record<string, string>> = {
  rd: 'road', st: 'street', ave: 'avenue', av: 'avenue', ln: 'lane', cl: 'close', cres: 'crescent', dr: 'drive',
  ct: 'court', pl: 'place', sq: 'square', gdns: 'gardens', gr: 'grove', tce: 'terrace', pk: 'park', wy: 'way',
};

/** A first line for comparison: case, punctuation and spacing ignored, common street abbreviations expanded. */
export function normaliseLine(line: string): string {
  return line
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[.,'’]/g, ' ')
    .split(/\s+/)
    .filter(Boolean)
    .map((word) => ABBREVIATIONS[word] ?? word)
    .join(' ');
}

export const normalisePostcode = (postcode: string): string => postcode.replace(/\s+/g, '').toUpperCase();

/** A current address: not marked old and with no end date. */
const isCurrent = (address: Address): boolean => address.to === undefined;

/** Does the candidate address match: UPRN when both have one, else normalised line 1 and postcode. */
export function sameAddress(a: Address, b: Address): boolean {
  if (a.uprn && b.uprn) return a.uprn === b.uprn;
  return !!(a.line1 && b.line1 && a.postalCode && b.postalCode) && normaliseLine(a.line1) === normaliseLine(b.line1) && normalisePostcode(a.postalCode) === normalisePostcode(b.postalCode);
}

function currentAddresses(patient: Patient): Address[] {
  return (patient.address ?? []).filter((a) => a.use !== 'old').map(toAddress).filter(isCurrent);
}

export interface HealthHouseholdOptions {
  client: FhirClient;
  mappingContext(): MappingContext;
  /** An address matching more patients than this is a care home or hostel, not a household. */
  maxAddressMatches: number;
}


function cancelled(ctx: CallContext): void {
  if (ctx.signal.aborted) throw new ConnectorError('TIMEOUT', 'health FHIR call was cancelled before it started');
}

export function healthHousehold(options: HealthHouseholdOptions): HouseholdCapability {
  const { client, maxAddressMatches } = options;
  const opts = (ctx: CallContext): SearchOptions => ({ signal: ctx.signal, requestId: ctx.requestId });

  async function patientsById(ids: readonly string[], ctx: CallContext): Promise<Patient[]> {
    if (ids.length === 0) return [];
    return (await client.search('Patient', [['_id', ids.join(',')]], opts(ctx))).resources;
  }

  /** Patients holding any of these NHS numbers, by number. */
  async function patientsByNhs(numbers: readonly string[], ctx: CallContext): Promise<Map<string, Patient[]>> {
    const result = new Map<string, Patient[]>();
    if (numbers.length === 0) return result;
    const tokens = numbers.map((n) => `${SYSTEMS.nhsNumber}|${n}`).join(',');
    for (const patient of (await client.search('Patient', [['identifier', tokens]], opts(ctx))).resources) {
      for (const n of nhsNumbersOf(patient)) {
        if (!numbers.includes(n)) continue;
        const list = result.get(n) ?? [];
        if (!list.some((p) => p.id === patient.id)) list.push(patient);
        result.set(n, list);
      }
    }
    return result;
  }

  /**
   * Patients at any of these addresses now. One search for all the UPRNs; one per address
   * without a UPRN. An address with more than `maxAddressMatches` residents answers nobody
   * (`crowded` lists it), as it is not a household.
   */
  async function residents(addresses: readonly Address[], ctx: CallContext): Promise<{ patients: Patient[]; crowded: Address[] }> {
    const patients = new Map<string, Patient>();
    const crowded: Address[] = [];
    const uprns = [...new Set(addresses.map((a) => a.uprn).filter((u): u is string => !!u && UPRN_PATTERN.test(u)))];
    if (uprns.length > 0) {
      const found = (await client.search('Patient', [['address-uprn', uprns.join(',')]], opts(ctx))).resources;
      const byUprn = new Map<string, Patient[]>();
      for (const p of found) {
        for (const uprn of new Set(currentAddresses(p).map((a) => a.uprn).filter((u): u is string => !!u))) {
          const list = byUprn.get(uprn) ?? [];
          list.push(p);
          byUprn.set(uprn, list);
        }
      }
      for (const uprn of uprns) {
        const here = byUprn.get(uprn) ?? [];
        if (here.length > maxAddressMatches) crowded.push({ uprn });
        else for (const p of here) patients.set(p.id, p);
      }
    }
    for (const address of addresses) {
      if (address.uprn && UPRN_PATTERN.test(address.uprn)) continue;
      if (!address.line1 || !address.postalCode) continue;
      const found = await client.search(
        'Patient',
        [
          ['address-postalcode', normalisePostcode(address.postalCode)],
          ['address', address.line1.trim()],
        ],
        opts(ctx),
        (maxAddressMatches + 1) * 4,
      );
      const here = found.resources.filter((p) => currentAddresses(p).some((a) => sameAddress(address, a)));
      if (here.length > maxAddressMatches) crowded.push(address);
      else for (const p of here) patients.set(p.id, p);
    }
    return { patients: [...patients.values()], crowded };
  }

  return {
    async householdOf(personIds: readonly string[], ctx: CallContext): Promise<Map<string, HouseholdMember[]>> {
      cancelled(ctx);
      const ids = [...new Set(personIds)].filter((id) => FHIR_ID.test(id));
      const result = new Map<string, HouseholdMember[]>(ids.map((id) => [id, []]));
      if (ids.length === 0) return result;
      const mapping = options.mappingContext();

      // Related persons recorded on each patient, and the Patients their NHS numbers name.
      const related = (await client.search('RelatedPerson', [['patient', ids.map((id) => `Patient/${id}`).join(',')]], opts(ctx))).resources;
      const numbers = [...new Set(related.flatMap(nhsNumbersOf))];
      const byNhs = await patientsByNhs(numbers, ctx);
      const relationOf = new Map<string, { relationship: HouseholdRelationship; code?: string }>(); // `${asked}|${member personId}`
      for (const rp of related) {
        const asked = patientIdOf(rp);
        const list = asked ? result.get(asked) : undefined;
        if (!asked || !list || rp.active === false) continue;
        const matches = [...new Set(nhsNumbersOf(rp).flatMap((n) => byNhs.get(n) ?? []))];
        const person = matches.length === 1 ? toSourcePerson(matches[0]!, mapping) : relatedSourcePerson(rp, mapping);
        if (person.personId === asked) continue;
        const { relationship, code } = relationshipOf(rp);
        if (list.some((m) => m.basis === 'related-person' && m.person.personId === person.personId && m.relationship === relationship)) continue;
        relationOf.set(`${asked}|${person.personId}`, { relationship, ...(code ? { code } : {}) });
        list.push({
          person,
          basis: 'related-person',
          relationship,
          ...(code ? { agencyRelationship: code } : {}),
          provenance: provenance(mapping, `RelatedPerson/${rp.id}`, rp.meta?.lastUpdated),
        });
      }

      // Patients recorded at the same current address.
      const asked = await patientsById(ids, ctx);
      const homes = new Map(asked.filter((p) => result.has(p.id)).map((p) => [p.id, currentAddresses(p).filter((a) => a.uprn || (a.line1 && a.postalCode))]));
      const { patients: candidates } = await residents([...homes.values()].flat(), ctx);
      // Index the candidates' current addresses by UPRN and by line key, so a large batch is not quadratic.
      const lineKey = (a: Address): string | undefined => (a.line1 && a.postalCode ? `${normaliseLine(a.line1)}|${normalisePostcode(a.postalCode)}` : undefined);
      const index = new Map<string, Array<{ patient: Patient; address: Address }>>();
      for (const patient of candidates) {
        for (const address of currentAddresses(patient)) {
          for (const key of [address.uprn ? `u:${address.uprn}` : undefined, lineKey(address) ? `l:${lineKey(address)}` : undefined]) {
            if (!key) continue;
            const list = index.get(key) ?? [];
            list.push({ patient, address });
            index.set(key, list);
          }
        }
      }
      for (const [askedId, addresses] of homes) {
        const list = result.get(askedId)!;
        const near = new Map<string, { patient: Patient; address: Address }>();
        for (const a of addresses) {
          for (const key of [a.uprn ? `u:${a.uprn}` : undefined, lineKey(a) ? `l:${lineKey(a)}` : undefined]) {
            for (const hit of (key ? index.get(key) : undefined) ?? []) if (!near.has(hit.patient.id) && sameAddress(a, hit.address)) near.set(hit.patient.id, hit);
          }
        }
        for (const { patient: candidate, address: at } of near.values()) {
          if (candidate.id === askedId) continue;
          const known = relationOf.get(`${askedId}|${candidate.id}`);
          list.push({
            person: toSourcePerson(candidate, mapping),
            basis: 'same-address',
            relationship: known?.relationship ?? 'household-member',
            ...(known?.code ? { agencyRelationship: known.code } : {}),
            address: at,
            provenance: provenance(mapping, `Patient/${candidate.id}`, candidate.meta?.lastUpdated),
          });
        }
      }
      return result;
    },

    async personsAtAddress(address: AddressQuery, ctx: CallContext): Promise<SourcePerson[]> {
      const checked = checkAddressQuery(address, { label: 'health', maxPostalCode: 16 });
      cancelled(ctx);
      const query: Address = checked.uprn !== undefined ? { uprn: checked.uprn } : checked.line;
      const { patients, crowded } = await residents([query], ctx);
      if (crowded.length > 0) throw new ConnectorError('BAD_QUERY', 'health address search matched too many patients (not a household)');
      const mapping = options.mappingContext();
      return patients.map((p) => toSourcePerson(p, mapping));
    },

    async fetchPersons(personIds: readonly string[], ctx: CallContext): Promise<Map<string, SourcePerson>> {
      cancelled(ctx);
      const ids = [...new Set(personIds)];
      const patientIds = ids.filter((id) => FHIR_ID.test(id));
      const relatedIds = ids.filter((id) => id.startsWith(RELATED_PERSON_PREFIX) && FHIR_ID.test(id.slice(RELATED_PERSON_PREFIX.length))).map((id) => id.slice(RELATED_PERSON_PREFIX.length));
      const mapping = options.mappingContext();
      const result = new Map<string, SourcePerson>();
      const [patients, related] = await Promise.all([
        patientsById(patientIds, ctx),
        relatedIds.length === 0 ? Promise.resolve([]) : client.search('RelatedPerson', [['_id', relatedIds.join(',')]], opts(ctx)).then((p) => p.resources),
      ]);
      for (const p of patients) if (patientIds.includes(p.id)) result.set(p.id, toSourcePerson(p, mapping));
      for (const rp of related) if (relatedIds.includes(rp.id)) result.set(`${RELATED_PERSON_PREFIX}${rp.id}`, relatedSourcePerson(rp, mapping));
      return result;
    },
  };
}
