/**
 * bench:start: the gateway as `npm start` runs it (its own process, the sandbox county in
 * another, the console already built), measured from the outside:
 * - time to healthy: from spawning `node --import tsx gateway/main.ts` to /readyz answering 200;
 * - the gateway process's resident memory (VmRSS in /proc/PID/status) when idle, and its peak
 *   while 20 clients (autocannon, in a third process) search for the featured child (five
 *   agencies per search);
 * - the sandbox process's memory, for comparison (it holds the county; the gateway must not).
 * At the default size (200 households) and at BENCH_HOUSEHOLDS when set; BENCH_RUNS runs each
 * (default 3), BENCH_SECONDS of load (default 20). The store is PGlite in a data directory, new
 * for each size's first run (`firstStart`: the store is created) and kept for the next ones (as a
 * second `npm start` finds it), or PostgreSQL when DATABASE_URL is set. One JSON line per run, then one per size with the
 * min/median/max of each figure.
 */
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parse, stringify } from 'yaml';
import { enquiryInput, OPEN_ENQUIRY, RELAXED_RATE_LIMITS } from '../test/helpers/gateway.js';
import { rounded, spread } from './stats.js';

const ROOT = resolve(import.meta.dirname, '..');
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 20);
const CONNECTIONS = 20;
const SIZES = [200, ...(process.env.BENCH_HOUSEHOLDS ? [Number(process.env.BENCH_HOUSEHOLDS)] : [])];
const STORE = process.env.DATABASE_URL ? 'postgresql' : 'pglite';

const SEARCH = /* GraphQL */ `
  query Search($enquiryId: ID!, $query: PersonSearchInput!) {
    searchPeople(enquiryId: $enquiryId, query: $query) { auditEventId agencies { agency status people { personId } } }
  }
`;

function rssMb(pid: number): number {
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? rounded(Number(match[1]) / 1024) : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** The repository's configuration at `households`, on free ports, as `npm start` reads it. */
function configFile(dir: string, households: number): string {
  const document = parse(readFileSync(join(ROOT, 'mash-gateway.config.yaml'), 'utf8')) as Record<string, any>;
  document.policy = join(ROOT, document.policy);
  document.sandbox = { ...document.sandbox, households, healthPort: 0, policePort: 0, process: 'separate' };
  // One researcher sends every request: the per-actor rate limit would answer most with 429.
  document.limits = RELAXED_RATE_LIMITS;
  const path = join(dir, 'config.yaml');
  writeFileSync(path, stringify(document));
  return path;
}

async function graphql(url: string, token: string, query: string, variables: Record<string, unknown>): Promise<any> {
  const response = await fetch(`${url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify({ query, variables }) });
  return response.json();
}

function load(run: { url: string; body: string; headers: Record<string, string>; connections: number; seconds: number }): Promise<{ requests: number; rps: number; p50Ms: number; p99Ms: number; errors: number }> {
  const child = fork(join(ROOT, 'bench/start-load.ts'), [], { execArgv: ['--import', 'tsx'] });
  return new Promise((done, fail) => {
    child.once('message', (result) => done(result as never));
    child.once('exit', (code) => fail(new Error(`load generator exited (${code})`)));
    child.send(run);
  });
}

async function once(households: number, run: number, dir: string): Promise<Record<string, number>> {
  const env = { ...process.env, PORT: '0', DATA_DIR: join(dir, 'data'), MASH_CONFIG: configFile(dir, households), LOG_LEVEL: 'warn', DATABASE_URL: process.env.DATABASE_URL ?? '' };
  const started = performance.now();
  const gateway: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'gateway/main.ts'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'inherit'] });
  let output = '';
  gateway.stdout!.on('data', (chunk) => (output += String(chunk)));
  const exited = new Promise<void>((done) => gateway.once('exit', () => done()));
  try {
    let url: string | undefined;
    while (!url) {
      if (gateway.exitCode !== null) throw new Error(`the gateway exited before it was ready:\n${output}`);
      url = /ready at (http:\/\/[\d.:]+)\/graphql/.exec(output)?.[1];
      if (!url) await sleep(50);
    }
    while ((await fetch(`${url}/readyz`).then((r) => r.status, () => 0)) !== 200) await sleep(50);
    const healthyMs = performance.now() - started;
    const sandboxPid = Number(/agencies in process (\d+)/.exec(output)?.[1]);
    await sleep(2000);
    const idleRssMb = rssMb(gateway.pid!);

    const token = await new Promise<string>((done, fail) => {
      const cli = spawn(process.execPath, ['--import', 'tsx', 'gateway/cli.ts', 'token', '--sub', 'bench-researcher', '--name', 'Bench Researcher', '--agency', 'social-care', '--role', 'mash-researcher'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'inherit'] });
      let text = '';
      cli.stdout!.on('data', (chunk) => (text += String(chunk)));
      cli.once('exit', (code) => (code === 0 ? done(text.trim()) : fail(new Error(`token command exited ${code}`))));
    });
    const opened = await graphql(url, token, OPEN_ENQUIRY, { input: enquiryInput() });
    const enquiryId = opened.data?.openEnquiry?.id as string;
    if (!enquiryId) throw new Error(`could not open an enquiry: ${JSON.stringify(opened.errors)}`);
    const nhsNumber = /NHS number (\d{10})/.exec(output)![1]!;
    const body = JSON.stringify({ query: SEARCH, variables: { enquiryId, query: { nhsNumber } } });

    let peakRssMb = idleRssMb;
    const sampler = setInterval(() => (peakRssMb = Math.max(peakRssMb, rssMb(gateway.pid!))), 250);
    const result = await load({ url: `${url}/graphql`, body, headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, connections: CONNECTIONS, seconds: SECONDS });
    clearInterval(sampler);
    const sandboxRssMb = rssMb(sandboxPid);

    gateway.kill('SIGINT');
    await exited;
    await sleep(200);
    const line = { bench: 'start', store: STORE, households, run, firstStart: run === 1, healthyMs: Math.round(healthyMs), idleRssMb, loadPeakRssMb: peakRssMb, sandboxRssMb, rps: rounded(result.rps), p50Ms: result.p50Ms, p99Ms: result.p99Ms, errors: result.errors, sandboxLeft: alive(sandboxPid) ? 1 : 0 };
    process.stdout.write(`${JSON.stringify(line)}\n`);
    return line as unknown as Record<string, number>;
  } finally {
    if (gateway.exitCode === null) gateway.kill('SIGKILL');
  }
}

for (const households of SIZES) {
  const runs: Record<string, number>[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'mash-bench-start-'));
  try {
    for (let run = 1; run <= RUNS; run++) runs.push(await once(households, run, dir));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const figures = ['healthyMs', 'idleRssMb', 'loadPeakRssMb', 'sandboxRssMb', 'rps', 'p50Ms', 'p99Ms', 'errors'];
  process.stdout.write(`${JSON.stringify({ bench: 'start', summary: true, store: STORE, households, runs: RUNS, ...Object.fromEntries(figures.map((f) => [f, spread(runs.map((r) => r[f]!))])) })}\n`);
}
