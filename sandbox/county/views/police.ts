/**
 * The police view of the county: what the force's record management system holds, in the POLE
 * model (Person, Object, Location, Event), as plain data (sandbox/police serves it as a REST/JSON
 * API). Police know only the people they have met: victims, suspects and children at domestic
 * abuse incidents, missing children, arrested adults, and the subjects of protective orders and
 * intelligence. Events follow the county truth (household.factors, childProtection), so a
 * domestic abuse household has call-outs with the children present, and children's social care
 * (views/social-care.ts) receives the police notifications that follow them.
 *
 * Names and dates are recorded as given at the scene: nicknames and aliases, the odd typo and
 * day/month swap, at configurable rates. The featured household is scripted and never noised.
 */
import { ageOn, dayFromIso, isoDate, isoDateTime } from '../dates.js';
import type { CountyCore, Household, Person, PlaceAddress } from '../model.js';
import { ADULT_FEMALE_GIVEN, ADULT_MALE_GIVEN, SURNAMES } from '../names.js';
import { nickname, swapDayMonth, typo } from '../noise.js';
import { dramaPhone } from '../places.js';
import { Rng } from '../prng.js';
import { relationOf, type HouseholdRelation } from '../relations.js';

export interface PoliceViewOptions {
  /** Probability a recorded name (given or family) carries a one-character typo. */
  typo: number;
  /** Probability the primary given name was recorded as a nickname ("Danny" for Daniel). */
  nickname: number;
  /** Probability a person also has an alias (another surname, or a name they gave once). */
  alias: number;
  /** Probability the date of birth has day and month swapped (only when both are 12 or less). */
  dayMonthSwap: number;
  /** Years of occurrences to generate. */
  lookbackYears: number;
}

/** Police defaults: names as given at the scene, so more variation than health or social care. */
export const DEFAULT_POLICE_VIEW_OPTIONS: PoliceViewOptions = {
  typo: 0.04,
  nickname: 0.12,
  alias: 0.1,
  dayMonthSwap: 0.03,
  lookbackYears: 3,
};

/** POLE Location: an address (a dwelling) or a public place. */
export interface PoliceLocation {
  id: string;
  kind: 'dwelling' | 'public-place';
  /** Public places: e.g. "Marlbridge bus station". */
  description?: string;
  line1?: string;
  line2?: string;
  city: string;
  postcode?: string;
  uprn?: string;
}

export type PoliceNameType = 'primary' | 'alias' | 'nickname';

export interface PoliceName {
  type: PoliceNameType;
  forenames: string[];
  surname: string;
}

export interface PolicePersonAddress {
  locationId: string;
  type: 'home' | 'previous';
  from?: string;
  to?: string;
}

/** POLE Person: a nominal record. */
export interface PolicePerson {
  /** The force's nominal id, e.g. `NOM0000123`. */
  id: string;
  personId: string;
  /** Police National Computer id, for people who have been arrested. */
  pncId?: string;
  names: PoliceName[];
  birthDate: string;
  sex: 'M' | 'F';
  addresses: PolicePersonAddress[];
  lastUpdated: string;
}

export type PoliceEventType = 'domestic-abuse-incident' | 'missing-person' | 'arrest' | 'protective-order';

export type PoliceRole =
  | 'victim'
  | 'suspect'
  | 'child-present'
  | 'child-in-household'
  | 'missing-person'
  | 'arrested-person'
  | 'protected-person'
  | 'subject-of-order';

export interface PoliceOfficer {
  rank: 'PC' | 'DC' | 'PS' | 'DS';
  name: string;
  collarNumber: string;
  unit: string;
  phone: string;
  email: string;
}

export interface PoliceInvolvement {
  policePersonId: string;
  role: PoliceRole;
}

/** POLE Event: an occurrence. */
export interface PoliceEvent {
  /** Occurrence reference, e.g. `MH-20250312-0457`. */
  id: string;
  type: PoliceEventType;
  occurredAt: string;
  /** Missing: when found; orders: when the order ends. */
  endedAt?: string;
  locationId: string;
  status: 'open' | 'closed' | 'active' | 'expired';
  /** DASH risk (domestic abuse) or missing-person risk grading. */
  riskLevel?: 'standard' | 'low' | 'medium' | 'high';
  /** Domestic abuse: whether any child was present. */
  childPresent?: boolean;
  /** Arrest: the offence; protective order: the order type. */
  offence?: string;
  orderType?: string;
  /** Fixed-text outcome (no narrative). */
  outcome: string;
  /** The officer's account: narrative, police.detail. */
  narrative: string;
  involvements: PoliceInvolvement[];
  officer: PoliceOfficer;
  lastUpdated: string;
}

/** A warning marker on a nominal (officer safety and safeguarding). */
export interface WarningMarker {
  id: string;
  policePersonId: string;
  code: string;
  description: string;
  start: string;
  /** Review date: the marker lapses unless renewed. */
  review?: string;
  status: 'active' | 'expired';
  unit: string;
  lastUpdated: string;
}

/** An intelligence report graded with the 3x5x2 system. */
export interface IntelligenceReport {
  id: string;
  policePersonId: string;
  recordedAt: string;
  /** Source evaluation 1 reliable, 2 untested, 3 not reliable. */
  sourceEvaluation: '1' | '2' | '3';
  /** Intelligence assessment A-E. */
  intelligenceAssessment: 'A' | 'B' | 'C' | 'D' | 'E';
  /** Handling code P (lawful sharing permitted) or C (sharing with conditions). */
  handlingCode: 'P' | 'C';
  text: string;
  officer: PoliceOfficer;
  lastUpdated: string;
}

export interface PoliceUnit {
  name: string;
  phone: string;
  email: string;
}

/**
 * A POLE person-to-person link, from `policePersonId`'s side: `parent-of` means they are a
 * parent of the linked person. Step relations are recorded as `lives-with`.
 */
export type PoliceLinkType = 'parent-of' | 'child-of' | 'sibling-of' | 'partner-of' | 'lives-with';

export interface PoliceLink {
  /** e.g. `LNK0000123`. */
  id: string;
  policePersonId: string;
  linkedPolicePersonId: string;
  type: PoliceLinkType;
  /** The occurrence (event) where police recorded them together; absent for a parent/child link made from the nominal record. */
  eventId?: string;
  /** ISO date the link was recorded. */
  recordedAt: string;
  lastUpdated: string;
}

export interface PoliceView {
  options: PoliceViewOptions;
  forceName: string;
  /** Who to contact about police information (the MASH police desk). */
  mashDesk: PoliceUnit;
  persons: readonly PolicePerson[];
  locations: readonly PoliceLocation[];
  events: readonly PoliceEvent[];
  markers: readonly WarningMarker[];
  intelligence: readonly IntelligenceReport[];
  /** Person links: household members met at the same occurrence, and parent/child links between nominals. */
  links: readonly PoliceLink[];
  /** True person id -> nominal id, for the people police hold. */
  policePersonIdByPersonId: ReadonlyMap<string, string>;
  /** Nominal id -> true person id (ground truth). */
  truth: ReadonlyMap<string, string>;
}

export const WARNING_MARKERS = {
  VI: 'Violent',
  WE: 'Weapons',
  DR: 'Drugs',
  MH: 'Mental health',
  SH: 'Self-harm',
  DAP: 'Domestic abuse perpetrator',
  DAV: 'Domestic abuse victim (high risk)',
  RM: 'Repeat missing person',
  CSE: 'Child sexual exploitation risk',
} as const;
export type WarningMarkerCode = keyof typeof WARNING_MARKERS;

const YEAR = 365.25;
const FORCE = 'Marlshire Police';
const EMAIL_DOMAIN = 'marlshire.police.example';

const PUBLIC_PLACES = [
  'bus station',
  'town centre',
  'recreation ground',
  'retail park car park',
  'railway station',
  'skate park',
  'canal towpath',
];

const DA_NARRATIVES_CHILD_PRESENT = [
  'Call from neighbour reporting shouting and banging. Verbal argument between the adults; the children were in the living room and witnessed it. Both adults spoken to separately; DASH completed.',
  'Victim called 999 reporting being pushed against a wall by the suspect. Children present and distressed; the eldest told officers this happens "when he drinks". Injury: redness to upper arm.',
  'Argument over finances escalated; suspect threw a mug which struck the wall. Children present upstairs and came down during the incident. Suspect left before police arrival.',
  'Victim reported threats to kill sent by text and the suspect attending the address in breach of a request to stay away. A child answered the door to officers.',
];
const DA_NARRATIVES_CHILD_NOT_PRESENT = [
  'Verbal argument reported by the victim; children staying with grandparents at the time. Both parties spoken to; DASH completed.',
  'Victim reported the suspect damaging property at the address during the night. Children asleep upstairs and not woken; no injuries reported.',
  'Report of controlling behaviour: the suspect monitoring the victim\'s phone and withholding money. Disclosed to officers attending an unrelated call.',
];
const DA_OUTCOMES = [
  'DASH completed; words of advice',
  'DASH completed; suspect arrested',
  'DASH completed; suspect left the area before police arrival',
  'DASH completed; victim referred to IDVA service',
];
const MISSING_NARRATIVES = [
  'Reported missing by carer after not returning from school. Located by officers with older peers in the town centre; intoxicated. Returned home.',
  'Left the address after an argument at home; phone switched off. Found at a friend\'s address the following morning and returned home.',
  'Did not return after being allowed out in the evening. Seen by CCTV at the railway station; returned of own accord. Would not say where they had been.',
  'Missing overnight; believed to be with an adult male not known to the family. Located in another town and returned; CSE screening completed.',
];
const ARREST_OFFENCES: ReadonlyArray<{ offence: string; marker?: WarningMarkerCode; substance?: boolean }> = [
  { offence: 'Possession with intent to supply a controlled drug (Class B)', marker: 'DR', substance: true },
  { offence: 'Possession of a controlled drug (Class A)', marker: 'DR', substance: true },
  { offence: 'Driving with excess alcohol', substance: true },
  { offence: 'Shoplifting' },
  { offence: 'Assault occasioning actual bodily harm', marker: 'VI' },
  { offence: 'Possession of a bladed article in a public place', marker: 'WE' },
  { offence: 'Criminal damage' },
  { offence: 'Burglary (dwelling)' },
];
const ARREST_DISPOSALS = [
  'Charged; bailed to appear at Marlbridge Magistrates\' Court',
  'Released under investigation',
  'No further action: insufficient evidence',
  'Conditional caution',
  'Charged; remanded in custody',
];
const INTELLIGENCE_TEXTS = [
  'Information suggests the subject is storing cannabis for others at the home address.',
  'Information suggests the subject has access to a knife and has threatened to use it.',
  'Information suggests the subject is associating with known drug suppliers in the town.',
  'Information suggests the subject has been seen under the influence while caring for young children.',
  'Information suggests the subject is in a new relationship with a woman who has young children.',
];

/** Builds the police view. Pure: the same county and options give the same view. */
export function buildPoliceView(county: CountyCore, options: Partial<PoliceViewOptions> = {}): PoliceView {
  const opts: PoliceViewOptions = { ...DEFAULT_POLICE_VIEW_OPTIONS, ...options };
  return new PoliceViewBuilder(county, opts).build();
}

/** PNC id: `YY/NNNNNNNL`, the check letter from the number modulo 23 (as for CRO numbers). */
export function pncCheckLetter(year2: string, serial: string): string {
  const letters = 'ZABCDEFGHJKLMNPQRTUVWXY';
  return letters[Number(`${year2}${serial}`) % 23] as string;
}

class PoliceViewBuilder {
  private readonly asOfDay: number;
  private readonly windowStart: number;
  private readonly persons: PolicePerson[] = [];
  private readonly locations: PoliceLocation[] = [];
  private readonly events: PoliceEvent[] = [];
  private readonly markers: WarningMarker[] = [];
  private readonly intelligence: IntelligenceReport[] = [];
  private readonly byPersonId = new Map<string, PolicePerson>();
  private readonly truth = new Map<string, string>();
  private readonly locationByAddressId = new Map<string, string>();
  private readonly locationByPlace = new Map<string, string>();
  private readonly officerCache = new Map<string, PoliceOfficer>();
  private readonly markerKeys = new Set<string>();
  private readonly eventSeqByDay = new Map<number, number>();
  private readonly lastContactDay = new Map<string, number>();
  private pncSerial = 0;
  private readonly mashDesk: PoliceUnit;

  constructor(
    private readonly county: CountyCore,
    private readonly opts: PoliceViewOptions,
  ) {
    this.asOfDay = dayFromIso(county.asOf);
    this.windowStart = Math.round(this.asOfDay - opts.lookbackYears * YEAR);
    this.mashDesk = { name: `${FORCE} MASH Desk, Public Protection Unit`, phone: dramaPhone(Rng.derive(county.seed, 'police-mash-desk')), email: `mash.desk@${EMAIL_DOMAIN}` };
  }

  build(): PoliceView {
    const featuredHousehold = this.county.featured.householdId;
    this.county.households.forEach((household, index) => {
      const rng = Rng.derive(this.county.seed, 'police', index);
      if (household.id === featuredHousehold) this.featuredRecords(rng, household);
      else this.householdRecords(rng, household);
    });
    // Home addresses follow the latest contact: someone last met before a move still shows the old one.
    for (const p of this.persons) {
      this.settleAddresses(p);
      if (!p.lastUpdated) p.lastUpdated = isoDateTime(this.asOfDay, 9 * 60);
    }
    return {
      options: this.opts,
      forceName: FORCE,
      mashDesk: this.mashDesk,
      persons: this.persons,
      locations: this.locations,
      events: this.events,
      markers: this.markers,
      intelligence: this.intelligence,
      links: this.personLinks(),
      policePersonIdByPersonId: new Map([...this.byPersonId].map(([personId, p]) => [personId, p.id])),
      truth: this.truth,
    };
  }

  // ---- POLE entities --------------------------------------------------------------------------

  /**
   * Person links, derived from the truth without randomness (so nothing else changes): two
   * members of one household involved in the same occurrence are linked (the first such
   * occurrence is the link's source), by their true relation; parents and children police hold
   * are linked even when never met together (from the nominal record, no occurrence). Each link
   * is stored from both sides.
   */
  private personLinks(): PoliceLink[] {
    const links: PoliceLink[] = [];
    const linked = new Set<string>();
    const typeOf = (relation: HouseholdRelation): PoliceLinkType =>
      relation === 'parent' ? 'child-of' : relation === 'child' ? 'parent-of' : relation === 'partner' ? 'partner-of' : relation.endsWith('sibling') ? 'sibling-of' : 'lives-with';
    const add = (a: PolicePerson, b: PolicePerson, recordedAt: string, eventId?: string): void => {
      const key = a.id < b.id ? `${a.id}|${b.id}` : `${b.id}|${a.id}`;
      if (linked.has(key)) return;
      const pa = this.county.personsById.get(a.personId);
      const pb = this.county.personsById.get(b.personId);
      if (!pa || !pb || pa.householdId !== pb.householdId) return;
      linked.add(key);
      const lastUpdated = `${recordedAt}T09:00:00Z`;
      for (const [from, to, fromPerson, toPerson] of [[a, b, pa, pb], [b, a, pb, pa]] as const) {
        links.push({
          id: `LNK${String(links.length + 1).padStart(7, '0')}`,
          policePersonId: from.id,
          linkedPolicePersonId: to.id,
          type: typeOf(relationOf(fromPerson, toPerson)),
          ...(eventId ? { eventId } : {}),
          recordedAt,
          lastUpdated,
        });
      }
    };
    const nominals = new Map(this.persons.map((p) => [p.id, p]));
    const events = [...this.events].sort((x, y) => (x.occurredAt < y.occurredAt ? -1 : x.occurredAt > y.occurredAt ? 1 : 0));
    for (const event of events) {
      const involved = [...new Set(event.involvements.map((i) => i.policePersonId))].map((id) => nominals.get(id)).filter((p): p is PolicePerson => p !== undefined);
      for (let i = 0; i < involved.length; i++) for (let j = i + 1; j < involved.length; j++) add(involved[i]!, involved[j]!, event.occurredAt.slice(0, 10), event.id);
    }
    for (const nominal of this.persons) {
      const person = this.county.personsById.get(nominal.personId);
      for (const childId of person?.childIds ?? []) {
        const child = this.byPersonId.get(childId);
        if (child) add(nominal, child, nominal.lastUpdated.slice(0, 10) > child.lastUpdated.slice(0, 10) ? nominal.lastUpdated.slice(0, 10) : child.lastUpdated.slice(0, 10));
      }
    }
    return links;
  }

  private dwelling(address: PlaceAddress): string {
    let id = this.locationByAddressId.get(address.id);
    if (!id) {
      id = `LOC${String(this.locations.length + 1).padStart(7, '0')}`;
      this.locations.push({
        id,
        kind: 'dwelling',
        line1: address.line1,
        ...(address.line2 ? { line2: address.line2 } : {}),
        city: address.city,
        postcode: address.postcode,
        uprn: address.uprn,
      });
      this.locationByAddressId.set(address.id, id);
    }
    return id;
  }

  private publicPlace(rng: Rng, town: string): string {
    const description = `${town} ${rng.pick(PUBLIC_PLACES)}`;
    let id = this.locationByPlace.get(description);
    if (!id) {
      id = `LOC${String(this.locations.length + 1).padStart(7, '0')}`;
      this.locations.push({ id, kind: 'public-place', description, city: town });
      this.locationByPlace.set(description, id);
    }
    return id;
  }

  /** The nominal record for a person, created on first contact (with its own noise stream). */
  private nominal(person: Person, exact: boolean): PolicePerson {
    const existing = this.byPersonId.get(person.id);
    if (existing) return existing;
    const rng = Rng.derive(this.county.seed, 'police-person', person.id);
    let given = [...person.given];
    let family = person.family;
    let birthDate = person.birthDate;
    const names: PoliceName[] = [];
    if (!exact) {
      const full = given[0] as string;
      let nicknamed = false;
      if (rng.chance(this.opts.nickname)) {
        const nick = nickname(rng, full);
        if (nick) {
          given = [nick, ...given.slice(1)];
          nicknamed = true;
        }
      }
      if (rng.chance(this.opts.typo)) given = [typo(rng, given[0] as string), ...given.slice(1)];
      if (rng.chance(this.opts.typo)) family = typo(rng, family);
      if (rng.chance(this.opts.dayMonthSwap)) birthDate = swapDayMonth(birthDate) ?? birthDate;
      names.push({ type: 'primary', forenames: given, surname: family });
      // "Danny" at the scene, "Daniel" on a later occasion: the full name is often kept as an alias.
      if (nicknamed && rng.chance(0.5)) names.push({ type: 'alias', forenames: [full, ...given.slice(1)], surname: family });
      if (rng.chance(this.opts.alias)) {
        const nick = nickname(rng, full);
        if (nick && nick !== given[0] && rng.chance(0.5)) names.push({ type: 'nickname', forenames: [nick], surname: family });
        else names.push({ type: 'alias', forenames: [given[0] as string], surname: rng.pick(SURNAMES) });
      }
    } else {
      names.push({ type: 'primary', forenames: given, surname: family });
    }
    const nominal: PolicePerson = {
      id: `NOM${String(this.persons.length + 1).padStart(7, '0')}`,
      personId: person.id,
      names,
      birthDate,
      sex: person.sex === 'female' ? 'F' : 'M',
      addresses: [],
      lastUpdated: '',
    };
    this.persons.push(nominal);
    this.byPersonId.set(person.id, nominal);
    this.truth.set(nominal.id, person.id);
    return nominal;
  }

  private touch(nominal: PolicePerson, day: number, address: PlaceAddress | undefined): void {
    const previous = this.lastContactDay.get(nominal.id);
    if (previous === undefined || day >= previous) {
      this.lastContactDay.set(nominal.id, day);
      nominal.lastUpdated = isoDateTime(Math.min(day + 1, this.asOfDay), 9 * 60 + (day % 480));
    }
    if (!address) return;
    const locationId = this.dwelling(address);
    if (!nominal.addresses.some((a) => a.locationId === locationId)) nominal.addresses.push({ locationId, type: 'home', from: isoDate(day) });
    else {
      const entry = nominal.addresses.find((a) => a.locationId === locationId) as PolicePersonAddress;
      if (entry.from !== undefined && isoDate(day) < entry.from) entry.from = isoDate(day);
    }
  }

  /** The address with the latest contact is home; others are previous, ended when the next began. */
  private settleAddresses(nominal: PolicePerson): void {
    if (nominal.addresses.length <= 1) return;
    nominal.addresses.sort((a, b) => ((b.from ?? '') < (a.from ?? '') ? -1 : 1));
    nominal.addresses.forEach((a, i) => {
      if (i === 0) return;
      a.type = 'previous';
      const newer = nominal.addresses[i - 1]?.from;
      if (newer) a.to = newer;
    });
  }

  private pnc(nominal: PolicePerson, day: number): void {
    if (nominal.pncId) return;
    this.pncSerial += 1;
    const year2 = isoDate(day).slice(2, 4);
    const serial = String(this.pncSerial * 37 + 100_000).padStart(7, '0').slice(-7);
    nominal.pncId = `${year2}/${serial}${pncCheckLetter(year2, serial)}`;
  }

  private officer(rng: Rng, unit: string, ranks: ReadonlyArray<PoliceOfficer['rank']>, pool = 4): PoliceOfficer {
    const slot = rng.int(0, pool - 1);
    const key = `${unit}|${slot}`;
    let officer = this.officerCache.get(key);
    if (!officer) {
      const r = Rng.derive(this.county.seed, 'police-officer', key);
      const given = r.chance(0.55) ? r.pick(ADULT_MALE_GIVEN) : r.pick(ADULT_FEMALE_GIVEN);
      const family = r.pick(SURNAMES.filter((s) => /^[A-Z][a-z]+$/.test(s)));
      officer = {
        rank: r.pick(ranks),
        name: `${given} ${family}`,
        collarNumber: String(r.int(1000, 9999)),
        unit,
        phone: dramaPhone(Rng.derive(this.county.seed, 'police-unit-phone', unit)),
        email: `${given}.${family}@${EMAIL_DOMAIN}`.toLowerCase(),
      };
      this.officerCache.set(key, officer);
    }
    return officer;
  }

  private occurrenceId(day: number): string {
    const seq = (this.eventSeqByDay.get(day) ?? 0) + 1;
    this.eventSeqByDay.set(day, seq);
    return `MH-${isoDate(day).replace(/-/g, '')}-${String(seq).padStart(4, '0')}`;
  }

  private marker(rng: Rng, nominal: PolicePerson, code: WarningMarkerCode, day: number, unit: string): void {
    const key = `${nominal.id}|${code}`;
    if (this.markerKeys.has(key)) return;
    this.markerKeys.add(key);
    const review = day + 365 * (code === 'RM' || code === 'CSE' ? 1 : 2);
    this.markers.push({
      id: `WM${String(this.markers.length + 1).padStart(7, '0')}`,
      policePersonId: nominal.id,
      code,
      description: WARNING_MARKERS[code],
      start: isoDate(day),
      review: isoDate(review),
      status: review > this.asOfDay ? 'active' : 'expired',
      unit,
      lastUpdated: isoDateTime(Math.min(day + rng.int(0, 3), this.asOfDay), rng.int(8 * 60, 18 * 60)),
    });
  }

  private intel(rng: Rng, nominal: PolicePerson, day: number, text: string): void {
    this.intelligence.push({
      id: `INT${String(this.intelligence.length + 1).padStart(7, '0')}`,
      policePersonId: nominal.id,
      recordedAt: isoDateTime(day, rng.int(8 * 60, 20 * 60)),
      sourceEvaluation: rng.pick(['1', '2', '2', '3'] as const),
      intelligenceAssessment: rng.pick(['B', 'B', 'C', 'C', 'D'] as const),
      handlingCode: rng.chance(0.7) ? 'C' : 'P',
      text,
      officer: this.officer(rng, `${FORCE} Force Intelligence Bureau`, ['DC', 'DS'], 3),
      lastUpdated: isoDateTime(Math.min(day + rng.int(0, 5), this.asOfDay), rng.int(8 * 60, 18 * 60)),
    });
  }

  private addressAt(household: Household, day: number): PlaceAddress {
    const current = this.county.addressesById.get(household.addressId) as PlaceAddress;
    if (household.previousAddressId && day < dayFromIso(household.movedIn)) {
      return (this.county.addressesById.get(household.previousAddressId) as PlaceAddress | undefined) ?? current;
    }
    return current;
  }

  private addEvent(rng: Rng, event: Omit<PoliceEvent, 'id' | 'lastUpdated'>, day: number): PoliceEvent {
    const full: PoliceEvent = {
      id: this.occurrenceId(day),
      ...event,
      lastUpdated: isoDateTime(Math.min(this.asOfDay, day + rng.int(0, 10)), rng.int(8 * 60, 18 * 60)),
    };
    this.events.push(full);
    return full;
  }

  private responseUnit(town: string): string {
    return `${town} Response Team`;
  }

  // ---- domestic abuse ------------------------------------------------------------------------

  /**
   * One domestic abuse call-out: the victim, the suspect (when they are in the county), and every
   * child of the household alive at the time, present or not (police record children in the
   * household at a domestic: it is what triggers Operation Encompass and the MASH notification).
   */
  private domesticAbuseIncident(
    rng: Rng,
    household: Household,
    day: number,
    victim: Person,
    suspect: Person | undefined,
    spec: { childPresent?: boolean; risk?: PoliceEvent['riskLevel']; narrative?: string; outcome?: string; exact: boolean },
  ): PoliceEvent {
    const address = this.addressAt(household, day);
    const children = household.memberIds
      .map((id) => this.county.personsById.get(id) as Person)
      .filter((p) => p.role === 'child' && dayFromIso(p.birthDate) < day && ageOn(dayFromIso(p.birthDate), day) < 18);
    const childPresent = children.length > 0 && (spec.childPresent ?? rng.chance(0.6));
    const involvements: PoliceInvolvement[] = [];
    const v = this.nominal(victim, spec.exact);
    this.touch(v, day, address);
    involvements.push({ policePersonId: v.id, role: 'victim' });
    if (suspect) {
      const s = this.nominal(suspect, spec.exact);
      this.touch(s, day, address);
      involvements.push({ policePersonId: s.id, role: 'suspect' });
    }
    for (const child of children) {
      const c = this.nominal(child, spec.exact);
      this.touch(c, day, address);
      involvements.push({ policePersonId: c.id, role: childPresent ? 'child-present' : 'child-in-household' });
    }
    const risk = spec.risk ?? (['standard', 'medium', 'high'] as const)[rng.weighted([55, 35, 10])];
    const outcomeParts = [spec.outcome ?? (suspect ? rng.pick(DA_OUTCOMES) : 'DASH completed; suspect (ex-partner) not located')];
    if (risk === 'high') outcomeParts.push('referred to MARAC');
    if (children.length > 0) outcomeParts.push('notification to children\'s social care (MASH)');
    if (childPresent && children.some((c) => c.schoolId !== undefined)) outcomeParts.push('Operation Encompass notification to school');
    const narrative =
      spec.narrative ??
      (childPresent ? rng.pick(DA_NARRATIVES_CHILD_PRESENT) : children.length > 0 ? rng.pick(DA_NARRATIVES_CHILD_NOT_PRESENT) : 'Verbal argument between partners reported by a neighbour. Both spoken to separately; DASH completed.');
    return this.addEvent(
      rng,
      {
        type: 'domestic-abuse-incident',
        occurredAt: isoDateTime(day, (rng.int(17 * 60, 23 * 60) + rng.int(0, 4 * 60)) % 1440),
        locationId: this.dwelling(address),
        status: day < this.asOfDay - 60 ? 'closed' : 'open',
        riskLevel: risk,
        childPresent,
        outcome: outcomeParts.join('; '),
        narrative,
        involvements,
        officer: this.officer(rng, this.responseUnit(address.city), ['PC', 'PC', 'PS']),
      },
      day,
    );
  }

  private protectiveOrder(rng: Rng, household: Household, day: number, victim: Person, suspect: Person | undefined, exact: boolean, orderType?: string): void {
    const type = orderType ?? rng.pick(['Domestic violence protection order (DVPO)', 'Non-molestation order', 'Restraining order']);
    const days = type.includes('DVPO') ? 28 : rng.int(180, 720);
    const end = day + days;
    const involvements: PoliceInvolvement[] = [];
    const v = this.nominal(victim, exact);
    involvements.push({ policePersonId: v.id, role: 'protected-person' });
    if (suspect) {
      const s = this.nominal(suspect, exact);
      this.touch(s, day, undefined);
      involvements.push({ policePersonId: s.id, role: 'subject-of-order' });
    }
    const address = this.addressAt(household, day);
    this.addEvent(
      rng,
      {
        type: 'protective-order',
        occurredAt: isoDateTime(day, rng.int(10 * 60, 16 * 60)),
        endedAt: isoDateTime(end, 23 * 60 + 59),
        locationId: this.dwelling(address),
        status: end > this.asOfDay ? 'active' : 'expired',
        orderType: type,
        outcome: `${type} granted by Marlbridge Magistrates' Court`,
        narrative: 'Conditions: not to contact the protected person directly or indirectly; not to attend or enter the protected person\'s home address or come within 100 metres of it.',
        involvements,
        officer: this.officer(rng, `${FORCE} Public Protection Unit (Domestic Abuse)`, ['DC', 'DS'], 3),
      },
      day,
    );
  }

  private arrest(rng: Rng, household: Household, person: Person, day: number, offence: string, exact: boolean, disposal?: string): PoliceEvent {
    const address = this.addressAt(household, day);
    const n = this.nominal(person, exact);
    this.touch(n, day, address);
    this.pnc(n, day);
    return this.addEvent(
      rng,
      {
        type: 'arrest',
        occurredAt: isoDateTime(day, rng.int(0, 1439)),
        locationId: rng.chance(0.6) ? this.dwelling(address) : this.publicPlace(rng, address.city),
        status: 'closed',
        offence,
        outcome: disposal ?? rng.pick(ARREST_DISPOSALS),
        narrative: `Arrested on suspicion of ${offence.toLowerCase()}. Interviewed under caution at Marlbridge custody suite; account given.`,
        involvements: [{ policePersonId: n.id, role: 'arrested-person' }],
        officer: this.officer(rng, `${address.city} Neighbourhood Policing Team`, ['PC', 'DC']),
      },
      day,
    );
  }

  private missingEpisode(rng: Rng, household: Household, child: Person, day: number, exact: boolean, spec: { hours?: number; risk?: PoliceEvent['riskLevel']; narrative?: string } = {}): void {
    const address = this.addressAt(household, day);
    const n = this.nominal(child, exact);
    this.touch(n, day, address);
    const hours = spec.hours ?? rng.int(3, 60);
    const minute = rng.int(16 * 60, 23 * 60);
    const risk = spec.risk ?? (['low', 'medium', 'high'] as const)[rng.weighted([45, 45, 10])];
    this.addEvent(
      rng,
      {
        type: 'missing-person',
        occurredAt: isoDateTime(day, minute),
        endedAt: isoDateTime(day, minute + hours * 60),
        locationId: this.dwelling(address),
        status: 'closed',
        riskLevel: risk,
        outcome: `Found after ${hours} hours; safe and well check completed; return home interview offered`,
        narrative: spec.narrative ?? rng.pick(MISSING_NARRATIVES),
        involvements: [{ policePersonId: n.id, role: 'missing-person' }],
        officer: this.officer(rng, `${FORCE} Missing Persons Unit`, ['PC', 'DC'], 3),
      },
      day,
    );
  }

  // ---- random households ---------------------------------------------------------------------

  private householdRecords(rng: Rng, household: Household): void {
    const members = household.memberIds.map((id) => this.county.personsById.get(id) as Person);
    const adults = members.filter((m) => m.role === 'adult');
    const children = members.filter((m) => m.role === 'child');
    const f = household.factors;
    const firstDay = Math.max(this.windowStart, ...adults.map((a) => dayFromIso(a.birthDate) + Math.round(18 * YEAR)));
    const days = (n: number): number[] =>
      Array.from({ length: n }, () => rng.int(Math.min(firstDay, this.asOfDay - 2), this.asOfDay - 2)).sort((a, b) => a - b);

    // Domestic abuse: call-outs cluster in households where it is known; a few elsewhere.
    const daCount = f.domesticAbuse ? 1 + rng.poisson(1.6) : adults.length === 2 && rng.chance(0.01) ? 1 : 0;
    if (daCount > 0 && adults.length > 0) {
      const victim = adults.find((a) => a.sex === 'female') ?? (adults[0] as Person);
      const suspect = adults.find((a) => a !== victim);
      const incidentDays = days(daCount);
      const incidents = incidentDays.map((day, i) =>
        this.domesticAbuseIncident(rng, household, day, victim, suspect, {
          exact: false,
          ...(i >= 2 && rng.chance(0.5) ? { risk: 'high' as const } : {}),
        }),
      );
      if (suspect) {
        const s = this.nominal(suspect, false);
        if (incidents.some((e) => e.outcome.includes('suspect arrested'))) {
          const day = incidentDays[incidents.findIndex((e) => e.outcome.includes('suspect arrested'))] as number;
          this.arrest(rng, household, suspect, day, rng.pick(['Common assault', 'Assault occasioning actual bodily harm', 'Criminal damage', 'Controlling or coercive behaviour']), false);
        }
        if (daCount >= 2) this.marker(rng, s, 'DAP', incidentDays[1] as number, `${FORCE} Public Protection Unit (Domestic Abuse)`);
        if (rng.chance(0.3)) this.intel(rng, s, rng.int(incidentDays[0] as number, this.asOfDay - 1), rng.pick(INTELLIGENCE_TEXTS));
      }
      if (incidents.some((e) => e.riskLevel === 'high')) {
        const day = incidentDays[incidents.findIndex((e) => e.riskLevel === 'high')] as number;
        this.marker(rng, this.nominal(victim, false), 'DAV', day, `${FORCE} Public Protection Unit (Domestic Abuse)`);
      }
      if (daCount >= 2 && rng.chance(0.35)) {
        const last = incidentDays[incidentDays.length - 1] as number;
        if (last + 1 < this.asOfDay) this.protectiveOrder(rng, household, last + 1, victim, suspect, false);
      }
    }

    // Arrests and markers for adults.
    for (const adult of adults) {
      const age = ageOn(dayFromIso(adult.birthDate), this.asOfDay);
      const p = f.parentalSubstanceMisuse ? 0.3 : age < 30 ? 0.03 : 0.012;
      if (rng.chance(p)) {
        const pool = f.parentalSubstanceMisuse ? ARREST_OFFENCES.filter((o) => o.substance) : ARREST_OFFENCES;
        const spec = rng.pick(pool);
        const [day] = days(1) as [number];
        this.arrest(rng, household, adult, day, spec.offence, false);
        const n = this.nominal(adult, false);
        if (spec.marker && rng.chance(0.6)) this.marker(rng, n, spec.marker, day, `${FORCE} Custody`);
        if (f.parentalSubstanceMisuse && rng.chance(0.4)) this.intel(rng, n, rng.int(day, this.asOfDay - 1), rng.pick(INTELLIGENCE_TEXTS));
      }
      const known = this.byPersonId.get(adult.id);
      if (f.parentalMentalHealth && known && rng.chance(0.25)) this.marker(rng, known, 'MH', rng.int(this.windowStart, this.asOfDay - 1), `${FORCE} Custody`);
    }

    // Missing children (10 and over): more likely with risk at home, on a plan or in care.
    for (const child of children) {
      const birthDay = dayFromIso(child.birthDate);
      if (ageOn(birthDay, this.asOfDay) < 11) continue;
      const cp = child.childProtection;
      const lookedAfter = cp?.plan === 'LAC' && cp.end === undefined;
      const anyFactor = f.domesticAbuse || f.neglect || f.parentalSubstanceMisuse || f.parentalMentalHealth;
      const p = lookedAfter ? 0.3 : cp ? 0.12 : anyFactor ? 0.06 : 0.012;
      if (!rng.chance(p)) continue;
      const episodes = 1 + rng.poisson(lookedAfter ? 2.2 : 0.7);
      const from = Math.max(this.windowStart, birthDay + Math.round(10 * YEAR));
      if (from >= this.asOfDay - 2) continue;
      const episodeDays = Array.from({ length: episodes }, () => rng.int(from, this.asOfDay - 2)).sort((a, b) => a - b);
      for (const day of episodeDays) this.missingEpisode(rng, household, child, day, false);
      const n = this.nominal(child, false);
      if (episodes >= 3) this.marker(rng, n, 'RM', episodeDays[2] as number, `${FORCE} Missing Persons Unit`);
      if (lookedAfter && rng.chance(0.25)) this.marker(rng, n, 'CSE', episodeDays[0] as number, `${FORCE} Child Exploitation Team`);
    }
  }

  // ---- the featured household ----------------------------------------------------------------

  /**
   * Scripted, stable for a seed: three domestic abuse call-outs with the 14-year-old present
   * (one at the old address, two at home), an arrest, a DVPO, a missing episode, markers on the
   * adults and an intelligence report on the partner.
   */
  private featuredRecords(rng: Rng, household: Household): void {
    const { child, parent, partner } = this.county.featured;
    const d = this.asOfDay;
    this.domesticAbuseIncident(rng, household, d - 300, parent, partner, {
      exact: true,
      childPresent: true,
      risk: 'standard',
      narrative: 'Neighbour reported shouting. Verbal argument between the mother and her partner; the 14-year-old daughter was present in the kitchen and was tearful. Both adults spoken to separately; DASH completed.',
      outcome: 'DASH completed; words of advice',
    });
    const second = d - 170;
    this.domesticAbuseIncident(rng, household, second, parent, partner, {
      exact: true,
      childPresent: true,
      risk: 'medium',
      narrative: 'The 14-year-old daughter called 999 reporting that her mother\'s partner had pushed her mother to the floor. Mother had redness to the face; the baby was in a cot in the same room. Partner arrested at the scene.',
      outcome: 'DASH completed; suspect arrested',
    });
    this.arrest(rng, household, partner, second, 'Assault occasioning actual bodily harm', true, 'Released under investigation');
    const third = d - 45;
    this.domesticAbuseIncident(rng, household, third, parent, partner, {
      exact: true,
      childPresent: true,
      risk: 'high',
      narrative: 'Mother reported threats to kill made by her partner, who had been drinking; he held a kitchen knife during the argument. Both children present; the daughter said she was frightened to be at home. Partner left before police arrival and was arrested later that night.',
      outcome: 'DASH completed; suspect arrested',
    });
    this.arrest(rng, household, partner, third, 'Threats to kill', true, 'Charged; bailed to appear at Marlbridge Magistrates\' Court');
    this.protectiveOrder(rng, household, third + 2, parent, partner, true, 'Domestic violence protection order (DVPO)');
    this.missingEpisode(rng, household, child, d - 100, true, {
      hours: 19,
      risk: 'medium',
      narrative: 'Reported missing by her mother after not returning from school. Found the next morning at a friend\'s address in Marlbridge; said she did not want to go home because of the arguing. Return home interview offered and accepted.',
    });
    const p = this.nominal(partner, true);
    this.marker(rng, p, 'DAP', second, `${FORCE} Public Protection Unit (Domestic Abuse)`);
    this.marker(rng, p, 'WE', third, `${FORCE} Public Protection Unit (Domestic Abuse)`);
    this.marker(rng, this.nominal(parent, true), 'DAV', third, `${FORCE} Public Protection Unit (Domestic Abuse)`);
    this.intel(rng, p, d - 60, 'Information suggests the subject keeps a knife at the home address and has said he will "sort out" anyone who reports him.');
  }
}
