import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHILD_ID_SYSTEM, createSchoolNursingConnector, InMemorySchoolNursingSystem, conformance as exampleConformance } from '../../connectors/example/index.js';
import { SOURCE_SYSTEM } from '../../connectors/example/connector.js';
import { createHealthConnector } from '../../connectors/health/index.js';
import {
  checkConnector,
  ConnectorError,
  ORGANISATION_SYSTEMS,
  formatConformanceReport,
  isQueryRefusal,
  unionByPersonId,
  type ConformanceFault,
  type ConformanceReport,
  type ConformanceSamples,
  type Address,
  type AddressQuery,
  type CallContext,
  type Connector,
  type HouseholdBasis,
  type HouseholdCapability,
  type HouseholdMember,
  type HouseholdRelationship,
  type SourcePerson,
  type SourceRecord,
} from '../../connectors/sdk/index.js';
import { generateCounty, type County } from '../../sandbox/county/index.js';
import { startHealthServer } from '../../sandbox/health/index.js';
import { createHousingConnector } from '../../connectors/housing/index.js';
import { startHousingSystem } from '../../sandbox/housing/index.js';
import { createSocialCareConnector } from '../../connectors/social-care/index.js';
import { createEducationConnector } from '../../connectors/education/index.js';
import { startEducationSystem, upnCheckLetter } from '../../sandbox/education/index.js';
import { startSocialCareDatabase } from '../../sandbox/social-care/index.js';

/**
 * Every agency's connector passes the conformance kit against its simulated system, inside
 * `npm test`. Adding an agency is one entry in AGENCIES: how to start its simulator on the shared
 * county and build its connector. Samples are found from the county's featured household (see
 * featuredSamples); an entry may give `samples` of its own where that is not enough.
 */

interface SystemUnderTest {
  connector: Connector;
  close(): Promise<void>;
  faults?: ConformanceFault[];
  samples?: Partial<ConformanceSamples>;
}

interface AgencyUnderTest {
  agency: string;
  start(county: County): Promise<SystemUnderTest>;
}

interface HttpSimulator {
  baseUrl: string;
  close(): Promise<void>;
  setFaults(faults: { errorRate?: number; malformed?: boolean; hang?: boolean }): void;
}

/** An agency whose simulator is an HTTP server with the sandbox's fault switches (health, police): 5xx, malformed, hang. */
function overHttp(
  agency: string,
  start: (options: { county: County }) => Promise<HttpSimulator>,
  connect: (baseUrl: string) => Connector,
  household?: (county: County) => Record<string, string[]>,
): AgencyUnderTest {
  return {
    agency,
    async start(county) {
      const server = await start({ county });
      return {
        connector: connect(server.baseUrl),
        close: () => server.close(),
        ...(household ? { samples: { household: household(county) } } : {}),
        faults: [
          { name: 'HTTP 500', expect: 'UPSTREAM_ERROR', apply: () => server.setFaults({ errorRate: 1 }), clear: () => server.setFaults({}) },
          { name: 'malformed payload', expect: 'MALFORMED_RESPONSE', apply: () => server.setFaults({ malformed: true }), clear: () => server.setFaults({}) },
          // The kit aborts each call at its timeoutMs; the connector must turn that into TIMEOUT.
          { name: 'system hangs', expect: 'TIMEOUT', apply: () => server.setFaults({ hang: true }), clear: () => server.setFaults({}) },
        ],
      };
    },
  };
}

/** An agency whose simulator is a SQL database with the sandbox's fault switches (housing, social care). */
function sqlFaults(system: { setFaults(faults: { errorRate?: number; malformed?: boolean; hang?: boolean; unreachable?: boolean }): void }): ConformanceFault[] {
  return [
    { name: 'SQL error', expect: 'UPSTREAM_ERROR', apply: () => system.setFaults({ errorRate: 1 }), clear: () => system.setFaults({}) },
    { name: 'rows of the wrong shape', expect: 'MALFORMED_RESPONSE', apply: () => system.setFaults({ malformed: true }), clear: () => system.setFaults({}) },
    { name: 'database hangs', expect: 'TIMEOUT', apply: () => system.setFaults({ hang: true }), clear: () => system.setFaults({}) },
    { name: 'connection lost', expect: 'UNREACHABLE', apply: () => system.setFaults({ unreachable: true }), clear: () => system.setFaults({}) },
  ];
}

/**
 * The household fixture from the county truth: for each featured household member the agency
 * holds, the agency ids of the other members it holds (`idsOf`: true person id -> agency ids).
 */
function featuredHouseholdFixture(county: County, idsOf: (personId: string) => readonly string[]): Record<string, string[]> {
  const members = county.householdsById.get(county.featured.householdId)!.memberIds;
  const fixture: Record<string, string[]> = {};
  for (const id of members) {
    for (const own of idsOf(id)) {
      const others = members.filter((m) => m !== id).flatMap((m) => idsOf(m));
      if (others.length > 0) fixture[own] = others;
    }
  }
  return fixture;
}

const AGENCIES: AgencyUnderTest[] = [
  overHttp('health', startHealthServer, (baseUrl) => createHealthConnector({ baseUrl }), (c) =>
    featuredHouseholdFixture(c, (personId) => {
      const patientId = c.views.health.patientIdByPersonId.get(personId);
      return patientId ? [patientId] : [];
    }),
  ),
  // overHttp('police', startPoliceServer, (baseUrl) => createPoliceConnector({ baseUrl })),
  {
    agency: 'education',
    async start(county) {
      const system = await startEducationSystem({ county });
      const view = county.views.education;
      /** A pupil's UPN; an adult's contact id (the first pupil, in UPN order, listing them). */
      const idsOf = (personId: string): string[] => {
        const upn = view.upnByPersonId.get(personId);
        if (upn) return [upn];
        const listing = view.pupils.flatMap((p) => p.contacts.filter((c) => c.personId === personId).map((c) => ({ upn: p.upn, order: c.order })));
        const first = listing.sort((a, b) => a.upn.localeCompare(b.upn))[0];
        return first ? [`${first.upn}/contact/${first.order}`] : [];
      };
      return {
        connector: createEducationConnector({ directory: system.files }),
        close: () => system.close(),
        faults: [
          { name: 'unreadable directory', expect: 'UNREACHABLE', apply: () => system.setFaults({ unreadable: true }), clear: () => system.setFaults({}) },
          { name: 'directory hangs', expect: 'TIMEOUT', apply: () => system.setFaults({ hang: true }), clear: () => system.setFaults({}) },
        ],
        samples: {
          household: featuredHouseholdFixture(county, idsOf),
          // The featured child is the household's only pupil: a second pupil for the batch checks.
          knownPersonIds: [view.upnByPersonId.get(county.featured.child.id)!, view.pupils.find((p) => p.personId !== county.featured.child.id)!.upn],
          unknownPersonId: `${upnCheckLetter('980200199999')}980200199999`,
        },
      };
    },
  },
  {
    agency: 'housing',
    async start(county) {
      const system = await startHousingSystem({ county });
      const view = county.views.housing;
      return {
        connector: createHousingConnector({ query: system.query }),
        close: () => system.close(),
        faults: sqlFaults(system),
        samples: { household: featuredHouseholdFixture(county, (personId) => view.personRefsByPersonId.get(personId) ?? []), unknownPersonId: 'T999999/1' },
      };
    },
  },
  {
    agency: 'social-care',
    async start(county) {
      const db = await startSocialCareDatabase({ county });
      const view = county.views.socialCare;
      const id = (personId: string) => view.socialCarePersonIdByPersonId.get(personId);
      return {
        connector: createSocialCareConnector({ query: db.query }),
        close: () => db.close(),
        faults: sqlFaults(db),
        samples: { household: featuredHouseholdFixture(county, (personId) => (id(personId) ? [id(personId)!] : [])), unknownPersonId: '9999999' },
      };
    },
  },
];

const county = generateCounty({ seed: 1, households: 120 });

/**
 * Samples from the featured household (a child known to every agency, her mother, the mother's
 * partner, a baby): each member found by name and birth date; the identifiers those searches
 * return (one per declared system); the ids of members who have records.
 */
async function featuredSamples(connector: Connector): Promise<ConformanceSamples> {
  const { child, parent, partner, sibling } = county.featured;
  const ctx = () => ({ signal: AbortSignal.timeout(10_000), requestId: 'conformance-samples' });
  const query = (p: typeof child) => ({ family: p.family, given: p.given[0]!, birthDate: p.birthDate });
  const found: SourcePerson[] = [];
  for (const member of [child, parent, partner, sibling]) {
    const persons = await connector.searchPersons(query(member), ctx()).catch(() => []);
    found.push(...persons);
  }
  const identifiers = connector.manifest.identifierSystems.flatMap((system) => {
    const identifier = found.flatMap((p) => p.identifiers).find((i) => i.system === system);
    return identifier ? [identifier] : [];
  });
  const knownPersonIds: string[] = [];
  for (const personId of new Set(found.map((p) => p.personId))) {
    const records = await connector.fetchRecords([personId], ctx()).catch(() => new Map<string, SourceRecord[]>());
    if ((records.get(personId) ?? []).length > 0) knownPersonIds.push(personId);
  }
  return { identifiers, demographics: query(child), knownPersonIds };
}

const failures = (report: ConformanceReport) => report.checks.filter((c) => c.status === 'fail').map((c) => `${c.id}: ${c.reason}`);

describe.each(AGENCIES)('the $agency connector against its simulator', ({ start }) => {
  let system: SystemUnderTest;
  beforeAll(async () => {
    system = await start(county);
  });
  afterAll(async () => {
    await system?.close();
    await system?.connector.close?.();
  });

  it('passes the conformance kit', async () => {
    const samples = { ...(await featuredSamples(system.connector)), ...system.samples };
    const report = await checkConnector(system.connector, { samples, faults: system.faults ?? [], timeoutMs: 1000 });
    expect(failures(report), formatConformanceReport(report)).toEqual([]);
    expect(report.checks.map((c) => c.id)).toEqual(expect.arrayContaining(['fetch.batch', 'records.shape', 'timeout.aborted', 'errors.mapped']));
    // Every built-in connector answers the search passes in one request, equal to the single searches.
    expect(statusOf(report, 'search.any')?.reason).toMatch(/one call found the [1-9]\d* person/);
    if (samples.household !== undefined) {
      // The household checks ran, and the featured household was checked against the truth.
      expect(Object.keys(samples.household).length).toBeGreaterThan(0);
      for (const id of ['household.members', 'household.fixture', 'persons.fetch', 'address.empty-query', 'address.search']) {
        expect(statusOf(report, id)?.status, id).toBe('pass');
      }
    }
  });
});

// ---- the kit itself: it must fail connectors that break the contract ----------------------

/** The worked example over a fresh in-memory system, with one part replaced. */
function exampleWith(change: (connector: Connector) => Partial<Connector>): Connector {
  const connector = createSchoolNursingConnector({ system: new InMemorySchoolNursingSystem() });
  return { ...connector, ...change(connector) };
}

const samples = exampleConformance.samples;
const check = (connector: Connector, overrides: Partial<ConformanceSamples> = {}, timeoutMs = 1000) =>
  checkConnector(connector, { samples: { ...samples, ...overrides }, timeoutMs });
const statusOf = (report: ConformanceReport, id: string) => report.checks.find((c) => c.id === id);

/** Rewrites every record a connector returns. */
const mapRecords = (connector: Connector, f: (r: SourceRecord) => unknown): Partial<Connector> => ({
  async fetchRecords(ids, ctx) {
    const result = await connector.fetchRecords(ids, ctx);
    return new Map([...result].map(([k, records]) => [k, records.map(f) as SourceRecord[]]));
  },
});

describe('the conformance kit', () => {
  it('checks an optional searchPersonsAny against the single searches: a true union passes, a short or repeating answer fails', async () => {
    /** Several queries answered through the single search: the union by construction. */
    const union = (c: Connector): Partial<Connector> => ({
      async searchPersonsAny(queries, ctx) {
        const lists: SourcePerson[][] = [];
        for (const q of queries) {
          try {
            lists.push(await c.searchPersons(q, ctx));
          } catch (error) {
            if (!isQueryRefusal(error)) throw error;
          }
        }
        if (lists.length === 0) throw new ConnectorError('BAD_QUERY', 'no query can be searched');
        return unionByPersonId(lists);
      },
    });
    const passing = await check(exampleWith(union));
    expect(statusOf(passing, 'search.any')).toMatchObject({ status: 'pass', reason: expect.stringMatching(/one call found the [1-9]\d* person/) });
    const missing = await check(exampleWith(() => ({ searchPersonsAny: async () => [] })));
    expect(statusOf(missing, 'search.any')).toMatchObject({ status: 'fail', reason: expect.stringContaining('missed') });
    const repeating = await check(
      exampleWith((c) => ({
        async searchPersonsAny(queries, ctx) {
          const found = await union(c).searchPersonsAny!(queries, ctx);
          return [...found, ...found];
        },
      })),
    );
    expect(statusOf(repeating, 'search.any')).toMatchObject({ status: 'fail', reason: expect.stringContaining('more than once') });
    expect(statusOf(await check(exampleWith(() => ({}))), 'search.any')).toMatchObject({ status: 'pass', reason: expect.stringContaining('not declared') });
  });

  it('passes the worked example, every check with a reason', async () => {
    const report = await check(createSchoolNursingConnector({ system: new InMemorySchoolNursingSystem() }));
    expect(failures(report)).toEqual([]);
    expect(report).toMatchObject({ agency: 'school-nursing', passed: true });
    for (const c of report.checks) expect(c.reason).not.toBe('');
  });

  it('fails something that is not a Connector', async () => {
    const report = await checkConnector({ manifest: {} } as unknown as Connector, { samples });
    expect(report.passed).toBe(false);
    expect(report.checks).toEqual([expect.objectContaining({ id: 'contract', status: 'fail' })]);
  });

  it('fails a manifest with a foreign category id, an unknown tier, a non-canonical field and no identity category', async () => {
    const report = await check(
      exampleWith((c) => ({
        manifest: {
          ...c.manifest,
          identifierSystems: [...c.manifest.identifierSystems, 'not a uri'],
          contact: { name: '' },
          categories: [
            { id: 'health.summary', tier: 'T1', kinds: ['event'], fields: ['type'], description: 'x' },
            { id: 'school-nursing.summary', tier: 'T9' as 'T1', kinds: ['involvement', 'event'], fields: ['type', 'diagnosis' as 'type'], description: 'x' },
          ],
        },
      })),
    );
    expect(statusOf(report, 'manifest.categories')).toMatchObject({ status: 'fail', reason: expect.stringMatching(/"health.summary": id must be "school-nursing.<name>"/) });
    expect(statusOf(report, 'manifest.categories')!.reason).toMatch(/tier must be one of T0/);
    expect(statusOf(report, 'manifest.categories')!.reason).toMatch(/fields "diagnosis" are not canonical record fields/);
    expect(statusOf(report, 'manifest.identity')).toMatchObject({ status: 'fail', reason: expect.stringMatching(/no "school-nursing.identity" category/) });
    expect(statusOf(report, 'manifest.identifier-systems')).toMatchObject({ status: 'fail', reason: expect.stringMatching(/"not a uri" is not a URI/) });
    expect(statusOf(report, 'manifest.contact')!.status).toBe('fail');
    expect(statusOf(report, 'records.shape')).toMatchObject({ status: 'fail', reason: expect.stringMatching(/not declared in the manifest/) });
  });

  it('fails records with the wrong tier, an undeclared or non-canonical field, or no as-of time', async () => {
    const report = await check(
      exampleWith((c) =>
        mapRecords(c, (r) =>
          r.category === 'school-nursing.emotional-health'
            ? { ...r, tier: 'T1' }
            : r.kind === 'event'
              ? { ...r, fields: { ...r.fields, narrative: 'free text', nhsNumber: '9990000018' } }
              : { ...r, provenance: { ...r.provenance, asOf: 'yesterday' } },
        ),
      ),
    );
    const reason = statusOf(report, 'records.shape')!.reason;
    expect(statusOf(report, 'records.shape')!.status).toBe('fail');
    expect(reason).toMatch(/tier T1 differs from its category's T3/);
    expect(reason).toMatch(/field "narrative" is not declared for school-nursing.summary/);
    expect(reason).toMatch(/field "nhsNumber" is not in RECORD_FIELDS/);
    expect(reason).toMatch(/provenance.asOf is not an ISO 8601 date-time/);
  });

  it('fails a provenance organisation that is not { system, value }, or a LAESTAB that is not 7 digits', async () => {
    const report = await check(
      exampleWith((c) =>
        mapRecords(c, (r) =>
          r.kind === 'event'
            ? { ...r, provenance: { ...r.provenance, organisation: { system: ORGANISATION_SYSTEMS.laestab, value: '98-04001' } } }
            : { ...r, provenance: { ...r.provenance, organisation: { system: '', value: '9804001', name: 'Marlbridge High' } as never } },
        ),
      ),
    );
    const reason = statusOf(report, 'records.shape')!.reason;
    expect(statusOf(report, 'records.shape')!.status).toBe('fail');
    expect(reason).toMatch(/provenance.organisation.value is not a DfE LAESTAB \(7 digits\)/);
    expect(reason).toMatch(/provenance.organisation.system is missing/);
    expect(reason).toMatch(/provenance.organisation has non-canonical key "name"/);
  });

  it('fails search results that are not SourcePersons', async () => {
    const report = await check(
      exampleWith((c) => ({
        async searchPersons(query, ctx) {
          const persons = await c.searchPersons(query, ctx);
          return persons.map(({ provenance: _p, ...p }) => ({ ...p, gender: 'F', nhsNumber: 'x' })) as never;
        },
      })),
    );
    const reason = statusOf(report, 'search.person-shape')!.reason;
    expect(reason).toMatch(/non-canonical key "nhsNumber"/);
    expect(reason).toMatch(/gender must be an NHS stated gender code/);
    expect(reason).toMatch(/provenance is missing/);
  });

  it('fails a batch fetch that is not a Map, or that differs from fetching one by one', async () => {
    const notAMap = await check(exampleWith(() => ({ fetchRecords: async () => ({}) as never })));
    expect(statusOf(notAMap, 'fetch.batch')).toMatchObject({ status: 'fail', reason: expect.stringMatching(/must answer a Map/) });

    const firstOnly = await check(
      exampleWith((c) => ({
        fetchRecords: (ids, ctx) => c.fetchRecords(ids.slice(0, 1), ctx),
      })),
    );
    expect(statusOf(firstOnly, 'fetch.batch')).toMatchObject({ status: 'fail', reason: expect.stringMatching(/no records for "sn-1002"/) });
    expect(statusOf(firstOnly, 'fetch.batch-consistent')).toMatchObject({ status: 'fail', reason: expect.stringMatching(/"sn-1002" alone has different records/) });
  });

  it('fails a connector that treats an unknown person as an error', async () => {
    const report = await check(
      exampleWith((c) => ({
        async fetchRecords(ids, ctx) {
          if (ids.includes('sn-9999')) throw new ConnectorError('UPSTREAM_ERROR', 'HTTP 404');
          return c.fetchRecords(ids, ctx);
        },
      })),
    );
    expect(statusOf(report, 'fetch.unknown-person')).toMatchObject({ status: 'fail', reason: expect.stringMatching(/rejected with ConnectorError UPSTREAM_ERROR/) });
  });

  it('fails a connector that ignores an aborted signal, or reports it as a raw AbortError', async () => {
    const ignores = await check(
      exampleWith((c) => ({
        searchPersons: (query, ctx) => c.searchPersons(query, { ...ctx, signal: new AbortController().signal }),
      })),
    );
    expect(statusOf(ignores, 'timeout.aborted')).toMatchObject({ status: 'fail', reason: expect.stringMatching(/searchPersons with an aborted signal answered instead of rejecting/) });

    const raw = await check(
      exampleWith((c) => ({
        async fetchRecords(ids, ctx) {
          ctx.signal.throwIfAborted();
          return c.fetchRecords(ids, ctx);
        },
      })),
    );
    expect(statusOf(raw, 'timeout.aborted')).toMatchObject({ status: 'fail', reason: expect.stringMatching(/rejected with AbortError .*not TIMEOUT/) });
    expect(statusOf(raw, 'errors.mapped')).toMatchObject({ status: 'fail', reason: expect.stringMatching(/fetchRecords: AbortError/) });
  });

  it('reports a call that never settles instead of hanging', async () => {
    const report = await check(exampleWith(() => ({ fetchRecords: () => new Promise(() => undefined) })), {}, 100);
    expect(report.passed).toBe(false);
    expect(statusOf(report, 'fetch.batch')).toMatchObject({ status: 'fail', reason: expect.stringMatching(/did not settle within 200 ms/) });
    expect(statusOf(report, 'timeout.aborted')!.reason).toMatch(/fetchRecords with an aborted signal had not settled after 100 ms/);
  });

  it('fails a connector whose errors are not ConnectorErrors', async () => {
    const report = await check(
      exampleWith(() => ({
        searchPersons: async () => {
          throw new TypeError('Cannot read properties of undefined');
        },
      })),
    );
    expect(statusOf(report, 'errors.mapped')).toMatchObject({ status: 'fail', reason: expect.stringMatching(/searchPersons: TypeError/) });
  });

  it('says which sample to add when one is missing', async () => {
    const report = await checkConnector(createSchoolNursingConnector({ system: new InMemorySchoolNursingSystem() }), { samples: { knownPersonIds: ['sn-1001'] } });
    expect(statusOf(report, 'search.identifier:https://fhir.nhs.uk/Id/nhs-number')!.reason).toMatch(/add an identifier of system "https:\/\/fhir.nhs.uk\/Id\/nhs-number" to samples.identifiers/);
    expect(statusOf(report, 'search.demographics')!.reason).toMatch(/add samples.demographics/);
    expect(statusOf(report, 'fetch.batch')!.reason).toMatch(/at least two persons who have records/);
  });

  it('checks injected faults map to the expected ConnectorError kind', async () => {
    const system = new InMemorySchoolNursingSystem();
    const connector = createSchoolNursingConnector({ system });
    const wrongExpectation: ConformanceFault = { name: 'down', expect: 'UPSTREAM_ERROR', apply: () => void (system.fault = 'down'), clear: () => void (system.fault = 'none') };
    const report = await checkConnector(connector, { samples, faults: [wrongExpectation] });
    expect(statusOf(report, 'errors.fault:down')).toMatchObject({ status: 'fail', reason: expect.stringMatching(/rejected with ConnectorError UNREACHABLE .*expected ConnectorError UPSTREAM_ERROR/) });
    expect(system.fault).toBe('none');
  });
});

// ---- the household capability (optional) ---------------------------------------------------

/** Addresses the fake household capability records (the example system holds postcodes only). */
const HOMES: Record<string, Address> = {
  'sn-1001': { line1: '4 Mill Lane', postalCode: 'MB1 2AB', uprn: '100012345678' },
  'sn-1002': { line1: '4 Mill Lane', postalCode: 'MB1 2AB', uprn: '100012345678' },
  'sn-1003': { line1: '9 Quarry Road', postalCode: 'MB4 7QT' },
};

/**
 * The worked example with a household capability over its in-memory system: the two Ashdown
 * children are siblings at one address. `change` replaces parts of the capability.
 */
function exampleWithHousehold(change: (capability: HouseholdCapability) => Partial<Connector> = () => ({})): Connector {
  const base = createSchoolNursingConnector({ system: new InMemorySchoolNursingSystem() });
  const personsById = async (ids: readonly string[], ctx: CallContext): Promise<Map<string, SourcePerson>> => {
    const result = new Map<string, SourcePerson>();
    for (const id of new Set(ids)) {
      const [person] = await base.searchPersons({ identifiers: [{ system: CHILD_ID_SYSTEM, value: id }] }, ctx);
      if (person) result.set(id, { ...person, addresses: HOMES[id] ? [HOMES[id]] : [] });
    }
    return result;
  };
  const capability: HouseholdCapability = {
    fetchPersons: personsById,
    async householdOf(ids, ctx) {
      if (ctx.signal.aborted) throw new ConnectorError('TIMEOUT', 'cancelled');
      const everyone = await personsById(Object.keys(HOMES), ctx);
      const result = new Map<string, HouseholdMember[]>();
      for (const id of new Set(ids)) {
        const home = HOMES[id];
        const members: HouseholdMember[] = [];
        for (const [otherId, person] of everyone) {
          if (otherId === id || !home?.uprn || HOMES[otherId]?.uprn !== home.uprn) continue;
          members.push({ person, basis: 'same-address', relationship: 'sibling', address: home, provenance: { system: SOURCE_SYSTEM, recordId: `home/${home.uprn}`, asOf: '2025-09-01T09:00:00Z' } });
        }
        result.set(id, members);
      }
      return result;
    },
    async personsAtAddress(query: AddressQuery, ctx) {
      if (ctx.signal.aborted) throw new ConnectorError('TIMEOUT', 'cancelled');
      const uprn = query.uprn?.trim();
      const line1 = query.line1?.trim().toLowerCase();
      const postcode = query.postalCode?.replace(/\s+/g, '').toUpperCase();
      if (!uprn && !(line1 && postcode)) throw new ConnectorError('BAD_QUERY', 'an address search needs a UPRN, or line1 with a postcode', { rejectedInput: true });
      const ids = Object.entries(HOMES)
        .filter(([, a]) => (uprn ? a.uprn === uprn : a.line1?.toLowerCase() === line1 && a.postalCode?.replace(/\s+/g, '').toUpperCase() === postcode))
        .map(([id]) => id);
      return [...(await personsById(ids, ctx)).values()];
    },
  };
  return { ...base, ...capability, ...change(capability) };
}

const householdFixture = { 'sn-1001': ['sn-1002'], 'sn-1002': ['sn-1001'] };
const checkHousehold = (connector: Connector, overrides: Partial<ConformanceSamples> = {}) => check(connector, { household: householdFixture, ...overrides });
const HOUSEHOLD_CHECKS = ['household.declared', 'household.members', 'household.unknown-person', 'household.fixture', 'persons.fetch', 'household.members-fetchable', 'address.empty-query', 'address.search'];

describe('the conformance kit on the household capability', () => {
  it('passes a connector without the capability, running no household check but the declaration', async () => {
    const report = await check(createSchoolNursingConnector({ system: new InMemorySchoolNursingSystem() }));
    expect(statusOf(report, 'household.declared')).toMatchObject({ status: 'pass', reason: expect.stringMatching(/not declared \(optional\)/) });
    expect(report.checks.map((c) => c.id)).not.toContain('household.members');
    expect(report.passed).toBe(true);
  });

  it('passes a correct capability, finding the fixture household, and checks every household call honours an aborted signal', async () => {
    const report = await checkHousehold(exampleWithHousehold());
    expect(failures(report), formatConformanceReport(report)).toEqual([]);
    expect(report.checks.map((c) => c.id)).toEqual(expect.arrayContaining(HOUSEHOLD_CHECKS));
    expect(statusOf(report, 'household.fixture')!.reason).toMatch(/2 of 2 expected member\(s\) found for 2 household\(s\)/);
    expect(statusOf(report, 'timeout.aborted')!.reason).toMatch(/householdOf, fetchPersons, personsAtAddress/);
    expect(statusOf(report, 'address.search')!.reason).toMatch(/2 address search\(es\)/);
    expect(statusOf(report, 'household.members-fetchable')!.reason).toMatch(/2 member id\(s\) fetched/);
  });

  it('fails a capability declared in part', async () => {
    const { householdOf, ...rest } = exampleWithHousehold();
    void householdOf;
    const report = await checkHousehold(rest as Connector);
    expect(statusOf(report, 'household.declared')).toMatchObject({ status: 'fail', reason: expect.stringMatching(/declares personsAtAddress, fetchPersons but not householdOf/) });
  });

  it('fails members that are the person asked about, of another agency, off the vocabularies, or same-address without the address', async () => {
    const report = await checkHousehold(
      exampleWithHousehold((cap) => ({
        async householdOf(ids, ctx) {
          const result = await cap.householdOf(ids, ctx);
          const self = (await cap.fetchPersons(['sn-1001'], ctx)).get('sn-1001')!;
          const bad = [
            ...(result.get('sn-1001') ?? []).map(({ address: _a, ...m }) => ({ ...m, relationship: 'cousin' as HouseholdRelationship })),
            { person: self, basis: 'related-person' as const, relationship: 'sibling' as const, provenance: self.provenance },
            { person: { ...self, personId: 'sn-1003', agency: 'health' }, basis: 'neighbour' as HouseholdBasis, relationship: 'associate' as const, provenance: self.provenance },
          ];
          return new Map([...result, ['sn-1001', bad]]);
        },
      })),
    );
    const reason = statusOf(report, 'household.members')!.reason;
    expect(statusOf(report, 'household.members')!.status).toBe('fail');
    expect(reason).toMatch(/relationship "cousin" is not in HOUSEHOLD_RELATIONSHIPS/);
    expect(reason).toMatch(/a same-address member must carry the address/);
    expect(reason).toMatch(/the person asked about is listed as their own household member/);
    expect(reason).toMatch(/agency is not "school-nursing"/);
    expect(reason).toMatch(/basis "neighbour" is not one of same-address, related-person/);
  });

  it('fails a same-address member whose person is not recorded at that address, and members fetchPersons does not know', async () => {
    const report = await checkHousehold(
      exampleWithHousehold((cap) => ({
        async householdOf(ids, ctx) {
          const result = await cap.householdOf(ids, ctx);
          return new Map([...result].map(([k, list]) => [k, list.map((m) => ({ ...m, person: { ...m.person, addresses: [{ postalCode: 'MB9 9ZZ' }] } }))]));
        },
        async fetchPersons(ids, ctx) {
          const result = await cap.fetchPersons(ids, ctx);
          // Knows the persons asked about in the samples, but not by the ids members carry.
          return ids.length > 2 ? result : new Map([...result].filter(([id]) => id !== 'sn-1002'));
        },
      })),
    );
    expect(statusOf(report, 'household.members')).toMatchObject({ status: 'fail', reason: expect.stringMatching(/person is not recorded at the address the member carries/) });
    expect(statusOf(report, 'household.members-fetchable')).toMatchObject({ status: 'fail', reason: expect.stringMatching(/1 member id\(s\) unknown to fetchPersons \("sn-1002"\)/) });
  });

  it('fails householdOf that errors on an unknown person, or misses a fixture member', async () => {
    const report = await checkHousehold(
      exampleWithHousehold((cap) => ({
        async householdOf(ids, ctx) {
          if (ids.includes('sn-9999')) throw new ConnectorError('UPSTREAM_ERROR', 'HTTP 404');
          const result = await cap.householdOf(ids, ctx);
          return new Map([...result].map(([k, v]) => [k, k === 'sn-1002' ? [] : v]));
        },
      })),
    );
    expect(statusOf(report, 'household.unknown-person')).toMatchObject({ status: 'fail', reason: expect.stringMatching(/rejected with ConnectorError UPSTREAM_ERROR/) });
    expect(statusOf(report, 'household.fixture')).toMatchObject({ status: 'fail', reason: expect.stringMatching(/household of "sn-1002": 1 of 1 expected member\(s\) not returned \("sn-1001"\)/) });
  });

  it('fails fetchPersons that answers ids not asked for or the unknown id', async () => {
    const report = await checkHousehold(
      exampleWithHousehold((cap) => ({
        async fetchPersons(ids, ctx) {
          const result = await cap.fetchPersons([...ids, 'sn-1003'], ctx);
          const any = result.get('sn-1001');
          if (any && ids.includes('sn-9999')) result.set('sn-9999', { ...any, personId: 'sn-9999' });
          return result;
        },
      })),
    );
    const reason = statusOf(report, 'persons.fetch')!.reason;
    expect(reason).toMatch(/the unknown id "sn-9999" is present/);
    expect(reason).toMatch(/a key "sn-1003" that was not asked for/);
  });

  it('fails personsAtAddress that answers an empty query with everyone, or refuses it without rejectedInput', async () => {
    const everyone = await checkHousehold(exampleWithHousehold((cap) => ({ personsAtAddress: async (_q, ctx) => [...(await cap.fetchPersons(Object.keys(HOMES), ctx)).values()] })));
    expect(statusOf(everyone, 'address.empty-query')).toMatchObject({ status: 'fail', reason: expect.stringMatching(/personsAtAddress\(\{\}\) answered 3 person\(s\); throw ConnectorError BAD_QUERY/) });

    const noFlag = await checkHousehold(
      exampleWithHousehold((cap) => ({
        async personsAtAddress(query, ctx) {
          if (!query.uprn?.trim() && !query.line1?.trim()) throw new ConnectorError('BAD_QUERY', 'empty');
          return cap.personsAtAddress(query, ctx);
        },
      })),
    );
    expect(statusOf(noFlag, 'address.empty-query')!.reason).toMatch(/without rejectedInput/);
  });

  it('checks the household calls under each injected fault, and that they honour a signal aborted mid-flight', async () => {
    let down = false;
    const connector = exampleWithHousehold(() => ({}));
    const faulty: Connector = {
      ...connector,
      async searchPersons(query, ctx) {
        if (down) throw new ConnectorError('UNREACHABLE', 'down');
        return connector.searchPersons(query, ctx);
      },
      async fetchRecords(ids, ctx) {
        if (down) throw new ConnectorError('UNREACHABLE', 'down');
        return connector.fetchRecords(ids, ctx);
      },
      // fetchPersons and personsAtAddress follow the fault; householdOf answers from a stale cache.
      async fetchPersons(ids, ctx) {
        if (down) throw new ConnectorError('UNREACHABLE', 'down');
        return connector.fetchPersons!(ids, ctx);
      },
      async personsAtAddress(query, ctx) {
        if (down) throw new ConnectorError('UNREACHABLE', 'down');
        return connector.personsAtAddress!(query, ctx);
      },
    };
    const fault: ConformanceFault = { name: 'down', expect: 'UNREACHABLE', apply: () => void (down = true), clear: () => void (down = false) };
    const report = await checkConnector(faulty, { samples: { ...samples, household: householdFixture }, faults: [fault], timeoutMs: 1000 });
    expect(statusOf(report, 'errors.fault:down')).toMatchObject({ status: 'fail', reason: expect.stringMatching(/householdOf answered; expected ConnectorError UNREACHABLE/) });
    expect(statusOf(report, 'errors.fault:down')!.reason).not.toMatch(/fetchPersons|personsAtAddress|searchPersons|fetchRecords/);
    expect(statusOf(report, 'timeout.mid-flight')!.reason).toMatch(/householdOf .*fetchPersons .*personsAtAddress/);
  });

  it('fails personsAtAddress that does not find a resident at their recorded address', async () => {
    const report = await checkHousehold(exampleWithHousehold((cap) => ({ personsAtAddress: async (query, ctx) => (await cap.personsAtAddress(query, ctx)).filter((p) => p.personId !== 'sn-1001') })));
    expect(statusOf(report, 'address.search')).toMatchObject({ status: 'fail', reason: expect.stringMatching(/by UPRN did not find "sn-1001"/) });
  });
});
