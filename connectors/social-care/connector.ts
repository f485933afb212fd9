/**
 * The social care connector: a children's social care case management database whose lists are
 * shaped like the Ofsted Annex A lists (see sandbox/social-care/README.md), read by SQL through
 * one injected query function, so PGlite and PostgreSQL (`pg`) both work. Person search by NHS
 * number, social care person id or demographics; record fetch in one query per list for a whole
 * batch of persons.
 */
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
  type PersonQuery,
  type SourcePerson,
  type SourceRecord,
} from '../sdk/index.js';
import { AGENCY, SOCIAL_CARE_CATEGORIES, SYSTEMS, familyRelationship } from './codes.js';
import {
  adoptionRecord,
  assessmentRecord,
  childInNeedRecord,
  contactRecord,
  cpPlanRecord,
  genderHistoryRecord,
  lookedAfterRecord,
  referralRecord,
  section47Record,
  toSourcePerson,
  type MappingContext,
} from './mapping.js';
import {
  AddressRow,
  AdoptionRow,
  AllocationRow,
  AssessmentRow,
  ChildInNeedRow,
  ContactRow,
  CpPlanRow,
  GenderHistoryRow,
  LookedAfterRow,
  PersonIdRow,
  PersonRow,
  PersonRowMatched,
  ReferralRow,
  RelationshipRow,
  SQL,
  SameAddressRow,
  Section47Row,
  personsMatchingAny,
  select,
  squashName,
  type AllocationRowT,
  type PersonPredicate,
  type SqlQuery,
} from './sql.js';
import { setMaxListeners } from 'node:events';
import { z } from 'zod';

export interface SocialCareConnectorOptions {
  /** Runs one parameterised query: `(sql, params) => pool.query(sql, params)` for `pg`. */
  query: SqlQuery;
  /** Provenance `system` for records, e.g. the case management system's URL. */
  system?: string;
  /** Identifier system of the case management system's person ids. */
  personIdSystem?: string;
  /** The front door (MASH / duty team): who to contact when no worker is allocated. */
  contact?: AgencyContact;
  /** A person search matching more persons than this is refused as too broad. Default 50. */
  maxPersonMatches?: number;
  /** An address search finding more persons than this is refused as too broad. Default 50. */
  maxAddressMatches?: number;
  /** Called by the connector's `close()`, e.g. `() => pool.end()` for a `pg` pool the gateway made. */
  close?: () => Promise<void>;
}

const DEFAULT_CONTACT: AgencyContact = { name: "Children's Services Front Door (MASH)", organisation: "Local authority children's social care" };
const PERSON_ID = /^[A-Za-z0-9][A-Za-z0-9\-_.]{0,63}$/;
const FULL_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const PARTIAL_DATE = /^\d{4}(-\d{2}(-\d{2})?)?$/;

/** A first address line as the SQL compares it: lower case, words split by single spaces. */
const line1Key = (value: string): string => value.toLowerCase().replace(/[^a-z0-9]+/g, ' ').trim();
/** A postcode as the SQL compares it: upper case, no spaces. */
const postcodeKey = (value: string): string => value.replace(/\s+/g, '').toUpperCase();

/** NHS number: 10 digits with a Modulus 11 check digit (STANDARDS.md). */
function isValidNhsNumber(value: string): boolean {
  if (!/^\d{10}$/.test(value)) return false;
  let sum = 0;
  for (let i = 0; i < 9; i++) sum += (value.charCodeAt(i) - 48) * (10 - i);
  const check = 11 - (sum % 11);
  const expected = check === 11 ? 0 : check;
  return expected !== 10 && expected === value.charCodeAt(9) - 48;
}

function trimmed(value: string | undefined): string | undefined {
  const t = value?.trim();
  return t ? t : undefined;
}

function swapped(date: string): string | undefined {
  const m = FULL_DATE.exec(date);
  if (!m || m[2] === m[3] || Number(m[3]) > 12) return undefined;
  return `${m[1]}-${m[3]}-${m[2]}`;
}

export function createSocialCareConnector(options: SocialCareConnectorOptions): Connector {
  if (typeof options.query !== 'function') throw new TypeError('createSocialCareConnector: query must be a function');
  const query = options.query;
  const maxPersonMatches = options.maxPersonMatches ?? 50;
  if (!Number.isInteger(maxPersonMatches) || maxPersonMatches < 1) throw new RangeError('createSocialCareConnector: maxPersonMatches must be a positive integer');
  const maxAddressMatches = options.maxAddressMatches ?? 50;
  if (!Number.isInteger(maxAddressMatches) || maxAddressMatches < 1) throw new RangeError('createSocialCareConnector: maxAddressMatches must be a positive integer');
  const contact = options.contact ?? DEFAULT_CONTACT;
  const personIdSystem = options.personIdSystem ?? SYSTEMS.socialCarePersonId;
  const ctxMap: MappingContext = { system: options.system ?? 'urn:mash-gateway:social-care:annex-a-sql', personIdSystem, contact };

  const manifest: ConnectorManifest = {
    agency: AGENCY,
    name: "Children's social care case management (Annex A lists, SQL)",
    version: '0.1.0',
    protocol: 'sql-annex-a',
    identifierSystems: [SYSTEMS.nhsNumber, personIdSystem],
    categories: SOCIAL_CARE_CATEGORIES,
    contact,
  };

  /**
   * What one query asks of the database, or BAD_QUERY where it cannot be searched. Names are
   * squashed; a birth date is asked in both readings of an ambiguous day and month (the gateway's
   * matcher scores the disagreement); the postcode narrows a search without a birth date only.
   */
  function plan(q: PersonQuery): { ids: string[]; nhsNumbers: string[]; demographics?: { family?: string; given?: string; dates?: string[]; postalCode?: string } } {
    const identifiers = q.identifiers ?? [];
    const nhsNumbers = [...new Set(identifiers.filter((i) => i.system === SYSTEMS.nhsNumber).map((i) => i.value.replace(/\s+/g, '')).filter(isValidNhsNumber))];
    const ids = [...new Set(identifiers.filter((i) => i.system === personIdSystem).map((i) => i.value.trim()).filter((v) => PERSON_ID.test(v)))];
    const family = trimmed(q.family);
    const given = trimmed(q.given)?.split(/\s+/)[0];
    const birthDate = trimmed(q.birthDate);
    const postalCode = trimmed(q.postalCode)?.replace(/\s+/g, '').toUpperCase();
    if (birthDate !== undefined && !PARTIAL_DATE.test(birthDate)) throw new ConnectorError('BAD_QUERY', 'social care person search: birth date must be YYYY-MM-DD');
    const demographics = (family !== undefined || given !== undefined) && (birthDate !== undefined || (family !== undefined && given !== undefined));
    if (nhsNumbers.length === 0 && ids.length === 0 && !demographics) {
      throw new ConnectorError('BAD_QUERY', 'social care person search needs a valid NHS number or social care person id, or a name with a birth date, or a full name');
    }
    if (!demographics) return { ids, nhsNumbers };
    const dates = birthDate ? [birthDate, ...(swapped(birthDate) ? [swapped(birthDate) as string] : [])] : undefined;
    return {
      ids,
      nhsNumbers,
      demographics: {
        ...(family ? { family: squashName(family) } : {}),
        ...(given ? { given: squashName(given) } : {}),
        ...(dates ? { dates } : {}),
        ...(postalCode && !dates ? { postalCode } : {}),
      },
    };
  }

  /** A person recorded with a different NHS number from the one asked for is someone else. */
  function sameNhsNumber<R extends { nhs_number?: string | null | undefined }>(rows: R[], nhsNumbers: readonly string[]): R[] {
    return nhsNumbers.length === 0 ? rows : rows.filter((r) => !r.nhs_number || nhsNumbers.includes(r.nhs_number.replace(/\s+/g, '')));
  }

  /** Persons, then their addresses and open allocations: three queries for any number of persons. */
  async function complete(rows: Array<z.infer<typeof PersonRow>>, signal: AbortSignal): Promise<SourcePerson[]> {
    if (rows.length > maxPersonMatches) {
      throw new ConnectorError('BAD_QUERY', 'social care person search matched too many persons; add a birth date or more of the name');
    }
    return completeAll(rows, signal);
  }

  async function completeAll(rows: Array<z.infer<typeof PersonRow>>, signal: AbortSignal): Promise<SourcePerson[]> {
    if (rows.length === 0) return [];
    const ids = rows.map((r) => r.person_id);
    const [addresses, allocations] = await Promise.all([
      select(query, 'address', SQL.addresses, [ids], AddressRow, signal),
      select(query, 'allocation', SQL.allocations, [ids], AllocationRow, signal),
    ]);
    const allocationOf = new Map<string, AllocationRowT>();
    for (const a of allocations) if (!allocationOf.has(a.person_id)) allocationOf.set(a.person_id, a);
    return rows.map((r) =>
      toSourcePerson(
        r,
        addresses.filter((a) => a.person_id === r.person_id),
        allocationOf.get(r.person_id),
        ctxMap,
      ),
    );
  }

  /** Persons by id (any number): the person rows, then addresses and allocations. Unknown ids are absent. */
  async function personsById(ids: readonly string[], signal: AbortSignal): Promise<Map<string, SourcePerson>> {
    const wanted = [...new Set(ids)].filter((id) => typeof id === 'string' && PERSON_ID.test(id));
    const found = new Map<string, SourcePerson>();
    if (wanted.length === 0) return found;
    const rows = await select(query, 'person', SQL.personsById, [wanted, wanted.length], PersonRow, signal);
    if (rows.length === 0) return found;
    const idList = rows.map((r) => r.person_id);
    const [addresses, allocations] = await Promise.all([
      select(query, 'address', SQL.addresses, [idList], AddressRow, signal),
      select(query, 'allocation', SQL.allocations, [idList], AllocationRow, signal),
    ]);
    const allocationOf = new Map<string, AllocationRowT>();
    for (const a of allocations) if (!allocationOf.has(a.person_id)) allocationOf.set(a.person_id, a);
    for (const r of rows) {
      found.set(r.person_id, toSourcePerson(r, addresses.filter((a) => a.person_id === r.person_id), allocationOf.get(r.person_id), ctxMap));
    }
    return found;
  }

  return {
    manifest,

    async householdOf(personIds: readonly string[], ctx: CallContext): Promise<Map<string, HouseholdMember[]>> {
      if (ctx.signal.aborted) throw new ConnectorError('TIMEOUT', 'social care household lookup was aborted before it started');
      const ids = [...new Set(personIds)].filter((id) => typeof id === 'string' && PERSON_ID.test(id));
      const result = new Map<string, HouseholdMember[]>(ids.map((id) => [id, []]));
      if (ids.length === 0) return result;
      const [relationships, sameAddress] = await Promise.all([
        select(query, 'relationship', SQL.relationships, [ids], RelationshipRow, ctx.signal),
        select(query, 'same address', SQL.sameAddress, [ids], SameAddressRow, ctx.signal),
      ]);
      const related = relationships.flatMap((r) => {
        const relationship = familyRelationship(r.relationship);
        return relationship ? [{ row: r, relationship }] : [];
      });
      const persons = await personsById([...related.map((r) => r.row.member_id), ...sameAddress.map((r) => r.member_id)], ctx.signal);
      for (const { row, relationship } of related) {
        const person = persons.get(row.member_id);
        const members = result.get(row.of_id);
        if (!person || !members || members.some((m) => m.person.personId === row.member_id && m.basis === 'related-person')) continue;
        members.push({
          person,
          basis: 'related-person',
          relationship,
          agencyRelationship: row.relationship,
          provenance: { system: ctxMap.system, recordId: `person_relationship/${row.relationship_id}`, asOf: row.last_updated },
        });
      }
      for (const row of sameAddress) {
        const person = persons.get(row.member_id);
        const members = result.get(row.of_id);
        // One entry per member: a related person is not listed again for the address.
        if (!person || !members || members.some((m) => m.person.personId === row.member_id)) continue;
        const address: Address = { line1: row.line1 };
        if (row.line2) address.line2 = row.line2;
        if (row.town) address.city = row.town;
        if (row.postcode) address.postalCode = row.postcode;
        if (row.uprn) address.uprn = row.uprn;
        if (row.since) address.from = row.since;
        members.push({
          person,
          basis: 'same-address',
          relationship: 'household-member',
          agencyRelationship: 'Recorded at the same address',
          address,
          provenance: { system: ctxMap.system, recordId: `person/${row.member_id}`, asOf: row.last_updated },
        });
      }
      return result;
    },

    async personsAtAddress(address: AddressQuery, ctx: CallContext): Promise<SourcePerson[]> {
      const { uprn, line } = checkAddressQuery(address, { label: 'social care', keys: { line1: line1Key, postalCode: postcodeKey } });
      const rows = await select(
        query,
        'address',
        SQL.personsAtAddress,
        [uprn ?? null, line?.line1 ?? null, line?.postalCode ?? null, maxAddressMatches + 1],
        PersonIdRow,
        ctx.signal,
      );
      if (rows.length > maxAddressMatches) throw new ConnectorError('BAD_QUERY', 'social care address search found too many persons at the address');
      const persons = await personsById(rows.map((r) => r.person_id), ctx.signal);
      return rows.map((r) => persons.get(r.person_id)).filter((p): p is SourcePerson => p !== undefined);
    },

    async fetchPersons(personIds: readonly string[], ctx: CallContext): Promise<Map<string, SourcePerson>> {
      if (ctx.signal.aborted) throw new ConnectorError('TIMEOUT', 'social care person fetch was aborted before it started');
      return personsById(personIds, ctx.signal);
    },

    async searchPersons(q: PersonQuery, ctx: CallContext): Promise<SourcePerson[]> {
      const { ids, nhsNumbers, demographics } = plan(q);
      const limit = maxPersonMatches + 1;
      let rows: Array<z.infer<typeof PersonRow>> = [];
      if (ids.length > 0) rows = await select(query, 'person', SQL.personsById, [ids, limit], PersonRow, ctx.signal);
      if (rows.length === 0 && nhsNumbers.length > 0) rows = await select(query, 'person', SQL.personsByNhsNumber, [nhsNumbers, limit], PersonRow, ctx.signal);
      if (rows.length === 0 && demographics) {
        const found = await select(
          query,
          'person',
          SQL.personsByDemographics,
          [demographics.family ?? null, demographics.given ?? null, demographics.dates ?? null, demographics.postalCode ?? null, limit],
          PersonRow,
          ctx.signal,
        );
        rows = sameNhsNumber(found, nhsNumbers);
      }
      return complete(rows, ctx.signal);
    },

    /**
     * The union of `searchPersons` over the queries from one statement: every query's id, NHS
     * number and demographic predicates OR'd, each row saying which it meets. Rows come in
     * person id order, so a predicate's first maxPersonMatches + 1 rows are what its single
     * query would have read; a predicate the limit may have cut short is asked again.
     */
    async searchPersonsAny(queries: readonly PersonQuery[], ctx: CallContext): Promise<SourcePerson[]> {
      const plans = planEach('social care', queries, plan);
      const perPredicate = maxPersonMatches + 1;
      const predicates: PersonPredicate[] = [];
      const slots = plans.map((p) => {
        if (p === null) return null;
        const at = (predicate: PersonPredicate | undefined): number | undefined => (predicate === undefined ? undefined : predicates.push(predicate) - 1);
        return {
          plan: p,
          ids: at(p.ids.length > 0 ? { ids: p.ids } : undefined),
          nhs: at(p.nhsNumbers.length > 0 ? { nhsNumbers: p.nhsNumbers } : undefined),
          demographics: at(p.demographics),
        };
      });
      const answered = new Map<number, Array<z.infer<typeof PersonRow>>>();
      while (answered.size < predicates.length) {
        const asked = predicates.map((p, i) => (answered.has(i) ? null : p));
        const limit = perPredicate * asked.filter((p) => p !== null).length;
        const statement = personsMatchingAny(asked, limit);
        if (statement === null) break;
        const rows = await select(query, 'person', statement.sql, statement.params, PersonRowMatched, ctx.signal);
        const complete = rows.length < limit;
        asked.forEach((p, i) => {
          if (p === null) return;
          const met = rows.filter((r) => r.matched[i] === true).slice(0, perPredicate);
          // Whole when the answer was not cut short, or when the predicate filled its own limit.
          if (complete || met.length === perPredicate) answered.set(i, met);
        });
      }
      const rowsOf = (i: number | undefined) => (i === undefined ? [] : (answered.get(i) ?? []));
      const persons = new Map<string, z.infer<typeof PersonRow>>();
      for (const slot of slots) {
        if (slot === null) continue;
        let rows = rowsOf(slot.ids);
        if (rows.length === 0) rows = rowsOf(slot.nhs);
        if (rows.length === 0) rows = sameNhsNumber(rowsOf(slot.demographics), slot.plan.nhsNumbers);
        // Too many matches: searchPersons refuses the query, so it adds no one.
        if (rows.length > maxPersonMatches) continue;
        for (const row of rows) if (!persons.has(row.person_id)) persons.set(row.person_id, row);
      }
      return completeAll([...persons.values()], ctx.signal);
    },

    async fetchRecords(personIds: readonly string[], ctx: CallContext): Promise<Map<string, SourceRecord[]>> {
      const ids = [...new Set(personIds)];
      if (ids.some((id) => !PERSON_ID.test(id))) throw new ConnectorError('BAD_QUERY', 'social care record fetch: person ids must be social care person ids');
      const result = new Map<string, SourceRecord[]>(ids.map((id) => [id, []]));
      if (ids.length === 0) return result;

      // One query per list for the whole batch; when one fails, stop waiting for the others.
      const cancel = new AbortController();
      const signal = AbortSignal.any([ctx.signal, cancel.signal]);
      // Nine lists, each waiting on the signal (and a client may listen too): not a leak.
      setMaxListeners(32, signal);
      const run = <S extends z.ZodType>(what: string, sql: string, schema: S): Promise<Array<z.infer<S>>> =>
        select(query, what, sql, [ids], schema, signal).catch((error: unknown) => {
          cancel.abort();
          throw error;
        });
      // Promise.all answers with the first failure: its kind, not the siblings' cancellation.
      const lists = await Promise.all([
        run('contact', SQL.contacts, ContactRow),
        run('referral', SQL.referrals, ReferralRow),
        run('assessment', SQL.assessments, AssessmentRow),
        run('section 47', SQL.section47s, Section47Row),
        run('child in need', SQL.childrenInNeed, ChildInNeedRow),
        run('child protection plan', SQL.cpPlans, CpPlanRow),
        run('looked after', SQL.lookedAfter, LookedAfterRow),
        run('adoption', SQL.adoptions, AdoptionRow),
        run('gender history', SQL.genderHistory, GenderHistoryRow),
      ]);
      const [contacts, referrals, assessments, section47s, childrenInNeed, cpPlans, lookedAfter, adoptions, genderHistory] = lists;
      const add = (r: SourceRecord): void => {
        result.get(r.personId)?.push(r);
      };
      for (const r of contacts) add(contactRecord(r, ctxMap));
      for (const r of referrals) add(referralRecord(r, ctxMap));
      for (const r of assessments) add(assessmentRecord(r, ctxMap));
      for (const r of section47s) add(section47Record(r, ctxMap));
      for (const r of childrenInNeed) add(childInNeedRecord(r, ctxMap));
      for (const r of cpPlans) add(cpPlanRecord(r, ctxMap));
      for (const r of lookedAfter) add(lookedAfterRecord(r, ctxMap));
      for (const r of adoptions) add(adoptionRecord(r, ctxMap));
      for (const r of genderHistory) add(genderHistoryRecord(r, ctxMap));
      return result;
    },

    async close(): Promise<void> {
      await options.close?.();
    },

    async health(ctx: CallContext): Promise<ConnectorHealth> {
      try {
        await select(query, 'health', SQL.health, [], z.looseObject({ persons: z.union([z.number(), z.string()]) }), ctx.signal);
        return { ok: true };
      } catch (error) {
        return { ok: false, detail: error instanceof ConnectorError ? error.kind : 'unknown error' };
      }
    },
  };
}
