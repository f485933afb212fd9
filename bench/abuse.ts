/**
 * bench:abuse — a normal researcher's profile query while another actor attacks at the limits,
 * against the same query with no attacker, in one run. Prints JSON lines.
 *
 * The gateway runs against the sandbox county with all five agencies (as bench:profile starts
 * it). The attacker is a separate process: workers sending two aliased full searches per request
 * (the default per-request cost limit with five agencies) with one actor's token, and workers
 * sending bad tokens (refused, then 429 past the per-address limit). The researcher sends profile
 * queries one after another and the latencies are compared (p50, p99); target: p99 with the
 * attacker at most 2x p99 without.
 *
 * The attacker sends from its own loopback address (127.0.0.2), the researcher from 127.0.0.1.
 * Two scenarios (BENCH_SCENARIO):
 * - `defaults`: every limit at its default; the attacker is held by its per-actor budget, the
 *   per-request cost limit, the in-flight cap and the refused-token limit;
 * - `no-budget`: the per-actor budget raised out of reach, so the attacker's searches run as fast
 *   as the cost limit and in-flight cap allow (the worst case for the event loop).
 *
 * Under `defaults` the researcher is held by the same per-actor budget (600 points a minute; a
 * profile of five agencies costs 5), so they send one profile every BENCH_PACE_MS (600 ms: about
 * 500 points a minute, a busy researcher); the latency of each is measured as before.
 *
 * The attacker either uses all its allowance, honouring Retry-After (BENCH_ATTACK=at-limits, the
 * default: what the limits are for), or ignores 429 and floods (BENCH_ATTACK=flood: every refusal
 * is cheap but not free, and only a proxy in front of the gateway can drop such a flood earlier).
 *
 * Options (environment): BENCH_ATTACK (at-limits), BENCH_SCENARIO (defaults), BENCH_RUNS (3), BENCH_REQUESTS (profiles per
 * phase; 60 under defaults, 300 otherwise), BENCH_PACE_MS (600 under defaults, 0 otherwise),
 * BENCH_ATTACK_SEARCH_WORKERS (8), BENCH_ATTACK_TOKEN_WORKERS (4).
 */
import { fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startGateway } from '../gateway/app.js';
import { configFromDocument } from '../gateway/config.js';
import { LIMIT_DEFAULTS } from '../gateway/limits/index.js';
import { enquiryInput, LINK, OPEN_ENQUIRY, PROFILE, SEARCH } from '../test/helpers/gateway.js';

const scenario = process.env.BENCH_SCENARIO ?? 'defaults';
if (scenario !== 'defaults' && scenario !== 'no-budget') throw new Error('BENCH_SCENARIO must be defaults or no-budget');
const attack = process.env.BENCH_ATTACK ?? 'at-limits';
if (attack !== 'at-limits' && attack !== 'flood') throw new Error('BENCH_ATTACK must be at-limits or flood');
const runs = Number(process.env.BENCH_RUNS ?? 3);
const requests = Number(process.env.BENCH_REQUESTS ?? (scenario === 'defaults' ? 60 : 300));
const paceMs = Number(process.env.BENCH_PACE_MS ?? (scenario === 'defaults' ? 600 : 0));
const searchWorkers = Number(process.env.BENCH_ATTACK_SEARCH_WORKERS ?? 8);
const tokenWorkers = Number(process.env.BENCH_ATTACK_TOKEN_WORKERS ?? 4);
const AGENCIES = ['health', 'police', 'education', 'housing', 'social-care'];
const dataDir = mkdtempSync(join(tmpdir(), 'mash-bench-abuse-'));
const line = (o: Record<string, unknown>) => process.stdout.write(`${JSON.stringify(o)}\n`);

const limits = scenario === 'defaults' ? LIMIT_DEFAULTS : { ...LIMIT_DEFAULTS, rate: { ...LIMIT_DEFAULTS.rate, actor: { points: 10_000_000, perSeconds: 60 } } };
const config = configFromDocument(
  {
    auth: { demoIssuer: true },
    sandbox: { enabled: true, seed: 1, households: 200, healthPort: 0, policePort: 0, process: 'inline' },
    connectors: AGENCIES.map((kind) => ({ kind, timeoutMs: 5000 })),
    limits,
  },
  join(process.cwd(), 'mash-gateway.config.yaml'),
  { PORT: 0, HOST: '127.0.0.1', DATA_DIR: dataDir, DATABASE_URL: undefined, LOG_LEVEL: 'silent', MASH_CONFIG: 'unused', SHUTDOWN_GRACE_MS: 5000 },
);
const gateway = await startGateway(config);
const url = `${gateway.url}/graphql`;
const sign = (sub: string) => gateway.demoIssuer!.sign({ sub, name: `Bench ${sub}`, agency: 'social-care', roles: ['mash-researcher'] });
const researcherToken = await sign('researcher');
const attackerToken = await sign('attacker');
const call = async (token: string, query: string, variables: Record<string, unknown>) =>
  (await (await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify({ query, variables }) })).json()) as any;

// The researcher: the featured child found in every agency and linked as one subject.
const child = gateway.sandbox!.county.featured.child;
const searchFor = { nhsNumber: child.nhsNumber, family: child.family, given: child.given[0], birthDate: child.birthDate };
const enquiryId = (await call(researcherToken, OPEN_ENQUIRY, { input: enquiryInput() })).data.openEnquiry.id;
const search = await call(researcherToken, SEARCH, { enquiryId, query: searchFor });
let subjectId: string | undefined;
for (const result of search.data.searchPeople.agencies as any[]) {
  const person = result.people.find((p: any) => p.birthDate === child.birthDate) ?? result.people[0];
  if (!person) continue;
  const linked = await call(researcherToken, LINK, { input: { enquiryId, agency: result.agency, personId: person.personId, ...(subjectId ? { subjectId } : { relation: 'CHILD' }) } });
  subjectId = linked.data.linkSubject.id;
}
const profileBody = JSON.stringify({ query: PROFILE, variables: { enquiryId, subjectId } });
const attackerEnquiry = (await call(attackerToken, OPEN_ENQUIRY, { input: enquiryInput({ referralReference: 'REF-ATTACK' }) })).data.openEnquiry.id;

const percentile = (sorted: number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
const round = (n: number) => Math.round(n * 100) / 100;

/** The researcher's profile queries one after another; latency of each. */
async function researcher(n: number) {
  const latencies: number[] = [];
  let errors = 0;
  for (let i = 0; i < n; i++) {
    if (paceMs > 0 && i > 0) await new Promise((r) => setTimeout(r, paceMs));
    const t0 = performance.now();
    const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${researcherToken}` }, body: profileBody });
    const text = await response.text();
    latencies.push(performance.now() - t0);
    if (response.status !== 200 || text.includes('"errors"')) errors += 1;
  }
  latencies.sort((a, b) => a - b);
  return { requests: n, errors, p50Ms: round(percentile(latencies, 50)), p99Ms: round(percentile(latencies, 99)) };
}

async function withAttacker<T>(body: () => Promise<T>): Promise<{ value: T; attacker: Record<string, number> }> {
  const child = fork(fileURLToPath(new URL('./abuse-attacker.ts', import.meta.url)), [url, attackerToken, attackerEnquiry, JSON.stringify(searchFor), String(searchWorkers), String(tokenWorkers), attack], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const report = new Promise<Record<string, number>>((resolveReport) => child.on('message', (m: any) => m?.counts && resolveReport(m.counts)));
  await new Promise<void>((resolveStart) => child.once('message', () => resolveStart()));
  // Let the attack reach its steady state (in-flight cap filled, token limit reached).
  await new Promise((r) => setTimeout(r, 1500));
  const value = await body();
  child.send('stop');
  const attacker = await report;
  await new Promise((r) => child.once('exit', r));
  return { value, attacker };
}

await researcher(5); // warm-up
const ratios: number[] = [];
for (let run = 1; run <= runs; run++) {
  const quiet = await researcher(requests);
  line({ bench: 'abuse', scenario, attack, run, phase: 'no-attacker', ...quiet });
  const { value: attacked, attacker } = await withAttacker(() => researcher(requests));
  line({ bench: 'abuse', scenario, attack, run, phase: 'attacker', ...attacked, attacker });
  const ratio = round(attacked.p99Ms / quiet.p99Ms);
  ratios.push(ratio);
  line({ bench: 'abuse', scenario, attack, run, metric: 'p99-ratio', attackerOverQuiet: ratio, p50Ratio: round(attacked.p50Ms / quiet.p50Ms), target: 2 });
}
const sorted = [...ratios].sort((a, b) => a - b);
line({ bench: 'abuse', scenario, attack, metric: 'p99-ratio-summary', runs, requests, paceMs, min: sorted[0], median: sorted[Math.floor(sorted.length / 2)], max: sorted.at(-1), target: 2, limits: { cost: limits.cost, rate: limits.rate } });

await gateway.close();
rmSync(dataDir, { recursive: true, force: true });
