/**
 * The household side of the education index, built once per refresh with the rest of the index
 * (never by re-reading files per call): the pupils' CTF contacts as persons, which pupils share a
 * contact, and every current address (pupils' and contacts') keyed by UPRN and by normalised
 * first line and postcode. Pure: loaded pupils in, lookups out.
 *
 * Contacts are not pupils and have no UPN. A contact's person id is the first pupil (in UPN
 * order) whose file lists them, `/contact/`, and their order there: `A980200124001/contact/1`.
 * The same adult listed for two siblings is one contact (matched as schools match contacts: the
 * same folded surname and forename, and the same phone, else the same address), so their id is
 * stable while that pupil's file lists them. Professional contacts (childminder, doctor, social
 * worker) are not household members and are not indexed.
 */
import type { Address, HouseholdMember, Provenance, SourcePerson } from '../sdk/index.js';
import { AGENCY, CONTACT_RELATIONSHIPS, SIBLING_EVIDENCE } from './codes.js';
import type { CtfContact } from './ctf.js';

/** What one pupil's current file says: their contacts and address, and where it comes from. */
export interface PupilHouseholdSource {
  upn: string;
  person: SourcePerson;
  /** The pupil's current address as the file gives it (absent: none known). */
  address?: Address;
  contacts: readonly CtfContact[];
  /** The pupil's identity record id in the file (`{laestab}/{upn}`) and the file's date-time. */
  recordId: string;
  asOf: string;
}

/** A contact as listed for one pupil. */
export interface ContactLink {
  upn: string;
  code?: string;
  /** The record that says so: `{laestab}/{upn}/contact/{order}`. */
  provenance: Provenance;
}

export interface ContactEntry {
  person: SourcePerson;
  links: ContactLink[];
}

interface Located {
  personId: string;
  address: Address;
}

export interface HouseholdIndex {
  contacts: ReadonlyMap<string, ContactEntry>;
  /** UPN -> the ids of the pupil's (non-professional) contacts, in file order. */
  contactsOfPupil: ReadonlyMap<string, readonly string[]>;
  /** Person id (UPN or contact id) -> current address. */
  addressOf: ReadonlyMap<string, Address>;
  byUprn: ReadonlyMap<string, readonly Located[]>;
  byLine: ReadonlyMap<string, readonly Located[]>;
}

export const EMPTY_HOUSEHOLD_INDEX: HouseholdIndex = { contacts: new Map(), contactsOfPupil: new Map(), addressOf: new Map(), byUprn: new Map(), byLine: new Map() };

/** Case- and accent-insensitive, for matching names. */
function fold(value: string): string {
  return value.normalize('NFKD').replace(/\p{M}/gu, '').toLowerCase().replace(/\s+/g, ' ').trim();
}

/** A first address line as compared: lower case, runs of anything but letters and digits as one space. */
export function line1Key(value: string): string {
  return fold(value).replace(/[^a-z0-9]+/g, ' ').trim();
}

/** A postcode as compared: upper case without spaces. */
export function postcodeKey(value: string): string {
  return value.replace(/\s+/g, '').toUpperCase();
}

/** The line key of an address with a first line and postcode, else undefined. */
export function lineKeyOf(address: Pick<Address, 'line1' | 'postalCode'>): string | undefined {
  const line = address.line1 ? line1Key(address.line1) : '';
  const postcode = address.postalCode ? postcodeKey(address.postalCode) : '';
  return line && postcode ? `${line}|${postcode}` : undefined;
}

function uprnOf(address: Address): string | undefined {
  const u = address.uprn?.trim();
  return u ? u : undefined;
}

/**
 * Who a contact is, across pupils: the folded names with the phone, else with the address. A
 * contact with neither is matched with no other pupil's (the same name alone is not the same person).
 */
function contactKey(c: CtfContact, upn: string): string {
  const phone = c.phones.map((p) => p.replace(/\D+/g, '')).find((p) => p.length >= 6);
  const address = c.address ? `${(c.address.uprn ?? '').trim()}|${lineKeyOf(c.address) ?? ''}` : '';
  const where = phone ? `t:${phone}` : address !== '|' && address !== '' ? `a:${address}` : `p:${upn}`;
  return `${fold(c.surname)}|${fold(c.forename)}|${where}`;
}

export function buildHouseholdIndex(pupils: readonly PupilHouseholdSource[], system: string): HouseholdIndex {
  const contacts = new Map<string, ContactEntry>();
  const contactsOfPupil = new Map<string, string[]>();
  const idByKey = new Map<string, string>();
  const addressOf = new Map<string, Address>();

  for (const pupil of [...pupils].sort((a, b) => a.upn.localeCompare(b.upn))) {
    if (pupil.address) addressOf.set(pupil.upn, pupil.address);
    const ids: string[] = [];
    for (const c of pupil.contacts) {
      if (c.relationship && CONTACT_RELATIONSHIPS[c.relationship]?.professional) continue;
      const provenance: Provenance = { system, recordId: `${pupil.recordId}/contact/${c.order}`, asOf: pupil.asOf };
      const key = contactKey(c, pupil.upn);
      let id = idByKey.get(key);
      if (!id) {
        id = `${pupil.upn}/contact/${c.order}`;
        idByKey.set(key, id);
        const person: SourcePerson = {
          agency: AGENCY,
          personId: id,
          identifiers: [],
          names: [{ use: 'official', family: c.surname, given: [c.forename, ...c.middleNames] }],
          ...(c.gender === 'M' ? { gender: '1' as const } : c.gender === 'F' ? { gender: '2' as const } : {}),
          addresses: c.address ? [c.address] : [],
          ...(pupil.person.contact ? { contact: pupil.person.contact } : {}),
          provenance,
        };
        contacts.set(id, { person, links: [] });
        if (c.address) addressOf.set(id, c.address);
      }
      const entry = contacts.get(id) as ContactEntry;
      if (!entry.links.some((l) => l.upn === pupil.upn)) entry.links.push({ upn: pupil.upn, ...(c.relationship ? { code: c.relationship } : {}), provenance });
      if (!ids.includes(id)) ids.push(id);
    }
    contactsOfPupil.set(pupil.upn, ids);
  }

  const byUprn = new Map<string, Located[]>();
  const byLine = new Map<string, Located[]>();
  const add = (map: Map<string, Located[]>, key: string, located: Located): void => {
    const list = map.get(key) ?? [];
    list.push(located);
    map.set(key, list);
  };
  for (const [personId, address] of addressOf) {
    const uprn = uprnOf(address);
    if (uprn) add(byUprn, uprn, { personId, address });
    const line = lineKeyOf(address);
    if (line) add(byLine, line, { personId, address });
  }
  return { contacts, contactsOfPupil, addressOf, byUprn, byLine };
}

/** Everyone recorded at an address: by UPRN, and by first line and postcode where one side has no UPRN. */
export function atAddress(index: HouseholdIndex, query: { uprn?: string; lineKey?: string }): Located[] {
  const found = new Map<string, Located>();
  if (query.uprn) for (const l of index.byUprn.get(query.uprn) ?? []) found.set(l.personId, l);
  if (query.lineKey) {
    for (const l of index.byLine.get(query.lineKey) ?? []) {
      if (!found.has(l.personId) && (!query.uprn || !uprnOf(l.address))) found.set(l.personId, l);
    }
  }
  return [...found.values()];
}

/** A person of the index by id: a pupil (from `pupils`) or a contact. */
export type PersonLookup = (personId: string) => SourcePerson | undefined;

/**
 * The household of one pupil or contact: their contacts (or, for a contact, the pupils they are a
 * contact of) as related persons; pupils sharing a parent or carer contact as siblings; then
 * everyone else at the same current address. One entry per member.
 */
export function householdOf(index: HouseholdIndex, personId: string, lookup: PersonLookup): HouseholdMember[] {
  const members: HouseholdMember[] = [];
  const listed = new Set<string>([personId]);
  const push = (member: HouseholdMember): void => {
    if (listed.has(member.person.personId)) return;
    listed.add(member.person.personId);
    members.push(member);
  };
  const own = index.contacts.get(personId);
  if (own) {
    // A contact: the pupils they are listed for.
    for (const link of own.links) {
      const pupil = lookup(link.upn);
      if (!pupil) continue;
      const mapped = link.code ? CONTACT_RELATIONSHIPS[link.code] : undefined;
      push({ person: pupil, basis: 'related-person', relationship: mapped?.pupil ?? 'unknown', ...(link.code ? { agencyRelationship: link.code } : {}), provenance: link.provenance });
    }
  } else {
    const contactIds = index.contactsOfPupil.get(personId) ?? [];
    for (const id of contactIds) {
      const entry = index.contacts.get(id);
      const link = entry?.links.find((l) => l.upn === personId);
      if (!entry || !link) continue;
      const mapped = link.code ? CONTACT_RELATIONSHIPS[link.code] : undefined;
      push({ person: entry.person, basis: 'related-person', relationship: mapped?.member ?? 'unknown', ...(link.code ? { agencyRelationship: link.code } : {}), provenance: link.provenance });
    }
    for (const id of contactIds) {
      const entry = index.contacts.get(id);
      const mine = entry?.links.find((l) => l.upn === personId);
      if (!entry || !mine?.code || !SIBLING_EVIDENCE.has(mine.code)) continue;
      for (const link of entry.links) {
        if (link.upn === personId || !link.code || !SIBLING_EVIDENCE.has(link.code)) continue;
        const sibling = lookup(link.upn);
        if (sibling) push({ person: sibling, basis: 'related-person', relationship: 'sibling', agencyRelationship: `Shares contact ${link.code}`, provenance: link.provenance });
      }
    }
  }
  const address = index.addressOf.get(personId);
  if (address) {
    const uprn = uprnOf(address);
    const lineKey = lineKeyOf(address);
    for (const located of atAddress(index, { ...(uprn ? { uprn } : {}), ...(lineKey ? { lineKey } : {}) })) {
      const person = lookup(located.personId);
      if (!person) continue;
      const isPupil = !index.contacts.has(located.personId);
      push({
        person,
        basis: 'same-address',
        relationship: isPupil && !own ? 'sibling' : 'household-member',
        agencyRelationship: isPupil ? 'Pupil at the same address' : 'Contact at the same address',
        address: located.address,
        provenance: person.provenance,
      });
    }
  }
  return members;
}
