/**
 * The five agencies of bench:workspace, answering from memory (no agency latency), each with the
 * household capability: one child with 40 records at every agency (200 in all), the child's mother
 * and the mother's partner at the same address (UPRN) and as related persons, each adult with a few
 * records of their own. The records are dated back from `now`, so the risk indicators' windows find
 * some, and a police domestic abuse incident and an A&E attendance share a date now and then, so
 * the chronology groups incidents as it would for a real household.
 */
import { RECORD_FIELDS, RECORD_KINDS, type Address, type Connector, type HouseholdMember, type RecordKind, type SourcePerson, type SourceRecord, type Tier } from '../connectors/sdk/index.js';

export const AGENCIES = ['health', 'police', 'education', 'housing', 'social-care'] as const;
export type BenchAgency = (typeof AGENCIES)[number];
export const CHILD_RECORDS_PER_AGENCY = 40;
export const ADULT_RECORDS_PER_AGENCY = 6;

/** Synthetic people (no one real): the child and the two adults of the household. */
export const HOUSEHOLD = {
  child: { key: 'child', given: ['Ava'], family: 'Thornbury', birthDate: '2013-03-09', gender: '2' as const },
  mother: { key: 'mother', given: ['Claire'], family: 'Thornbury', birthDate: '1988-07-21', gender: '2' as const },
  partner: { key: 'partner', given: ['Mark'], family: 'Elston', birthDate: '1985-11-02', gender: '1' as const },
};
type Member = keyof typeof HOUSEHOLD;
export const NHS_NUMBERS: Record<Member, string> = { child: '9434765919', mother: '9434765870', partner: '9434765889' };
const HOME: Address = { line1: '14 Larkspur Close', city: 'Marlbridge', postalCode: 'MB4 7QT', uprn: '100090123456' };

/** One agency's record kinds: category, tier, kind and type code, taken in turn. */
interface Pattern {
  category: string;
  tier: Tier;
  kind: RecordKind;
  type: string;
  title: string;
  service: string;
}
const p = (category: string, tier: Tier, kind: RecordKind, type: string, title: string, service: string): Pattern => ({ category, tier, kind, type, title, service });

const CHILD_PATTERNS: Record<BenchAgency, Pattern[]> = {
  health: [
    p('health.summary', 'T1', 'event', 'ae-attendance', 'A&E attendance', 'Emergency department'),
    p('health.summary', 'T1', 'event', 'was-not-brought', 'Was not brought to appointment', 'School nursing'),
    p('health.summary', 'T1', 'involvement', 'health-visiting', 'Health visiting', 'Health visiting'),
    p('health.clinical', 'T3', 'event', 'camhs-appointment', 'CAMHS appointment', 'CAMHS'),
  ],
  police: [
    p('police.flags', 'T1', 'event', 'domestic-abuse-incident', 'Domestic abuse incident (child present)', 'Public protection'),
    p('police.flags', 'T1', 'event', 'missing-episode', 'Missing episode', 'Missing persons'),
    p('police.flags', 'T1', 'state', 'warning-marker', 'Warning marker', 'Public protection'),
    p('police.detail', 'T3', 'event', 'incident-narrative', 'Incident narrative', 'Public protection'),
  ],
  education: [
    p('education.record', 'T2', 'event', 'suspension', 'Suspension', 'Pastoral'),
    p('education.record', 'T2', 'state', 'persistent-absence', 'Persistent absence', 'Attendance'),
    p('education.record', 'T2', 'event', 'child-missing-education', 'Child missing education', 'Education welfare'),
    p('education.record', 'T2', 'involvement', 'enrolment', 'School enrolment', 'Admissions'),
  ],
  housing: [
    p('housing.record', 'T2', 'state', 'temporary-accommodation', 'Temporary accommodation', 'Housing options'),
    p('housing.record', 'T2', 'event', 'rent-arrears', 'Rent arrears', 'Income'),
    p('housing.record', 'T2', 'event', 'asb-report', 'Anti-social behaviour report', 'Tenancy'),
    p('housing.record', 'T2', 'involvement', 'tenancy', 'Tenancy', 'Tenancy'),
  ],
  'social-care': [
    p('social-care.status', 'T1', 'involvement', 'child-in-need', 'Child in need', 'Children in need'),
    p('social-care.status', 'T1', 'state', 'cp-plan', 'Child protection plan', 'Child protection'),
    p('social-care.status', 'T1', 'event', 'referral', 'Referral', 'Front door'),
    p('social-care.status', 'T1', 'event', 'contact', 'Contact', 'Front door'),
  ],
};
const ADULT_PATTERNS: Record<BenchAgency, Pattern[]> = {
  health: [p('health.clinical', 'T3', 'involvement', 'adult-mental-health', 'Adult mental health', 'Community mental health'), p('health.summary', 'T1', 'event', 'ae-attendance', 'A&E attendance', 'Emergency department')],
  police: [p('police.flags', 'T1', 'event', 'domestic-abuse-incident', 'Domestic abuse incident', 'Public protection'), p('police.detail', 'T3', 'event', 'incident-narrative', 'Incident narrative', 'Public protection')],
  education: [p('education.record', 'T2', 'event', 'parent-meeting', 'Meeting with school', 'Pastoral')],
  housing: [p('housing.record', 'T2', 'event', 'rent-arrears', 'Rent arrears', 'Income'), p('housing.record', 'T2', 'involvement', 'tenancy', 'Tenancy', 'Tenancy')],
  'social-care': [p('social-care.status', 'T1', 'event', 'contact', 'Contact', 'Front door')],
};

const DAY = 86_400_000;
const isoDate = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const personId = (agency: BenchAgency, member: Member) => `${agency}-${member}`;
const system = (agency: BenchAgency) => `https://${agency}.bench.example/`;

function records(agency: BenchAgency, member: Member, count: number, patterns: Pattern[], now: number): SourceRecord[] {
  return Array.from({ length: count }, (_, i) => {
    const pattern = patterns[i % patterns.length]!;
    // Every 18 days back from now (about two years for the child); the first records of each
    // agency share dates with the other agencies', so incidents group across agencies.
    const start = now - (i + 1) * 18 * DAY;
    const ended = pattern.kind !== 'event' && i % 2 === 1;
    return {
      kind: pattern.kind,
      agency,
      category: pattern.category,
      tier: pattern.tier,
      personId: personId(agency, member),
      provenance: { system: system(agency), recordId: `${agency}-${member}-${i}`, asOf: new Date(now).toISOString() },
      fields: {
        type: pattern.type,
        title: pattern.title,
        status: ended || pattern.kind === 'event' ? 'finished' : 'active',
        start: isoDate(start),
        ...(ended ? { end: isoDate(start + 9 * DAY) } : {}),
        location: pattern.kind === 'event' ? 'Marlbridge' : `${pattern.service}, Marlbridge`,
        narrative: `Recorded by ${agency}: ${pattern.title.toLowerCase()} ${i}; concerns about the family discussed and followed up with the allocated worker.`,
        outcome: 'Follow-up arranged',
        service: pattern.service,
        contactName: 'Duty officer',
        contactRole: 'Safeguarding lead',
        contactPhone: '01632 960000',
      },
    };
  });
}

function person(agency: BenchAgency, member: Member): SourcePerson {
  const who = HOUSEHOLD[member];
  return {
    agency,
    personId: personId(agency, member),
    identifiers: [
      { system: `${system(agency)}id`, value: personId(agency, member) },
      ...(agency === 'health' ? [{ system: 'https://fhir.nhs.uk/Id/nhs-number', value: NHS_NUMBERS[member] }] : []),
    ],
    names: [{ use: 'official', family: who.family, given: [...who.given] }],
    birthDate: who.birthDate,
    gender: who.gender,
    addresses: [HOME],
    contact: { name: `${agency} safeguarding`, phone: '01632 960000' },
    provenance: { system: system(agency), recordId: `person-${personId(agency, member)}`, asOf: '2026-11-01T00:00:00Z' },
  };
}

/** One agency from memory; `now` (ms) dates the records. */
export function memoryAgency(agency: BenchAgency, now: number): Connector {
  const persons = new Map((Object.keys(HOUSEHOLD) as Member[]).map((m) => [personId(agency, m), person(agency, m)]));
  const held = new Map<string, SourceRecord[]>([
    [personId(agency, 'child'), records(agency, 'child', CHILD_RECORDS_PER_AGENCY, CHILD_PATTERNS[agency], now)],
    [personId(agency, 'mother'), records(agency, 'mother', ADULT_RECORDS_PER_AGENCY, ADULT_PATTERNS[agency], now)],
    [personId(agency, 'partner'), records(agency, 'partner', ADULT_RECORDS_PER_AGENCY, ADULT_PATTERNS[agency], now)],
  ]);
  const categories = [...new Map([...CHILD_PATTERNS[agency], ...ADULT_PATTERNS[agency]].map((x) => [x.category, x])).values()];
  const member = (id: Member, relationship: HouseholdMember['relationship'], agencyRelationship: string): HouseholdMember => ({
    person: persons.get(personId(agency, id))!,
    basis: 'related-person',
    relationship,
    agencyRelationship,
    provenance: { system: system(agency), recordId: `link-${agency}-${id}`, asOf: '2026-11-01T00:00:00Z' },
  });
  return {
    manifest: {
      agency,
      name: `${agency} (bench, in memory)`,
      version: '1',
      protocol: 'rest',
      identifierSystems: [`${system(agency)}id`, ...(agency === 'health' ? ['https://fhir.nhs.uk/Id/nhs-number'] : [])],
      categories: [
        { id: `${agency}.identity`, tier: 'T0', kinds: [], fields: ['names', 'birthDate', 'gender', 'identifiers', 'addresses', 'contact'], description: 'identity' },
        ...categories.map((c) => ({ id: c.category, tier: c.tier, kinds: [...RECORD_KINDS], fields: [...RECORD_FIELDS], description: c.category })),
      ],
      contact: { name: `${agency} safeguarding`, phone: '01632 960000' },
    },
    async searchPersons(query) {
      const nhs = query.identifiers?.find((i) => i.system === 'https://fhir.nhs.uk/Id/nhs-number')?.value;
      return [...persons.values()].filter(
        (x) => (nhs !== undefined && x.identifiers.some((i) => i.value === nhs)) || (query.family !== undefined && x.names[0]!.family!.toLowerCase() === query.family.toLowerCase() && (!query.birthDate || x.birthDate === query.birthDate)),
      );
    },
    fetchRecords: async (ids) => new Map(ids.map((id) => [id, held.get(id) ?? []])),
    async householdOf(ids) {
      return new Map(ids.map((id) => [id, id === personId(agency, 'child') ? [member('mother', 'parent', 'MOTHER'), member('partner', 'partner-of-parent', 'MOTHERS PARTNER')] : []]));
    },
    async personsAtAddress(query) {
      return [...persons.values()].filter((x) => (query.uprn ? x.addresses[0]!.uprn === query.uprn : x.addresses[0]!.postalCode === query.postalCode && x.addresses[0]!.line1 === query.line1));
    },
    fetchPersons: async (ids) => new Map(ids.flatMap((id) => (persons.has(id) ? [[id, persons.get(id)!] as const] : []))),
  };
}

export const benchPersonId = personId;
