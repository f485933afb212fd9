/**
 * bench:profile — the gateway's own cost. The profile query through the whole gateway (auth,
 * enquiry check, policy, gate, committed audit) against a bare Apollo Server serving the identical
 * response from memory, side by side in each round. Every part runs in its own process, so none
 * caps another's event loop:
 *   - the load generator (autocannon, bench/profile/load.ts),
 *   - the agency: the sandbox health FHIR server answering from memory (bench/profile/agency.ts),
 *   - the gateway (bench/profile/gateway.ts), on PGlite and, when DATABASE_URL is set, PostgreSQL,
 *   - the bare Apollo Server (bench/profile/bare.ts).
 * Prints JSON lines: one per round and server, one ratio per round, and a summary per store with
 * min/median/max over the rounds of req/s, p50, p99, CPU per request and the gateway/bare ratio.
 *
 * Options (environment): BENCH_SECONDS (per run, default 10), BENCH_CONNECTIONS (default 20),
 * BENCH_ROUNDS (default 3), BENCH_STORES (default `pglite,postgres`; postgres needs DATABASE_URL),
 * BENCH_CPU_PROF (a directory outside the repository: the gateway process writes a V8 CPU profile
 * of the measured rounds there, one file per store; see docs/performance.md).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { enquiryInput, LINK, OPEN_ENQUIRY, PROFILE, SEARCH } from '../test/helpers/gateway.js';
import { rounded, spread } from './stats.js';

const seconds = Number(process.env.BENCH_SECONDS ?? 10);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 20);
const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
const databaseUrl = process.env.DATABASE_URL || undefined;
const stores = (process.env.BENCH_STORES ?? 'pglite,postgres').split(',').filter((s) => s === 'pglite' || (s === 'postgres' && databaseUrl !== undefined));
const cpuProfDir = process.env.BENCH_CPU_PROF;

const line = (o: Record<string, unknown>) => process.stdout.write(`${JSON.stringify(o)}\n`);
const here = (file: string) => fileURLToPath(new URL(`./profile/${file}`, import.meta.url));

/** A child process on tsx. */
function child(file: string): ChildProcess {
  const proc = fork(here(file), [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  proc.on('exit', (code) => {
    if (code !== 0 && code !== null) {
      process.stderr.write(`bench:profile: ${file} exited with ${code}\n`);
      process.exit(1);
    }
  });
  return proc;
}

/** Sends a message and waits for the child's answer of type `answer`. */
async function ask<T>(proc: ChildProcess, message: Record<string, unknown>, answer: string): Promise<T> {
  const reply = new Promise<T>((resolve) => {
    const listener = (m: { type: string }) => {
      if (m.type !== answer) return;
      proc.off('message', listener);
      resolve(m as T);
    };
    proc.on('message', listener);
  });
  proc.send(message);
  return reply;
}

async function stop(proc: ChildProcess): Promise<void> {
  const exited = once(proc, 'exit');
  proc.send({ type: 'stop' });
  await exited;
}

interface LoadResult {
  requests: number;
  rps: number;
  p50Ms: number;
  p99Ms: number;
  errors: number;
}
type Cpu = { usage: NodeJS.CpuUsage };

const cpuMs = (before: NodeJS.CpuUsage, after: NodeJS.CpuUsage) => (after.user - before.user + after.system - before.system) / 1000;

const agency = child('agency.ts');
const agencyReady = await new Promise<{ baseUrl: string; nhsNumber: string }>((resolve) => agency.once('message', resolve as never));
const load = child('load.ts');

/** One timed run against `url`, with the server's CPU time over the run. */
async function measure(server: ChildProcess, url: string, body: string, headers: Record<string, string>, duration: number) {
  const before = await ask<Cpu & { audit?: { events: number; transactions: number } }>(server, { type: 'cpu' }, 'cpu');
  const agencyBefore = await ask<Cpu>(agency, { type: 'cpu' }, 'cpu');
  const result = await ask<LoadResult>(load, { type: 'run', url, body, headers, connections, seconds: duration }, 'result');
  const after = await ask<Cpu & { audit?: { events: number; transactions: number } }>(server, { type: 'cpu' }, 'cpu');
  const agencyAfter = await ask<Cpu>(agency, { type: 'cpu' }, 'cpu');
  const cpu = cpuMs(before.usage, after.usage);
  // The agency's share, to show the gateway's figures are not the agency's limit.
  const agencyCpu = cpuMs(agencyBefore.usage, agencyAfter.usage);
  return {
    requests: result.requests,
    errors: result.errors,
    rps: rounded(result.rps),
    p50Ms: result.p50Ms,
    p99Ms: result.p99Ms,
    cpuMsPerRequest: result.requests > 0 ? rounded(cpu / result.requests, 3) : null,
    agencyCpuMsPerRequest: result.requests > 0 ? rounded(agencyCpu / result.requests, 3) : null,
    ...(before.audit && after.audit ? { auditEvents: after.audit.events - before.audit.events, auditTransactions: after.audit.transactions - before.audit.transactions } : {}),
  };
}

for (const store of stores) {
  const gateway = child('gateway.ts');
  const ready = await ask<{ url: string; token: string; store: string }>(gateway, { type: 'start', healthBaseUrl: agencyReady.baseUrl, ...(store === 'postgres' ? { databaseUrl } : {}) }, 'ready');
  const headers = { 'content-type': 'application/json', authorization: `Bearer ${ready.token}` };
  const post = async (query: string, variables: Record<string, unknown>) => (await (await fetch(ready.url, { method: 'POST', headers, body: JSON.stringify({ query, variables }) })).json()) as any;
  const enquiryId = (await post(OPEN_ENQUIRY, { input: enquiryInput() })).data.openEnquiry.id;
  // Only a person a search in the enquiry showed may be linked.
  const search = await post(SEARCH, { enquiryId, query: { nhsNumber: agencyReady.nhsNumber } });
  const personId = search.data.searchPeople.agencies.find((a: any) => a.agency === 'health').people[0].personId;
  const subjectId = (await post(LINK, { input: { enquiryId, agency: 'health', personId } })).data.linkSubject.id;
  const body = JSON.stringify({ query: PROFILE, variables: { enquiryId, subjectId } });
  const sample = await post(PROFILE, { enquiryId, subjectId });
  if (!sample.data?.profile?.auditEventId) throw new Error(`bench:profile: the gateway did not answer the profile: ${JSON.stringify(sample.errors)}`);

  const bare = child('bare.ts');
  const bareUrl = (await ask<{ url: string }>(bare, { type: 'start', profile: sample.data.profile }, 'ready')).url;

  // Warm both (JIT, connection pools, caches) before measuring.
  await measure(gateway, ready.url, body, headers, 2);
  await measure(bare, bareUrl, body, headers, 2);

  if (cpuProfDir) {
    mkdirSync(cpuProfDir, { recursive: true });
    gateway.send({ type: 'profile-start' });
  }
  const results: Array<{ gateway: Awaited<ReturnType<typeof measure>>; bare: Awaited<ReturnType<typeof measure>>; ratio: number }> = [];
  for (let round = 1; round <= rounds; round += 1) {
    const g = await measure(gateway, ready.url, body, headers, seconds);
    const b = await measure(bare, bareUrl, body, headers, seconds);
    const ratio = rounded(g.rps / b.rps, 3);
    results.push({ gateway: g, bare: b, ratio });
    line({ bench: 'profile', store: ready.store, round, target: 'gateway', connections, seconds, ...g });
    line({ bench: 'profile', store: ready.store, round, target: 'bare-apollo', connections, seconds, ...b });
    line({ bench: 'profile', store: ready.store, round, metric: 'throughput-ratio', gatewayOverBare: ratio });
  }
  if (cpuProfDir) {
    const path = join(cpuProfDir, `gateway-${ready.store}-${new Date().toISOString().replace(/[:.]/g, '-')}.cpuprofile`);
    await ask(gateway, { type: 'profile-stop', path }, 'profiled');
    line({ bench: 'profile', store: ready.store, cpuProfile: path });
  }
  const of = (pick: (r: (typeof results)[number]) => number | null) => spread(results.map(pick).filter((x): x is number => x !== null));
  line({
    bench: 'profile',
    store: ready.store,
    summary: `min/median/max of ${rounds} rounds`,
    gatewayOverBare: of((r) => r.ratio),
    target: store === 'postgres' ? 0.7 : 0.5,
    gateway: { rps: of((r) => r.gateway.rps), p50Ms: of((r) => r.gateway.p50Ms), p99Ms: of((r) => r.gateway.p99Ms), cpuMsPerRequest: of((r) => r.gateway.cpuMsPerRequest), errors: results.reduce((n, r) => n + r.gateway.errors, 0) },
    bare: { rps: of((r) => r.bare.rps), p50Ms: of((r) => r.bare.p50Ms), p99Ms: of((r) => r.bare.p99Ms), cpuMsPerRequest: of((r) => r.bare.cpuMsPerRequest), errors: results.reduce((n, r) => n + r.bare.errors, 0) },
  });
  await stop(bare);
  await stop(gateway);
}

await stop(load);
await stop(agency);
