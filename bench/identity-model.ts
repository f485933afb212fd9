/**
 * identity:model — trains the gateway's default identity model and writes
 * gateway/identity/default-model.json. Unsupervised: EM over the agency records of a synthetic
 * county (seed 2, so the benchmarks' county, seed 1, is not the one trained on); the ground truth
 * is not read. Run again after changing comparisons or blocking rules; `npm run bench:identity`
 * checks the result against the truth.
 *
 * Options (environment): MODEL_SEED (default 2), MODEL_HOUSEHOLDS (default 4000), MODEL_OUT.
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { linkRecords } from '../gateway/identity/link.js';
import { loadCounty } from './identity-data.js';

const seed = Number(process.env.MODEL_SEED ?? 2);
const households = Number(process.env.MODEL_HOUSEHOLDS ?? 4000);
const out = process.env.MODEL_OUT ?? fileURLToPath(new URL('../gateway/identity/default-model.json', import.meta.url));

const county = loadCounty({ seed, households });
const started = performance.now();
const { model, stats } = linkRecords(county.records, { data: `synthetic county seed ${seed}, ${households} households, every agency's person records (no labels used)` });
// Keep the name-frequency tables to names seen at least 5 times: enough for the adjustment, small on disk.
const trim = (table: Record<string, number>) => Object.fromEntries(Object.entries(table).filter(([, f]) => f * stats.records >= 5));
model.termFrequencies = { given: trim(model.termFrequencies.given), family: trim(model.termFrequencies.family) };
writeFileSync(out, `${JSON.stringify(model, null, 2)}\n`);
console.log(JSON.stringify({ bench: 'identity:model', out, seed, households, records: stats.records, candidatePairs: stats.candidatePairs, lambda: model.lambda, ms: Math.round(performance.now() - started) }));
