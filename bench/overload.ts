/**
 * bench:overload — 20 concurrent person searches for 60 s against a gateway with the five sandbox
 * agencies, the load generator in its own process (bench/overload-client.ts, forked). Reports the
 * answers, the requests shed (503 OVERLOADED), the answers in which an agency was UNAVAILABLE
 * although it was healthy (the sandbox agencies have no faults injected, so every UNAVAILABLE
 * counts; it must be 0), and p50/p99. JSON lines.
 *
 * Two phases in one run, each with a fresh gateway: `shedding` (the defaults of `limits.overload`)
 * and, unless BENCH_BASELINE=0, `no-shedding` (shedding off, for comparison). Own timeouts are told
 * from the agency's in both: `ownTimeoutUtilisation: 1` still classifies a call during which the
 * loop never idled at all, and the setting has no "off".
 *
 * The sandbox agencies run in their own process (`sandbox.process: separate`, the default; set
 * BENCH_SANDBOX=inline to run them in the gateway's process and share its event loop).
 *
 * Options (environment): BENCH_SECONDS (default 60), BENCH_CONCURRENCY (default 20),
 * BENCH_HOUSEHOLDS (default 200), BENCH_BASELINE (default 1).
 */
import { fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startGateway } from '../gateway/app.js';
import { configFromDocument } from '../gateway/config.js';
import { generateCounty } from '../sandbox/county/index.js';
import { enquiryInput, OPEN_ENQUIRY, RELAXED_RATE_LIMITS, SEARCH } from '../test/helpers/gateway.js';
import type { ClientJob, ClientSummary } from './overload-client.js';

const seconds = Number(process.env.BENCH_SECONDS ?? 60);
const concurrency = Number(process.env.BENCH_CONCURRENCY ?? 20);
const households = Number(process.env.BENCH_HOUSEHOLDS ?? 200);
const baseline = process.env.BENCH_BASELINE !== '0';
const sandboxProcess = process.env.BENCH_SANDBOX === 'inline' ? 'inline' : 'separate';
// The same county the sandbox serves (same seed and size), for names and dates of birth to search for.
const county = generateCounty({ seed: 1, households });

const line = (o: Record<string, unknown>) => process.stdout.write(`${JSON.stringify(o)}\n`);
const percentile = (sorted: number[], p: number): number => Math.round((sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0) * 10) / 10;

/** Shedding off; a timeout is put down to the gateway's own loop only if the loop never idled during the call. */
const NO_SHEDDING = { maxEventLoopDelayMs: 60_000, maxInFlight: 100_000, ownTimeoutUtilisation: 1 };

async function phase(name: 'shedding' | 'no-shedding', overload: Record<string, number> | undefined): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'mash-bench-overload-'));
  const config = configFromDocument(
    {
      auth: { demoIssuer: true },
      sandbox: { enabled: true, seed: 1, households, healthPort: 0, policePort: 0, process: sandboxProcess },
      connectors: ['health', 'police', 'education', 'housing', 'social-care'].map((kind) => ({ kind, timeoutMs: 3000 })),
      // Each client is its own user with a relaxed budget: this measures the gateway's saturation, not per-user limits.
      limits: { rate: RELAXED_RATE_LIMITS.rate, ...(overload ? { overload } : {}) },
      incidents: { pollEverySeconds: 0 },
      encompass: { workEverySeconds: 0 },
    },
    join(process.cwd(), 'mash-gateway.config.yaml'),
    { PORT: 0, HOST: '127.0.0.1', DATA_DIR: dataDir, DATABASE_URL: process.env.DATABASE_URL, LOG_LEVEL: 'silent', MASH_CONFIG: 'unused', SHUTDOWN_GRACE_MS: 5000 },
  );
  const startedAt = performance.now();
  const gateway = await startGateway(config);
  const startMs = Math.round(performance.now() - startedAt);
  try {
    // Searches for people the county holds (name and date of birth), spread over the county.
    const persons = county.persons;
    const step = Math.max(1, Math.floor(persons.length / 64));
    const queries = persons.filter((_, i) => i % step === 0).slice(0, 64).map((p) => ({ family: p.family, given: p.given[0], birthDate: p.birthDate }));

    const clients: ClientJob['clients'] = [];
    for (let i = 0; i < concurrency; i++) {
      const token = await gateway.demoIssuer!.sign({ sub: `bench-researcher-${i}`, name: `Bench Researcher ${i}`, agency: 'social-care', roles: ['mash-researcher'] });
      const opened = (await (
        await fetch(`${gateway.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify({ query: OPEN_ENQUIRY, variables: { input: enquiryInput({ referralReference: `BENCH-${i}` }) } }) })
      ).json()) as any;
      const enquiryId = opened.data.openEnquiry.id as string;
      const mine = queries.filter((_, q) => q % concurrency === i % queries.length || queries.length < concurrency);
      clients.push({ token, bodies: (mine.length > 0 ? mine : queries).map((query) => JSON.stringify({ query: SEARCH, variables: { enquiryId, query } })) });
    }

    const child = fork(fileURLToPath(new URL('./overload-client.ts', import.meta.url)), { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const summary = await new Promise<ClientSummary>((resolve, reject) => {
      child.once('message', (message) => resolve(message as ClientSummary));
      child.once('exit', (code) => reject(new Error(`load generator exited with ${code}`)));
      child.send({ url: `${gateway.url}/graphql`, clients, seconds } satisfies ClientJob);
    });

    const load = gateway.load.report();
    const circuits = gateway.federation.circuits();
    line({
      bench: 'overload',
      phase: name,
      store: gateway.store.kind,
      sandbox: sandboxProcess,
      households,
      concurrency,
      seconds: summary.seconds,
      gatewayStartMs: startMs,
      answers: summary.answers,
      answersPerSecond: Math.round((summary.answers / summary.seconds) * 100) / 100,
      shed: summary.shed,
      overloadedRunning: summary.overloadedRunning,
      // Every sandbox agency is healthy (no faults injected): each UNAVAILABLE is a healthy agency reported down.
      unavailableWhileHealthy: summary.degraded,
      unavailable: summary.unavailable,
      otherErrors: summary.otherErrors,
      p50Ms: percentile(summary.answerLatencies, 50),
      p99Ms: percentile(summary.answerLatencies, 99),
      allResponsesP50Ms: percentile(summary.allLatencies, 50),
      allResponsesP99Ms: percentile(summary.allLatencies, 99),
      gateway: { shed: load.shed, ownTimeouts: load.ownTimeouts, eventLoopDelayMs: load.eventLoopDelayMs },
      circuitsOpened: circuits.filter((c) => c.state !== 'closed').map((c) => c.agency),
    });
  } finally {
    await gateway.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

await phase('shedding', undefined);
if (baseline) await phase('no-shedding', NO_SHEDDING);
