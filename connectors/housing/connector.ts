/**
 * The housing connector: the council housing system's SQL tables (tenancies, household members,
 * H-CLIC homelessness cases, temporary accommodation, anti-social behaviour, rent accounts,
 * possession proceedings) as a `Connector`. It reads through an injected query function, so the
 * same code serves PGlite and PostgreSQL. Person search by housing person reference or
 * demographics; record fetch in one query per table for a whole batch of persons.
 */
import { z } from 'zod';
import {
  checkAddressQuery,
  ConnectorError,
  type Address,
  type AddressQuery,
  type AgencyContact,
  type CallContext,
  type Connector,
  type ConnectorHealth,
  type ConnectorManifest,
  type HouseholdMember,
  planEach,
  unionByPersonId,
  type PersonQuery,
  type SourcePerson,
  type SourceRecord,
} from '../sdk/index.js';
import { AGENCY, HOUSING_CATEGORIES, SYSTEMS, householdRelationship } from './codes.js';
import {
  arrearsRecord,
  asbRecord,
  homelessnessRecord,
  placementRecord,
  possessionRecord,
  tenancyRecord,
  toSourcePerson,
  type MappingContext,
} from './mapping.js';
import { runQuery, type HousingQuery } from './query.js';
import { AsbRow, HomelessnessRow, MemberRow, MemberRowMatched, membersMatchingAny, PersonRefRow, PlacementRow, PossessionRow, RelatedRow, RentRow, SameAddressRow, SQL, TenancyRow, type MemberPredicate } from './sql.js';

export interface HousingConnectorOptions {
  /** Runs SQL against the housing database (see `queryFromClient` for PGlite and `pg`). */
  query: HousingQuery;
  /** Provenance `system` for records. Default `urn:mash-gateway:housing`. */
  system?: string;
  /** Who to contact at housing about withheld information. */
  contact?: AgencyContact;
  /** A person search matching more household members than this is refused as too broad. Default 50. */
  maxPersonMatches?: number;
  /** An address search finding more persons than this is refused as too broad. Default 50. */
  maxAddressMatches?: number;
}

const DEFAULT_CONTACT: AgencyContact = {
  name: 'Housing Safeguarding Lead',
  organisation: 'Council housing services',
};

/** `T004512/3`, `HL000321/1`: a household reference and a member number. */
const PERSON_REF = /^[A-Za-z0-9-]{1,32}\/\d{1,3}$/;
const PARTIAL_DATE = /^\d{4}(-\d{2}(-\d{2})?)?$/;

function trimmed(value: string | undefined): string | undefined {
  const t = value?.trim();
  return t ? t : undefined;
}


/** A first address line as the SQL compares it (sql.ts LINE1_KEY): lower case, words split by single spaces. */
export function line1Key(value: string): string {
  return value.toLowerCase().replace(/[^a-z0-9]+/g, ' ').trim();
}

/** A postcode as the SQL compares it (sql.ts POSTCODE_KEY): upper case, no spaces. */
export function postcodeKey(value: string): string {
  return value.replace(/\s+/g, '').toUpperCase();
}

/** Lower case, with the LIKE wildcards escaped (the queries use ESCAPE '\'). */
function likePrefix(value: string): string {
  return value.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`);
}

function rowsOf<S extends z.ZodType>(schema: S, rows: unknown[], what: string): Array<z.infer<S>> {
  const parsed = z.array(schema).safeParse(rows);
  if (!parsed.success) throw new ConnectorError('MALFORMED_RESPONSE', `housing database answered the ${what} query with rows of the wrong shape`);
  return parsed.data;
}

export function createHousingConnector(options: HousingConnectorOptions): Connector {
  if (typeof options.query !== 'function') throw new TypeError('createHousingConnector: query must be a function');
  const maxPersonMatches = options.maxPersonMatches ?? 50;
  if (!Number.isInteger(maxPersonMatches) || maxPersonMatches < 1) throw new RangeError('createHousingConnector: maxPersonMatches must be a positive integer');
  const maxAddressMatches = options.maxAddressMatches ?? 50;
  if (!Number.isInteger(maxAddressMatches) || maxAddressMatches < 1) throw new RangeError('createHousingConnector: maxAddressMatches must be a positive integer');
  const contact = options.contact ?? DEFAULT_CONTACT;
  const mapping: MappingContext = { system: options.system ?? 'urn:mash-gateway:housing', fallbackContact: contact };
  const { query } = options;

  /**
   * What one query asks of the database, or BAD_QUERY where it cannot be searched. Demographic
   * values are LIKE prefixes (lower case, wildcards escaped); the postcode narrows a search
   * without a birth date only, as in the health connector.
   */
  function plan(q: PersonQuery): { refs: string[]; demographics?: { family?: string; given?: string; birthDate?: string; postalCode?: string } } {
    const refs = [...new Set((q.identifiers ?? []).filter((i) => i.system === SYSTEMS.housingPerson).map((i) => i.value.trim()).filter((v) => PERSON_REF.test(v)))];
    const family = trimmed(q.family);
    const given = trimmed(q.given);
    const birthDate = trimmed(q.birthDate);
    const postalCode = trimmed(q.postalCode)?.replace(/\s+/g, '').toUpperCase();
    if (birthDate !== undefined && !PARTIAL_DATE.test(birthDate)) {
      throw new ConnectorError('BAD_QUERY', 'housing person search: birth date must be YYYY-MM-DD');
    }
    const demographics = (family !== undefined || given !== undefined) && (birthDate !== undefined || (family !== undefined && given !== undefined));
    if (refs.length === 0 && !demographics) {
      throw new ConnectorError('BAD_QUERY', 'housing person search needs a housing person reference, or a name with a birth date, or a full name');
    }
    if (!demographics) return { refs };
    return {
      refs,
      demographics: {
        ...(family !== undefined ? { family: likePrefix(family) } : {}),
        ...(given !== undefined ? { given: likePrefix(given) } : {}),
        ...(birthDate !== undefined ? { birthDate } : {}),
        ...(postalCode !== undefined && birthDate === undefined ? { postalCode: likePrefix(postalCode).toUpperCase() } : {}),
      },
    };
  }

  /** Members as persons, with their tenancies and homelessness cases: two queries for any number. */
  async function complete(members: readonly MemberRow[], signal: AbortSignal): Promise<SourcePerson[]> {
    if (members.length === 0) return [];
    const ids = members.map((m) => m.person_ref);
    const [tenancies = [], cases = []] = await together(signal, (s) => [
      runQuery(query, 'tenancy', SQL.tenancies, [ids], s),
      runQuery(query, 'homelessness case', SQL.homelessnessCases, [ids], s),
    ]);
    const context = { tenancies: rowsOf(TenancyRow, tenancies, 'tenancy'), cases: rowsOf(HomelessnessRow, cases, 'homelessness case') };
    return members.map((m) => toSourcePerson(m, context, mapping));
  }

  const manifest: ConnectorManifest = {
    agency: AGENCY,
    name: 'Council housing management and housing options system (SQL)',
    version: '0.1.0',
    protocol: 'sql',
    identifierSystems: [SYSTEMS.housingPerson],
    categories: HOUSING_CATEGORIES,
    contact,
  };

  /**
   * Runs queries side by side. When one fails the others are abandoned and the batch fails with
   * the first failure (the siblings' aborts it triggers settle later).
   */
  async function together(signal: AbortSignal, run: (signal: AbortSignal) => Array<Promise<unknown[]>>): Promise<unknown[][]> {
    const cancel = new AbortController();
    const pending = run(AbortSignal.any([signal, cancel.signal])).map((p) =>
      p.catch((error: unknown) => {
        cancel.abort();
        throw error;
      }),
    );
    return Promise.all(pending);
  }

  /** Persons by housing person reference: their member rows, with tenancies and cases for addresses. */
  async function loadPersons(refs: readonly string[], signal: AbortSignal): Promise<Map<string, SourcePerson>> {
    const found = new Map<string, SourcePerson>();
    if (refs.length === 0) return found;
    const members = rowsOf(MemberRow, await runQuery(query, 'household member', SQL.membersByRef, [refs], signal), 'household member');
    if (members.length === 0) return found;
    const ids = members.map((m) => m.person_ref);
    const [tenancies = [], cases = []] = await together(signal, (s) => [
      runQuery(query, 'tenancy', SQL.tenancies, [ids], s),
      runQuery(query, 'homelessness case', SQL.homelessnessCases, [ids], s),
    ]);
    const context = { tenancies: rowsOf(TenancyRow, tenancies, 'tenancy'), cases: rowsOf(HomelessnessRow, cases, 'homelessness case') };
    for (const m of members) found.set(m.person_ref, toSourcePerson(m, context, mapping));
    return found;
  }

  /** The valid, distinct person references among ids (anything else is no one housing holds). */
  function personRefs(personIds: readonly string[]): string[] {
    return [...new Set(personIds)].filter((id) => typeof id === 'string' && PERSON_REF.test(id));
  }

  return {
    manifest,

    async householdOf(personIds: readonly string[], ctx: CallContext): Promise<Map<string, HouseholdMember[]>> {
      if (ctx.signal.aborted) throw new ConnectorError('TIMEOUT', 'housing household lookup was aborted before it started');
      const refs = personRefs(personIds);
      const result = new Map<string, HouseholdMember[]>(refs.map((id) => [id, []]));
      if (refs.length === 0) return result;
      const [related = [], sameAddress = []] = await together(ctx.signal, (signal) => [
        runQuery(query, 'household members', SQL.householdRelated, [refs], signal),
        runQuery(query, 'same address', SQL.householdSameAddress, [refs], signal),
      ]);
      const relatedRows = rowsOf(RelatedRow, related, 'household members');
      const addressRows = rowsOf(SameAddressRow, sameAddress, 'same address');
      const persons = await loadPersons([...new Set([...relatedRows.map((r) => r.member_ref), ...addressRows.map((r) => r.member_ref)])], ctx.signal);
      for (const row of relatedRows) {
        const person = persons.get(row.member_ref);
        if (!person) continue;
        const source = row.on_tenancy ? `tenancies/${row.household_ref}` : `homelessness_cases/${row.household_ref}`;
        result.get(row.of_ref)?.push({
          person,
          basis: 'related-person',
          relationship: householdRelationship(row.on_tenancy),
          agencyRelationship: row.member_role,
          provenance: { system: mapping.system, recordId: source, asOf: row.as_of },
        });
      }
      for (const row of addressRows) {
        const person = persons.get(row.member_ref);
        const members = result.get(row.of_ref);
        // One entry per member: a related person is not listed again for the address.
        if (!person || !members || members.some((m) => m.person.personId === row.member_ref)) continue;
        const address: Address = {
          line1: row.line1,
          ...(row.line2 ? { line2: row.line2 } : {}),
          ...(row.town ? { city: row.town } : {}),
          ...(row.postcode ? { postalCode: row.postcode } : {}),
          ...(row.uprn ? { uprn: row.uprn } : {}),
          ...(row.since ? { from: row.since } : {}),
        };
        members.push({
          person,
          basis: 'same-address',
          relationship: 'household-member',
          agencyRelationship: 'Recorded at the same address',
          address,
          provenance: { system: mapping.system, recordId: row.source, asOf: row.as_of },
        });
      }
      return result;
    },

    async personsAtAddress(address: AddressQuery, ctx: CallContext): Promise<SourcePerson[]> {
      const { uprn, line } = checkAddressQuery(address, { label: 'housing', keys: { line1: line1Key, postalCode: postcodeKey } });
      if (ctx.signal.aborted) throw new ConnectorError('TIMEOUT', 'housing address search was aborted before it started');
      const params = [uprn ?? null, line?.line1 ?? null, line?.postalCode ?? null, maxAddressMatches + 1];
      const rows = rowsOf(PersonRefRow, await runQuery(query, 'address', SQL.personsAtAddress, params, ctx.signal), 'address');
      if (rows.length > maxAddressMatches) throw new ConnectorError('BAD_QUERY', 'housing address search found too many people at the address');
      const persons = await loadPersons(rows.map((r) => r.person_ref), ctx.signal);
      return rows.map((r) => persons.get(r.person_ref)).filter((p): p is SourcePerson => p !== undefined);
    },

    async fetchPersons(personIds: readonly string[], ctx: CallContext): Promise<Map<string, SourcePerson>> {
      if (ctx.signal.aborted) throw new ConnectorError('TIMEOUT', 'housing person fetch was aborted before it started');
      return loadPersons(personRefs(personIds), ctx.signal);
    },

    async searchPersons(q: PersonQuery, ctx: CallContext): Promise<SourcePerson[]> {
      const { refs, demographics } = plan(q);
      if (ctx.signal.aborted) throw new ConnectorError('TIMEOUT', 'housing person search was aborted before it started');

      let members: MemberRow[] = [];
      if (refs.length > 0) members = rowsOf(MemberRow, await runQuery(query, 'household member', SQL.membersByRef, [refs], ctx.signal), 'household member');
      // A person can sit in more than one household record (a homelessness case, then a
      // tenancy), so an unknown reference falls back to demographics without excluding others.
      if (members.length === 0 && demographics) {
        const params = [
          demographics.family ?? null,
          demographics.given ?? null,
          demographics.birthDate ?? null,
          demographics.postalCode ?? null,
          maxPersonMatches + 1,
        ];
        members = rowsOf(MemberRow, await runQuery(query, 'household member', SQL.membersByDemographics, params, ctx.signal), 'household member');
        if (members.length > maxPersonMatches) {
          throw new ConnectorError('BAD_QUERY', 'housing person search matched too many people; add a birth date or more of the name');
        }
      }
      return complete(members, ctx.signal);
    },

    /**
     * The union of `searchPersons` over the queries from one statement: every query's reference
     * and demographic predicates OR'd, each row saying which predicates it met, so each query
     * is answered as `searchPersons` would (reference first, too many matches refused).
     */
    async searchPersonsAny(queries: readonly PersonQuery[], ctx: CallContext): Promise<SourcePerson[]> {
      const plans = planEach('housing', queries, plan);
      if (ctx.signal.aborted) throw new ConnectorError('TIMEOUT', 'housing person search was aborted before it started');
      const predicates: MemberPredicate[] = [];
      const slots = plans.map((p) => {
        if (p === null) return null;
        const ref = p.refs.length > 0 ? predicates.push({ refs: p.refs }) - 1 : undefined;
        const demo = p.demographics ? predicates.push(p.demographics) - 1 : undefined;
        return { ref, demo };
      });
      // A demographic predicate with more than maxPersonMatches rows refuses its query; so that
      // a truncated answer is never taken for a whole one, the limit leaves room for every
      // predicate's maximum, and predicates found over it are dropped and the rest asked again.
      const refused = new Set<number>();
      let rows: MemberRowMatched[] = [];
      for (;;) {
        const asked = predicates.map((p, i) => (refused.has(i) ? null : p));
        const limit = asked.reduce((n, p) => n + (p === null ? 0 : 'refs' in p ? p.refs.length : maxPersonMatches + 1), 0);
        const statement = membersMatchingAny(asked, limit);
        if (statement === null) {
          rows = [];
          break;
        }
        rows = rowsOf(MemberRowMatched, await runQuery(query, 'household member', statement.sql, statement.params, ctx.signal), 'household member');
        const counts = asked.map((_, i) => rows.filter((r) => r.matched[i] === true).length);
        const over = counts.flatMap((n, i) => (asked[i] !== null && !('refs' in asked[i]!) && n > maxPersonMatches ? [i] : []));
        if (over.length === 0 || rows.length < limit) {
          for (const i of over) refused.add(i);
          break;
        }
        for (const i of over) refused.add(i);
      }
      const met = (i: number | undefined): MemberRow[] => (i === undefined || refused.has(i) ? [] : rows.filter((r) => r.matched[i] === true));
      const perQuery = slots.map((slot) => {
        if (slot === null) return [];
        const byRef = met(slot.ref);
        return byRef.length > 0 ? byRef : met(slot.demo);
      });
      const members = new Map<string, MemberRow>();
      for (const list of perQuery) for (const m of list) if (!members.has(m.person_ref)) members.set(m.person_ref, m);
      return unionByPersonId([await complete([...members.values()], ctx.signal)]);
    },

    async fetchRecords(personIds: readonly string[], ctx: CallContext): Promise<Map<string, SourceRecord[]>> {
      if (ctx.signal.aborted) throw new ConnectorError('TIMEOUT', 'housing record fetch was aborted before it started');
      const unique = [...new Set(personIds)];
      const result = new Map<string, SourceRecord[]>(unique.map((id) => [id, []]));
      // An id that is not a housing person reference is no one we hold: no records, no query.
      const ids = unique.filter((id) => typeof id === 'string' && PERSON_REF.test(id));
      if (ids.length === 0) return result;

      const [tenancies = [], cases = [], placements = [], asb = [], rent = [], possession = []] = await together(ctx.signal, (signal) => [
        runQuery(query, 'tenancy', SQL.tenancies, [ids], signal),
        runQuery(query, 'homelessness case', SQL.homelessnessCases, [ids], signal),
        runQuery(query, 'temporary accommodation', SQL.temporaryAccommodation, [ids], signal),
        runQuery(query, 'anti-social behaviour', SQL.asbCases, [ids], signal),
        runQuery(query, 'rent account', SQL.rentAccounts, [ids], signal),
        runQuery(query, 'possession action', SQL.possessionActions, [ids], signal),
      ]);
      const add = (r: SourceRecord): void => {
        result.get(r.personId)?.push(r);
      };
      for (const row of rowsOf(TenancyRow, tenancies, 'tenancy')) add(tenancyRecord(row, mapping));
      for (const row of rowsOf(HomelessnessRow, cases, 'homelessness case')) add(homelessnessRecord(row, mapping));
      for (const row of rowsOf(PlacementRow, placements, 'temporary accommodation')) add(placementRecord(row, mapping));
      for (const row of rowsOf(AsbRow, asb, 'anti-social behaviour')) add(asbRecord(row, mapping));
      for (const row of rowsOf(RentRow, rent, 'rent account')) add(arrearsRecord(row, mapping));
      for (const row of rowsOf(PossessionRow, possession, 'possession action')) add(possessionRecord(row, mapping));
      for (const list of result.values()) {
        list.sort((a, b) => (a.fields.start ?? '').localeCompare(b.fields.start ?? '') || a.provenance.recordId.localeCompare(b.provenance.recordId));
      }
      return result;
    },

    async health(ctx: CallContext): Promise<ConnectorHealth> {
      try {
        const rows = await runQuery(query, 'health check', 'SELECT count(*)::int AS tenancies FROM tenancies', [], ctx.signal);
        const parsed = z.array(z.object({ tenancies: z.number().int() })).length(1).safeParse(rows);
        return parsed.success ? { ok: true } : { ok: false, detail: 'MALFORMED_RESPONSE' };
      } catch (error) {
        return { ok: false, detail: error instanceof ConnectorError ? error.kind : 'unknown error' };
      }
    },
  };
}
