import { ConnectorError, type Address, type Connector, type HouseholdMember, type SourcePerson, type SourceRecord } from '../../connectors/sdk/index.js';
import { generateCounty, type County, type Person } from '../../sandbox/index.js';

/**
 * A police force with the household capability, holding the sandbox county's featured household
 * (seed 7, as test/helpers/gateway.ts starts it) and one associate who does not live with them:
 * - the child, with the date of birth recorded day/month swapped (a data-entry error);
 * - the mother (person link MOTHER) with a flag and an incident narrative (police.detail);
 * - the mother's partner (person link MOTHERS PARTNER);
 * - an associate of the child from an incident (person link ASSOCIATE), living elsewhere.
 * `truth` maps its person ids to the county's true person ids (null: not a household member).
 */
export const HOUSEHOLD_POLICE = { child: 'PHH-CHILD', mother: 'PHH-MOTHER', partner: 'PHH-PARTNER', associate: 'PHH-ASSOC' } as const;

const SYSTEM = 'https://police.household.test/api';
const provenance = (recordId: string) => ({ system: SYSTEM, recordId, asOf: '2026-11-01T00:00:00Z' });

/** Day and month swapped where that is a date; otherwise the day moved by one (still a slip). */
export function swappedDate(iso: string): string {
  const [y, m, d] = iso.split('-');
  if (Number(d) <= 12 && d !== m) return `${y}-${d}-${m}`;
  return `${y}-${m}-${String(Number(d) === 28 ? 27 : Number(d) + 1).padStart(2, '0')}`;
}

export function householdPolice(county: County = generateCounty({ seed: 7, households: 1 })) {
  const { featured } = county;
  const household = county.householdsById.get(featured.householdId)!;
  const place = county.addressesById.get(household.addressId)!;
  const home: Address = { line1: place.line1, ...(place.line2 ? { line2: place.line2 } : {}), city: place.city, postalCode: place.postcode, uprn: place.uprn };
  const elsewhere: Address = { line1: '99 Quarry Road', city: 'Marlbridge', postalCode: 'MH9 9ZZ', uprn: '990999999999' };
  const person = (id: string, p: Pick<Person, 'given' | 'family' | 'birthDate' | 'sex'>, address: Address): SourcePerson => ({
    agency: 'police',
    personId: id,
    identifiers: [{ system: 'https://police.household.test/nominal', value: id }],
    names: [{ use: 'official', family: p.family, given: [...p.given] }],
    birthDate: p.birthDate,
    gender: p.sex === 'male' ? '1' : '2',
    addresses: [address],
    contact: { name: 'Public Protection Unit', phone: '01632 960100' },
    provenance: provenance(`NOM-${id}`),
  });
  const persons = new Map<string, SourcePerson>([
    [HOUSEHOLD_POLICE.child, person(HOUSEHOLD_POLICE.child, { ...featured.child, birthDate: swappedDate(featured.child.birthDate) }, home)],
    [HOUSEHOLD_POLICE.mother, person(HOUSEHOLD_POLICE.mother, featured.parent, home)],
    [HOUSEHOLD_POLICE.partner, person(HOUSEHOLD_POLICE.partner, featured.partner, home)],
    [HOUSEHOLD_POLICE.associate, person(HOUSEHOLD_POLICE.associate, { given: ['Dean'], family: 'Fletcher', birthDate: '1991-02-17', sex: 'male' }, elsewhere)],
  ]);
  const truth = new Map<string, string | null>([
    [HOUSEHOLD_POLICE.child, featured.child.id],
    [HOUSEHOLD_POLICE.mother, featured.parent.id],
    [HOUSEHOLD_POLICE.partner, featured.partner.id],
    [HOUSEHOLD_POLICE.associate, null],
  ]);
  const link = (id: string, relationship: HouseholdMember['relationship'], agencyRelationship: string): HouseholdMember => ({
    person: persons.get(id)!,
    basis: 'related-person',
    relationship,
    agencyRelationship,
    provenance: provenance(`LINK-${HOUSEHOLD_POLICE.child}-${id}`),
  });
  const record = (personId: string, category: 'police.flags' | 'police.detail', id: string, fields: SourceRecord['fields']): SourceRecord => ({
    kind: 'event',
    agency: 'police',
    category,
    tier: category === 'police.flags' ? 'T1' : 'T3',
    personId,
    provenance: provenance(id),
    fields,
  });
  const records = new Map<string, SourceRecord[]>([
    [HOUSEHOLD_POLICE.child, [record(HOUSEHOLD_POLICE.child, 'police.flags', 'OCC-9-C', { type: 'domestic-abuse-callout', title: 'Domestic abuse call-out (child present)', start: '2026-10-12' })]],
    [
      HOUSEHOLD_POLICE.mother,
      [
        record(HOUSEHOLD_POLICE.mother, 'police.flags', 'OCC-9', { type: 'domestic-abuse-callout', title: 'Domestic abuse call-out', start: '2026-10-12' }),
        record(HOUSEHOLD_POLICE.mother, 'police.detail', 'OCC-9-N', { type: 'incident-narrative', title: 'Incident narrative', start: '2026-10-12', narrative: 'Neighbour reported a woman screaming at the address.' }),
      ],
    ],
  ]);
  const calls: string[] = [];
  /** When set, address searches are declined as a crowded address would be (BAD_QUERY). */
  const faults = { crowded: false };
  const atAddress = (query: { uprn?: string; line1?: string; postalCode?: string }) =>
    [...persons.values()].filter((p) => {
      const current = p.addresses[0]!;
      if (query.uprn) return current.uprn === query.uprn;
      return current.line1?.toLowerCase() === query.line1?.toLowerCase() && current.postalCode?.replace(/\s/g, '') === query.postalCode?.replace(/\s/g, '');
    });
  const connector: Connector = {
    manifest: {
      agency: 'police',
      name: 'Test force records with person links',
      version: '1',
      protocol: 'rest',
      identifierSystems: ['https://police.household.test/nominal'],
      categories: [
        { id: 'police.identity', tier: 'T0', kinds: [], fields: ['names', 'birthDate', 'gender', 'identifiers', 'addresses', 'contact'], description: 'identity' },
        { id: 'police.flags', tier: 'T1', kinds: ['event'], fields: ['type', 'title', 'start'], description: 'flags' },
        { id: 'police.detail', tier: 'T3', kinds: ['event'], fields: ['type', 'title', 'start', 'narrative'], description: 'detail' },
      ],
      contact: { name: 'Public Protection Unit', phone: '01632 960100' },
    },
    async searchPersons(query) {
      calls.push('searchPersons');
      const family = query.family?.toLowerCase();
      return [...persons.values()].filter((p) => family !== undefined && p.names[0]!.family!.toLowerCase() === family);
    },
    async fetchRecords(ids) {
      calls.push('fetchRecords');
      return new Map(ids.map((id) => [id, records.get(id) ?? []]));
    },
    async householdOf(ids) {
      calls.push('householdOf');
      return new Map(
        ids.map((id) => [
          id,
          id === HOUSEHOLD_POLICE.child
            ? [link(HOUSEHOLD_POLICE.mother, 'parent', 'MOTHER'), link(HOUSEHOLD_POLICE.partner, 'partner-of-parent', 'MOTHERS PARTNER'), link(HOUSEHOLD_POLICE.associate, 'associate', 'ASSOCIATE')]
            : [],
        ]),
      );
    },
    async personsAtAddress(query) {
      calls.push('personsAtAddress');
      if (faults.crowded) throw new ConnectorError('BAD_QUERY', 'address search matched too many persons (not a household)');
      return atAddress(query);
    },
    async fetchPersons(ids) {
      calls.push('fetchPersons');
      return new Map(ids.flatMap((id) => (persons.has(id) ? [[id, persons.get(id)!] as const] : [])));
    },
  };
  return { connector, persons, truth, calls, home, faults };
}
