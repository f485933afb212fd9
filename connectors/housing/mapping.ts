/**
 * Housing rows -> the canonical shapes of connectors/sdk. Pure functions: rows in,
 * SourcePerson / SourceRecord out. Household records (tenancy, homelessness, temporary
 * accommodation, household-wide anti-social behaviour cases, arrears, possession steps) are
 * returned for every member of the household; a case about one member only for that member.
 */
import type { Address, AgencyContact, GenderCode, Provenance, RecordField, SourcePerson, SourceRecord } from '../sdk/index.js';
import { AGENCY, CATEGORY, RECORD_TIER, SYSTEMS } from './codes.js';
import type { AsbRow, HomelessnessRow, MemberRow, PlacementRow, PossessionRow, RentRow, TenancyRow } from './sql.js';

export interface MappingContext {
  system: string;
  fallbackContact: AgencyContact;
}

type Fields = Partial<Record<RecordField, string>>;

interface Officer {
  officer_name?: string | undefined;
  officer_role?: string | undefined;
  officer_phone?: string | undefined;
  officer_email?: string | undefined;
}

const GENDER: Readonly<Record<string, GenderCode>> = { M: '1', F: '2', X: '9', R: '0' };
const RELATIONSHIP: Readonly<Record<string, string>> = {
  L: 'lead tenant',
  P: 'partner of the lead tenant',
  C: 'child of the lead tenant',
  X: 'other household member',
};

function compact(fields: Record<string, string | undefined>): Fields {
  const out: Fields = {};
  for (const [key, value] of Object.entries(fields)) if (value !== undefined && value.trim() !== '') out[key as RecordField] = value.trim();
  return out;
}

function contactFields(row: Officer, ctx: MappingContext): Fields {
  if (row.officer_name) {
    return compact({ contactName: row.officer_name, contactRole: row.officer_role, contactPhone: row.officer_phone, contactEmail: row.officer_email });
  }
  const c = ctx.fallbackContact;
  return compact({ contactName: c.name, contactRole: c.organisation, contactPhone: c.phone, contactEmail: c.email });
}

function record(kind: SourceRecord['kind'], personId: string, prov: Provenance, fields: Fields): SourceRecord {
  return { kind, agency: AGENCY, category: CATEGORY.record, tier: RECORD_TIER, personId, provenance: prov, fields };
}

function provenance(ctx: MappingContext, recordId: string, asOf: string): Provenance {
  return { system: ctx.system, recordId, asOf };
}

function place(...parts: Array<string | undefined>): string | undefined {
  const text = parts.filter((p) => p !== undefined && p.trim() !== '').join(', ');
  return text || undefined;
}

function pounds(pence: number): string {
  return `£${(pence / 100).toFixed(2)}`;
}

function capitalise(value: string): string {
  return value.charAt(0).toUpperCase() + value.slice(1);
}

// ---- persons -------------------------------------------------------------------------------

export interface PersonContext {
  tenancies: readonly TenancyRow[];
  cases: readonly HomelessnessRow[];
}

export function toSourcePerson(member: MemberRow, context: PersonContext, ctx: MappingContext): SourcePerson {
  const addresses: Address[] = [];
  const add = (address: Address): void => {
    if (!addresses.some((a) => (a.uprn && a.uprn === address.uprn && a.from === address.from) || (a.line1 === address.line1 && a.postalCode === address.postalCode && a.from === address.from))) {
      addresses.push(address);
    }
  };
  const tenancies = context.tenancies.filter((t) => t.person_ref === member.person_ref);
  const cases = context.cases.filter((c) => c.person_ref === member.person_ref).sort((a, b) => b.approach_date.localeCompare(a.approach_date));
  for (const t of tenancies) {
    add({
      line1: t.address_line1,
      ...(t.address_line2 ? { line2: t.address_line2 } : {}),
      city: t.town,
      postalCode: t.postcode,
      ...(t.uprn ? { uprn: t.uprn } : {}),
      from: t.start_date,
      ...(t.end_date ? { to: t.end_date } : {}),
    });
  }
  for (const c of cases) {
    if (c.moved_on_address_line1) {
      add({
        line1: c.moved_on_address_line1,
        ...(c.moved_on_address_line2 ? { line2: c.moved_on_address_line2 } : {}),
        ...(c.moved_on_town ? { city: c.moved_on_town } : {}),
        ...(c.moved_on_postcode ? { postalCode: c.moved_on_postcode } : {}),
        ...(c.moved_on_uprn ? { uprn: c.moved_on_uprn } : {}),
        ...(c.closed_date ? { from: c.closed_date } : {}),
      });
    }
    // The home lost (or threatened): still home while the case is open.
    add({
      line1: c.address_line1,
      ...(c.address_line2 ? { line2: c.address_line2 } : {}),
      city: c.town,
      postalCode: c.postcode,
      ...(c.uprn ? { uprn: c.uprn } : {}),
      ...(c.status === 'closed' && c.closed_date ? { to: c.closed_date } : {}),
    });
  }
  const officerRow: Officer | undefined = tenancies.find((t) => !t.end_date && t.officer_name) ?? cases.find((c) => c.officer_name);
  const contact: AgencyContact = officerRow?.officer_name
    ? {
        name: officerRow.officer_name,
        ...(officerRow.officer_role ? { organisation: officerRow.officer_role } : {}),
        ...(officerRow.officer_phone ? { phone: officerRow.officer_phone } : {}),
        ...(officerRow.officer_email ? { email: officerRow.officer_email } : {}),
      }
    : ctx.fallbackContact;
  const gender = member.sex ? GENDER[member.sex.toUpperCase()] : undefined;
  return {
    agency: AGENCY,
    personId: member.person_ref,
    identifiers: [{ system: SYSTEMS.housingPerson, value: member.person_ref }],
    names: [{ use: 'official', family: member.family_name, given: member.given_names.split(/\s+/).filter(Boolean) }],
    ...(member.birth_date ? { birthDate: member.birth_date, birthDateAccuracy: 'AAA' } : {}),
    ...(gender ? { gender } : {}),
    addresses,
    contact,
    provenance: provenance(ctx, `household_members/${member.person_ref}`, member.updated_at),
  };
}

// ---- records -------------------------------------------------------------------------------

export function tenancyRecord(row: TenancyRow, ctx: MappingContext): SourceRecord {
  const ended = row.end_date !== undefined;
  return record('involvement', row.person_ref, provenance(ctx, `tenancies/${row.tenancy_ref}`, row.updated_at), {
    type: 'tenancy',
    title: `${capitalise(row.tenancy_type)} tenancy`,
    status: ended ? 'ended' : 'active',
    ...compact({
      start: row.start_date,
      end: row.end_date,
      location: place(row.address_line1, row.address_line2, row.town, row.postcode),
      service: row.landlord,
      narrative: `Tenancy ${row.tenancy_ref}: household of ${row.household_size}; this person is member ${row.member_no} (${RELATIONSHIP[row.relationship] ?? 'household member'})`,
      outcome: row.end_reason,
    }),
    ...contactFields(row, ctx),
  });
}

export function homelessnessRecord(row: HomelessnessRow, ctx: MappingContext): SourceRecord {
  const duties = [
    row.prevention_duty_start ? `prevention duty from ${row.prevention_duty_start}` : undefined,
    row.relief_duty_start ? `relief duty from ${row.relief_duty_start}` : undefined,
    row.main_duty_decision ? `${row.main_duty_decision}${row.main_duty_date ? ` (${row.main_duty_date})` : ''}` : undefined,
  ].filter(Boolean);
  return record('involvement', row.person_ref, provenance(ctx, `homelessness_cases/${row.case_ref}`, row.updated_at), {
    type: 'homelessness-application',
    title: 'Homelessness application',
    status: row.status,
    ...compact({
      start: row.approach_date,
      end: row.closed_date,
      location: place(row.address_line1, row.address_line2, row.town, row.postcode),
      service: 'Housing options and homelessness',
      narrative: `Reason for loss of last settled home: ${row.reason}${duties.length > 0 ? `. ${capitalise(duties.join('; '))}` : ''}`,
      outcome: row.outcome,
    }),
    ...contactFields(row, ctx),
  });
}

export function placementRecord(row: PlacementRow, ctx: MappingContext): SourceRecord {
  const refuge = row.ta_type === 'refuge';
  return record('state', row.person_ref, provenance(ctx, `temporary_accommodation/${row.placement_ref}`, row.updated_at), {
    type: 'temporary-accommodation',
    title: refuge ? 'Temporary accommodation: refuge' : 'Temporary accommodation',
    status: row.end_date ? 'ended' : 'current',
    ...compact({
      start: row.start_date,
      end: row.end_date,
      // A refuge's address is never recorded, so it can never be disclosed.
      location: refuge ? undefined : place(row.provider, row.address_line1, row.address_line2, row.town, row.postcode),
      service: 'Housing options and homelessness',
      narrative: `${row.ta_type_label}${refuge ? '' : `, provided by ${row.provider}`}${row.out_of_area ? '; outside the county' : ''}`,
    }),
    ...contactFields(row, ctx),
  });
}

export function asbRecord(row: AsbRow, ctx: MappingContext): SourceRecord {
  return record('involvement', row.person_ref, provenance(ctx, `asb_cases/${row.asb_ref}`, row.updated_at), {
    type: 'asb-case',
    title: 'Anti-social behaviour case',
    status: row.status,
    ...compact({
      start: row.opened,
      end: row.closed,
      service: 'Anti-social behaviour team',
      narrative: `${row.category} (${row.party_role})${row.summary ? `: ${row.summary}` : ''}`,
      outcome: row.action_taken,
    }),
    ...contactFields(row, ctx),
  });
}

export function arrearsRecord(row: RentRow, ctx: MappingContext): SourceRecord {
  return record('state', row.person_ref, provenance(ctx, `rent_accounts/${row.tenancy_ref}`, row.updated_at), {
    type: 'rent-arrears',
    title: 'Rent arrears',
    status: 'active',
    ...compact({
      service: 'Income management',
      narrative: `${pounds(row.balance_pence)} owed on tenancy ${row.tenancy_ref} (${row.arrears_weeks} ${row.arrears_weeks === 1 ? "week's" : "weeks'"} rent)`,
      outcome: row.recovery_stage,
    }),
    ...contactFields(row, ctx),
  });
}

const POSSESSION: Readonly<Record<string, { type: string; title: string }>> = {
  NOSP: { type: 'notice-seeking-possession', title: 'Notice of seeking possession' },
  NTQ: { type: 'notice-to-quit', title: 'Notice to quit' },
  'possession-order': { type: 'possession-order', title: 'Possession order' },
  warrant: { type: 'eviction-warrant', title: 'Warrant for possession (eviction) issued' },
  eviction: { type: 'eviction', title: 'Eviction' },
};

export function possessionRecord(row: PossessionRow, ctx: MappingContext): SourceRecord {
  const step = POSSESSION[row.action] ?? { type: 'possession-action', title: 'Possession action' };
  return record('event', row.person_ref, provenance(ctx, `possession_actions/${row.action_ref}`, row.updated_at), {
    type: step.type,
    title: step.title,
    ...compact({
      start: row.action_date,
      service: 'Income management',
      narrative: `Ground: ${row.ground}${row.notes ? `. ${row.notes}` : ''}`,
    }),
    ...contactFields(row, ctx),
  });
}
