/**
 * The police records API's data and searches: indexes over the county's police view and the
 * JSON representations the API serves (see README.md). Searches are pure functions of their
 * input, so the HTTP server is a thin layer over `searchPersons`, `eventsFor` and friends.
 */
import type { County } from '../county/index.js';
import type {
  IntelligenceReport,
  PoliceEvent,
  PoliceLink,
  PoliceLocation,
  PolicePerson,
  PoliceUnit,
  PoliceView,
  WarningMarker,
} from '../county/views/police.js';

/** A client error: the server answers 400 (or 404) with a problem document carrying this text. */
export class PoliceApiError extends Error {
  constructor(
    message: string,
    readonly status: 400 | 404 = 400,
  ) {
    super(message);
    this.name = 'PoliceApiError';
  }
}

export type Json = Record<string, unknown>;

export interface Page {
  offset: number;
  limit: number;
}

export interface PageOf<T> {
  items: T[];
  total: number;
}

export interface PersonSearch {
  ids?: string[];
  pncIds?: string[];
  surname?: string;
  forename?: string;
  dateOfBirth?: string[];
  postcode?: string;
  /** Address search: a UPRN, or `line1` with `postcode` (no names, no ids). */
  uprn?: string;
  line1?: string;
}

export const LINK_TYPES = ['parent-of', 'child-of', 'sibling-of', 'partner-of', 'lives-with'] as const;

const PARTIAL_DATE = /^\d{4}(-\d{2}(-\d{2})?)?$/;

/** Case- and accent-insensitive; apostrophes, hyphens and spaces ignored ("O'Brien" = "obrien"). */
export function normaliseName(text: string): string {
  return text.normalize('NFD').replace(/[\u0300-\u036f]/g, '').toLowerCase().replace(/[\s'’-]/g, '');
}

const normalisePostcode = (text: string): string => text.toUpperCase().replace(/\s+/g, '');
/** A first line for comparison: case, accents, punctuation and spacing ignored. */
const normaliseLine = (text: string): string => text.normalize('NFD').replace(/[\u0300-\u036f]/g, '').toLowerCase().replace(/[^a-z0-9]/g, '');

function slice<T>(items: T[], page: Page): PageOf<T> {
  return { items: items.slice(page.offset, page.offset + page.limit), total: items.length };
}

export class PoliceStore {
  readonly view: PoliceView;
  private readonly persons = new Map<string, PolicePerson>();
  private readonly personsByPnc = new Map<string, PolicePerson>();
  private readonly locations = new Map<string, PoliceLocation>();
  private readonly eventsByPerson = new Map<string, PoliceEvent[]>();
  private readonly markersByPerson = new Map<string, WarningMarker[]>();
  private readonly intelligenceByPerson = new Map<string, IntelligenceReport[]>();
  private readonly linksByPerson = new Map<string, PoliceLink[]>();
  private readonly eventOrder = new Map<PoliceEvent, number>();

  constructor(county: County) {
    this.view = county.views.police;
    for (const p of this.view.persons) {
      this.persons.set(p.id, p);
      if (p.pncId) this.personsByPnc.set(p.pncId, p);
    }
    for (const l of this.view.locations) this.locations.set(l.id, l);
    this.view.events.forEach((e, i) => {
      this.eventOrder.set(e, i);
      for (const inv of e.involvements) push(this.eventsByPerson, inv.policePersonId, e);
    });
    for (const m of this.view.markers) push(this.markersByPerson, m.policePersonId, m);
    for (const r of this.view.intelligence) push(this.intelligenceByPerson, r.policePersonId, r);
    for (const l of this.view.links) push(this.linksByPerson, l.policePersonId, l);
  }

  // ---- representations -----------------------------------------------------------------------

  private contact(unit: PoliceUnit = this.view.mashDesk): Json {
    return { name: unit.name, phone: unit.phone, email: unit.email };
  }

  personJson(p: PolicePerson): Json {
    return {
      id: p.id,
      ...(p.pncId ? { pncId: p.pncId } : {}),
      names: p.names.map((n) => ({ type: n.type, forenames: n.forenames, surname: n.surname })),
      dateOfBirth: p.birthDate,
      sex: p.sex,
      addresses: p.addresses.map((a) => ({ locationId: a.locationId, type: a.type, ...(a.from ? { from: a.from } : {}), ...(a.to ? { to: a.to } : {}) })),
      contact: this.contact(),
      lastUpdated: p.lastUpdated,
    };
  }

  locationJson(l: PoliceLocation): Json {
    return {
      id: l.id,
      kind: l.kind,
      ...(l.description ? { description: l.description } : {}),
      ...(l.line1 ? { line1: l.line1 } : {}),
      ...(l.line2 ? { line2: l.line2 } : {}),
      city: l.city,
      ...(l.postcode ? { postcode: l.postcode } : {}),
      ...(l.uprn ? { uprn: l.uprn } : {}),
    };
  }

  eventJson(e: PoliceEvent): Json {
    return {
      id: e.id,
      type: e.type,
      occurredAt: e.occurredAt,
      ...(e.endedAt ? { endedAt: e.endedAt } : {}),
      locationId: e.locationId,
      status: e.status,
      ...(e.riskLevel ? { riskLevel: e.riskLevel } : {}),
      ...(e.childPresent !== undefined ? { childPresent: e.childPresent } : {}),
      ...(e.offence ? { offence: e.offence } : {}),
      ...(e.orderType ? { orderType: e.orderType } : {}),
      outcome: e.outcome,
      narrative: e.narrative,
      persons: e.involvements.map((i) => ({ personId: i.policePersonId, role: i.role })),
      officerInCase: { ...e.officer },
      lastUpdated: e.lastUpdated,
    };
  }

  markerJson(m: WarningMarker): Json {
    return {
      id: m.id,
      personId: m.policePersonId,
      code: m.code,
      description: m.description,
      startDate: m.start,
      ...(m.review ? { reviewDate: m.review } : {}),
      status: m.status,
      unit: m.unit,
      contact: this.contact(),
      lastUpdated: m.lastUpdated,
    };
  }

  intelligenceJson(r: IntelligenceReport): Json {
    return {
      id: r.id,
      personId: r.policePersonId,
      recordedAt: r.recordedAt,
      grading: { source: r.sourceEvaluation, intelligence: r.intelligenceAssessment, handling: r.handlingCode },
      text: r.text,
      officer: { ...r.officer },
      lastUpdated: r.lastUpdated,
    };
  }

  linkJson(l: PoliceLink): Json {
    return {
      id: l.id,
      personId: l.policePersonId,
      linkedPersonId: l.linkedPolicePersonId,
      type: l.type,
      ...(l.eventId ? { eventId: l.eventId } : {}),
      recordedAt: l.recordedAt,
      lastUpdated: l.lastUpdated,
    };
  }

  /** The locations an answer refers to, side-loaded once each (`included.locations`). */
  includedLocations(ids: Iterable<string>): Json[] {
    const seen = new Set<string>();
    const out: Json[] = [];
    for (const id of ids) {
      if (seen.has(id)) continue;
      seen.add(id);
      const l = this.locations.get(id);
      if (l) out.push(this.locationJson(l));
    }
    return out;
  }

  // ---- reads and searches --------------------------------------------------------------------

  person(id: string): PolicePerson {
    const p = this.persons.get(id);
    if (!p) throw new PoliceApiError(`No person with id '${id}'`, 404);
    return p;
  }

  location(id: string): PoliceLocation {
    const l = this.locations.get(id);
    if (!l) throw new PoliceApiError(`No location with id '${id}'`, 404);
    return l;
  }

  /**
   * Persons by id or PNC id, or by name (any recorded name: primary, alias or nickname) with a
   * date of birth, or by full name; postcode narrows. Name parts match case-insensitively by
   * prefix, within one recorded name.
   */
  searchPersons(search: PersonSearch, page: Page): PageOf<PolicePerson> {
    const byId = (search.ids?.length ?? 0) > 0 || (search.pncIds?.length ?? 0) > 0;
    const surname = search.surname?.trim() ? normaliseName(search.surname) : undefined;
    const forename = search.forename?.trim() ? normaliseName(search.forename) : undefined;
    const dates = search.dateOfBirth ?? [];
    for (const d of dates) if (!PARTIAL_DATE.test(d)) throw new PoliceApiError(`dateOfBirth '${d}' is not YYYY[-MM[-DD]]`);
    const postcode = search.postcode?.trim() ? normalisePostcode(search.postcode) : undefined;
    const named = surname !== undefined || forename !== undefined;
    const uprn = search.uprn?.trim() || undefined;
    const line1 = search.line1?.trim() ? normaliseLine(search.line1) : undefined;
    if (uprn !== undefined || line1 !== undefined) {
      if (byId || named || dates.length > 0) throw new PoliceApiError('Search by address alone: uprn, or line1 with postcode, without names, dates or ids');
      if (uprn !== undefined && !/^\d{1,12}$/.test(uprn)) throw new PoliceApiError(`uprn must be up to 12 digits`);
      if (uprn === undefined && (line1 === undefined || line1 === '' || postcode === undefined)) throw new PoliceApiError('An address search needs a uprn, or line1 with postcode');
      // Where police last recorded them living: current home addresses only.
      const matches = this.view.persons.filter((p) =>
        p.addresses.some((a) => {
          if (a.type !== 'home' || a.to !== undefined) return false;
          const l = this.locations.get(a.locationId);
          if (!l || l.kind !== 'dwelling') return false;
          if (uprn !== undefined) return l.uprn === uprn && (postcode === undefined || (l.postcode !== undefined && normalisePostcode(l.postcode) === postcode));
          return l.line1 !== undefined && l.postcode !== undefined && normaliseLine(l.line1) === line1 && normalisePostcode(l.postcode) === postcode;
        }),
      );
      return slice(matches, page);
    }
    if (!byId && !(named && (dates.length > 0 || (surname !== undefined && forename !== undefined)))) {
      throw new PoliceApiError('A person search needs ids, or a name with a date of birth, or a surname and forename');
    }
    if (byId && (named || dates.length > 0 || postcode)) throw new PoliceApiError('Search by ids or by demographics, not both');

    if (byId) {
      const found = new Set<PolicePerson>();
      for (const id of search.ids ?? []) {
        const p = this.persons.get(id);
        if (p) found.add(p);
      }
      for (const pnc of search.pncIds ?? []) {
        const p = this.personsByPnc.get(pnc.toUpperCase());
        if (p) found.add(p);
      }
      return slice([...found], page);
    }
    const matches = this.view.persons.filter((p) => {
      if (dates.length > 0 && !dates.some((d) => p.birthDate.startsWith(d))) return false;
      if (!p.names.some((n) => (surname === undefined || normaliseName(n.surname).startsWith(surname)) && (forename === undefined || n.forenames.some((f) => normaliseName(f).startsWith(forename))))) return false;
      if (postcode !== undefined) {
        return p.addresses.some((a) => {
          const pc = this.locations.get(a.locationId)?.postcode;
          return pc !== undefined && normalisePostcode(pc).startsWith(postcode);
        });
      }
      return true;
    });
    return slice(matches, page);
  }

  /** Events involving any of the persons, each once, in recorded order. */
  eventsFor(personIds: readonly string[], types: readonly string[] | undefined, page: Page): PageOf<PoliceEvent> {
    const found = new Set<PoliceEvent>();
    for (const id of personIds) for (const e of this.eventsByPerson.get(id) ?? []) if (!types || types.includes(e.type)) found.add(e);
    const items = [...found].sort((a, b) => (this.eventOrder.get(a) as number) - (this.eventOrder.get(b) as number));
    return slice(items, page);
  }

  /** Links recorded from any of the persons' side, in recorded order. */
  linksFor(personIds: readonly string[], types: readonly string[] | undefined, page: Page): PageOf<PoliceLink> {
    const items = [...new Set(personIds)].flatMap((id) => (this.linksByPerson.get(id) ?? []).filter((l) => !types || types.includes(l.type)));
    return slice(items, page);
  }

  markersFor(personIds: readonly string[], page: Page): PageOf<WarningMarker> {
    return slice([...new Set(personIds)].flatMap((id) => this.markersByPerson.get(id) ?? []), page);
  }

  intelligenceFor(personIds: readonly string[], page: Page): PageOf<IntelligenceReport> {
    return slice([...new Set(personIds)].flatMap((id) => this.intelligenceByPerson.get(id) ?? []), page);
  }
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}
