/**
 * bench:identity — how well and how fast person matching works, on labelled data
 * (PROVENANCE.md's protocol in shared/linkage-data). Prints JSON lines:
 *
 *   dataset   one per data set (the synthetic county; Splink's fake_1000; FEBRL dataset1 and
 *             dataset2, each with and without soc_sec_id): linkRecords at its default threshold
 *             (0.5), then blocking recall, pairwise P/R/F1 at 0.5 counting true pairs blocking
 *             never proposed as false negatives, the best-F1 threshold found by sweeping (chosen
 *             on the answers, so optimistic: labelled as such), cluster-induced P/R/F1, B-cubed,
 *             people reconstructed exactly, over-merged clusters (and, for the county, those
 *             holding a child), precision in each match band, and the engine's timings. Bands
 *             are as the gateway assigns them: a pair under a cannot-link guard (different NHS
 *             numbers, possible twins, birth dates years apart) is at most a possible match
 *   link50k   linkRecords on 50,000 county records: wall time and peak RSS (own process)
 *   query     one PersonIndex per agency at 100,000 persons each, ~1,000 searches (known people
 *             with noise, and held-out people who are not indexed) on every agency, ranked with
 *             createMatcher().rank over the union: latency, Recall@1/@5, correct "no match"
 *             (own process); `indexSearchMs` is one search of one 100k index alone
 *   summary   every target and whether it was met
 *
 * Options (environment): BENCH_COUNTY_HOUSEHOLDS county size for the dataset line (default 2000,
 * ~11,000 agency records); BENCH_LINK_RECORDS (default 50000); BENCH_QUERY_PERSONS per agency
 * (default 100000); BENCH_QUERIES (default 1000); BENCH_QUERY_HOUSEHOLDS county behind the query
 * indexes (default 10000); BENCH_SKIP comma list of parts to leave out (datasets, link50k, query).
 * Quick run: BENCH_COUNTY_HOUSEHOLDS=300 BENCH_LINK_RECORDS=5000 BENCH_QUERY_PERSONS=5000
 * BENCH_QUERIES=200 BENCH_QUERY_HOUSEHOLDS=1000 npm run bench:identity
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { evaluateLinkage, truthLabels, type LinkageEvaluation } from '../gateway/identity/evaluate.js';
import { guardedProbabilities, linkRecords, type LinkResult } from '../gateway/identity/link.js';
import { PersonIndex } from '../gateway/identity/person-index.js';
import { createMatcher, DEFAULT_BANDS } from '../gateway/identity/search.js';
import type { PersonRecord } from '../gateway/identity/types.js';
import { generateCounty, type County, type Person } from '../sandbox/county/index.js';
import { dayFromIso, isoDate } from '../sandbox/county/dates.js';
import { nickname, swapDayMonth, typo } from '../sandbox/county/noise.js';
import { nhsCheckDigit } from '../sandbox/county/nhs-number.js';
import { Rng } from '../sandbox/county/prng.js';
import { upnCheckLetter } from '../sandbox/county/views/education.js';
import { AGENCIES, countyRecords, loadFake1000, loadFebrl, SYSTEMS, type Agency, type CountyDataset, type LabelledDataset } from './identity-data.js';

const num = (name: string, fallback: number): number => {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${name}=${raw} is not a positive number`);
  return Math.floor(n);
};
const COUNTY_HOUSEHOLDS = num('BENCH_COUNTY_HOUSEHOLDS', 2_000);
const LINK_RECORDS = num('BENCH_LINK_RECORDS', 50_000);
const QUERY_PERSONS = num('BENCH_QUERY_PERSONS', 100_000);
const QUERIES = num('BENCH_QUERIES', 1_000);
const QUERY_HOUSEHOLDS = num('BENCH_QUERY_HOUSEHOLDS', 10_000);
const SKIP = new Set((process.env.BENCH_SKIP ?? '').split(',').map((s) => s.trim()).filter(Boolean));
/** Internal: the part a child process runs (link50k and query run alone, for a clean peak RSS). */
const PART = process.env.BENCH_PART;

const TARGETS = {
  fake1000F1: 0.862,
  febrlNoIdentifiersF1: 0.99,
  certainPrecision: 0.999,
  overMergedChildren: 0,
  queryP95Ms: 20,
  queryPersonsPerAgency: 100_000,
  link50kSeconds: 60,
  link50kRecords: 50_000,
};

const print = (line: Record<string, unknown>): void => void process.stdout.write(`${JSON.stringify({ bench: 'identity', ...line })}\n`);
const round = (n: number | null | undefined, digits = 4): number | null => (n === null || n === undefined || !Number.isFinite(n) ? null : Math.round(n * 10 ** digits) / 10 ** digits);
const percentile = (sorted: readonly number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
const peakRssMb = (): number => Math.round(process.resourceUsage().maxRSS / 1024);
const rssMb = (): number => Math.round(process.memoryUsage().rss / 1024 / 1024);

/** Probability bands as [lo, hi): certain includes probability 1. */
const BANDS = {
  certain: { lo: DEFAULT_BANDS.certain, hi: Infinity },
  probable: { lo: DEFAULT_BANDS.probable, hi: DEFAULT_BANDS.certain },
  possible: { lo: DEFAULT_BANDS.possible, hi: DEFAULT_BANDS.probable },
};

function timed<T>(f: () => T): { value: T; ms: number } {
  const t0 = performance.now();
  const value = f();
  return { value, ms: performance.now() - t0 };
}

const pr = (m: { precision: number | null; recall: number | null; f1: number | null } | undefined) =>
  m ? { precision: round(m.precision), recall: round(m.recall), f1: round(m.f1) } : null;

/** The figures of one linkage, as printed. */
function describe(e: LinkageEvaluation, link: LinkResult, wallMs: number) {
  const bands: Record<string, unknown> = {};
  for (const [name, b] of Object.entries(e.bands ?? {})) bands[name] = { from: b.lo, to: Number.isFinite(b.hi) ? b.hi : 1, pairs: b.pairs, precision: round(b.precision, 5) };
  return {
    records: e.records,
    people: e.people,
    truePairs: e.truePairs,
    candidatePairs: link.stats.candidatePairs,
    blockingRecall: round(e.blocking?.recall),
    ...(e.blocking && (e.blocking.duplicatePairs > 0 || e.blocking.selfPairs > 0) ? { pairsRepeated: e.blocking.duplicatePairs, selfPairs: e.blocking.selfPairs } : {}),
    pairwise: e.pairwise
      ? { threshold: e.pairwise.threshold, ...pr(e.pairwise), tp: e.pairwise.truePositives, fp: e.pairwise.falsePositives, fn: e.pairwise.falseNegatives }
      : null,
    bestF1SweptOnTruth: e.bestF1 ? { threshold: round(e.bestF1.threshold, 6), ...pr(e.bestF1) } : null,
    clusterPairs: pr(e.clusterPairs),
    bCubed: pr(e.bCubed),
    exactPeople: e.exactPeople
      ? { exact: e.exactPeople.exact, of: e.exactPeople.people, share: round(e.exactPeople.share), multiRecordShare: round(e.exactPeople.multiRecordShare) }
      : null,
    overMerged: e.overMerged ? { clusters: e.overMerged.clusters, people: e.overMerged.people, largestCluster: e.overMerged.largestCluster } : null,
    bands,
    problemRecords: link.problems.length,
    seconds: round(wallMs / 1000, 2),
    stats: link.stats,
  };
}

/** `met` is null when the run was too small to judge the target (a quick run). */
type Check = { part: string; metric: string; target: string; value: number | null; met: boolean | null };
const checks: Check[] = [];
function check(part: string, metric: string, target: string, value: number | null, met: boolean | null): boolean | null {
  checks.push({ part, metric, target, value, met });
  return met;
}

function runDataset(ds: LabelledDataset, extra: { isChild?: (id: string) => boolean; target?: { f1AtLeast?: number; f1Above?: number } } = {}): void {
  const { value: link, ms } = timed(() => linkRecords(ds.records));
  const pairs = { ...link.pairs, probability: guardedProbabilities(link.pairs, DEFAULT_BANDS) };
  const e = evaluateLinkage(truthLabels(ds.truth), { clusters: link.clusters, pairs }, { threshold: 0.5, bands: BANDS, ...(extra.isChild ? { isChild: extra.isChild } : {}) });
  const certain = e.bands!.certain!;
  const target: Record<string, string> = {};
  const met: Record<string, boolean | null> = {};
  if (extra.target?.f1Above !== undefined || extra.target?.f1AtLeast !== undefined) {
    const above = extra.target.f1Above !== undefined;
    const bound = (above ? extra.target.f1Above : extra.target.f1AtLeast)!;
    const pass = (f1: number | null | undefined) => f1 !== null && f1 !== undefined && (above ? f1 > bound : f1 >= bound);
    target.pairwiseF1 = `${above ? '>' : '>='} ${bound} at threshold 0.5`;
    met.pairwiseF1 = check(ds.name, 'pairwise F1 at 0.5', target.pairwiseF1, round(e.pairwise?.f1), pass(e.pairwise?.f1));
    target.bestF1SweptOnTruth = `${above ? '>' : '>='} ${bound} (threshold chosen on the answers)`;
    met.bestF1SweptOnTruth = check(ds.name, 'best pairwise F1 (swept)', target.bestF1SweptOnTruth, round(e.bestF1?.f1), pass(e.bestF1?.f1));
  }
  target.certainBandPrecision = `>= ${TARGETS.certainPrecision} (pairs with probability >= ${DEFAULT_BANDS.certain})`;
  met.certainBandPrecision = check(ds.name, 'certain-band precision', target.certainBandPrecision, round(certain.precision, 5), certain.precision === null ? null : certain.precision >= TARGETS.certainPrecision);
  const line: Record<string, unknown> = { mode: 'dataset', dataset: ds.name, ...describe(e, link, ms) };
  if (extra.isChild) {
    line.overMergedChildren = { clusters: e.overMerged!.childClusters, children: e.overMerged!.children };
    target.overMergedChildren = `= ${TARGETS.overMergedChildren} clusters merging a child with anyone else`;
    met.overMergedChildren = check(ds.name, 'over-merged children', target.overMergedChildren, e.overMerged!.childClusters, e.overMerged!.childClusters === TARGETS.overMergedChildren);
  }
  print({ ...line, target, met });
}

function countyLine(ds: CountyDataset): void {
  const byAgency: Record<string, number> = {};
  for (const a of ds.agency) byAgency[a] = (byAgency[a] ?? 0) + 1;
  process.stderr.write(`county: ${ds.records.length} records (${JSON.stringify(byAgency)})\n`);
  runDataset(ds, { isChild: ds.isChild });
}

function datasets(): void {
  countyLine(countyRecords(generateCounty({ seed: 1, households: COUNTY_HOUSEHOLDS })));
  runDataset(loadFake1000(), { target: { f1Above: TARGETS.fake1000F1 } });
  for (const which of [1, 2] as const) {
    runDataset(loadFebrl(which, { withIdentifiers: true }));
    runDataset(loadFebrl(which, { withIdentifiers: false }), { target: { f1AtLeast: TARGETS.febrlNoIdentifiersF1 } });
  }
}

/** A deterministic shuffle (Fisher-Yates). */
function shuffle<T>(items: T[], rng: Rng): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = rng.int(0, i);
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
  return items;
}

function link50k(): void {
  // Agency records grow linearly with households: size the county from a small one, then take a
  // seeded random LINK_RECORDS of its records (all agencies mixed).
  const probe = countyRecords(generateCounty({ seed: 1, households: 500 }));
  let households = Math.ceil((LINK_RECORDS / probe.records.length) * 500 * 1.03);
  let full = countyRecords(generateCounty({ seed: 1, households }));
  for (let tries = 0; full.records.length < LINK_RECORDS && tries < 3; tries++) {
    households = Math.ceil(households * (LINK_RECORDS / full.records.length) * 1.02);
    full = countyRecords(generateCounty({ seed: 1, households }));
  }
  const order = shuffle(Array.from(full.records, (_, i) => i), new Rng(50_000)).slice(0, LINK_RECORDS).sort((a, b) => a - b);
  const records = order.map((i) => full.records[i]!);
  const truth = order.map((i) => full.truth[i]!);
  const rssBefore = rssMb();
  const { value: link, ms } = timed(() => linkRecords(records));
  const peak = peakRssMb();
  const pairs = { ...link.pairs, probability: guardedProbabilities(link.pairs, DEFAULT_BANDS) };
  const e = evaluateLinkage(truth, { clusters: link.clusters, pairs }, { threshold: 0.5, bands: BANDS, isChild: full.isChild, sweep: false });
  const seconds = ms / 1000;
  const target = {
    seconds: `<= ${TARGETS.link50kSeconds} s for ${TARGETS.link50kRecords} records`,
    overMergedChildren: `= ${TARGETS.overMergedChildren} clusters merging a child with anyone else (the county target, at this size)`,
  };
  const met = {
    seconds: check('link50k', 'wall seconds', target.seconds, round(seconds, 2), records.length >= TARGETS.link50kRecords ? seconds <= TARGETS.link50kSeconds : null),
    overMergedChildren: check('link50k', 'over-merged children', target.overMergedChildren, e.overMerged!.childClusters, e.overMerged!.childClusters === TARGETS.overMergedChildren),
  };
  print({
    mode: 'link50k',
    data: `county seed 1, ${households} households (${full.records.length} agency records), a seeded random ${records.length} of them`,
    records: records.length,
    wallSeconds: round(seconds, 2),
    peakRssMb: peak,
    rssBeforeLinkMb: rssBefore,
    candidatePairs: link.stats.candidatePairs,
    stats: link.stats,
    blockingRecall: round(e.blocking?.recall),
    pairwise: pr(e.pairwise),
    clusterPairs: pr(e.clusterPairs),
    overMerged: { clusters: e.overMerged!.clusters, people: e.overMerged!.people },
    overMergedChildren: { clusters: e.overMerged!.childClusters, children: e.overMerged!.children },
    certainBand: { pairs: e.bands!.certain!.pairs, precision: round(e.bands!.certain!.precision, 5) },
    ...(records.length < TARGETS.link50kRecords ? { note: `smaller than the target's ${TARGETS.link50kRecords} records (BENCH_LINK_RECORDS): met is null` } : {}),
    target,
    met,
  });
}

// ---- query mode -------------------------------------------------------------------------------

/**
 * Extra persons for an agency index beyond what the county's view holds: each takes its given
 * name and sex from one random record of the agency, its family name from a second, its birth
 * date from a third (moved by up to +-400 days), its address from a fourth, and fresh identifiers
 * of the systems the first holds (NHS numbers: valid 999-range test numbers no county record
 * uses; UPNs: new with a valid check letter; PNC ids left out). Real names, dates and addresses
 * of the county, recombined: people who look like the county's but are nobody in it.
 */
function distractors(agency: Agency, pool: readonly PersonRecord[], count: number, rng: Rng, used: Set<string>): { records: PersonRecord[]; truth: string[] } {
  const records: PersonRecord[] = [];
  const truth: string[] = [];
  const freshNhs = (): string => {
    for (;;) {
      const nine = `999${String(rng.int(0, 999_999)).padStart(6, '0')}`;
      const check = nhsCheckDigit(nine);
      if (check === undefined) continue;
      const value = `${nine}${check}`;
      if (!used.has(value)) {
        used.add(value);
        return value;
      }
    }
  };
  const freshUpn = (like: string): string => {
    for (;;) {
      const body = `${like.slice(1, 4)}${String(rng.int(0, 999_999_999)).padStart(9, '0')}`;
      const value = `${upnCheckLetter(body)}${body}`;
      if (!used.has(value)) {
        used.add(value);
        return value;
      }
    }
  };
  for (let k = 0; k < count; k++) {
    const g = rng.pick(pool);
    const f = rng.pick(pool);
    const d = rng.pick(pool);
    const a = rng.pick(pool);
    const identifiers: { system: string; value: string }[] = [];
    for (const id of g.identifiers ?? []) {
      if (id.system === SYSTEMS.nhsNumber) identifiers.push({ system: id.system, value: freshNhs() });
      else if (id.system === SYSTEMS.upn) identifiers.push({ system: id.system, value: freshUpn(id.value) });
    }
    let birthDate = d.birthDate;
    if (birthDate && /^\d{4}-\d{2}-\d{2}$/.test(birthDate)) birthDate = isoDate(dayFromIso(birthDate) + rng.int(-400, 400));
    const record: PersonRecord = {
      id: `${agency}|extra-${k}`,
      source: agency,
      ...(g.given ? { given: g.given } : {}),
      ...(g.sex ? { sex: g.sex } : {}),
      ...(f.family ? { family: f.family } : {}),
      ...(birthDate ? { birthDate } : {}),
      ...(a.addressLine ? { addressLine: a.addressLine } : {}),
      ...(a.city ? { city: a.city } : {}),
      ...(a.postcode ? { postcode: a.postcode } : {}),
      ...(a.uprn ? { uprn: a.uprn } : {}),
      ...(identifiers.length > 0 ? { identifiers } : {}),
    };
    records.push(record);
    truth.push(`extra:${agency}:${k}`);
  }
  return { records, truth };
}

/** What a researcher types about a person: the true demographics, with the errors people make. */
function queryFor(person: Person, county: County, rng: Rng, n: number): { record: PersonRecord; noise: string[] } {
  const noise: string[] = [];
  let given = person.given[0]!;
  if (rng.chance(0.1)) {
    const nick = nickname(rng, given);
    if (nick) {
      given = nick;
      noise.push('nickname');
    }
  }
  if (rng.chance(0.08)) {
    given = typo(rng, given);
    noise.push('given typo');
  }
  let family = person.family;
  if (rng.chance(0.08)) {
    family = typo(rng, family);
    noise.push('family typo');
  }
  let birthDate = person.birthDate;
  if (rng.chance(0.04)) {
    const swapped = swapDayMonth(birthDate);
    if (swapped) {
      birthDate = swapped;
      noise.push('day-month swap');
    }
  }
  const household = county.householdsById.get(person.householdId)!;
  let addressId: string | undefined = household.addressId;
  if (household.previousAddressId && rng.chance(0.3)) {
    addressId = household.previousAddressId;
    noise.push('previous address');
  }
  if (rng.chance(0.2)) {
    addressId = undefined;
    noise.push('no address');
  }
  const address = addressId ? county.addressesById.get(addressId) : undefined;
  const withNhs = rng.chance(0.3);
  if (!withNhs) noise.push('no NHS number');
  const record: PersonRecord = {
    id: `query-${n}`,
    source: 'query',
    given: rng.chance(0.3) ? [given, ...person.given.slice(1)].join(' ') : given,
    family,
    birthDate,
    sex: person.sex,
    ...(address ? { addressLine: [address.line1, address.line2].filter(Boolean).join(', '), city: address.city, postcode: address.postcode } : {}),
    ...(withNhs ? { identifiers: [{ system: SYSTEMS.nhsNumber, value: person.nhsNumber }] } : {}),
  };
  return { record, noise };
}

function query(): void {
  const rng = new Rng(20_251_126);
  const county = generateCounty({ seed: 1, households: QUERY_HOUSEHOLDS });
  const ds = countyRecords(county);
  const heldOutCount = Math.max(1, Math.round(QUERIES * 0.1));
  const chosen = shuffle([...county.persons], rng).slice(0, QUERIES);
  const heldOut = new Set(chosen.slice(0, heldOutCount).map((p) => p.id));
  const known = chosen.slice(heldOutCount);
  const knownIds = new Set(known.map((p) => p.id));

  const used = new Set<string>();
  for (const r of ds.records) for (const id of r.identifiers ?? []) used.add(id.value);
  const truthOf = new Map<string, string>();
  const indexes = new Map<Agency, PersonIndex>();
  const composition: Record<string, { county: number; extra: number; trimmed: number }> = {};
  let buildMs = 0;
  for (const agency of AGENCIES) {
    let records: PersonRecord[] = [];
    let truth: string[] = [];
    ds.records.forEach((r, i) => {
      if (ds.agency[i] === agency && !heldOut.has(ds.truth[i]!)) {
        records.push(r);
        truth.push(ds.truth[i]!);
      }
    });
    let trimmed = 0;
    if (records.length > QUERY_PERSONS) {
      // Keep every record of a queried person, then others, up to the size asked for.
      const order = records.map((_, i) => i).sort((x, y) => Number(knownIds.has(truth[y]!)) - Number(knownIds.has(truth[x]!)));
      const keep = order.slice(0, QUERY_PERSONS);
      trimmed = records.length - keep.length;
      records = keep.map((i) => records[i]!);
      truth = keep.map((i) => truth[i]!);
    }
    const fromCounty = records.length;
    const pool = records.length > 0 ? records : ds.records;
    const extra = distractors(agency, pool, QUERY_PERSONS - records.length, Rng.derive(7, 'distractors', agency), used);
    records.push(...extra.records);
    truth.push(...extra.truth);
    composition[agency] = { county: fromCounty, extra: extra.records.length, trimmed };
    const t0 = performance.now();
    const index = new PersonIndex();
    for (const r of records) index.add(r);
    buildMs += performance.now() - t0;
    indexes.set(agency, index);
    records.forEach((r, i) => truthOf.set(r.id, truth[i]!));
    process.stderr.write(`query: ${agency} index ${index.size} persons (${fromCounty} from the county, ${extra.records.length} made up)\n`);
  }
  const rssAfterBuild = rssMb();
  const matcher = createMatcher();

  /** Each search of one agency's index alone (one of the five a query makes). */
  const indexSearches: number[] = [];
  const ask = (record: PersonRecord) => {
    const candidates: { agency: string; personId: string; record: PersonRecord }[] = [];
    for (const [agency, index] of indexes) {
      const t0 = performance.now();
      const hits = index.search(record, { limit: 10 });
      indexSearches.push(performance.now() - t0);
      for (const hit of hits) candidates.push({ agency, personId: hit.record.id, record: hit.record });
    }
    return matcher.rank(record, candidates);
  };
  // Warm up (JIT) on queries that are not counted.
  for (let w = 0; w < 50; w++) ask(queryFor(rng.pick(county.persons), county, rng, -1 - w).record);

  indexSearches.length = 0;
  const latencies: number[] = [];
  let at1 = 0;
  let at5 = 0;
  let found = 0;
  let topMixed = 0;
  let wrongCertainTop = 0;
  let noMatchCorrect = 0;
  let heldOutCertain = 0;
  let candidatesTotal = 0;
  let n = 0;
  for (const person of chosen) {
    const { record } = queryFor(person, county, rng, n++);
    const t0 = performance.now();
    const answer = ask(record);
    latencies.push(performance.now() - t0);
    candidatesTotal += answer.groups.reduce((s, g) => s + g.members.length, 0) + answer.belowThreshold.length;
    const groupHas = answer.groups.map((g) => g.members.some((m) => truthOf.get(m.personId) === person.id));
    if (heldOut.has(person.id)) {
      if (answer.groups.length === 0) noMatchCorrect += 1;
      if (answer.groups.some((g) => g.band === 'certain')) heldOutCertain += 1;
      continue;
    }
    const rank = groupHas.indexOf(true);
    if (rank === 0) at1 += 1;
    if (rank >= 0 && rank < 5) at5 += 1;
    if (rank >= 0) found += 1;
    const top = answer.groups[0];
    if (top && top.members.some((m) => truthOf.get(m.personId) !== truthOf.get(top.members[0]!.personId))) topMixed += 1;
    if (top && top.band === 'certain' && !groupHas[0]) wrongCertainTop += 1;
  }
  latencies.sort((a, b) => a - b);
  indexSearches.sort((a, b) => a - b);
  const p95 = percentile(latencies, 95);
  const fullSize = Object.values(composition).every((c) => c.county + c.extra >= TARGETS.queryPersonsPerAgency);
  const target = { p95Ms: `<= ${TARGETS.queryP95Ms} ms at ${TARGETS.queryPersonsPerAgency} persons per agency` };
  const met = { p95Ms: check('query', 'p95 ms per query', target.p95Ms, round(p95, 2), fullSize ? p95 <= TARGETS.queryP95Ms : null) };
  print({
    mode: 'query',
    personsPerAgency: QUERY_PERSONS,
    agencies: AGENCIES.length,
    composition,
    padding:
      'each agency index holds the county view\'s records (seed 1, ' +
      `${QUERY_HOUSEHOLDS} households, held-out people removed) plus made-up persons up to ${QUERY_PERSONS}: given name and sex from one ` +
      'random record of that agency, family name from a second, birth date from a third moved by up to 400 days, address from a fourth, ' +
      'fresh identifiers (unused valid 999-range NHS numbers, new UPNs with a valid check letter, no PNC ids)',
    queries: latencies.length,
    knownQueries: known.length,
    heldOutQueries: heldOut.size,
    queryNoise:
      'true demographics; nickname 10%, given typo 8%, family typo 8%, day-month swap 4%, previous address 30% of movers, no address 20%, ' +
      'NHS number given 30%, middle names 30%; search limit 10 per agency, rank over the union',
    indexBuildSeconds: round(buildMs / 1000, 2),
    rssAfterBuildMb: rssAfterBuild,
    peakRssMb: peakRssMb(),
    latencyMs: { p50: round(percentile(latencies, 50), 2), p95: round(p95, 2), p99: round(percentile(latencies, 99), 2), max: round(latencies.at(-1), 2) },
    indexSearchMs: { p50: round(percentile(indexSearches, 50), 2), p95: round(percentile(indexSearches, 95), 2), max: round(Math.max(...indexSearches), 2) },
    meanCandidatesRanked: round(candidatesTotal / Math.max(1, latencies.length), 1),
    recallAt1: round(at1 / Math.max(1, known.length)),
    recallAt5: round(at5 / Math.max(1, known.length)),
    foundAnywhere: round(found / Math.max(1, known.length)),
    topGroupMixesPeople: topMixed,
    wrongPersonCertainTop: wrongCertainTop,
    correctNoMatch: round(noMatchCorrect / Math.max(1, heldOut.size)),
    heldOutWithCertainGroup: heldOutCertain,
    ...(fullSize ? {} : { note: `indexes smaller than the target's ${TARGETS.queryPersonsPerAgency} persons (BENCH_QUERY_PERSONS): met is null` }),
    target,
    met,
  });
}

// ---- driver -----------------------------------------------------------------------------------

/** Runs one part in its own process (so its peak RSS is its own), passing its lines through. */
function child(part: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url)], {
      env: { ...process.env, BENCH_PART: part },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const lines = createInterface({ input: proc.stdout });
    lines.on('line', (line) => {
      let parsed: { mode?: string; checks?: Check[] } | undefined;
      try {
        parsed = JSON.parse(line) as { mode?: string; checks?: Check[] };
      } catch {
        // not a JSON line: passed through as it is
      }
      if (parsed?.mode === 'checks') checks.push(...(parsed.checks ?? []));
      else process.stdout.write(`${line}\n`);
    });
    proc.on('error', reject);
    proc.on('close', (code) => resolve(code ?? 1));
  });
}

if (PART === 'link50k' || PART === 'query') {
  if (PART === 'link50k') link50k();
  else query();
  // The parent folds these into its summary; they are not a measurement of their own.
  process.stdout.write(`${JSON.stringify({ bench: 'identity', mode: 'checks', checks })}\n`);
} else {
  if (!SKIP.has('datasets')) datasets();
  const failed: string[] = [];
  for (const part of ['link50k', 'query']) {
    if (SKIP.has(part)) continue;
    const code = await child(part);
    if (code !== 0) {
      failed.push(part);
      print({ mode: 'error', part, exitCode: code, note: 'the part failed (its error is on stderr); the others still ran' });
    }
  }
  print({
    mode: 'summary',
    targetsMet: checks.filter((c) => c.met === true).length,
    targetsMissed: checks.filter((c) => c.met === false).length,
    notJudged: checks.filter((c) => c.met === null).length,
    ...(failed.length > 0 ? { failedParts: failed } : {}),
    checks,
  });
  if (failed.length > 0) process.exitCode = 1;
}
