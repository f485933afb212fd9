/**
 * Social care rows (Ofsted Annex A lists) -> the canonical shapes of connectors/sdk. Pure
 * functions: a row in, SourcePerson / SourceRecord out.
 */
import type { Address, AgencyContact, GenderCode, PersonName, Provenance, RecordField, SourcePerson, SourceRecord } from '../sdk/index.js';
import {
  ADOPTION_ENDINGS,
  AGENCY,
  CATEGORY,
  SYSTEMS,
  TIER_OF,
  annexValue,
  legalStatusLabel,
  sourceLabel,
  yes,
  type SocialCareCategory,
} from './codes.js';
import type {
  AddressRow,
  AdoptionRow,
  AllocationRowT,
  AssessmentRow,
  ChildInNeedRow,
  ContactRow,
  CpPlanRow,
  GenderHistoryRow,
  LookedAfterRow,
  PersonRowT,
  ReferralRow,
  Section47Row,
} from './sql.js';
import type { z } from 'zod';

export interface MappingContext {
  /** Provenance system. */
  system: string;
  personIdSystem: string;
  /** The front door: who to contact when no worker is allocated. */
  contact: AgencyContact;
}

type Fields = Partial<Record<RecordField, string>>;
type Row<S extends z.ZodType> = z.infer<S>;

function provenance(ctx: MappingContext, recordId: string, asOf: string): Provenance {
  return { system: ctx.system, recordId, asOf };
}

function compact(fields: Record<string, string | null | undefined>): Fields {
  const out: Fields = {};
  for (const [key, value] of Object.entries(fields)) {
    if (value !== undefined && value !== null && value.trim() !== '') out[key as RecordField] = value.trim();
  }
  return out;
}

function record(kind: SourceRecord['kind'], category: SocialCareCategory, personId: string, prov: Provenance, fields: Fields): SourceRecord {
  return { kind, agency: AGENCY, category, tier: TIER_OF[category], personId, provenance: prov, fields };
}

/** The allocated worker of a row, or the front door. */
function workerFields(row: AllocationRowT, ctx: MappingContext): Fields {
  if (row.worker_name) {
    return compact({
      contactName: row.worker_name,
      contactRole: row.worker_role ?? 'Allocated worker',
      contactPhone: row.worker_phone ?? row.team_phone,
      contactEmail: row.worker_email,
    });
  }
  return frontDoorFields(ctx);
}

function frontDoorFields(ctx: MappingContext): Fields {
  return compact({ contactName: ctx.contact.name, contactRole: 'Front door (MASH)', contactPhone: ctx.contact.phone, contactEmail: ctx.contact.email });
}

const lower = (text: string | undefined): string | undefined => text?.toLowerCase();
const yesNo = (value: boolean | undefined): string | undefined => (value === undefined ? undefined : value ? 'yes' : 'no');
const join = (parts: Array<string | null | undefined | false>): string | undefined => parts.filter(Boolean).join('; ') || undefined;

// ---- persons -------------------------------------------------------------------------------

const GENDER: Readonly<Record<string, GenderCode>> = { M: '1', F: '2', U: '0' };

export function toSourcePerson(
  p: PersonRowT,
  addresses: ReadonlyArray<Row<typeof AddressRow>>,
  allocation: AllocationRowT | undefined,
  ctx: MappingContext,
): SourcePerson {
  const given = [p.forename, ...(p.middle_names ? p.middle_names.split(/\s+/).filter(Boolean) : [])];
  const names: PersonName[] = [{ use: 'official', family: p.surname, given }];
  // MAIS person standard: the known-as name is the preferred (usual) one.
  if (p.known_as && p.known_as !== p.forename) names.push({ use: 'usual', family: p.surname, given: [p.known_as] });
  const contact: AgencyContact =
    allocation?.worker_name
      ? {
          name: allocation.worker_name,
          organisation: allocation.team_name ?? ctx.contact.organisation ?? ctx.contact.name,
          ...(allocation.worker_phone || allocation.team_phone ? { phone: (allocation.worker_phone ?? allocation.team_phone) as string } : {}),
          ...(allocation.worker_email ? { email: allocation.worker_email } : {}),
        }
      : ctx.contact;
  return {
    agency: AGENCY,
    personId: p.person_id,
    identifiers: [
      { system: ctx.personIdSystem, value: p.person_id },
      ...(p.nhs_number ? [{ system: SYSTEMS.nhsNumber, value: p.nhs_number.replace(/\s+/g, '') }] : []),
    ],
    names,
    ...(p.date_of_birth ? { birthDate: p.date_of_birth, birthDateAccuracy: 'AAA' } : {}),
    ...(GENDER[p.gender] ? { gender: GENDER[p.gender] as GenderCode } : {}),
    addresses: addresses.map((a) => {
      const out: Address = { line1: a.address_line1 };
      if (a.address_line2) out.line2 = a.address_line2;
      if (a.town) out.city = a.town;
      if (a.postcode) out.postalCode = a.postcode;
      if (a.uprn) out.uprn = a.uprn;
      if (a.start_date) out.from = a.start_date;
      if (a.end_date) out.to = a.end_date;
      return out;
    }),
    contact,
    provenance: provenance(ctx, `person/${p.person_id}`, p.last_updated),
  };
}

// ---- Annex A lists -------------------------------------------------------------------------

/** List 1. */
export function contactRecord(r: Row<typeof ContactRow>, ctx: MappingContext): SourceRecord {
  return record('event', CATEGORY.status, r.person_id, provenance(ctx, `contact/${r.contact_id}`, r.last_updated), {
    type: 'contact',
    title: `Contact from ${sourceLabel(r.contact_source)}`,
    start: r.date_of_contact,
    ...compact({ service: ctx.contact.name, ...frontDoorFields(ctx) }),
  });
}

/** List 3. */
export function referralRecord(r: Row<typeof ReferralRow>, ctx: MappingContext): SourceRecord {
  const nfa = yes(r.referral_nfa);
  return record('event', CATEGORY.status, r.person_id, provenance(ctx, `referral/${r.referral_id}`, r.last_updated), {
    type: 'referral',
    title: `Referral from ${sourceLabel(r.referral_source)}`,
    start: r.date_of_referral,
    ...compact({
      status: nfa === undefined ? undefined : 'closed',
      outcome: nfa === true ? 'No further action' : nfa === false ? 'Progressed to assessment' : undefined,
      service: r.team_name,
      ...workerFields(r, ctx),
    }),
  });
}

/** List 4. */
export function assessmentRecord(r: Row<typeof AssessmentRow>, ctx: MappingContext): SourceRecord {
  const support = yes(r.requires_support);
  return record('event', CATEGORY.status, r.person_id, provenance(ctx, `assessment/${r.assessment_id}`, r.last_updated), {
    type: 'assessment',
    title: 'Child and family assessment',
    start: r.assessment_start_date,
    ...compact({
      end: r.assessment_authorised_date,
      status: r.assessment_authorised_date ? 'completed' : 'open',
      narrative: yesNo(yes(r.child_seen)) ? `Child seen during the assessment: ${yesNo(yes(r.child_seen))}` : undefined,
      outcome: support === true ? "Assessed as needing children's social care support" : support === false ? 'No further social care support needed' : undefined,
      service: r.team_name,
      ...workerFields(r, ctx),
    }),
  });
}

/** List 5. */
export function section47Record(r: Row<typeof Section47Row>, ctx: MappingContext): SourceRecord {
  const unnecessary = yes(r.icpc_unnecessary);
  const plan = yes(r.icpc_resulted_in_plan);
  const outcome = r.icpc_date
    ? `Initial child protection conference ${r.icpc_date}: ${plan === true ? 'child protection plan' : plan === false ? 'no plan' : 'outcome not recorded'}`
    : unnecessary === true
      ? 'Initial child protection conference not needed'
      : undefined;
  return record('event', CATEGORY.status, r.person_id, provenance(ctx, `section47/${r.s47_id}`, r.last_updated), {
    type: 's47-enquiry',
    title: 'Section 47 enquiry',
    start: r.strategy_discussion_date,
    ...compact({ status: outcome ? 'completed' : 'open', outcome, service: r.team_name, ...workerFields(r, ctx) }),
  });
}

/** List 6. An episode closed because the child was adopted belongs to the sealed adoption record. */
export function childInNeedRecord(r: Row<typeof ChildInNeedRow>, ctx: MappingContext): SourceRecord {
  const adopted = ADOPTION_ENDINGS.test(r.reason_for_closure ?? '');
  const need = annexValue(r.primary_need_code)?.replace(/\s+-\s+/, ' ');
  return record('involvement', adopted ? CATEGORY.adoption : CATEGORY.status, r.person_id, provenance(ctx, `child_in_need/${r.cin_id}`, r.last_updated), {
    type: 'child-in-need',
    title: need ? `Child in need episode (${need})` : 'Child in need episode',
    start: r.cin_start_date,
    ...compact({
      end: r.cin_closure_date,
      status: r.cin_closure_date ? 'closed' : 'open',
      narrative: join([`Case status: ${lower(annexValue(r.case_status))}`, r.date_last_seen && `child last seen ${r.date_last_seen}`]),
      outcome: annexValue(r.reason_for_closure)?.replace(/\s+-\s+/, ' '),
      service: r.team_name,
      ...workerFields(r, ctx),
    }),
  });
}

/** List 7. */
export function cpPlanRecord(r: Row<typeof CpPlanRow>, ctx: MappingContext): SourceRecord {
  const latest = annexValue(r.latest_category_of_abuse);
  return record('state', CATEGORY.status, r.person_id, provenance(ctx, `cp_plan/${r.cp_plan_id}`, r.last_updated), {
    type: 'cp-plan',
    title: latest ? `Child protection plan (${lower(latest)})` : 'Child protection plan',
    start: r.plan_start_date,
    ...compact({
      end: r.plan_end_date,
      status: r.plan_end_date ? 'ended' : 'active',
      narrative: join([
        `Initial category: ${lower(annexValue(r.initial_category_of_abuse))}`,
        `latest category: ${lower(latest)}`,
        r.date_last_statutory_visit && `last statutory visit ${r.date_last_statutory_visit}`,
        yesNo(yes(r.seen_alone)) && `seen alone: ${yesNo(yes(r.seen_alone))}`,
        r.date_latest_review_conference && `latest review conference ${r.date_latest_review_conference}`,
        `previous plans: ${r.previous_plans}`,
      ]),
      service: r.team_name,
      ...workerFields(r, ctx),
    }),
  });
}

/**
 * List 8. Placement details are not read (see sql.ts). An episode that ended in adoption belongs
 * to the sealed adoption record.
 */
export function lookedAfterRecord(r: Row<typeof LookedAfterRow>, ctx: MappingContext): SourceRecord {
  const adopted = ADOPTION_ENDINGS.test(r.reason_ceased ?? '');
  return record('state', adopted ? CATEGORY.adoption : CATEGORY.status, r.person_id, provenance(ctx, `looked_after/${r.lac_id}`, r.last_updated), {
    type: 'looked-after',
    title: `Looked after (${legalStatusLabel(r.legal_status)})`,
    start: r.date_started_looked_after,
    ...compact({
      end: r.date_ceased,
      status: r.date_ceased ? 'ceased' : 'active',
      narrative: join([
        `Category of need: ${annexValue(r.category_of_need)?.replace(/\s+-\s+/, ' ')}`,
        r.date_latest_review && `latest review ${r.date_latest_review}`,
        r.date_last_visit && `last social work visit ${r.date_last_visit}`,
        `missing episodes in the last 12 months: ${r.missing_episodes_last_12_months}`,
      ]),
      outcome: annexValue(r.reason_ceased),
      service: r.team_name,
      ...workerFields(r, ctx),
    }),
  });
}

/** List 10 (sealed). */
export function adoptionRecord(r: Row<typeof AdoptionRow>, ctx: MappingContext): SourceRecord {
  const status = r.date_adoption_order ? 'adoption order made' : r.date_placed ? 'placed for adoption' : r.date_placement_order ? 'placement order made' : 'should be placed for adoption';
  return record('state', CATEGORY.adoption, r.person_id, provenance(ctx, `adoption/${r.adoption_id}`, r.last_updated), {
    type: 'adoption',
    title: 'Adoption record',
    start: r.date_decision_adoption,
    ...compact({
      end: r.date_adoption_order,
      status,
      narrative: join([
        `Entered care ${r.date_entered_care}`,
        `decision that the child should be placed for adoption ${r.date_decision_adoption}`,
        r.date_placement_order && `placement order ${r.date_placement_order}`,
        r.date_matched && `matched ${r.date_matched}`,
        r.date_placed && `placed ${r.date_placed}`,
        r.date_adoption_order && `adoption order ${r.date_adoption_order}`,
      ]),
      ...frontDoorFields(ctx),
    }),
  });
}

/** Protected gender history (sealed, never hinted). */
export function genderHistoryRecord(r: Row<typeof GenderHistoryRow>, ctx: MappingContext): SourceRecord {
  return record('state', CATEGORY.genderHistory, r.person_id, provenance(ctx, `gender_history/${r.record_id}`, r.last_updated), {
    type: 'gender-history',
    title: 'Protected gender history',
    start: r.date_recorded,
    ...compact({ narrative: r.note, ...frontDoorFields(ctx) }),
  });
}
