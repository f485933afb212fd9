/**
 * The education connector: a directory of DfE Common Transfer Files and CSV extracts (the LA's
 * education data hub) as a `Connector`. The directory is re-indexed on each call, so files
 * dropped in are found without a restart; a file that cannot be read is reported by
 * `problems()` and in `health()`, and skipped while everything else loads.
 */
import {
  checkAddressQuery,
  ConnectorError,
  type AddressQuery,
  type AgencyContact,
  type CallContext,
  type Connector,
  type ConnectorHealth,
  type ConnectorManifest,
  type HouseholdMember,
  type PersonQuery,
  type SourcePerson,
  type SourceRecord,
} from '../sdk/index.js';
import { planEach, unionByPersonId } from '../sdk/index.js';
import { FileCatalogue, type CatalogueState, type FileProblem } from './catalogue.js';
import { AGENCY, CONTACT_ID, EDUCATION_CATEGORIES, SYSTEMS } from './codes.js';
import { atAddress, householdOf, line1Key, postcodeKey } from './household.js';
import { nodeDirectory, type DirectoryReader } from './directory.js';
import { fold, foldPostcode, type PupilEntry } from './mapping.js';

/** One education person search: UPNs, and demographics (folded) where the query has them. */
interface PupilSearch {
  upns: string[];
  demographics?: { family: string | undefined; given: string | undefined; birthDate: string | undefined; postalCode: string | undefined };
}
import { isValidUpn, normaliseUpn } from './upn.js';

export interface EducationConnectorOptions {
  /** The directory to index (a local path). Give this or `directory`. */
  dir?: string;
  /** The directory behind another reader (a share, a test double, the sandbox's fault knobs). */
  directory?: DirectoryReader;
  /** Provenance `system` for records; defaults to the directory's location (a `file:` URL). */
  system?: string;
  /** Who to contact at education about withheld information. */
  contact?: AgencyContact;
  /** A person search matching more pupils than this is refused as too broad. Default 50. */
  maxPersonMatches?: number;
  /** Re-list the directory at most this often (0, the default: on every call). */
  minRefreshIntervalMs?: number;
  /** An address search finding more persons than this is refused as too broad. Default 50. */
  maxAddressMatches?: number;
  /**
   * Index in the background (catalogue.ts): the first index starts when the connector is made and
   * finishes however short the callers' timeouts; then calls answer at once from the current
   * index while new and changed files are read every `minRefreshIntervalMs` (default 5 s here).
   * `timeoutMs` abandons a refresh that hangs (default 120 s).
   */
  indexInBackground?: boolean | { timeoutMs?: number };
}

export interface EducationConnector extends Connector {
  /** Files (and pupils or rows within files) left out at the last refresh, with why. No personal data. */
  problems(): readonly FileProblem[];
}

const DEFAULT_CONTACT: AgencyContact = {
  name: 'Education Safeguarding Lead',
  organisation: 'Local authority education safeguarding team',
};

const PARTIAL_DATE = /^\d{4}(-\d{2}(-\d{2})?)?$/;

function trimmed(value: string | undefined): string | undefined {
  const t = value?.trim();
  return t ? t : undefined;
}

function describeProblems(problems: readonly FileProblem[]): string | undefined {
  const skipped = problems.filter((p) => p.skipped === 'file');
  const entries = problems.filter((p) => p.skipped === 'entry');
  const parts: string[] = [];
  if (skipped.length > 0) {
    const shown = skipped.slice(0, 5).map((p) => `${p.file} (${p.reason})`);
    parts.push(`${skipped.length} ${skipped.length === 1 ? 'file' : 'files'} skipped: ${shown.join('; ')}${skipped.length > 5 ? '; ...' : ''}`);
  }
  if (entries.length > 0) parts.push(`${entries.length} ${entries.length === 1 ? 'entry' : 'entries'} left out of otherwise readable files`);
  return parts.length > 0 ? parts.join('; ') : undefined;
}

export function createEducationConnector(options: EducationConnectorOptions): EducationConnector {
  if ((options.dir === undefined) === (options.directory === undefined)) {
    throw new TypeError('createEducationConnector: give exactly one of dir or directory');
  }
  const directory = options.directory ?? nodeDirectory(options.dir as string);
  const maxPersonMatches = options.maxPersonMatches ?? 50;
  if (!Number.isInteger(maxPersonMatches) || maxPersonMatches < 1) throw new RangeError('createEducationConnector: maxPersonMatches must be a positive integer');
  const maxAddressMatches = options.maxAddressMatches ?? 50;
  if (!Number.isInteger(maxAddressMatches) || maxAddressMatches < 1) throw new RangeError('createEducationConnector: maxAddressMatches must be a positive integer');
  const contact = options.contact ?? DEFAULT_CONTACT;
  const background = options.indexInBackground ? { timeoutMs: (typeof options.indexInBackground === 'object' ? options.indexInBackground.timeoutMs : undefined) ?? 120_000 } : undefined;
  const catalogue = new FileCatalogue(directory, { system: options.system ?? directory.location, fallbackContact: contact }, options.minRefreshIntervalMs ?? (background ? 5_000 : 0), background);
  catalogue.warm();

  const manifest: ConnectorManifest = {
    agency: AGENCY,
    name: 'County education data hub (DfE Common Transfer Files and attendance extracts)',
    version: '0.1.0',
    protocol: 'dfe-ctf-files',
    identifierSystems: [SYSTEMS.upn],
    categories: EDUCATION_CATEGORIES,
    contact,
  };

  /** The index, refusing to answer from a directory where no CTF could be read. */
  async function usable(signal: AbortSignal): Promise<CatalogueState> {
    const state = await catalogue.current(signal);
    if (state.ctfFiles > 0 && state.validCtfFiles === 0) {
      throw new ConnectorError('MALFORMED_RESPONSE', `education directory holds ${state.ctfFiles} Common Transfer Files and none could be read`);
    }
    return state;
  }

  function matches(entry: PupilEntry, family: string | undefined, given: string | undefined, birthDate: string | undefined, postalCode: string | undefined): boolean {
    const { keys } = entry;
    if (family !== undefined && !keys.families.some((f) => f.startsWith(family))) return false;
    if (given !== undefined && !keys.givens.some((g) => g.startsWith(given))) return false;
    if (birthDate !== undefined && !keys.birthDates.some((d) => d.startsWith(birthDate))) return false;
    if (postalCode !== undefined && !keys.postcodes.some((p) => p.startsWith(postalCode))) return false;
    return true;
  }

  /**
   * What one query asks of the index, or BAD_QUERY where it cannot be searched. Names and
   * postcodes are folded; the postcode narrows a search without a birth date only: with one, it
   * would hide pupils whose school still holds the address before a move.
   */
  function planOf(query: PersonQuery): PupilSearch {
    const upns = [
      ...new Set(
        (query.identifiers ?? [])
          .filter((i) => i.system === SYSTEMS.upn)
          .map((i) => normaliseUpn(i.value))
          .filter(isValidUpn),
      ),
    ];
    const family = trimmed(query.family);
    const given = trimmed(query.given);
    const birthDate = trimmed(query.birthDate);
    const postalCode = trimmed(query.postalCode);
    if (birthDate !== undefined && !PARTIAL_DATE.test(birthDate)) {
      throw new ConnectorError('BAD_QUERY', 'education person search: birth date must be YYYY-MM-DD');
    }
    const demographics = (family !== undefined || given !== undefined) && (birthDate !== undefined || (family !== undefined && given !== undefined));
    if (upns.length === 0 && !demographics) {
      throw new ConnectorError('BAD_QUERY', 'education person search needs a valid UPN, or a name with a birth date, or a full name');
    }
    if (!demographics) return { upns };
    return {
      upns,
      demographics: {
        family: family !== undefined ? fold(family) : undefined,
        given: given !== undefined ? fold(given) : undefined,
        birthDate,
        postalCode: postalCode !== undefined && birthDate === undefined ? foldPostcode(postalCode) : undefined,
      },
    };
  }

  /**
   * Each search's pupils: by UPN (current or former), else by demographics, all the demographic
   * searches in one pass over the index. Null for a search matching more than maxPersonMatches.
   */
  function searchIndex(index: CatalogueState['index'], plans: readonly (PupilSearch | null)[]): (PupilEntry[] | null)[] {
    const results: (PupilEntry[] | null)[] = plans.map((plan) => {
      if (plan === null) return [];
      const found: PupilEntry[] = [];
      for (const upn of plan.upns) {
        const entry = index.persons.get(upn) ?? index.persons.get(index.formerUpns.get(upn) ?? '');
        if (entry && !found.includes(entry)) found.push(entry);
      }
      return found;
    });
    const scanning = plans.flatMap((plan, i) => (plan?.demographics !== undefined && results[i]!.length === 0 ? [i] : []));
    if (scanning.length === 0) return results.map((found) => found?.slice(0, maxPersonMatches) ?? null);
    for (const entry of index.persons.values()) {
      for (const i of scanning) {
        const found = results[i];
        if (found === null || found === undefined) continue;
        const plan = plans[i]!;
        const d = plan.demographics!;
        if (!matches(entry, d.family, d.given, d.birthDate, d.postalCode)) continue;
        // A pupil with a different UPN from the one asked for is someone else.
        if (plan.upns.length > 0 && !entry.person.identifiers.some((id) => plan.upns.includes(id.value))) continue;
        found.push(entry);
        if (found.length > maxPersonMatches) results[i] = null;
      }
    }
    return results.map((found) => found?.slice(0, maxPersonMatches) ?? null);
  }

  /** A pupil (by current UPN) or a contact (by contact id) of the index. */
  function personOf(state: CatalogueState, personId: string): SourcePerson | undefined {
    if (typeof personId !== 'string') return undefined;
    if (isValidUpn(personId)) return state.index.persons.get(personId)?.person;
    return CONTACT_ID.test(personId) ? state.index.household.contacts.get(personId)?.person : undefined;
  }

  /** Ids worth looking up: current UPNs and contact ids; anything else is no one we hold. */
  function lookupIds(personIds: readonly string[]): string[] {
    return [...new Set(personIds)].filter((id) => typeof id === 'string' && (isValidUpn(id) || CONTACT_ID.test(id)));
  }

  return {
    manifest,

    problems: () => catalogue.problems(),

    async close() {
      catalogue.close();
    },

    async householdOf(personIds: readonly string[], ctx: CallContext): Promise<Map<string, HouseholdMember[]>> {
      if (ctx.signal.aborted) throw new ConnectorError('TIMEOUT', 'education household lookup was aborted before it started');
      const ids = lookupIds(personIds);
      const result = new Map<string, HouseholdMember[]>(ids.map((id) => [id, []]));
      if (ids.length === 0) return result;
      const state = await usable(ctx.signal);
      for (const id of ids) {
        if (!personOf(state, id)) continue;
        result.set(id, householdOf(state.index.household, id, (other) => personOf(state, other)));
      }
      return result;
    },

    async personsAtAddress(address: AddressQuery, ctx: CallContext): Promise<SourcePerson[]> {
      const { uprn, line } = checkAddressQuery(address, { label: 'education', keys: { line1: line1Key, postalCode: postcodeKey } });
      const lineKey = line ? `${line.line1}|${line.postalCode}` : undefined;
      if (ctx.signal.aborted) throw new ConnectorError('TIMEOUT', 'education address search was aborted before it started');
      const state = await usable(ctx.signal);
      const found = atAddress(state.index.household, { ...(uprn ? { uprn } : {}), ...(lineKey ? { lineKey } : {}) });
      if (found.length > maxAddressMatches) throw new ConnectorError('BAD_QUERY', 'education address search found too many people at the address');
      return found.map((l) => personOf(state, l.personId)).filter((p): p is SourcePerson => p !== undefined);
    },

    async fetchPersons(personIds: readonly string[], ctx: CallContext): Promise<Map<string, SourcePerson>> {
      if (ctx.signal.aborted) throw new ConnectorError('TIMEOUT', 'education person fetch was aborted before it started');
      const ids = lookupIds(personIds);
      const found = new Map<string, SourcePerson>();
      if (ids.length === 0) return found;
      const state = await usable(ctx.signal);
      for (const id of ids) {
        const person = personOf(state, id);
        if (person) found.set(id, person);
      }
      return found;
    },

    async searchPersons(query: PersonQuery, ctx: CallContext): Promise<SourcePerson[]> {
      const plan = planOf(query);
      if (ctx.signal.aborted) throw new ConnectorError('TIMEOUT', 'education person search was aborted before it started');
      const { index } = await usable(ctx.signal);
      const [found] = searchIndex(index, [plan]);
      if (found === null) throw new ConnectorError('BAD_QUERY', 'education person search matched too many pupils; add a birth date or more of the name');
      return found!.map((e) => e.person);
    },

    /** The union of `searchPersons` over the queries, from one pass over the index. */
    async searchPersonsAny(queries: readonly PersonQuery[], ctx: CallContext): Promise<SourcePerson[]> {
      const plans = planEach('education', queries, planOf);
      if (ctx.signal.aborted) throw new ConnectorError('TIMEOUT', 'education person search was aborted before it started');
      const { index } = await usable(ctx.signal);
      const found = searchIndex(index, plans);
      return unionByPersonId(found.map((entries) => (entries ?? []).map((e) => e.person)));
    },

    async fetchRecords(personIds: readonly string[], ctx: CallContext): Promise<Map<string, SourceRecord[]>> {
      if (ctx.signal.aborted) throw new ConnectorError('TIMEOUT', 'education record fetch was aborted before it started');
      const ids = [...new Set(personIds)];
      const result = new Map<string, SourceRecord[]>(ids.map((id) => [id, []]));
      // An id that is not a UPN is no pupil of ours: no records, and nothing to read.
      const upns = ids.filter((id) => typeof id === 'string' && isValidUpn(id));
      if (upns.length === 0) return result;
      const { index } = await usable(ctx.signal);
      for (const id of upns) result.set(id, [...(index.records.get(id) ?? [])]);
      return result;
    },

    async health(ctx: CallContext): Promise<ConnectorHealth> {
      try {
        const state = await usable(ctx.signal);
        const detail = describeProblems(state.problems);
        if (state.validCtfFiles === 0) return { ok: false, detail: 'no Common Transfer Files in the directory' };
        return detail ? { ok: true, detail } : { ok: true };
      } catch (error) {
        return { ok: false, detail: error instanceof ConnectorError ? error.kind : 'unknown error' };
      }
    },
  };
}
