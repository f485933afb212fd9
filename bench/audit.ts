/**
 * bench:audit — what the audit log can write and what it adds to a request: durable events per
 * second, and the latency of `append` (which every request awaits) under concurrent load. Runs on
 * PGlite (a temporary data directory, as the gateway uses it) and on PostgreSQL when DATABASE_URL is
 * set (a temporary schema, dropped afterwards). Prints JSON lines.
 *
 * Per store:
 *   baseline      one transaction per event (maxBatch 1): what group commit saves, in the same run
 *   closed        N clients appending back to back (what it can write when every client waits on
 *                 it), checkpoints on; once more with a small (~650 byte) event for comparison
 *   open          requests arriving at a steady rate, as they do at a gateway: the latency `append`
 *                 adds to a request at that load, and whether the rate is sustained
 *   verify        audit verify over everything written (events re-hashed per second)
 *   prove         one inclusion proof against the newest checkpoint
 *   summary       the figures against the targets
 *
 * The event is a profile request's (a child linked in three agencies, six decisions: ~1.7 KB of
 * canonical JSON). Options (environment): BENCH_EVENTS events per closed-loop run (default 20000),
 * BENCH_OPEN_SECONDS per open-loop rate (default 4), BENCH_RATES_PGLITE / BENCH_RATES_POSTGRES
 * open-loop rates (defaults "1000,3000,5000" and "1000,5000,10000"), BENCH_STORES the stores to run
 * (default "pglite,postgres"; PostgreSQL only when DATABASE_URL is set), BENCH_PIPELINE batches in
 * flight at once (default: the log's, 2 on PostgreSQL and 1 on PGlite).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  canonicalJson,
  createAuditLog,
  createAuditSigner,
  DEFAULT_CHECKPOINT_EVERY_EVENTS,
  DEFAULT_CHECKPOINT_EVERY_MS,
  proveEvent,
  verifyAudit,
  type AccessEventInput,
  type AuditLogOptions,
  type AuditSigner,
} from '../gateway/audit/index.js';
import { buildEvent } from '../gateway/audit/log.js';
import { openStore, type Store } from '../gateway/store/index.js';
import { dropSchema, uniqueSchema } from '../test/helpers/stores.js';
import { exportJWK, generateKeyPair } from 'jose';

const EVENTS = Number(process.env.BENCH_EVENTS ?? 20_000);
const OPEN_SECONDS = Number(process.env.BENCH_OPEN_SECONDS ?? 4);
const RATES = {
  pglite: (process.env.BENCH_RATES_PGLITE ?? '1000,3000,5000').split(',').map(Number),
  postgres: (process.env.BENCH_RATES_POSTGRES ?? '1000,5000,10000').split(',').map(Number),
};
/** Batches in flight (AuditLogOptions.pipeline); the log's default when unset. */
const PIPELINE = process.env.BENCH_PIPELINE === undefined ? {} : { pipeline: Number(process.env.BENCH_PIPELINE) };
const STORES = new Set((process.env.BENCH_STORES ?? 'pglite,postgres').split(',').map((s) => s.trim()));
/** An open-loop rate counts as sustained when (nearly) all of it completes without a growing queue. */
const SUSTAINED = { share: 0.98, p95Ms: 50 };
const TARGETS = { postgres: 10_000, pglite: 3_000, p50AddedMs: 2 };

const print = (line: Record<string, unknown>) => process.stdout.write(`${JSON.stringify({ bench: 'audit', ...line })}\n`);
const round = (n: number, digits = 2) => Math.round(n * 10 ** digits) / 10 ** digits;
const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;

/** A profile request's event: a child linked in three agencies, six category decisions. */
function profileEvent(i: number): AccessEventInput {
  const decision = (agency: string, category: string, decision: 'disclose' | 'summarise' | 'withhold', fields: string[]) => ({
    agency,
    category,
    decision,
    ruleId: `${agency.slice(0, 1).toUpperCase()}${category.length}`,
    fields,
    recordIds: [`${agency}-rec-${i}-1`, `${agency}-rec-${i}-2`],
    markers: decision === 'withhold' ? 1 : 0,
  });
  return {
    requestId: `bench-${i}`,
    operation: 'profile',
    outcome: 'success',
    actor: { id: 'sw-114', name: 'Alex Example', agency: 'childrens-social-care', roles: ['mash-researcher'], issuer: 'urn:mash-gateway:demo-issuer' },
    enquiry: { id: 'enq-2024-0042', purpose: 's47-strategy-discussion', legalBasis: 'https://www.legislation.gov.uk/ukpga/1989/41/section/47', consent: false },
    subjects: [
      {
        subjectId: 'subj-1',
        links: [
          { agency: 'health', personId: 'nhs-p-77' },
          { agency: 'police', personId: 'pole-4411' },
          { agency: 'education', personId: 'upn-A123' },
        ],
      },
    ],
    policy: { id: 'mash-default', version: '3' },
    decisions: [
      decision('health', 'attendances', 'disclose', ['date', 'setting', 'reason']),
      decision('health', 'safeguarding-flags', 'summarise', ['flag']),
      decision('health', 'mental-health', 'withhold', []),
      decision('police', 'domestic-abuse-incidents', 'disclose', ['date', 'role', 'risk']),
      decision('police', 'warning-markers', 'summarise', ['marker']),
      decision('education', 'attendance', 'disclose', ['term', 'percentage', 'persistentAbsence']),
    ],
  };
}

interface Measured {
  events: number;
  seconds: number;
  latencies: number[];
  failures: number;
}

/** The fixture's size of event: one subject link, one decision. */
function smallEvent(i: number): AccessEventInput {
  const event = profileEvent(i);
  return { ...event, subjects: [{ subjectId: 'subj-1', links: [{ agency: 'health', personId: 'nhs-p-77' }] }], decisions: event.decisions!.slice(0, 1) };
}

/** Closed loop: `concurrency` clients each append, await, append again, until `total` are done. */
async function closedLoop(store: Store, options: AuditLogOptions, concurrency: number, total: number, makeEvent = profileEvent) {
  const log = createAuditLog(store, options);
  const latencies: number[] = [];
  let started = 0;
  let failures = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (started < total) {
        const input = makeEvent((started += 1));
        const s = performance.now();
        try {
          await log.append(input);
          latencies.push(performance.now() - s);
        } catch {
          failures += 1;
        }
      }
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  await log.close();
  return { measured: { events: latencies.length, seconds, latencies, failures }, stats: log.stats() };
}

/** Open loop: appends arrive at `rate` per second whatever the log's speed, for `seconds`. */
async function openLoop(store: Store, options: AuditLogOptions, rate: number, seconds: number) {
  const log = createAuditLog(store, options);
  const latencies: number[] = [];
  const inFlight: Promise<void>[] = [];
  let launched = 0;
  let failures = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < seconds * 1000) {
    const due = Math.floor(((performance.now() - t0) / 1000) * rate);
    for (; launched < due; launched += 1) {
      const input = profileEvent(launched);
      const s = performance.now();
      inFlight.push(
        log.append(input).then(
          () => void latencies.push(performance.now() - s),
          () => void (failures += 1),
        ),
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  await Promise.all(inFlight);
  const elapsed = (performance.now() - t0) / 1000;
  await log.close();
  return { measured: { events: latencies.length, seconds: elapsed, latencies, failures }, stats: log.stats() };
}

function summarise(measured: Measured) {
  const sorted = [...measured.latencies].sort((a, b) => a - b);
  return {
    events: measured.events,
    failures: measured.failures,
    seconds: round(measured.seconds),
    eventsPerSecond: Math.round(measured.events / measured.seconds),
    latencyMs: { p50: round(percentile(sorted, 50)), p95: round(percentile(sorted, 95)), p99: round(percentile(sorted, 99)), max: round(sorted.at(-1) ?? 0) },
  };
}

async function benchStore(name: 'pglite' | 'postgres', store: Store, signer: AuditSigner, durability: Record<string, unknown>) {
  const checkpoints = { signer, everyEvents: DEFAULT_CHECKPOINT_EVERY_EVENTS, everyMs: DEFAULT_CHECKPOINT_EVERY_MS };
  const withCheckpoints: AuditLogOptions = { checkpoints, ...PIPELINE };
  print({ store: name, mode: 'setup', durability, checkpointEvery: { events: DEFAULT_CHECKPOINT_EVERY_EVENTS, ms: DEFAULT_CHECKPOINT_EVERY_MS }, eventBytes: canonicalJson(buildEvent(profileEvent(1), new Date())).length, pipeline: PIPELINE.pipeline ?? 'default', cpus: availableParallelism(), loadAverage: loadavg().map((n) => round(n)), node: process.version });

  // Warm up (JIT, connections, PGlite caches).
  await closedLoop(store, withCheckpoints, 64, 2000);

  const baseline = await closedLoop(store, { maxBatch: 1, pipeline: 1 }, 64, Math.min(EVENTS, 3000));
  print({ store: name, mode: 'baseline', note: 'one transaction per event, one at a time (no group commit, no pipelining)', concurrency: 64, maxBatch: 1, pipeline: 1, ...summarise(baseline.measured), transactions: baseline.stats.transactions });

  let best = 0;
  for (const concurrency of [1, 16, 64, 256, 1024]) {
    const total = concurrency === 1 ? Math.min(EVENTS, 3000) : EVENTS;
    const run = await closedLoop(store, withCheckpoints, concurrency, total);
    const summary = summarise(run.measured);
    best = Math.max(best, summary.eventsPerSecond);
    print({
      store: name,
      mode: 'closed',
      concurrency,
      ...summary,
      transactions: run.stats.transactions,
      meanBatch: round(run.stats.events / Math.max(1, run.stats.transactions), 1),
      retries: run.stats.retries,
      checkpoints: run.stats.checkpoints,
    });
  }

  const small = await closedLoop(store, withCheckpoints, 256, EVENTS, smallEvent);
  print({
    store: name,
    mode: 'closed',
    concurrency: 256,
    eventBytes: canonicalJson(buildEvent(smallEvent(1), new Date())).length,
    ...summarise(small.measured),
    meanBatch: round(small.stats.events / Math.max(1, small.stats.transactions), 1),
  });

  const openP50: Record<string, number> = {};
  let sustained = 0;
  for (const rate of RATES[name]) {
    const run = await openLoop(store, withCheckpoints, rate, OPEN_SECONDS);
    const summary = summarise(run.measured);
    const held = summary.eventsPerSecond >= SUSTAINED.share * rate && summary.latencyMs.p95 <= SUSTAINED.p95Ms;
    if (held) sustained = Math.max(sustained, summary.eventsPerSecond);
    openP50[String(rate)] = summary.latencyMs.p50;
    print({
      store: name,
      mode: 'open',
      ratePerSecond: rate,
      ...summary,
      sustained: held,
      transactions: run.stats.transactions,
      meanBatch: round(run.stats.events / Math.max(1, run.stats.transactions), 1),
      checkpoints: run.stats.checkpoints,
    });
  }

  let t0 = performance.now();
  const verified = await verifyAudit(store, { publicKeys: [signer.publicJwk] });
  const verifySeconds = (performance.now() - t0) / 1000;
  print({
    store: name,
    mode: 'verify',
    ok: verified.ok,
    events: verified.ok ? verified.checked : undefined,
    checkpoints: verified.ok ? verified.checkpoints : undefined,
    seconds: round(verifySeconds),
    eventsPerSecond: verified.ok ? Math.round(verified.checked / verifySeconds) : undefined,
    ...(verified.ok ? {} : { problem: verified }),
  });

  const { rows } = await store.query<{ id: string }>('SELECT id FROM audit_event ORDER BY seq LIMIT 1 OFFSET 1000');
  t0 = performance.now();
  const proof = await proveEvent(store, rows[0]!.id, { signer });
  print({ store: name, mode: 'prove', treeSize: proof.treeSize, pathLength: proof.path.length, ms: round(performance.now() - t0) });

  const target = TARGETS[name];
  print({
    store: name,
    mode: 'summary',
    bestClosedLoopEventsPerSecond: best,
    sustainedOpenLoopEventsPerSecond: sustained,
    targetEventsPerSecond: target,
    meetsThroughputTarget: Math.max(best, sustained) >= target,
    p50AddedMsAtRate: openP50,
    targetP50AddedMs: TARGETS.p50AddedMs,
  });
}

const signer = await createAuditSigner(await exportJWK((await generateKeyPair('ES256', { extractable: true })).privateKey));

if (!STORES.has('pglite')) {
  print({ store: 'pglite', mode: 'skipped', reason: 'not in BENCH_STORES' });
} else {
  const dataDir = mkdtempSync(join(tmpdir(), 'mash-bench-audit-'));
  try {
    const store = await openStore({ dataDir: join(dataDir, 'pglite') });
    try {
      await benchStore('pglite', store, signer, {
        commit: 'written to the data directory before append resolves; PGlite runs PostgreSQL with fsync off, so it survives a process crash, not a power cut',
      });
    } finally {
      await store.close();
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

const databaseUrl = process.env.DATABASE_URL;
if (!STORES.has('postgres')) {
  print({ store: 'postgres', mode: 'skipped', reason: 'not in BENCH_STORES' });
} else if (databaseUrl !== undefined && databaseUrl !== '') {
  const schema = uniqueSchema('bench_audit');
  const store = await openStore({ databaseUrl, schema });
  try {
    const setting = async (name: string) => (await store.query<Record<string, string>>(`SHOW ${name}`)).rows[0]?.[name];
    await benchStore('postgres', store, signer, {
      fsync: await setting('fsync'),
      synchronous_commit: await setting('synchronous_commit'),
      wal_sync_method: await setting('wal_sync_method'),
    });
  } finally {
    await store.close();
    await dropSchema(databaseUrl, schema);
  }
} else {
  print({ store: 'postgres', mode: 'skipped', reason: 'DATABASE_URL is not set' });
}
