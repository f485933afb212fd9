import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { RECORD_KINDS } from '../../../connectors/sdk/index.js';

/**
 * Risk indicators as data (policies/risk-indicators.yaml), validated at start like the policy: a
 * file that does not validate stops the gateway with one line per problem, naming where it is.
 */

export const DEFAULT_INDICATORS_PATH = fileURLToPath(new URL('../../../policies/risk-indicators.yaml', import.meta.url));

const ID = /^[a-z0-9][a-z0-9-]{0,62}$/;

const period = z
  .object({
    months: z.number().int().min(1).max(120).optional(),
    days: z.number().int().min(1).max(3650).optional(),
  })
  .strict()
  .refine((p) => (p.months === undefined) !== (p.days === undefined), { message: 'give exactly one of months or days' });
export type Period = z.infer<typeof period>;

const pattern = z.string().min(1).max(200).superRefine((value, ctx) => {
  try {
    new RegExp(value, 'i');
  } catch (error) {
    ctx.addIssue({ code: 'custom', message: `not a valid regular expression: ${(error as Error).message}` });
  }
});

/** Which disclosed records an indicator counts: every condition given must hold. */
const recordMatch = z
  .object({
    agencies: z.array(z.string().min(1)).min(1),
    categories: z.array(z.string().min(1)).min(1).optional(),
    types: z.array(z.string().min(1)).min(1),
    kinds: z.array(z.enum(RECORD_KINDS)).min(1).optional(),
    /** Whose record: a child of the enquiry, a household adult, or anyone linked. */
    relation: z.enum(['child', 'adult', 'any']).default('any'),
    /** A case-insensitive regular expression the disclosed title must match (the title must be disclosed). */
    titleMatches: pattern.optional(),
  })
  .strict();
export type RecordMatch = z.infer<typeof recordMatch>;

const common = {
  id: z.string().regex(ID, 'lower-case letters, digits and hyphens'),
  name: z.string().min(1).max(200),
  description: z.string().min(1).max(2000),
  counts: z.array(recordMatch).min(1),
  /** Fires when the count is at least this. */
  threshold: z.number().int().min(1).max(1000),
};

const indicator = z.discriminatedUnion('form', [
  /** Records that happened (events, starts) or were in force (states, involvements) within the window before now. */
  z.object({ form: z.literal('window'), window: period, ...common }).strict(),
  /** States and involvements that have started and not ended (no end, or an end after now). */
  z.object({ form: z.literal('current'), ...common }).strict(),
  /** More records in the recent period than in the period before it (and at least `threshold` recent). */
  z.object({ form: z.literal('escalation'), recent: period, before: period, ...common }).strict(),
]);
export type IndicatorDefinition = z.infer<typeof indicator>;

const document = z
  .object({
    id: z.string().min(1).max(100),
    version: z.string().min(1).max(50),
    indicators: z.array(indicator).min(1).max(100),
  })
  .strict();
export type IndicatorDocument = z.infer<typeof document>;

export class IndicatorDefinitionsError extends Error {
  readonly problems: string[];

  constructor(origin: string, problems: string[]) {
    super(`Risk indicators ${origin} are invalid: ${problems.join('; ')}`);
    this.name = 'IndicatorDefinitionsError';
    this.problems = problems;
  }
}

export function loadIndicatorText(text: string, origin = '<text>'): IndicatorDocument {
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (error) {
    throw new IndicatorDefinitionsError(origin, [`not valid YAML: ${(error as Error).message.split('\n')[0]}`]);
  }
  const parsed = document.safeParse(raw);
  if (!parsed.success) {
    throw new IndicatorDefinitionsError(origin, parsed.error.issues.map((issue) => `${issue.path.join('.') || '(document)'}: ${issue.message}`));
  }
  const seen = new Set<string>();
  const problems: string[] = [];
  for (const [index, definition] of parsed.data.indicators.entries()) {
    if (seen.has(definition.id)) problems.push(`indicators.${index}.id: "${definition.id}" is used twice`);
    seen.add(definition.id);
  }
  if (problems.length > 0) throw new IndicatorDefinitionsError(origin, problems);
  return parsed.data;
}

export function loadIndicatorFile(path: string = DEFAULT_INDICATORS_PATH): IndicatorDocument {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new IndicatorDefinitionsError(path, [`cannot be read (${(error as NodeJS.ErrnoException).code ?? 'unknown error'})`]);
  }
  return loadIndicatorText(text, path);
}
