/**
 * The police records API's data and searches: indexes over the county's police view and the
 * JSON representations the API serves (see README.md). Searches are pure functions of their
 * input, so the HTTP server is a thin layer over `searchPersons`, `eventsFor` and friends.
 */
import type { County } from '../county/index.js';
import type {
  IntelligenceReport,
  PoliceEvent,
  PoliceInvolvement,
  PoliceLink,
  PoliceLocation,
  PoliceOfficer,
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

/** A read of the change feed: after a change token, or (without one) from a point in time. */
export interface ChangeQuery {
  types?: readonly string[];
  /** ISO 8601 date-time with a zone: events whose last change is at or after it. */
  since?: string;
  /** A change token from an earlier page: events recorded or changed after it. */
  after?: string;
  limit: number;
}

export interface ChangePage {
  items: PoliceEvent[];
  /** The token to resume from: the last change this page covered. */
  next: string;
  /** More matching changes are waiting after `next`. */
  more: boolean;
}

/** The roles a person can have in a domestic-abuse incident recorded at runtime. */
export const INCIDENT_ROLES = ['victim', 'suspect', 'child-present', 'child-in-household'] as const;
export type IncidentRole = (typeof INCIDENT_ROLES)[number];

/** A person the force has not met before: a new nominal record. */
export interface NewNominal {
  forenames: string[];
  surname: string;
  /** YYYY-MM-DD. */
  dateOfBirth: string;
  sex: 'M' | 'F';
  /** Their home address (default: the incident's location). */
  address?: IncidentAddress;
  /** The county's true person id, when the new nominal is someone of the synthetic county (the view's truth map). */
  truePersonId?: string;
}

export interface IncidentAddress {
  uprn?: string;
  line1: string;
  line2?: string;
  city?: string;
  postcode: string;
}

/** A domestic-abuse incident to record at runtime (`PoliceServer.recordIncident`). */
export interface IncidentSpec {
  /** When it happened: ISO 8601 date-time with a zone. */
  occurredAt: string;
  /** When the force recorded it (its `lastUpdated`); default now. */
  recordedAt?: string;
  riskLevel: 'standard' | 'medium' | 'high';
  childrenPresent: boolean;
  /** A county address: found among the force's locations by UPRN (else line1 and postcode), or added. */
  location: IncidentAddress;
  /** The attending officer; default the officer of the force's most recent domestic-abuse call-out. */
  officer?: PoliceOfficer;
  /** Everyone involved, each once: an existing nominal by `personId`, or a `newPerson`. */
  persons: ReadonlyArray<{ role: IncidentRole; personId: string } | { role: IncidentRole; newPerson: NewNominal }>;
  narrative?: string;
  outcome?: string;
  status?: 'open' | 'closed';
}

/** What may change on a recorded event (`PoliceServer.updateIncident`): e.g. a re-graded DASH risk. */
export interface IncidentChanges {
  riskLevel?: 'standard' | 'medium' | 'high';
  childrenPresent?: boolean;
  status?: 'open' | 'closed';
  outcome?: string;
  narrative?: string;
  /** When the change was made (the new `lastUpdated`); default now. */
  updatedAt?: string;
}

export interface RecordedIncident {
  /** The occurrence id, e.g. `MH-20261202-0003`. */
  id: string;
  /** Its change token in the feed. */
  token: string;
  /** The nominal ids involved, in the order given (new nominals included). */
  persons: Array<{ personId: string; role: IncidentRole }>;
}

const ISO_DATE_TIME_WITH_ZONE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;
const TOKEN = /^(0|[1-9]\d{0,14})$/;

function instant(text: string, what: string): number {
  const ms = ISO_DATE_TIME_WITH_ZONE.test(text) ? Date.parse(text) : Number.NaN;
  if (Number.isNaN(ms)) throw new PoliceApiError(`${what} must be an ISO 8601 date-time with a zone, e.g. 2026-12-02T18:00:00Z`);
  return ms;
}

const PARTIAL_DATE = /^\d{4}(-\d{2}(-\d{2})?)?$/;

/** Case- and accent-insensitive; apostrophes, hyphens and spaces ignored ("O'Brien" = "obrien"). */
export function normaliseName(text: string): string {
  return text.normalize('NFD').replace(/[\u0300-\u036f]/g, '').toLowerCase().replace(/[\s'’-]/g, '');
}

const normalisePostcode = (text: string): string => text.toUpperCase().replace(/\s+/g, '');
/** A first line for comparison: case, accents, punctuation and spacing ignored. */
const normaliseLine = (text: string): string => text.normalize('NFD').replace(/[\u0300-\u036f]/g, '').toLowerCase().replace(/[^a-z0-9]/g, '');

interface PersonSearchIndex {
  /** By position in the person list: each recorded name, normalised. */
  names: Array<Array<{ surname: string; forenames: string[] }>>;
  byBirthDate: Map<string, number[]>;
  /** The first one and the first two letters of any recorded surname -> positions. */
  bySurnameStart: Map<string, number[]>;
}

function slice<T>(items: T[], page: Page): PageOf<T> {
  return { items: items.slice(page.offset, page.offset + page.limit), total: items.length };
}

export class PoliceStore {
  readonly view: PoliceView;
  /**
   * The store's own lists: incidents recorded at runtime extend them (and updates replace
   * objects), never the county's view, which other agencies' simulators share.
   */
  private readonly personList: PolicePerson[];
  private readonly locationList: PoliceLocation[];
  private readonly persons = new Map<string, PolicePerson>();
  private readonly personsByPnc = new Map<string, PolicePerson>();
  private readonly locations = new Map<string, PoliceLocation>();
  private readonly events = new Map<string, PoliceEvent>();
  /** Event ids by person, in recorded order. */
  private readonly eventsByPerson = new Map<string, string[]>();
  private readonly markersByPerson = new Map<string, WarningMarker[]>();
  private readonly intelligenceByPerson = new Map<string, IntelligenceReport[]>();
  private readonly linksByPerson = new Map<string, PoliceLink[]>();
  private readonly eventOrder = new Map<string, number>();
  /** The change feed: event id -> its change sequence number, and the ids in sequence order (latest change only). */
  private readonly changeSeq = new Map<string, number>();
  private changes: Array<{ seq: number; id: string }> = [];
  private lastSeq = 0;
  private searchIndex: PersonSearchIndex | undefined;

  constructor(county: County) {
    this.view = county.views.police;
    this.personList = [...this.view.persons];
    this.locationList = [...this.view.locations];
    for (const p of this.personList) {
      this.persons.set(p.id, p);
      if (p.pncId) this.personsByPnc.set(p.pncId, p);
    }
    for (const l of this.locationList) this.locations.set(l.id, l);
    this.view.events.forEach((e, i) => {
      this.events.set(e.id, e);
      this.eventOrder.set(e.id, i);
      for (const inv of e.involvements) push(this.eventsByPerson, inv.policePersonId, e.id);
    });
    // Change sequence numbers in order of last change, then id.
    const byChange = [...this.view.events].sort((a, b) => Date.parse(a.lastUpdated) - Date.parse(b.lastUpdated) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    for (const e of byChange) this.appendChange(e.id);
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
      const matches = this.personList.filter((p) =>
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
    const index = this.nameIndex();
    const matches = this.candidates(index, surname, dates).filter((at) => {
      const p = this.personList[at]!;
      if (dates.length > 0 && !dates.some((d) => p.birthDate.startsWith(d))) return false;
      if (!index.names[at]!.some((n) => (surname === undefined || n.surname.startsWith(surname)) && (forename === undefined || n.forenames.some((f) => f.startsWith(forename))))) return false;
      if (postcode !== undefined) {
        return p.addresses.some((a) => {
          const pc = this.locations.get(a.locationId)?.postcode;
          return pc !== undefined && normalisePostcode(pc).startsWith(postcode);
        });
      }
      return true;
    }).map((at) => this.personList[at]!);
    return slice(matches, page);
  }

  /**
   * The person search index: every person's names normalised once, and positions in the person
   * list by full date of birth and by the first one and two letters of each recorded surname, so
   * a search reads the few persons who can match rather than everyone. Built on first use and
   * again after a person changes.
   */
  private nameIndex(): PersonSearchIndex {
    if (this.searchIndex) return this.searchIndex;
    const index: PersonSearchIndex = { names: [], byBirthDate: new Map(), bySurnameStart: new Map() };
    this.personList.forEach((p, at) => {
      const names = p.names.map((n) => ({ surname: normaliseName(n.surname), forenames: n.forenames.map(normaliseName) }));
      index.names.push(names);
      push(index.byBirthDate, p.birthDate, at);
      const starts = new Set(names.flatMap((n) => [n.surname.slice(0, 1), n.surname.slice(0, 2)]));
      for (const start of starts) push(index.bySurnameStart, start, at);
    });
    this.searchIndex = index;
    return index;
  }

  /** Positions of the persons who may match, in person list order: by full dates of birth, else by surname start, else everyone. */
  private candidates(index: PersonSearchIndex, surname: string | undefined, dates: readonly string[]): number[] {
    if (dates.length > 0 && dates.every((d) => d.length === 10)) {
      const found = new Set<number>();
      for (const d of new Set(dates)) for (const at of index.byBirthDate.get(d) ?? []) found.add(at);
      return [...found].sort((a, b) => a - b);
    }
    if (surname !== undefined && surname.length > 0) return index.bySurnameStart.get(surname.slice(0, 2)) ?? [];
    return this.personList.map((_, at) => at);
  }

  /** Events involving any of the persons, each once, in recorded order. */
  eventsFor(personIds: readonly string[], types: readonly string[] | undefined, page: Page): PageOf<PoliceEvent> {
    const found = new Set<string>();
    for (const id of personIds) for (const eventId of this.eventsByPerson.get(id) ?? []) if (!types || types.includes(this.events.get(eventId)!.type)) found.add(eventId);
    const items = [...found].sort((a, b) => (this.eventOrder.get(a) as number) - (this.eventOrder.get(b) as number)).map((id) => this.events.get(id)!);
    return slice(items, page);
  }

  // ---- the change feed -----------------------------------------------------------------------

  /**
   * Gives the event the next change sequence number. The view's events are 1..N; a change made
   * at runtime (`at`, its lastUpdated) takes the next number but at least its time in whole
   * seconds since 1970, so a gateway's stored token from an earlier run of the simulator (whose
   * view is the same) is not mistaken for one that already covers this run's new incidents.
   */
  private appendChange(id: string, at?: string): number {
    const previous = this.changeSeq.get(id);
    if (previous !== undefined) this.changes = this.changes.filter((c) => c.id !== id);
    const seconds = at === undefined ? 0 : Math.floor(Date.parse(at) / 1000);
    const seq = Math.max(this.lastSeq + 1, Number.isFinite(seconds) ? seconds : 0);
    this.lastSeq = seq;
    this.changeSeq.set(id, seq);
    this.changes.push({ seq, id });
    return seq;
  }

  /** The newest change token (`0` when nothing was ever recorded). */
  get newestToken(): string {
    return String(this.lastSeq);
  }

  /**
   * Events recorded or changed after the token (or, without one, whose last change is at or
   * after `since`; with neither, the whole feed), oldest change first, at most `limit`. `next`
   * is the last change the page covered: the last event's number when the page is full, else
   * the newest change (so changes of other types are not read again).
   */
  changesSince(query: ChangeQuery): ChangePage {
    if (query.after !== undefined && query.since !== undefined) throw new PoliceApiError("Give 'after' (a change token) or 'since' (a date-time), not both");
    let from = 0;
    let sinceMs: number | undefined;
    if (query.after !== undefined) {
      if (!TOKEN.test(query.after)) throw new PoliceApiError("'after' is not a change token: pass back page.next from an earlier answer");
      from = Number(query.after);
      if (from > this.lastSeq) throw new PoliceApiError(`'after' is ahead of the newest change (${this.lastSeq}): pass back page.next from an earlier answer`);
    } else if (query.since !== undefined) {
      sinceMs = instant(query.since, "'since'");
    }
    const items: PoliceEvent[] = [];
    let next = this.lastSeq;
    let more = false;
    // The list is in sequence order: skip to the first change after the token.
    let lo = 0;
    let hi = this.changes.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.changes[mid]!.seq <= from) lo = mid + 1;
      else hi = mid;
    }
    for (let i = lo; i < this.changes.length; i++) {
      const change = this.changes[i]!;
      const event = this.events.get(change.id)!;
      if (query.types && !query.types.includes(event.type)) continue;
      if (sinceMs !== undefined && Date.parse(event.lastUpdated) < sinceMs) continue;
      if (items.length === query.limit) {
        more = true;
        next = this.changeSeq.get(items[items.length - 1]!.id)!;
        break;
      }
      items.push(event);
    }
    return { items, next: String(next), more };
  }

  /** The persons an answer about events refers to, each once (`included.persons`). */
  personsOf(events: readonly PoliceEvent[]): PolicePerson[] {
    const ids = new Set(events.flatMap((e) => e.involvements.map((i) => i.policePersonId)));
    return [...ids].map((id) => this.persons.get(id)).filter((p): p is PolicePerson => p !== undefined);
  }

  // ---- incidents recorded at runtime ---------------------------------------------------------

  private findOrAddDwelling(address: IncidentAddress): string {
    const postcode = normalisePostcode(address.postcode);
    const line1 = normaliseLine(address.line1);
    const found =
      (address.uprn ? this.locationList.find((l) => l.kind === 'dwelling' && l.uprn === address.uprn) : undefined) ??
      this.locationList.find((l) => l.kind === 'dwelling' && l.line1 !== undefined && l.postcode !== undefined && normaliseLine(l.line1) === line1 && normalisePostcode(l.postcode) === postcode);
    if (found) return found.id;
    const location: PoliceLocation = {
      id: `LOC${String(this.locationList.length + 1).padStart(7, '0')}`,
      kind: 'dwelling',
      line1: address.line1,
      ...(address.line2 ? { line2: address.line2 } : {}),
      city: address.city ?? 'Marlbridge',
      postcode: address.postcode,
      ...(address.uprn ? { uprn: address.uprn } : {}),
    };
    this.locationList.push(location);
    this.locations.set(location.id, location);
    return location.id;
  }

  /** Replaces a person (a copy: the county's objects are never changed). */
  private putPerson(person: PolicePerson): void {
    this.searchIndex = undefined;
    const index = this.personList.findIndex((p) => p.id === person.id);
    if (index >= 0) this.personList[index] = person;
    else this.personList.push(person);
    this.persons.set(person.id, person);
    if (person.pncId) this.personsByPnc.set(person.pncId, person);
  }

  /** Home is where police met them last: the location becomes home, an older home previous. */
  private metAt(person: PolicePerson, locationId: string, day: string, at: string): PolicePerson {
    const addresses = person.addresses.map((a) => ({ ...a }));
    const existing = addresses.find((a) => a.locationId === locationId);
    for (const a of addresses) {
      if (a !== existing && a.type === 'home') {
        a.type = 'previous';
        if (a.to === undefined) a.to = day;
      }
    }
    if (existing) {
      existing.type = 'home';
      delete existing.to;
    } else addresses.unshift({ locationId, type: 'home', from: day });
    return { ...person, names: person.names.map((n) => ({ ...n, forenames: [...n.forenames] })), addresses, lastUpdated: at };
  }

  /**
   * Records a new domestic-abuse incident: the persons (new nominals created), the location,
   * the next occurrence id of its day, and the next change sequence number.
   */
  recordIncident(spec: IncidentSpec, now: Date = new Date()): RecordedIncident {
    const occurredMs = instant(spec.occurredAt, 'occurredAt');
    const recordedAt = spec.recordedAt ?? now.toISOString();
    instant(recordedAt, 'recordedAt');
    if (!['standard', 'medium', 'high'].includes(spec.riskLevel)) throw new PoliceApiError(`Unknown DASH risk level '${String(spec.riskLevel)}'`);
    if (!spec.location || !spec.location.line1?.trim() || !spec.location.postcode?.trim()) throw new PoliceApiError('An incident needs a location with line1 and postcode');
    if (spec.location.uprn !== undefined && !/^\d{1,12}$/.test(spec.location.uprn)) throw new PoliceApiError('uprn must be up to 12 digits');
    if (!Array.isArray(spec.persons) || spec.persons.length === 0) throw new PoliceApiError('An incident needs at least one person');
    for (const p of spec.persons) {
      if (!(INCIDENT_ROLES as readonly string[]).includes(p.role)) throw new PoliceApiError(`Unknown incident role '${String(p.role)}'`);
      if ('personId' in p && !this.persons.has(p.personId)) throw new PoliceApiError(`No person with id '${p.personId}'`, 404);
      if ('newPerson' in p) {
        const n = p.newPerson;
        if (!Array.isArray(n.forenames) || n.forenames.length === 0 || !n.surname?.trim()) throw new PoliceApiError('A new person needs forenames and a surname');
        if (!/^\d{4}-\d{2}-\d{2}$/.test(n.dateOfBirth)) throw new PoliceApiError('A new person needs a dateOfBirth YYYY-MM-DD');
        if (n.sex !== 'M' && n.sex !== 'F') throw new PoliceApiError("A new person's sex is M or F");
      }
    }
    const existingIds = spec.persons.flatMap((p) => ('personId' in p ? [p.personId] : []));
    if (new Set(existingIds).size !== existingIds.length) throw new PoliceApiError('A person is listed twice: each person once, with one role');

    const occurredDay = new Date(occurredMs).toISOString().slice(0, 10);
    const locationId = this.findOrAddDwelling(spec.location);
    const involvements: PoliceInvolvement[] = [];
    const persons: RecordedIncident['persons'] = [];
    for (const p of spec.persons) {
      let nominal: PolicePerson;
      if ('personId' in p) nominal = this.metAt(this.persons.get(p.personId)!, locationId, occurredDay, recordedAt);
      else {
        const n = p.newPerson;
        const home = n.address ? this.findOrAddDwelling(n.address) : locationId;
        nominal = {
          id: `NOM${String(this.personList.length + 1).padStart(7, '0')}`,
          personId: n.truePersonId ?? '',
          names: [{ type: 'primary', forenames: [...n.forenames], surname: n.surname }],
          birthDate: n.dateOfBirth,
          sex: n.sex,
          addresses: [{ locationId: home, type: 'home', from: occurredDay }],
          lastUpdated: recordedAt,
        };
      }
      this.putPerson(nominal);
      involvements.push({ policePersonId: nominal.id, role: p.role });
      persons.push({ personId: nominal.id, role: p.role });
    }

    const prefix = `MH-${occurredDay.replace(/-/g, '')}-`;
    let seqOfDay = 0;
    for (const id of this.events.keys()) if (id.startsWith(prefix)) seqOfDay = Math.max(seqOfDay, Number(id.slice(prefix.length)) || 0);
    const id = `${prefix}${String(seqOfDay + 1).padStart(4, '0')}`;
    const officer = spec.officer ?? this.latestDomesticAbuseOfficer();
    const childInvolved = involvements.some((i) => i.role === 'child-present' || i.role === 'child-in-household');
    const outcome = [
      spec.outcome ?? 'DASH completed',
      ...(spec.riskLevel === 'high' ? ['referred to MARAC'] : []),
      ...(childInvolved ? ["notification to children's social care (MASH)"] : []),
      ...(spec.childrenPresent && childInvolved ? ['Operation Encompass notification to school'] : []),
    ].join('; ');
    const event: PoliceEvent = {
      id,
      type: 'domestic-abuse-incident',
      occurredAt: spec.occurredAt,
      locationId,
      status: spec.status ?? 'open',
      riskLevel: spec.riskLevel,
      childPresent: spec.childrenPresent,
      outcome,
      narrative:
        spec.narrative ??
        (spec.childrenPresent
          ? 'Call from neighbour reporting shouting and banging. Verbal argument between the adults; the children were present. Both adults spoken to separately; DASH completed.'
          : 'Verbal argument reported by the victim; children asleep upstairs and not woken. Both parties spoken to; DASH completed.'),
      involvements,
      officer: { ...officer },
      lastUpdated: recordedAt,
    };
    this.events.set(id, event);
    this.eventOrder.set(id, this.eventOrder.size);
    for (const inv of involvements) push(this.eventsByPerson, inv.policePersonId, id);
    const seq = this.appendChange(id, recordedAt);
    return { id, token: String(seq), persons };
  }

  /** Changes a recorded event (e.g. a re-graded DASH risk); it moves to the end of the change feed. */
  updateIncident(id: string, changes: IncidentChanges, now: Date = new Date()): RecordedIncident {
    const current = this.events.get(id);
    if (!current) throw new PoliceApiError(`No event with id '${id}'`, 404);
    if (current.type !== 'domestic-abuse-incident') throw new PoliceApiError(`Event '${id}' is not a domestic-abuse incident`);
    if (changes.riskLevel !== undefined && !['standard', 'medium', 'high'].includes(changes.riskLevel)) throw new PoliceApiError(`Unknown DASH risk level '${String(changes.riskLevel)}'`);
    const updatedAt = changes.updatedAt ?? now.toISOString();
    instant(updatedAt, 'updatedAt');
    const next: PoliceEvent = {
      ...current,
      involvements: current.involvements.map((i) => ({ ...i })),
      officer: { ...current.officer },
      ...(changes.riskLevel !== undefined ? { riskLevel: changes.riskLevel } : {}),
      ...(changes.childrenPresent !== undefined ? { childPresent: changes.childrenPresent } : {}),
      ...(changes.status !== undefined ? { status: changes.status } : {}),
      ...(changes.outcome !== undefined ? { outcome: changes.outcome } : {}),
      ...(changes.narrative !== undefined ? { narrative: changes.narrative } : {}),
      lastUpdated: updatedAt,
    };
    this.events.set(id, next);
    const seq = this.appendChange(id, updatedAt);
    return { id, token: String(seq), persons: next.involvements.map((i) => ({ personId: i.policePersonId, role: i.role as IncidentRole })) };
  }

  private latestDomesticAbuseOfficer(): PoliceOfficer {
    let latest: PoliceEvent | undefined;
    for (const e of this.events.values()) if (e.type === 'domestic-abuse-incident' && (!latest || e.occurredAt > latest.occurredAt)) latest = e;
    return latest?.officer ?? { rank: 'PC', name: 'Response Officer', collarNumber: '1000', unit: 'Response Team', phone: '01632 960 000', email: 'response@marlshire.police.example' };
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
