/**
 * Police records API (POLE) -> the canonical shapes of connectors/sdk. Pure functions: an API
 * object in, SourcePerson / SourceRecord out. One occurrence gives a record for each requested
 * person it involves, in the person's own terms (their role); its fixed fields go to
 * police.flags and its narrative to a separate police.detail record, so the policy can disclose
 * the one without the other.
 */
import type { Address, AgencyContact, GenderCode, PersonName, Provenance, RecordField, SourcePerson, SourceRecord } from '../sdk/index.js';
import { AGENCY, CATEGORY, CHILD_ROLES, ROLE_LABELS, TIER_OF, type PoliceCategory } from './codes.js';
import type {
  PoliceApiContact,
  PoliceApiEvent,
  PoliceApiIntelligence,
  PoliceApiLocation,
  PoliceApiMarker,
  PoliceApiOfficer,
  PoliceApiPerson,
} from './schema.js';

export interface MappingContext {
  /** Provenance system (the API's base URL unless configured). */
  system: string;
  /** Used as as-of when an object carries no lastUpdated. */
  fetchedAt: string;
  personIdSystem: string;
  pncSystem: string;
  /** Who to contact when an object names no one (the manifest contact). */
  contact: AgencyContact;
}

type Fields = Partial<Record<RecordField, string>>;

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

function record(kind: SourceRecord['kind'], category: PoliceCategory, personId: string, prov: Provenance, fields: Fields): SourceRecord {
  return { kind, agency: AGENCY, category, tier: TIER_OF[category], personId, provenance: prov, fields };
}

// ---- persons -------------------------------------------------------------------------------

/**
 * Police name types -> MAIS/FHIR name use: the primary name is the usual one; an alias ("also
 * known as") is `anonymous`, FHIR's code for "an alias or pseudonym"; a nickname is a nickname.
 */
const NAME_USE: Readonly<Record<string, PersonName['use']>> = { primary: 'usual', alias: 'anonymous', nickname: 'nickname', maiden: 'maiden', previous: 'old' };
const GENDER: Readonly<Record<string, GenderCode>> = { M: '1', F: '2', U: '0' };

export function toAddress(a: PoliceApiPerson['addresses'][number], locations: ReadonlyMap<string, PoliceApiLocation>): Address | undefined {
  const l = locations.get(a.locationId);
  if (!l) return undefined;
  const out: Address = {};
  if (l.line1) out.line1 = l.line1;
  if (l.line2) out.line2 = l.line2;
  if (l.city) out.city = l.city;
  if (l.postcode) out.postalCode = l.postcode;
  if (l.uprn) out.uprn = l.uprn;
  if (a.from) out.from = a.from;
  if (a.to) out.to = a.to;
  return out;
}

function agencyContact(c: PoliceApiContact | undefined, fallback: AgencyContact): AgencyContact {
  if (!c) return fallback;
  return { name: c.name, ...(fallback.organisation ? { organisation: fallback.organisation } : {}), ...(c.phone ? { phone: c.phone } : {}), ...(c.email ? { email: c.email } : {}) };
}

export function toSourcePerson(p: PoliceApiPerson, locations: ReadonlyMap<string, PoliceApiLocation>, ctx: MappingContext): SourcePerson {
  const birthDate = p.dateOfBirth;
  // Home first, then previous addresses: the order a researcher reads them in.
  const addresses = [...p.addresses].sort((a, b) => (a.type === 'home' ? 0 : 1) - (b.type === 'home' ? 0 : 1));
  return {
    agency: AGENCY,
    personId: p.id,
    identifiers: [{ system: ctx.personIdSystem, value: p.id }, ...(p.pncId ? [{ system: ctx.pncSystem, value: p.pncId }] : [])],
    names: p.names.map((n) => {
      const use = NAME_USE[n.type];
      return { ...(use ? { use } : {}), family: n.surname, given: n.forenames };
    }),
    ...(birthDate ? { birthDate, birthDateAccuracy: birthDate.length === 10 ? 'AAA' : birthDate.length === 7 ? 'AAU' : 'AUU' } : {}),
    ...(p.sex ? { gender: GENDER[p.sex] as GenderCode } : {}),
    addresses: addresses.map((a) => toAddress(a, locations)).filter((a): a is Address => a !== undefined),
    contact: agencyContact(p.contact, ctx.contact),
    provenance: provenance(ctx, `persons/${p.id}`, p.lastUpdated),
  };
}

// ---- records -------------------------------------------------------------------------------

export function locationText(l: PoliceApiLocation | undefined): string | undefined {
  if (!l) return undefined;
  if (l.description) return l.description;
  const tail = [l.city, l.postcode].filter(Boolean).join(' ');
  return [l.line1, l.line2, tail].filter(Boolean).join(', ') || undefined;
}

function officerFields(o: PoliceApiOfficer | undefined, role: string): Fields {
  if (!o) return {};
  const name = [o.rank, o.name].filter(Boolean).join(' ') + (o.collarNumber ? ` (${o.collarNumber})` : '');
  return compact({ contactName: name, contactRole: role, contactPhone: o.phone, contactEmail: o.email });
}

function contactFields(c: PoliceApiContact | undefined, fallback: AgencyContact): Fields {
  const contact = c ?? fallback;
  return compact({ contactName: contact.name, contactRole: 'MASH police desk', contactPhone: contact.phone, contactEmail: contact.email });
}

function sentence(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/**
 * Records of one occurrence for each requested person it involves: fixed fields in police.flags
 * (arrests and unknown types have none), the narrative in police.detail.
 */
export function eventRecords(
  e: PoliceApiEvent,
  wanted: ReadonlySet<string>,
  locations: ReadonlyMap<string, PoliceApiLocation>,
  ctx: MappingContext,
): SourceRecord[] {
  const out: SourceRecord[] = [];
  const prov = provenance(ctx, `events/${e.id}`, e.lastUpdated);
  const narrativeProv = provenance(ctx, `events/${e.id}#narrative`, e.lastUpdated);
  const location = locationText(e.locationId ? locations.get(e.locationId) : undefined);
  const officer = officerFields(e.officerInCase, 'Officer in case');
  const service = e.officerInCase?.unit;
  for (const involvement of e.persons) {
    if (!wanted.has(involvement.personId)) continue;
    const personId = involvement.personId;
    const role = ROLE_LABELS[involvement.role] ?? involvement.role;
    const childRole = CHILD_ROLES.has(involvement.role);
    switch (e.type) {
      case 'domestic-abuse-incident': {
        const present = e.childPresent === true && !childRole ? '; children present' : '';
        out.push(
          record('event', CATEGORY.flags, personId, prov, {
            type: 'domestic-abuse-incident',
            // The title carries the role and whether a child was present: the fixed fields that
            // Operation Encompass passes to a school (ENC), readable in a summary.
            title: `Domestic abuse incident (${role}${present})`,
            ...compact({
              status: e.status,
              start: e.occurredAt,
              location,
              outcome: [e.riskLevel ? `DASH risk: ${e.riskLevel}` : undefined, e.outcome].filter(Boolean).join('; '),
              service,
              ...officer,
            }),
          }),
        );
        break;
      }
      case 'missing-person':
        out.push(
          record('event', CATEGORY.flags, personId, prov, {
            type: 'missing-episode',
            title: 'Missing person episode',
            ...compact({
              status: e.status,
              start: e.occurredAt,
              end: e.endedAt,
              location,
              outcome: [e.riskLevel ? `Risk: ${e.riskLevel}` : undefined, e.outcome].filter(Boolean).join('; '),
              service,
              ...officer,
            }),
          }),
        );
        break;
      case 'protective-order':
        out.push(
          record('state', CATEGORY.flags, personId, prov, {
            type: 'protective-order',
            title: `${e.orderType ?? 'Protective order'} (${role})`,
            ...compact({ status: e.status, start: e.occurredAt, end: e.endedAt, outcome: e.outcome, service, ...officer }),
          }),
        );
        break;
      case 'arrest':
        out.push(
          record('event', CATEGORY.detail, personId, prov, {
            type: 'arrest',
            title: e.offence ? `Arrest: ${e.offence}` : 'Arrest',
            ...compact({ status: e.status, start: e.occurredAt, location, narrative: e.narrative, outcome: e.outcome, service, ...officer }),
          }),
        );
        continue;
      default:
        // Unknown occurrence types are detail until someone classifies them.
        out.push(
          record('event', CATEGORY.detail, personId, prov, {
            type: 'police-occurrence',
            title: `Police occurrence: ${e.type} (${role})`,
            ...compact({ status: e.status, start: e.occurredAt, end: e.endedAt, location, narrative: e.narrative, outcome: e.outcome, service, ...officer }),
          }),
        );
        continue;
    }
    if (e.narrative) {
      const flagType = (out[out.length - 1] as SourceRecord).fields.type as string;
      out.push(
        record('event', CATEGORY.detail, personId, narrativeProv, {
          type: flagType,
          title: `${sentence(flagType.replace(/-/g, ' '))}: officer's account`,
          ...compact({ status: e.status, start: e.occurredAt, end: e.endedAt, location, narrative: e.narrative, service, ...officer }),
        }),
      );
    }
  }
  return out;
}

export function markerRecord(m: PoliceApiMarker, ctx: MappingContext): SourceRecord {
  const expired = m.status !== 'active';
  return record('state', CATEGORY.flags, m.personId, provenance(ctx, `warning-markers/${m.id}`, m.lastUpdated), {
    type: 'warning-marker',
    title: `Warning marker: ${m.description} (${m.code})`,
    ...compact({
      status: m.status,
      start: m.startDate,
      end: expired ? m.reviewDate : undefined,
      outcome: !expired && m.reviewDate ? `Review due ${m.reviewDate}` : undefined,
      service: m.unit,
      ...contactFields(m.contact, ctx.contact),
    }),
  });
}

export function intelligenceRecord(r: PoliceApiIntelligence, ctx: MappingContext): SourceRecord {
  const grading = r.grading ? `${r.grading.source}${r.grading.intelligence}${r.grading.handling}` : undefined;
  return record('event', CATEGORY.detail, r.personId, provenance(ctx, `intelligence/${r.id}`, r.lastUpdated), {
    type: 'intelligence-report',
    title: grading ? `Intelligence report (graded ${grading})` : 'Intelligence report',
    ...compact({
      start: r.recordedAt,
      narrative: r.text,
      outcome: r.grading ? `Handling code ${r.grading.handling}${r.grading.handling === 'C' ? ': sharing with conditions' : ': lawful sharing permitted'}` : undefined,
      service: r.officer?.unit,
      ...officerFields(r.officer, 'Intelligence officer'),
    }),
  });
}
