/**
 * bench:search — a researcher's person search over the five sandbox agencies, as `searchPeople`
 * makes it (gateway/disclosure/access.ts searchAcross): the search passes through the federation
 * to every agency, the answers turned into candidates and ranked by the matcher. Sequential, one
 * search at a time. Prints JSON lines:
 *
 *   setup    county size, persons each agency holds, seconds to start the agencies
 *   search   per mode, per round: p50/p95/max ms of one search, agency calls per search and
 *            each agency's call p95; then the spread (min/median/max) of each round's p95
 *              any     connectors as built: one request per agency per search (searchPersonsAny)
 *              passes  the same connectors without searchPersonsAny: one request per pass
 *   summary  the target (p95 <= 150 ms at 100,000 persons per agency) and whether it was met
 *
 * The agencies run in this process (startSandbox), so their own work is inside the figures, as
 * it is for a researcher waiting on them; the gate's disclosure and the audit event are not
 * (see bench:profile and bench:audit). The identity query against one 100k index alone is
 * measured by bench:identity (query part, `indexSearchMs`).
 *
 * Options (environment): BENCH_SEARCH_HOUSEHOLDS county size (default 35000, about 100,000
 * persons per agency); BENCH_SEARCH_QUERIES searches per round (default 200); BENCH_ROUNDS
 * (default 3); BENCH_SEARCH_MODES comma list (default any,passes).
 * Quick run: BENCH_SEARCH_HOUSEHOLDS=1000 BENCH_SEARCH_QUERIES=50 npm run bench:search
 */
import type { Connector, PersonQuery } from '../connectors/sdk/index.js';
import { createEducationConnector } from '../connectors/education/index.js';
import { createHealthConnector } from '../connectors/health/index.js';
import { createHousingConnector } from '../connectors/housing/index.js';
import { createPoliceConnector } from '../connectors/police/index.js';
import { createSocialCareConnector } from '../connectors/social-care/index.js';
import { searchCandidates } from '../gateway/disclosure/access.js';
import { createFederation } from '../gateway/federation/index.js';
import { searchPasses } from '../gateway/identity/search-passes.js';
import { createMatcher } from '../gateway/identity/search.js';
import { personRecordFromQuery } from '../gateway/identity/source-person.js';
import { silentLogger } from '../gateway/log.js';
import { startSandbox, type Person } from '../sandbox/index.js';
import { Rng } from '../sandbox/county/prng.js';
import { percentile, rounded, spread } from './stats.js';

const num = (name: string, fallback: number): number => {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${name}=${raw} is not a positive number`);
  return Math.floor(n);
};
const HOUSEHOLDS = num('BENCH_SEARCH_HOUSEHOLDS', 35_000);
const QUERIES = num('BENCH_SEARCH_QUERIES', 200);
const ROUNDS = num('BENCH_ROUNDS', 3);
const MODES = (process.env.BENCH_SEARCH_MODES ?? 'any,passes').split(',').map((m) => m.trim()).filter((m): m is 'any' | 'passes' => m === 'any' || m === 'passes');
const TARGET = { p95Ms: 150, personsPerAgency: 100_000 };

const print = (line: Record<string, unknown>): void => {
  process.stdout.write(`${JSON.stringify({ bench: 'search', ...line })}\n`);
};

/** What a researcher types: the person's name and birth date, now and then with a slip (a swapped day and month, a nickname-like initial). */
function queryFor(person: Person, rng: Rng): PersonQuery {
  const given = person.given[0] ?? '';
  const query: PersonQuery = { family: person.family, given, birthDate: person.birthDate };
  const roll = rng.float();
  if (roll < 0.15 && person.birthDate) {
    const [y, m, d] = person.birthDate.split('-');
    if (Number(d) <= 12) query.birthDate = `${y}-${d}-${m}`;
  } else if (roll < 0.25) {
    query.given = given.slice(0, 3);
  }
  return query;
}

const started = performance.now();
const sandbox = await startSandbox({ households: HOUSEHOLDS });
const startSeconds = (performance.now() - started) / 1000;
const county = sandbox.county;
/** Persons the two HTTP agencies hold (the SQL agencies and education hold a similar share of the county). */
const held = { health: county.views.health.patients.length, police: county.views.police.persons.length };
const built: Connector[] = [
  createHealthConnector({ baseUrl: sandbox.health.baseUrl }),
  createPoliceConnector({ baseUrl: sandbox.police.baseUrl }),
  createSocialCareConnector({ query: sandbox.socialCare.query }),
  createEducationConnector({ directory: sandbox.education.files }),
  createHousingConnector({ query: sandbox.housing.query }),
];
print({ mode: 'setup', households: HOUSEHOLDS, persons: county.persons.length, held, startSeconds: rounded(startSeconds, 1), rounds: ROUNDS, queries: QUERIES });

/** Per agency, how long each of its calls took (ms), for the round being measured. */
const agencyMs = new Map<string, number[]>();
async function timed<T>(agency: string, run: () => Promise<T>): Promise<T> {
  const t0 = performance.now();
  try {
    return await run();
  } finally {
    const list = agencyMs.get(agency) ?? [];
    list.push(performance.now() - t0);
    agencyMs.set(agency, list);
  }
}

/** The connectors of a mode, each counting and timing its agency calls. */
function connectorsFor(mode: 'any' | 'passes', calls: { n: number }): Connector[] {
  return built.map((c): Connector => {
    const { searchPersonsAny: _any, ...rest } = c;
    const agency = c.manifest.agency;
    return {
      ...rest,
      manifest: c.manifest,
      searchPersons: (q, ctx) => {
        calls.n++;
        return timed(agency, () => c.searchPersons(q, ctx));
      },
      fetchRecords: (ids, ctx) => c.fetchRecords(ids, ctx),
      ...(mode === 'any' && c.searchPersonsAny
        ? {
            searchPersonsAny: (qs, ctx) => {
              calls.n++;
              return timed(agency, () => c.searchPersonsAny!(qs, ctx));
            },
          }
        : {}),
    };
  });
}

const matcher = createMatcher();
const p95s: Record<string, number[]> = {};
const unavailable: Record<string, number> = {};
const reasons = new Map<string, number>();
const overloaded: Record<string, number> = {};
for (const mode of MODES) {
  const calls = { n: 0 };
  // Long timeouts: a slow agency must show in the latency, not as a missing answer.
  const federation = createFederation(connectorsFor(mode, calls), { timeoutMs: 30_000, logger: silentLogger });
  const search = async (query: PersonQuery): Promise<number> => {
    let answers;
    for (let attempt = 0; ; attempt++) {
      try {
        answers = await federation.forRequest('bench-search').searchPersons(searchPasses(query));
        break;
      } catch (error) {
        // The agencies share this process: one busy with a long task (education's first index)
        // delays the event loop, and the gateway sheds the search rather than blame the agency.
        if ((error as { code?: unknown }).code !== 'OVERLOADED' || attempt >= 3) throw error;
        overloaded[mode] = (overloaded[mode] ?? 0) + 1;
      }
    }
    const ranked = matcher.rank(personRecordFromQuery(query), searchCandidates(answers));
    for (const a of answers) {
      if (a.status === 'answered') continue;
      unavailable[mode] = (unavailable[mode] ?? 0) + 1;
      // Agency reasons name the agency, the query and an error kind or SQLSTATE, never the values asked.
      const reason = 'reason' in a ? String(a.reason) : 'unavailable';
      reasons.set(reason, (reasons.get(reason) ?? 0) + 1);
    }
    return ranked.groups.length;
  };
  // Warm up (JIT, the education index, PGlite caches) on searches that are not counted.
  const warm = new Rng(7);
  for (let i = 0; i < 20; i++) await search(queryFor(warm.pick(county.persons), warm));
  p95s[mode] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const rng = new Rng(1000 + round);
    const latencies: number[] = [];
    calls.n = 0;
    agencyMs.clear();
    for (let i = 0; i < QUERIES; i++) {
      const query = queryFor(rng.pick(county.persons), rng);
      const t0 = performance.now();
      await search(query);
      latencies.push(performance.now() - t0);
    }
    const p95 = percentile(latencies, 0.95);
    p95s[mode]!.push(p95);
    print({ mode: 'search', connectors: mode, round, p50Ms: rounded(percentile(latencies, 0.5)), p95Ms: rounded(p95), maxMs: rounded(Math.max(...latencies)), agencyCallsPerSearch: rounded(calls.n / QUERIES, 1),
      // Where the time goes: each agency's calls (p95 ms), the agencies answering side by side.
      agencyCallP95Ms: Object.fromEntries([...agencyMs].map(([agency, ms]) => [agency, rounded(percentile(ms, 0.95))])),
    });
  }
  const s = spread(p95s[mode]!);
  print({ mode: 'search', connectors: mode, rounds: ROUNDS, p95Ms: { min: rounded(s.min), median: rounded(s.median), max: rounded(s.max) }, unavailableAnswers: unavailable[mode] ?? 0, shedAndRetried: overloaded[mode] ?? 0, unavailableReasons: Object.fromEntries(reasons) });
  reasons.clear();
}

// Every person of the county is a patient; the other agencies hold a share of them (police the fewest).
const personsPerAgency = held.health;
const anyMedian = p95s.any ? spread(p95s.any).median : Number.NaN;
print({
  mode: 'summary',
  target: `p95 of one search <= ${TARGET.p95Ms} ms at ${TARGET.personsPerAgency} persons per agency, sequential`,
  p95MedianMs: rounded(anyMedian),
  personsPerAgency,
  met: personsPerAgency >= TARGET.personsPerAgency * 0.9 && Number.isFinite(anyMedian) ? anyMedian <= TARGET.p95Ms : null,
  ...(personsPerAgency < TARGET.personsPerAgency * 0.9 ? { note: 'agencies smaller than the target size (BENCH_SEARCH_HOUSEHOLDS): met is null' } : {}),
});
await Promise.all(built.map((c) => c.close?.()));
await sandbox.close();
