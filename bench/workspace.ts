/**
 * bench:workspace — the researcher's workspace queries `chronology`, `household` and `precis` over
 * HTTP through the whole gateway (auth, rate and cost limits, enquiry check, one audited access
 * step, the gate, assembling and shaping), for a child with 200 records across five agencies (40
 * each) and a household of two adults linked with recorded relevance (bench/workspace-agencies.ts).
 * The agencies answer from memory, so the figures are the gateway's own work, without agency
 * latency. Embedded PGlite in a data directory, as `npm start` runs it.
 *
 * Baselines measured in the same run, on the same gateway and connection: `{ __typename }` with the
 * same token (HTTP, auth, limits and GraphQL execution, nothing read), and `profile` of the child
 * (one audited gate step over the same 200 records). Every figure is also given as a ratio to them.
 *
 * The requests come from a separate process (bench/workspace-client.ts), one after another (one
 * researcher), the operations interleaved. After a warm-up, BENCH_ROUNDS rounds of
 * BENCH_ITERATIONS requests of each operation; for each operation: p50 and p95 over all rounds, and
 * the min, median and max of the rounds' p95. Target: p95 under 300 ms for each workspace query.
 *
 * Prints JSON lines. Options (environment): BENCH_ROUNDS (5), BENCH_ITERATIONS (20), BENCH_WARMUP (5).
 */
import { fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startGateway } from '../gateway/app.js';
import { configFromDocument } from '../gateway/config.js';
import { enquiryInput, LINK, OPEN_ENQUIRY, PROFILE, RELAXED_RATE_LIMITS } from '../test/helpers/gateway.js';
import { percentile, rounded, spread } from './stats.js';
import { ADULT_RECORDS_PER_AGENCY, AGENCIES, benchPersonId, CHILD_RECORDS_PER_AGENCY, HOUSEHOLD, memoryAgency, NHS_NUMBERS } from './workspace-agencies.js';

const rounds = Number(process.env.BENCH_ROUNDS ?? 5);
const iterations = Number(process.env.BENCH_ITERATIONS ?? 20);
const warmup = Number(process.env.BENCH_WARMUP ?? 5);
const TARGET_P95_MS = 300;
const line = (o: Record<string, unknown>) => process.stdout.write(`${JSON.stringify(o)}\n`);

const SEARCH = /* GraphQL */ `
  query Search($enquiryId: ID!, $query: PersonSearchInput!) {
    searchPeople(enquiryId: $enquiryId, query: $query) { auditEventId agencies { agency status people { agency personId birthDate } } }
  }
`;
// What a researcher's screen asks for: every field of each answer.
const CHRONOLOGY = /* GraphQL */ `
  query Chronology($enquiryId: ID!, $subjectId: ID!) {
    chronology(enquiryId: $enquiryId, subjectId: $subjectId) {
      enquiryId auditEventId policyVersion from to
      subjects { id label relation focus }
      entries {
        reference date precision kind source agency category decision type title start end status location narrative outcome service
        withheldFields groupId auditEventId
        subject { id relation focus }
        provenance { system recordId asOf }
        withheld { label reason count }
      }
      groups { id references agencies evidence { rule detail } }
      agencies { subjectId agency status }
    }
  }
`;
const PERSON = 'agency personId decision names { family given } birthDate addresses { line1 postalCode uprn } contact { name } withheldFields';
const HOUSEHOLD_QUERY = /* GraphQL */ `
  query Household($enquiryId: ID!, $subjectId: ID!) {
    household(enquiryId: $enquiryId, subjectId: $subjectId) {
      enquiryId auditEventId policyVersion addressesSearched childRecordsSetAside
      subject { id relation }
      agencies { agency status detail withheld { label reason } }
      candidates {
        key band identityBand householdBand relation
        records {
          agency personId
          match { band score reasons { field level } caution }
          person { ${PERSON} }
          evidence { agency basis relationship agencyRelationship address { line1 postalCode uprn } provenance { system recordId asOf } }
        }
      }
    }
  }
`;
const REFERENCE = 'ref auditEventId category subjectId fields personId';
const PRECIS = /* GraphQL */ `
  query Precis($enquiryId: ID!) {
    precis(enquiryId: $enquiryId) {
      enquiryId latestVersion disclosureEventId auditEventId
      content { title sections { key heading subjectId agency analysis statements { id kind text relevance available references { ${REFERENCE} } withheld { agency category subjectId } } } }
    }
  }
`;
const BASELINE = '{ __typename }';

const dataDir = mkdtempSync(join(tmpdir(), 'mash-bench-workspace-'));
const config = configFromDocument(
  // The gateway's own work per request, not its rate limits (bench:abuse measures those).
  { auth: { demoIssuer: true }, sandbox: { enabled: false }, connectors: [{ kind: 'health', baseUrl: 'http://127.0.0.1:9/fhir', timeoutMs: 5000 }], limits: RELAXED_RATE_LIMITS },
  join(process.cwd(), 'mash-gateway.config.yaml'),
  { PORT: 0, HOST: '127.0.0.1', DATA_DIR: dataDir, DATABASE_URL: undefined, LOG_LEVEL: 'silent', MASH_CONFIG: 'unused', SHUTDOWN_GRACE_MS: 5000 },
);
const now = Date.now();
const gateway = await startGateway(config, { connectors: AGENCIES.map((agency) => memoryAgency(agency, now)) });
try {
  const token = await gateway.demoIssuer!.sign({ sub: 'bench', name: 'Bench Researcher', agency: 'social-care', roles: ['mash-researcher'] });
  const url = `${gateway.url}/graphql`;
  const post = async (query: string, variables: Record<string, unknown>) => {
    const body = (await (await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify({ query, variables }) })).json()) as any;
    if (body.errors) throw new Error(`setup: ${JSON.stringify(body.errors).slice(0, 500)}`);
    return body.data;
  };

  // The enquiry: the child found and linked at every agency; the household proposed, and the
  // mother and her partner linked as adults with their relevance recorded (so their detail counts).
  const enquiryId = (await post(OPEN_ENQUIRY, { input: enquiryInput({ purpose: 's47' }) })).openEnquiry.id as string;
  const { child } = HOUSEHOLD;
  const search = await post(SEARCH, { enquiryId, query: { nhsNumber: NHS_NUMBERS.child, family: child.family, given: child.given[0], birthDate: child.birthDate } });
  let subjectId: string | undefined;
  for (const agency of AGENCIES) {
    const found = search.searchPeople.agencies.find((a: any) => a.agency === agency)?.people.find((p: any) => p.personId === benchPersonId(agency, 'child'));
    if (!found) throw new Error(`setup: the search did not show the child at ${agency}`);
    subjectId = (await post(LINK, { input: { enquiryId, agency, personId: found.personId, label: 'Child', ...(subjectId ? { subjectId } : {}) } })).linkSubject.id;
  }
  const proposed = (await post(HOUSEHOLD_QUERY, { enquiryId, subjectId })).household;
  for (const member of ['mother', 'partner'] as const) {
    let adultId: string | undefined;
    for (const agency of AGENCIES) {
      const personId = benchPersonId(agency, member);
      if (!proposed.candidates.some((c: any) => c.records.some((r: any) => r.personId === personId))) throw new Error(`setup: the household did not propose ${personId}`);
      const input = { enquiryId, agency, personId, ...(adultId ? { subjectId: adultId } : { relation: 'ADULT', label: member === 'mother' ? 'Mother' : "Mother's partner", relevance: 'Lives with the child; named in the referral as a carer.' }) };
      adultId = (await post(LINK, { input })).linkSubject.id;
    }
  }
  const chronology = (await post(CHRONOLOGY, { enquiryId, subjectId })).chronology;
  const household = (await post(HOUSEHOLD_QUERY, { enquiryId, subjectId })).household;
  const precis = (await post(PRECIS, { enquiryId })).precis;
  // Every agency answered (an unavailable agency would make a query cheaper than the real one).
  const unanswered = [...chronology.agencies, ...household.agencies].filter((a: any) => a.status !== 'RECORDS');
  if (unanswered.length > 0) throw new Error(`setup: not every agency answered: ${JSON.stringify(unanswered)}`);
  line({
    bench: 'workspace',
    setup: {
      agencies: AGENCIES.length,
      childRecords: CHILD_RECORDS_PER_AGENCY * AGENCIES.length,
      adults: 2,
      adultRecords: 2 * ADULT_RECORDS_PER_AGENCY * AGENCIES.length,
      store: gateway.store.kind,
      chronologyEntries: chronology.entries.length,
      chronologyGroups: chronology.groups.length,
      householdCandidates: household.candidates.length,
      precisSections: precis.content.sections.length,
      precisStatements: precis.content.sections.reduce((n: number, s: any) => n + s.statements.length, 0),
    },
  });

  const operation = (name: string, query: string, variables: Record<string, unknown>, expect: string) => ({ name, body: JSON.stringify({ query, variables }), expect });
  const operations = [
    operation('baseline (__typename)', BASELINE, {}, '"__typename":"Query"'),
    operation('profile', PROFILE, { enquiryId, subjectId }, '"auditEventId"'),
    operation('chronology', CHRONOLOGY, { enquiryId, subjectId }, '"auditEventId"'),
    operation('household', HOUSEHOLD_QUERY, { enquiryId, subjectId }, '"auditEventId"'),
    operation('precis', PRECIS, { enquiryId }, '"auditEventId"'),
  ];
  const client = fork(fileURLToPath(new URL('./workspace-client.ts', import.meta.url)), [], { execArgv: ['--import', 'tsx'] });
  const answer = await new Promise<{ rounds?: Record<string, number[]>[]; error?: string }>((resolve, reject) => {
    client.once('message', resolve as (m: unknown) => void);
    client.once('exit', (code) => reject(new Error(`the client process exited (${code}) without an answer`)));
    client.send({ url, token, operations, rounds, iterations, warmup });
  });
  if (!answer.rounds) throw new Error(`client: ${answer.error}`);

  const figures = new Map(
    operations.map(({ name }) => {
      const all = answer.rounds!.flatMap((r) => r[name]!);
      return [name, { p50: percentile(all, 0.5), p95: percentile(all, 0.95), rounds: spread(answer.rounds!.map((r) => percentile(r[name]!, 0.95))) }];
    }),
  );
  const baseline = figures.get('baseline (__typename)')!;
  const profile = figures.get('profile')!;
  for (const [name, f] of figures) {
    const workspace = !name.startsWith('baseline') && name !== 'profile';
    line({
      bench: 'workspace',
      operation: name,
      rounds,
      iterationsPerRound: iterations,
      p50Ms: rounded(f.p50),
      p95Ms: rounded(f.p95),
      p95AcrossRoundsMs: { min: rounded(f.rounds.min), median: rounded(f.rounds.median), max: rounded(f.rounds.max) },
      p50OverBaseline: rounded(f.p50 / baseline.p50, 2),
      p95OverBaseline: rounded(f.p95 / baseline.p95, 2),
      p95OverProfile: rounded(f.p95 / profile.p95, 2),
      ...(workspace ? { targetP95Ms: TARGET_P95_MS, withinTarget: f.rounds.max < TARGET_P95_MS } : {}),
    });
  }
} finally {
  await gateway.close();
  rmSync(dataDir, { recursive: true, force: true });
}
