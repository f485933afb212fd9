/**
 * The household capability over the police records API (POLE):
 * - related persons: `POST person-links/search { personIds }`, each link mapped from the
 *   linked person's side (`child-of` -> the member is a `parent`, `parent-of` -> `child`,
 *   `sibling-of`, `partner-of`, `lives-with` -> `household-member`), the linked nominals read in
 *   one `persons/search { ids }`;
 * - same address: each asked person's current home address (`type: home`, no `to`), searched
 *   by `uprn`, else `line1` with `postcode`; the API answers who police last recorded living
 *   there (current home addresses);
 * - persons by id: `persons/search { ids }`.
 * Everything is paged by the client and validated with zod; errors are its ConnectorErrors.
 */
import {
  UPRN_PATTERN,
  checkAddressQuery,
  ConnectorError,
  type Address,
  type AddressQuery,
  type CallContext,
  type HouseholdCapability,
  type HouseholdMember,
  type HouseholdRelationship,
  type SourcePerson,
} from '../sdk/index.js';
import type { PoliceApiClient, RequestOptions } from './http.js';
import { provenance, toAddress, toSourcePerson, type MappingContext } from './mapping.js';
import { LinkSchema, PersonSchema, POLICE_ID, type PoliceApiLocation, type PoliceApiPerson } from './schema.js';

/** Link types, from the asked person's side, -> what the linked person is to them. */
const LINK_RELATIONSHIP: Readonly<Record<string, HouseholdRelationship>> = {
  'child-of': 'parent',
  'parent-of': 'child',
  'sibling-of': 'sibling',
  'partner-of': 'partner',
  'lives-with': 'household-member',
  'associate-of': 'associate',
};


/** A first line for comparison: case, accents, punctuation and spacing ignored. */
const normaliseLine = (line: string): string => line.normalize('NFD').replace(/[\u0300-\u036f]/g, '').toLowerCase().replace(/[^a-z0-9]/g, '');
const normalisePostcode = (postcode: string): string => postcode.replace(/\s+/g, '').toUpperCase();

function sameAddress(a: Address, b: Address): boolean {
  if (a.uprn && b.uprn) return a.uprn === b.uprn;
  return !!(a.line1 && b.line1 && a.postalCode && b.postalCode) && normaliseLine(a.line1) === normaliseLine(b.line1) && normalisePostcode(a.postalCode) === normalisePostcode(b.postalCode);
}

/** Current home addresses of a nominal, as canonical addresses. */
function homes(person: PoliceApiPerson, locations: ReadonlyMap<string, PoliceApiLocation>): Address[] {
  return person.addresses
    .filter((a) => a.type === 'home' && a.to === undefined)
    .map((a) => toAddress(a, locations))
    .filter((a): a is Address => a !== undefined && (!!a.uprn || !!(a.line1 && a.postalCode)));
}

export interface PoliceHouseholdOptions {
  client: PoliceApiClient;
  mappingContext(): MappingContext;
  /** An address with more current residents than this (a hostel) is not a household. */
  maxAddressMatches: number;
}

function cancelled(ctx: CallContext): void {
  if (ctx.signal.aborted) throw new ConnectorError('TIMEOUT', 'police records API call was cancelled before it started');
}

export function policeHousehold(options: PoliceHouseholdOptions): HouseholdCapability {
  const { client, maxAddressMatches } = options;
  const opts = (ctx: CallContext): RequestOptions => ({ signal: ctx.signal, requestId: ctx.requestId });

  async function personsById(ids: readonly string[], ctx: CallContext): Promise<{ persons: PoliceApiPerson[]; locations: Map<string, PoliceApiLocation> }> {
    if (ids.length === 0) return { persons: [], locations: new Map() };
    const found = await client.search('persons', { ids: [...ids] }, PersonSchema, opts(ctx));
    return { persons: found.items, locations: found.locations };
  }

  /** Persons police record living at the address now; `undefined` when more than maxAddressMatches (not a household). */
  async function residents(address: Address, ctx: CallContext): Promise<{ persons: PoliceApiPerson[]; locations: Map<string, PoliceApiLocation> } | undefined> {
    const criteria = address.uprn && UPRN_PATTERN.test(address.uprn) ? { uprn: address.uprn } : { line1: address.line1!, postcode: address.postalCode! };
    const found = await client.search('persons', criteria, PersonSchema, opts(ctx), maxAddressMatches + 1);
    if (found.total > maxAddressMatches || found.items.length > maxAddressMatches) return undefined;
    // The API matches current home addresses; check it, as a misread address is worse than none.
    const here = found.items.filter((p) => homes(p, found.locations).some((h) => sameAddress(address, h)));
    return { persons: here, locations: found.locations };
  }

  return {
    async householdOf(personIds: readonly string[], ctx: CallContext): Promise<Map<string, HouseholdMember[]>> {
      cancelled(ctx);
      const ids = [...new Set(personIds)].filter((id) => POLICE_ID.test(id));
      const result = new Map<string, HouseholdMember[]>(ids.map((id) => [id, []]));
      if (ids.length === 0) return result;
      const mapping = options.mappingContext();

      const links = (await client.search('person-links', { personIds: ids }, LinkSchema, opts(ctx))).items.filter((l) => result.has(l.personId) && l.linkedPersonId !== l.personId);
      const { persons, locations } = await personsById([...new Set([...ids, ...links.map((l) => l.linkedPersonId)])], ctx);
      const byId = new Map(persons.map((p) => [p.id, p]));
      const relationOf = new Map<string, { relationship: HouseholdRelationship; type: string }>();
      for (const link of links) {
        const linked = byId.get(link.linkedPersonId);
        if (!linked) continue;
        const relationship = LINK_RELATIONSHIP[link.type] ?? 'unknown';
        const list = result.get(link.personId)!;
        if (list.some((m) => m.person.personId === linked.id && m.relationship === relationship)) continue;
        relationOf.set(`${link.personId}|${linked.id}`, { relationship, type: link.type });
        list.push({
          person: toSourcePerson(linked, locations, mapping),
          basis: 'related-person',
          relationship,
          agencyRelationship: link.type,
          provenance: provenance(mapping, `person-links/${link.id}`, link.lastUpdated),
        });
      }

      // The same current home address: one search per distinct address.
      const addresses = new Map<string, { address: Address; askedIds: string[] }>();
      for (const id of ids) {
        const person = byId.get(id);
        if (!person) continue;
        for (const home of homes(person, locations)) {
          const key = home.uprn ? `uprn:${home.uprn}` : `line:${normaliseLine(home.line1!)}|${normalisePostcode(home.postalCode!)}`;
          const entry = addresses.get(key) ?? { address: home, askedIds: [] };
          if (!entry.askedIds.includes(id)) entry.askedIds.push(id);
          addresses.set(key, entry);
        }
      }
      for (const { address, askedIds } of addresses.values()) {
        const found = await residents(address, ctx);
        if (!found) continue;
        for (const askedId of askedIds) {
          const list = result.get(askedId)!;
          for (const resident of found.persons) {
            if (resident.id === askedId || list.some((m) => m.basis === 'same-address' && m.person.personId === resident.id)) continue;
            const known = relationOf.get(`${askedId}|${resident.id}`);
            const at = homes(resident, found.locations).find((h) => sameAddress(address, h)) ?? address;
            list.push({
              person: toSourcePerson(resident, found.locations, mapping),
              basis: 'same-address',
              relationship: known?.relationship ?? 'household-member',
              ...(known ? { agencyRelationship: known.type } : {}),
              address: { ...at },
              provenance: provenance(mapping, `persons/${resident.id}`, resident.lastUpdated),
            });
          }
        }
      }
      return result;
    },

    async personsAtAddress(address: AddressQuery, ctx: CallContext): Promise<SourcePerson[]> {
      // The records API takes strings of up to 100 characters.
      const checked = checkAddressQuery(address, { label: 'police', maxLine1: 100, maxPostalCode: 16 });
      cancelled(ctx);
      const found = await residents(checked.uprn !== undefined ? { uprn: checked.uprn } : checked.line, ctx);
      if (!found) throw new ConnectorError('BAD_QUERY', 'police address search matched too many persons (not a household)');
      const mapping = options.mappingContext();
      return found.persons.map((p) => toSourcePerson(p, found.locations, mapping));
    },

    async fetchPersons(personIds: readonly string[], ctx: CallContext): Promise<Map<string, SourcePerson>> {
      cancelled(ctx);
      const ids = [...new Set(personIds)].filter((id) => POLICE_ID.test(id));
      const { persons, locations } = await personsById(ids, ctx);
      const mapping = options.mappingContext();
      return new Map(persons.filter((p) => ids.includes(p.id)).map((p) => [p.id, toSourcePerson(p, locations, mapping)]));
    },
  };
}
