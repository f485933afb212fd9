/**
 * bench:audit — what the audit log can write and what it adds to a request: durable events per
 * second, and the latency of `append` (which every request awaits) under concurrent load. Runs on
 * PGlite (a temporary data directory, as the gateway uses it) and on PostgreSQL when DATABASE_URL is
 * set (a temporary schema, dropped afterwards). Prints JSON lines.
 *
 * Per store:
 *   plain         the same rows (same columns, same ~1.7 KB body) written by a plain batched INSERT into
 *                 an unchained copy of audit_event (same indexes and constraints): no chain, no hash, no
 *                 lock, no canonical JSON; batches of the log's size, as many in flight as the log
 *                 keeps. The ceiling the chained log is measured against.
 *   chained       the same number of events appended at once through the audit log (durable: each
 *                 resolved only after its batch committed), and its ratio to plain
 *   open1000      appends arriving at 1,000/s (open loop): the p50 `append` adds to a request
 *   commitFloor   one-row plain INSERTs committed one at a time: the store's own commit latency, below
 *                 which no durable acknowledgement can come
 *   ratio         plain, chained and open1000 are run BENCH_RUNS times (default 3), interleaved so
 *                 that load on the machine falls on both alike; min/median/max of each
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
 * flight at once (default: the log's, 2 on PostgreSQL and 1 on PGlite), BENCH_RUNS ratio runs
 * (default 3), BENCH_RATIO_EVENTS events per plain/chained run (default 10000), BENCH_RATIO_ONLY=1 to
 * run only the ratio runs, verify and the summary.
 */
import { randomUUID } from 'node:crypto';
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
const RUNS = Math.max(1, Number(process.env.BENCH_RUNS ?? 3));
const RATIO_EVENTS = Number(process.env.BENCH_RATIO_EVENTS ?? 10_000);
const RATIO_ONLY = process.env.BENCH_RATIO_ONLY === '1';
/** The log's defaults (gateway/audit/log.ts), which the plain insert matches. */
const LOG_MAX_BATCH = 512;
const LOG_PIPELINE = { pglite: 1, postgres: 2 };
const STORES = new Set((process.env.BENCH_STORES ?? 'pglite,postgres').split(',').map((s) => s.trim()));
/** An open-loop rate counts as sustained when (nearly) all of it completes without a growing queue. */
const SUSTAINED = { share: 0.98, p95Ms: 50 };
const TARGETS = { postgres: 10_000, pglite: 3_000, p50AddedMs: 2, ratioToPlain: 0.5 };

const print = (line: Record<string, unknown>) => process.stdout.write(`${JSON.stringify({ bench: 'audit', ...line })}\n`);
const round = (n: number, digits = 2) => Math.round(n * 10 ** digits) / 10 ** digits;
const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
const spread = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return { min: sorted[0] ?? 0, median: sorted[Math.floor((sorted.length - 1) / 2)] ?? 0, max: sorted.at(-1) ?? 0 };
};

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

/** The unchained table: audit_event's columns, indexes and constraints, and none of its rows or triggers. */
const PLAIN_TABLE = 'bench_plain_event';
/** A placeholder of a hash's size where the chained table holds real hashes (no hash work). */
const PLACEHOLDER_HASH = 'f'.repeat(64);
/**
 * The fastest plain batched INSERT found for these rows: the batch as the text of one JSON array,
 * with the indexed columns read out of each element (an unnest of eleven arrays was slower on both
 * stores: each JSON body has to be escaped into an array literal).
 */
const PLAIN_INSERT = `INSERT INTO ${PLAIN_TABLE} (seq, id, at, request_id, operation, outcome, actor_id, enquiry_id, prev_hash, hash, body)
  SELECT $1::bigint + e.i - 1, (e.b->>'id')::uuid, (e.b->>'at')::timestamptz, e.b->>'requestId', e.b->>'operation', e.b->>'outcome',
         e.b->'actor'->>'id', e.b->'enquiry'->>'id', $2, $2, e.b
    FROM jsonb_array_elements($3::text::jsonb) WITH ORDINALITY AS e(b, i)`;

async function createPlainTable(store: Store): Promise<void> {
  await store.query(`CREATE TABLE IF NOT EXISTS ${PLAIN_TABLE} (LIKE audit_event INCLUDING ALL)`);
}

let plainSeq = 0;

/**
 * `total` events written as a plain batched INSERT, `inFlight` batches at a time, each committed on
 * its own: the same rows the audit log writes, built the same way (id, time), serialised with
 * JSON.stringify instead of canonical JSON, with no chain.
 */
async function plainBatched(store: Store, total: number, batchSize: number, inFlight: number) {
  let next = 0;
  const t0 = performance.now();
  let batches = 0;
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (next < total) {
        const size = Math.min(batchSize, total - next);
        const rows = Array.from({ length: size }, (_, k) => {
          const input = profileEvent(next + k);
          return { ...input, id: randomUUID(), at: new Date().toISOString(), subjects: input.subjects ?? [], decisions: input.decisions ?? [] };
        });
        next += size;
        const first = plainSeq + 1;
        plainSeq += size;
        batches += 1;
        await store.query(PLAIN_INSERT, [first, PLACEHOLDER_HASH, JSON.stringify(rows)]);
      }
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  return { events: total, seconds: round(seconds), eventsPerSecond: Math.round(total / seconds), transactions: batches };
}

/**
 * The store's own commit latency: one-row plain INSERTs, each committed before the next is sent.
 * No durable append can be acknowledged sooner than this; it bounds the p50 at 1,000/s from below.
 */
async function commitFloor(store: Store, count: number) {
  const latencies: number[] = [];
  for (let i = 0; i < count; i += 1) {
    const input = profileEvent(i);
    const row = { ...input, id: randomUUID(), at: new Date().toISOString(), subjects: input.subjects ?? [], decisions: input.decisions ?? [] };
    plainSeq += 1;
    const s = performance.now();
    await store.query(PLAIN_INSERT, [plainSeq, PLACEHOLDER_HASH, JSON.stringify([row])]);
    latencies.push(performance.now() - s);
  }
  latencies.sort((a, b) => a - b);
  return { p50: round(percentile(latencies, 50)), p95: round(percentile(latencies, 95)) };
}

/** `total` events appended at once through the audit log; resolves when every one has committed. */
async function chainedBurst(store: Store, options: AuditLogOptions, total: number) {
  const log = createAuditLog(store, options);
  const t0 = performance.now();
  const results = await Promise.allSettled(Array.from({ length: total }, (_, i) => log.append(profileEvent(i))));
  const seconds = (performance.now() - t0) / 1000;
  await log.close();
  const events = results.filter((r) => r.status === 'fulfilled').length;
  const stats = log.stats();
  return { events, failures: total - events, seconds: round(seconds), eventsPerSecond: Math.round(events / seconds), transactions: stats.transactions, retries: stats.retries, meanBatch: round(stats.events / Math.max(1, stats.transactions), 1) };
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
  await createPlainTable(store);
  await closedLoop(store, withCheckpoints, 64, 2000);
  await plainBatched(store, 2000, LOG_MAX_BATCH, PIPELINE.pipeline ?? LOG_PIPELINE[name]);

  // Chained against plain, and the p50 at 1,000/s, interleaved run by run.
  const ratios: number[] = [];
  const plainRates: number[] = [];
  const chainedRates: number[] = [];
  const p50At1000: number[] = [];
  const floorP50: number[] = [];
  for (let run = 1; run <= RUNS; run += 1) {
    const plain = await plainBatched(store, RATIO_EVENTS, LOG_MAX_BATCH, PIPELINE.pipeline ?? LOG_PIPELINE[name]);
    print({ store: name, mode: 'plain', run, batchSize: LOG_MAX_BATCH, inFlight: PIPELINE.pipeline ?? LOG_PIPELINE[name], ...plain });
    const chained = await chainedBurst(store, withCheckpoints, RATIO_EVENTS);
    const ratio = round(chained.eventsPerSecond / plain.eventsPerSecond);
    print({ store: name, mode: 'chained', run, ...chained, ratioToPlain: ratio });
    const open = await openLoop(store, withCheckpoints, 1000, OPEN_SECONDS);
    const openSummary = summarise(open.measured);
    print({ store: name, mode: 'open1000', run, ...openSummary, transactions: open.stats.transactions, meanBatch: round(open.stats.events / Math.max(1, open.stats.transactions), 1) });
    const floor = await commitFloor(store, 200);
    print({ store: name, mode: 'commitFloor', run, note: 'one-row plain INSERT, committed alone', latencyMs: floor });
    floorP50.push(floor.p50);
    ratios.push(ratio);
    plainRates.push(plain.eventsPerSecond);
    chainedRates.push(chained.eventsPerSecond);
    p50At1000.push(openSummary.latencyMs.p50);
  }
  const ratioSpread = spread(ratios);
  const p50Spread = spread(p50At1000);
  print({
    store: name,
    mode: 'ratio',
    runs: RUNS,
    plainEventsPerSecond: spread(plainRates),
    chainedEventsPerSecond: spread(chainedRates),
    chainedToPlain: ratioSpread,
    targetChainedToPlain: TARGETS.ratioToPlain,
    meetsRatioTarget: ratioSpread.median >= TARGETS.ratioToPlain,
    p50AddedMsAt1000PerSecond: p50Spread,
    targetP50AddedMs: TARGETS.p50AddedMs,
    meetsP50Target: p50Spread.median <= TARGETS.p50AddedMs,
    commitFloorP50Ms: spread(floorP50),
  });

  const openP50: Record<string, number> = {};
  let best = 0;
  let sustained = 0;
  if (!RATIO_ONLY) {
    const baseline = await closedLoop(store, { maxBatch: 1, pipeline: 1 }, 64, Math.min(EVENTS, 3000));
    print({ store: name, mode: 'baseline', note: 'one transaction per event, one at a time (no group commit, no pipelining)', concurrency: 64, maxBatch: 1, pipeline: 1, ...summarise(baseline.measured), transactions: baseline.stats.transactions });

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
    chainedToPlain: ratioSpread,
    p50AddedMsAt1000PerSecond: p50Spread,
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
