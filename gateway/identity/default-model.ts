/**
 * The model the gateway scores searches with: trained without labels (EM) on the synthetic
 * county's agency records by `npm run identity:model`, and checked against the county's ground
 * truth by `npm run bench:identity`. A deployment may train its own from its agencies' records
 * (`mash-gateway identity link --input records.jsonl --save-model model.json`) and name the file
 * as `identity.model` in configuration.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { MODEL_FORMAT, type ModelParameters } from './model.js';

const probability = z.number().min(0).max(1);

const modelSchema = z.object({
  format: z.literal(MODEL_FORMAT),
  trainedOn: z.object({ data: z.string(), records: z.number().int().nonnegative(), candidatePairs: z.number().int().nonnegative(), method: z.string() }),
  lambda: z.number().gt(0).lt(1),
  comparisons: z.array(z.object({ field: z.string().min(1), levels: z.array(z.object({ name: z.string().min(1), m: probability, u: probability })).min(2) })).min(1),
  termFrequencies: z.object({ given: z.record(z.string(), probability), family: z.record(z.string(), probability) }),
});

/** Reads and checks a model file; the error names the file and what is wrong. */
export function loadModelFile(path: string | URL): ModelParameters {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new Error(`Cannot read the identity model ${String(path)}: ${(error as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new Error(`The identity model ${String(path)} is not JSON: ${(error as Error).message}`);
  }
  const parsed = modelSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new Error(`The identity model ${String(path)} is not valid: ${issue.path.join('.') || '(root)'}: ${issue.message}`);
  }
  return parsed.data as ModelParameters;
}

export const DEFAULT_MODEL_URL = new URL('./default-model.json', import.meta.url);

let cached: ModelParameters | undefined;

export function defaultModel(): ModelParameters {
  cached ??= loadModelFile(DEFAULT_MODEL_URL);
  return cached;
}
