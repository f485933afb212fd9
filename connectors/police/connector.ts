/**
 * The police connector: a force's records API in the POLE model (REST/JSON, shaped as in
 * sandbox/police/README.md) as a `Connector`. Person search by police person id, PNC id or
 * demographics; record fetch in one search per resource (events, warning markers, intelligence)
 * for a whole batch of persons; the household capability (household.ts) from person links and
 * persons at the same address; the incident feed (incidents.ts) from the force's change feed.
 */
import {
  ConnectorError,
  httpBaseUrl,
  isQueryRefusal,
  planEach,
  unionByPersonId,
  wholeNumberIn,
  type AgencyContact,
  type CallContext,
  type Connector,
  type ConnectorHealth,
  type ConnectorManifest,
  type PersonQuery,
  type SourcePerson,
  type SourceRecord,
} from '../sdk/index.js';
import { AGENCY, POLICE_CATEGORIES, SYSTEMS } from './codes.js';
import { policeHousehold } from './household.js';
import { policeIncidents } from './incidents.js';
import { PoliceApiClient, type RequestOptions } from './http.js';
import { eventRecords, intelligenceRecord, markerRecord, toSourcePerson, type MappingContext } from './mapping.js';
import { EventSchema, IntelligenceSchema, MarkerSchema, PersonSchema, POLICE_ID, StatusSchema } from './schema.js';

export interface PoliceConnectorOptions {
  /** API base URL, e.g. `https://records.police.example/api/v1` (no trailing slash needed). */
  baseUrl: string;
  /** Provenance `system` for records; defaults to `baseUrl`. */
  system?: string;
  /** Identifier system of the force's person ids. Default `https://mash-gateway.example/Id/police-person`. */
  personIdSystem?: string;
  /** Who to contact at the police about withheld information. */
  contact?: AgencyContact;
  /** Page size (`limit`) of searches. Default 200. */
  pageSize?: number;
  /** A person search matching more persons than this is refused as too broad. Default 50. */
  maxPersonMatches?: number;
  /** An address with more current residents than this (a hostel) is not a household. Default 50. */
  maxAddressMatches?: number;
}

const DEFAULT_CONTACT: AgencyContact = { name: 'MASH Police Desk', organisation: 'Police Public Protection Unit' };

const FULL_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const PARTIAL_DATE = /^\d{4}(-\d{2}(-\d{2})?)?$/;
/** PNC id: two-digit year, serial, check letter (`24/0100037X`; leading zeros optional). */
const PNC_ID = /^\d{2}\/\d{1,7}[A-Z]$/;

function trimmed(value: string | undefined): string | undefined {
  const t = value?.trim();
  return t ? t : undefined;
}

/** The date with day and month swapped, when that is a different valid-looking date. */
function swapped(date: string): string | undefined {
  const m = FULL_DATE.exec(date);
  if (!m || m[2] === m[3] || Number(m[3]) > 12) return undefined;
  return `${m[1]}-${m[3]}-${m[2]}`;
}

export function createPoliceConnector(options: PoliceConnectorOptions): Connector {
  const baseUrl = httpBaseUrl('createPoliceConnector', options.baseUrl);
  const pageSize = wholeNumberIn('createPoliceConnector', 'pageSize', options.pageSize ?? 200, 1, 1000);
  const maxPersonMatches = options.maxPersonMatches ?? 50;
  if (!Number.isInteger(maxPersonMatches) || maxPersonMatches < 1) throw new RangeError('createPoliceConnector: maxPersonMatches must be a positive integer');
  const client = new PoliceApiClient(baseUrl, pageSize);
  const system = options.system ?? baseUrl;
  const personIdSystem = options.personIdSystem ?? SYSTEMS.policePersonId;
  const contact = options.contact ?? DEFAULT_CONTACT;

  const manifest: ConnectorManifest = {
    agency: AGENCY,
    name: 'Police records API (POLE)',
    version: '0.1.0',
    protocol: 'pole-rest-json',
    identifierSystems: [personIdSystem, SYSTEMS.pncId],
    categories: POLICE_CATEGORIES,
    contact,
  };

  const mappingContext = (): MappingContext => ({ system, fetchedAt: new Date().toISOString(), personIdSystem, pncSystem: SYSTEMS.pncId, contact });

  async function findPersons(criteria: Record<string, unknown>, opts: RequestOptions): Promise<SourcePerson[]> {
    const found = await client.search('persons', criteria, PersonSchema, opts, maxPersonMatches + 1);
    if (found.total > maxPersonMatches || found.items.length > maxPersonMatches) {
      throw new ConnectorError('BAD_QUERY', 'police person search matched too many persons; add a date of birth or more of the name');
    }
    const ctx = mappingContext();
    return found.items.map((p) => toSourcePerson(p, found.locations, ctx));
  }

  /**
   * What one query asks of the force, or BAD_QUERY where it cannot be searched: its ids, and its
   * demographics. One forename is matched (by prefix, against every recorded name and alias).
   * Police record dates of birth as given at the scene, day and month swapped now and then: both
   * readings are asked and the gateway's matcher scores the disagreement. As for health, a
   * postcode narrows a search without a date of birth only (it would hide people police last met
   * at an older address).
   */
  function plan(query: PersonQuery): { byId?: Record<string, unknown>; byDemographics?: Record<string, unknown> } {
    const identifiers = query.identifiers ?? [];
    const ids = [...new Set(identifiers.filter((i) => i.system === personIdSystem).map((i) => i.value.trim()).filter((v) => POLICE_ID.test(v)))];
    const pncIds = [...new Set(identifiers.filter((i) => i.system === SYSTEMS.pncId).map((i) => i.value.trim().toUpperCase()).filter((v) => PNC_ID.test(v)))];
    const family = trimmed(query.family);
    const given = trimmed(query.given)?.split(/\s+/)[0];
    const birthDate = trimmed(query.birthDate);
    const postalCode = trimmed(query.postalCode);
    if (birthDate !== undefined && !PARTIAL_DATE.test(birthDate)) {
      throw new ConnectorError('BAD_QUERY', 'police person search: birth date must be YYYY-MM-DD');
    }
    const demographics = (family !== undefined || given !== undefined) && (birthDate !== undefined || (family !== undefined && given !== undefined));
    if (ids.length === 0 && pncIds.length === 0 && !demographics) {
      throw new ConnectorError('BAD_QUERY', 'police person search needs a police person id or PNC id, or a name with a birth date, or a full name');
    }
    const dates = birthDate ? [birthDate, ...(swapped(birthDate) ? [swapped(birthDate) as string] : [])] : undefined;
    return {
      ...(ids.length > 0 || pncIds.length > 0 ? { byId: { ...(ids.length > 0 ? { ids } : {}), ...(pncIds.length > 0 ? { pncIds } : {}) } } : {}),
      ...(demographics
        ? {
            byDemographics: {
              ...(family ? { surname: family } : {}),
              ...(given ? { forename: given } : {}),
              ...(dates ? { dateOfBirth: dates } : {}),
              ...(postalCode && !dates ? { postcode: postalCode } : {}),
            },
          }
        : {}),
    };
  }

  async function searchOne(query: PersonQuery, ctx: CallContext): Promise<SourcePerson[]> {
    const { byId, byDemographics } = plan(query);
    const opts: RequestOptions = { signal: ctx.signal, requestId: ctx.requestId };
    let persons: SourcePerson[] = [];
    if (byId) persons = await findPersons(byId, opts);
    if (persons.length === 0 && byDemographics) persons = await findPersons(byDemographics, opts);
    return persons;
  }

  return {
    manifest,
    ...policeHousehold({ client, mappingContext, maxAddressMatches: wholeNumberIn('createPoliceConnector', 'maxAddressMatches', options.maxAddressMatches ?? 50, 1, 1000) }),
    ...policeIncidents({ client, mappingContext }),

    searchPersons: searchOne,

    /**
     * The union of `searchPersons` over the queries from one POSTed search with alternatives
     * (`anyOf`), each answered as on its own: a query's id search first, its demographics if
     * that finds no one, and a search matching too many refused. Should the force refuse the
     * combined request, each query is asked on its own, so one bad query cannot hide the rest.
     */
    async searchPersonsAny(queries: readonly PersonQuery[], ctx: CallContext): Promise<SourcePerson[]> {
      const plans = planEach('police', queries, plan);
      const opts: RequestOptions = { signal: ctx.signal, requestId: ctx.requestId };
      const criteria: Record<string, unknown>[] = [];
      const slots = plans.map((p) => {
        if (p === null) return null;
        const at = (c: Record<string, unknown> | undefined): number | undefined => (c === undefined ? undefined : criteria.push(c) - 1);
        return { byId: at(p.byId), byDemographics: at(p.byDemographics) };
      });
      let answer: Awaited<ReturnType<typeof client.searchAnyOf<typeof PersonSchema>>>;
      try {
        answer = await client.searchAnyOf(criteria, PersonSchema, maxPersonMatches + 1, opts);
      } catch (error) {
        if (!isQueryRefusal(error)) throw error;
        const each = await Promise.all(
          queries.map((q, i) => (plans[i] === null ? [] : searchOne(q, ctx).catch((e: unknown) => (isQueryRefusal(e) ? [] : Promise.reject(e))))),
        );
        return unionByPersonId(each);
      }
      const mapping = mappingContext();
      const personsOf = (i: number | undefined): SourcePerson[] | null => {
        if (i === undefined) return [];
        const alternative = answer.alternatives[i]!;
        if (alternative.total > maxPersonMatches || alternative.personIds.length > maxPersonMatches) return null;
        return alternative.personIds.map((id) => toSourcePerson(answer.items.get(id)!, answer.locations, mapping));
      };
      return unionByPersonId(
        slots.map((slot) => {
          if (slot === null) return [];
          const byId = personsOf(slot.byId);
          // Too many matches: searchPersons refuses the query, so it adds no one.
          if (byId === null) return [];
          return byId.length > 0 ? byId : (personsOf(slot.byDemographics) ?? []);
        }),
      );
    },

    async fetchRecords(personIds: readonly string[], ctx: CallContext): Promise<Map<string, SourceRecord[]>> {
      const ids = [...new Set(personIds)];
      if (ids.some((id) => !POLICE_ID.test(id))) throw new ConnectorError('BAD_QUERY', 'police record fetch: person ids must be police person ids');
      const result = new Map<string, SourceRecord[]>(ids.map((id) => [id, []]));
      if (ids.length === 0) return result;

      // One search per resource for the whole batch. When one fails, cancel the others: the batch
      // fails as a whole. The caller's signal still governs every request.
      const cancel = new AbortController();
      const opts: RequestOptions = { signal: AbortSignal.any([ctx.signal, cancel.signal]), requestId: ctx.requestId };
      const guard = <T>(p: Promise<T>): Promise<T> =>
        p.catch((error: unknown) => {
          cancel.abort();
          throw error;
        });
      const [events, markers, intelligence] = await Promise.all([
        guard(client.search('events', { personIds: ids }, EventSchema, opts)),
        guard(client.search('warning-markers', { personIds: ids }, MarkerSchema, opts)),
        guard(client.search('intelligence', { personIds: ids }, IntelligenceSchema, opts)),
      ]);

      const mapping = mappingContext();
      const wanted = new Set(ids);
      const add = (r: SourceRecord): void => {
        result.get(r.personId)?.push(r);
      };
      for (const e of events.items) for (const r of eventRecords(e, wanted, events.locations, mapping)) add(r);
      for (const m of markers.items) add(markerRecord(m, mapping));
      for (const i of intelligence.items) add(intelligenceRecord(i, mapping));
      return result;
    },

    async health(ctx: CallContext): Promise<ConnectorHealth> {
      try {
        const status = await client.read('status', StatusSchema, { signal: ctx.signal, requestId: ctx.requestId });
        return status.status === 'ok' ? { ok: true } : { ok: false, detail: `records API status is ${status.status}` };
      } catch (error) {
        return { ok: false, detail: error instanceof ConnectorError ? error.kind : 'unknown error' };
      }
    },
  };
}
