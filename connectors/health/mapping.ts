/**
 * FHIR R4 resources -> the canonical shapes of connectors/sdk. Pure functions: a resource in,
 * SourcePerson / SourceRecord out. The representation choices they read are documented in
 * README.md (and produced by sandbox/health).
 */
import type {
  Address,
  AgencyContact,
  GenderCode,
  NameUse,
  PersonName,
  Provenance,
  RecordField,
  SourcePerson,
  SourceRecord,
} from '../sdk/index.js';
import {
  APPOINTMENT_SERVICE_CATEGORY,
  CATEGORY,
  EPISODE_SERVICES,
  SYSTEMS,
  TIER_OF,
  UNSCHEDULED_CARE,
  type HealthCategory,
  type ServiceClass,
} from './codes.js';
import type {
  Appointment,
  ContainedResource,
  Encounter,
  EpisodeOfCare,
  FhirAddress,
  FhirCodeableConcept,
  FhirReference,
  Flag,
  Patient,
} from './schema.js';

export const AGENCY = 'health';

export interface MappingContext {
  /** Provenance system (the endpoint's base URL unless configured). */
  system: string;
  /** Used as as-of when a resource carries no meta.lastUpdated. */
  fetchedAt: string;
}

type Fields = Partial<Record<RecordField, string>>;

export const NAME_USES: ReadonlySet<string> = new Set<NameUse>(['usual', 'official', 'temp', 'nickname', 'anonymous', 'old', 'maiden']);
export const GENDER: Readonly<Record<string, GenderCode>> = { male: '1', female: '2', other: '9', unknown: '0' };

export function provenance(ctx: MappingContext, recordId: string, lastUpdated: string | undefined): Provenance {
  return { system: ctx.system, recordId, asOf: lastUpdated ?? ctx.fetchedAt };
}

/** Drops undefined and blank values so `fields` only names what the record really has. */
function compact(fields: Record<string, string | undefined>): Fields {
  const out: Fields = {};
  for (const [key, value] of Object.entries(fields)) {
    if (value !== undefined && value.trim() !== '') out[key as RecordField] = value.trim();
  }
  return out;
}

/** The text of an XHTML narrative div, tags stripped and entities decoded. */
export function narrativeText(div: string | undefined): string | undefined {
  if (!div) return undefined;
  const text = div
    .replace(/<[^>]*>/g, ' ')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;|&apos;/g, "'")
    .replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ')
    .trim();
  return text || undefined;
}

function conceptText(concept: FhirCodeableConcept | undefined): string | undefined {
  return concept?.text ?? concept?.coding?.find((c) => c.display)?.display;
}

function codeIn(concept: FhirCodeableConcept | undefined, system: string): string | undefined {
  return concept?.coding?.find((c) => c.system === system)?.code;
}

function contained(resource: { contained?: ContainedResource[] | undefined }, ref: FhirReference | undefined): ContainedResource | undefined {
  const reference = ref?.reference;
  if (!reference?.startsWith('#')) return undefined;
  return resource.contained?.find((c) => c.id === reference.slice(1));
}

function phoneOf(c: ContainedResource | undefined): string | undefined {
  return c?.telecom?.find((t) => t.system === 'phone')?.value;
}

function nameOf(c: ContainedResource | undefined): string | undefined {
  if (!c) return undefined;
  if (typeof c.name === 'string') return c.name;
  if (Array.isArray(c.name) && c.name[0]) {
    const n = c.name[0];
    return n.text ?? [...(n.given ?? []), n.family].filter(Boolean).join(' ');
  }
  return c.practitioner?.display;
}

interface Contact {
  contactName?: string;
  contactRole?: string;
  contactPhone?: string;
}

/** Contact fields from a reference to a contained PractitionerRole or Organization. */
function contactFrom(resource: { contained?: ContainedResource[] | undefined }, ref: FhirReference | undefined, role?: string): Contact {
  const target = contained(resource, ref);
  if (!target) return ref?.display ? { contactName: ref.display, ...(role ? { contactRole: role } : {}) } : {};
  const roleText = target.code?.[0] ? conceptText(target.code[0]) : role;
  const name = nameOf(target) ?? ref?.display;
  const organisation = target.organization?.display;
  const phone = phoneOf(target);
  return {
    ...(name ? { contactName: organisation && target.resourceType === 'PractitionerRole' ? `${name} (${organisation})` : name } : {}),
    ...(roleText ? { contactRole: roleText } : {}),
    ...(phone ? { contactPhone: phone } : {}),
  };
}

function record(
  kind: SourceRecord['kind'],
  category: HealthCategory,
  personId: string,
  prov: Provenance,
  fields: Fields,
): SourceRecord {
  return { kind, agency: AGENCY, category, tier: TIER_OF[category], personId, provenance: prov, fields };
}

/** `Patient/abc` (or an absolute URL ending so) -> `abc`. */
export function patientIdOf(ref: FhirReference | undefined): string | undefined {
  const m = /(?:^|\/)Patient\/([A-Za-z0-9\-.]{1,64})$/.exec(ref?.reference ?? '');
  return m?.[1];
}

// ---- persons -------------------------------------------------------------------------------

function uprnOf(address: FhirAddress): string | undefined {
  for (const ext of address.extension ?? []) {
    if (ext.url !== SYSTEMS.addressKey) continue;
    const type = ext.extension?.find((e) => e.url === 'type')?.valueCoding?.code;
    const value = ext.extension?.find((e) => e.url === 'value')?.valueString;
    if (type?.toUpperCase() === 'UPRN' && value) return value;
  }
  return undefined;
}

export function toAddress(a: FhirAddress): Address {
  const out: Address = {};
  const [line1, line2] = a.line ?? [];
  if (line1) out.line1 = line1;
  if (line2) out.line2 = line2;
  if (a.city) out.city = a.city;
  if (a.postalCode) out.postalCode = a.postalCode;
  const uprn = uprnOf(a);
  if (uprn) out.uprn = uprn;
  if (a.period?.start) out.from = a.period.start.slice(0, 10);
  if (a.period?.end) out.to = a.period.end.slice(0, 10);
  return out;
}

export function birthDateAccuracy(birthDate: string): string {
  // MAIS person standard: one letter each for year, month, day (A accurate, U unknown).
  return birthDate.length === 10 ? 'AAA' : birthDate.length === 7 ? 'AAU' : 'AUU';
}

/** The registered GP practice: contained Organization, or whatever the reference says. */
function gpPractice(patient: Patient): { name?: string; phone?: string; since?: string; address?: string } | undefined {
  const ref = patient.generalPractitioner?.[0];
  if (!ref) return undefined;
  const org = contained(patient, ref);
  const name = nameOf(org) ?? ref.display;
  const phone = phoneOf(org);
  const since = ref.identifier?.period?.start;
  const addr = org?.address?.[0];
  const address = addr ? [...(addr.line ?? []), addr.city, addr.postalCode].filter(Boolean).join(', ') : undefined;
  return { ...(name ? { name } : {}), ...(phone ? { phone } : {}), ...(since ? { since } : {}), ...(address ? { address } : {}) };
}

export function toSourcePerson(patient: Patient, ctx: MappingContext): SourcePerson {
  const names: PersonName[] = (patient.name ?? []).map((n) => ({
    ...(n.use && NAME_USES.has(n.use) ? { use: n.use as NameUse } : {}),
    ...(n.family ? { family: n.family } : {}),
    given: n.given ?? [],
  }));
  const gp = gpPractice(patient);
  const contact: AgencyContact | undefined = gp?.name
    ? { name: gp.name, organisation: gp.name, ...(gp.phone ? { phone: gp.phone } : {}) }
    : undefined;
  return {
    agency: AGENCY,
    personId: patient.id,
    identifiers: (patient.identifier ?? [])
      .filter((i) => i.system === SYSTEMS.nhsNumber && i.value)
      .map((i) => ({ system: SYSTEMS.nhsNumber, value: (i.value as string).replace(/\s+/g, '') })),
    names,
    ...(patient.birthDate ? { birthDate: patient.birthDate, birthDateAccuracy: birthDateAccuracy(patient.birthDate) } : {}),
    ...(patient.gender ? { gender: GENDER[patient.gender] as GenderCode } : {}),
    addresses: (patient.address ?? []).map(toAddress),
    ...(contact ? { contact } : {}),
    provenance: provenance(ctx, `Patient/${patient.id}`, patient.meta?.lastUpdated),
  };
}

// ---- records -------------------------------------------------------------------------------

/**
 * The GP registration held on a patient (health.summary). Identity itself (health.identity) is
 * the SourcePerson of a person search, so no record repeats it.
 */
export function patientRecords(patient: Patient, ctx: MappingContext): SourceRecord[] {
  const gp = gpPractice(patient);
  if (!gp) return [];
  const ref = patient.generalPractitioner?.[0]?.reference;
  // `Patient/{id}#{contained id}` addresses the contained practice (FHIR local reference).
  const recordId = `Patient/${patient.id}${ref?.startsWith('#') ? ref : ''}`;
  return [
    record('involvement', CATEGORY.summary, patient.id, provenance(ctx, recordId, patient.meta?.lastUpdated), {
      type: 'gp-registration',
      title: 'GP registration',
      status: patient.active === false ? 'inactive' : 'active',
      ...compact({
        start: gp.since,
        location: gp.address,
        service: gp.name,
        contactName: gp.name,
        contactRole: 'GP practice',
        contactPhone: gp.phone,
      }),
    }),
  ];
}

function serviceCode(concept: FhirCodeableConcept | undefined): string | undefined {
  return codeIn(concept, SYSTEMS.healthService);
}

function encounterClass(encounter: Encounter): ServiceClass {
  const service = serviceCode(encounter.serviceType);
  if (service === 'sexual-health') {
    return { category: CATEGORY.sexualHealth, type: 'sexual-health-attendance', title: 'Sexual health clinic attendance', kind: 'event' };
  }
  const unscheduled = service ? UNSCHEDULED_CARE[service] : undefined;
  if (unscheduled) return unscheduled;
  if (encounter.class?.code === 'EMER' && service === undefined) return UNSCHEDULED_CARE['emergency-department'] as ServiceClass;
  return { category: CATEGORY.clinical, type: 'health-encounter', title: conceptText(encounter.type?.[0]) ?? 'Health encounter', kind: 'event' };
}

export function encounterRecord(encounter: Encounter, ctx: MappingContext): SourceRecord | undefined {
  const personId = patientIdOf(encounter.subject);
  if (!personId) return undefined;
  const cls = encounterClass(encounter);
  const callback = encounter.participant?.find((p) => p.type?.some((t) => codeIn(t, SYSTEMS.participationType) === 'CALLBCK'));
  const contact = callback ? contactFrom(encounter, callback.individual) : contactFrom(encounter, encounter.serviceProvider, 'Service provider');
  return record(cls.kind, cls.category, personId, provenance(ctx, `Encounter/${encounter.id}`, encounter.meta?.lastUpdated), {
    type: cls.type,
    title: cls.title,
    ...compact({
      status: encounter.status,
      start: encounter.period?.start,
      end: encounter.period?.end,
      location: encounter.location?.[0]?.location.display,
      narrative: encounter.reasonCode?.map(conceptText).filter(Boolean).join('; ') || narrativeText(encounter.text?.div),
      outcome: conceptText(encounter.hospitalization?.dischargeDisposition),
      service: conceptText(encounter.serviceType) ?? encounter.serviceProvider?.display,
      ...contact,
    }),
  });
}

export function flagRecord(flag: Flag, ctx: MappingContext): SourceRecord | undefined {
  const personId = patientIdOf(flag.subject);
  if (!personId) return undefined;
  const cpis = flag.category?.some((c) => codeIn(c, SYSTEMS.patientFlagCategory) === 'CP-IS') || codeIn(flag.code, SYSTEMS.patientFlagCategory) === 'CP-IS';
  const plan = flag.category?.map((c) => c.coding?.find((x) => x.system === SYSTEMS.cpisPlanType)?.display).find(Boolean);
  const notes = flag.extension?.find((e) => e.url === SYSTEMS.flagNotes)?.valueAnnotation?.text;
  const category = cpis ? CATEGORY.summary : CATEGORY.clinical;
  return record('state', category, personId, provenance(ctx, `Flag/${flag.id}`, flag.meta?.lastUpdated), {
    type: cpis ? 'cp-is-flag' : 'health-flag',
    title: cpis ? `CP-IS: ${plan ?? 'child protection plan or looked after'}` : (conceptText(flag.code) ?? 'Health flag'),
    ...compact({
      status: flag.status,
      start: flag.period?.start,
      end: flag.period?.end,
      narrative: notes ?? narrativeText(flag.text?.div),
      service: flag.author?.display,
      ...contactFrom(flag, flag.author),
    }),
  });
}

export function episodeRecord(episode: EpisodeOfCare, ctx: MappingContext): SourceRecord | undefined {
  const personId = patientIdOf(episode.patient);
  if (!personId) return undefined;
  const code = episode.type?.map(serviceCode).find(Boolean);
  const cls: ServiceClass = (code ? EPISODE_SERVICES[code] : undefined) ?? {
    category: CATEGORY.clinical,
    type: 'health-episode',
    title: conceptText(episode.type?.[0]) ?? 'Episode of care',
    kind: 'involvement',
  };
  const contact = episode.careManager ? contactFrom(episode, episode.careManager) : contactFrom(episode, episode.managingOrganization, 'Service');
  return record(cls.kind, cls.category, personId, provenance(ctx, `EpisodeOfCare/${episode.id}`, episode.meta?.lastUpdated), {
    type: cls.type,
    title: cls.title,
    ...compact({
      status: episode.status,
      start: episode.period?.start,
      end: episode.period?.end,
      narrative: narrativeText(episode.text?.div),
      service: episode.team?.[0]?.display ?? episode.managingOrganization?.display,
      ...contact,
    }),
  });
}

/**
 * A missed appointment (status noshow). For a child it is "was not brought" (RCGP: children are
 * brought to appointments), for an adult "did not attend"; birth dates come from the batch's
 * Patient resources.
 */
export function appointmentRecord(appointment: Appointment, ctx: MappingContext, birthDates: ReadonlyMap<string, string>): SourceRecord | undefined {
  if (appointment.status !== 'noshow') return undefined;
  const patientParticipant = appointment.participant.find((p) => patientIdOf(p.actor) !== undefined);
  const personId = patientIdOf(patientParticipant?.actor);
  if (!personId) return undefined;
  const service = appointment.serviceType?.map(serviceCode).find(Boolean);
  const category: HealthCategory = (service ? APPOINTMENT_SERVICE_CATEGORY[service] : undefined) ?? CATEGORY.clinical;
  const birthDate = birthDates.get(personId);
  const adult = birthDate !== undefined && appointment.start !== undefined && ageAt(birthDate, appointment.start) >= 18;
  const callback = appointment.participant.find((p) => p.type?.some((t) => codeIn(t, SYSTEMS.participationType) === 'CALLBCK'));
  const place = appointment.participant.find((p) => p !== callback && p !== patientParticipant && p.actor?.display && !p.actor.reference);
  return record('event', category, personId, provenance(ctx, `Appointment/${appointment.id}`, appointment.meta?.lastUpdated), {
    type: adult ? 'did-not-attend' : 'was-not-brought',
    title: adult ? 'Did not attend appointment' : 'Was not brought to appointment',
    status: 'noshow',
    ...compact({
      start: appointment.start,
      end: appointment.end,
      location: place?.actor?.display,
      narrative: appointment.comment ?? narrativeText(appointment.text?.div),
      service: appointment.serviceType?.map(conceptText).find(Boolean) ?? appointment.description,
      ...(callback ? contactFrom(appointment, callback.actor) : {}),
    }),
  });
}

function ageAt(birthDate: string, when: string): number {
  const [by, bm = 1, bd = 1] = birthDate.split('-').map(Number) as [number, number?, number?];
  const [wy, wm, wd] = when.slice(0, 10).split('-').map(Number) as [number, number, number];
  return wy - by - (wm < bm || (wm === bm && wd < bd) ? 1 : 0);
}
