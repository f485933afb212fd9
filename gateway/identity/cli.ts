/**
 * `mash-gateway identity link --input people.jsonl [--threshold X] [--output FILE]`: link a file
 * of person records (JSON lines) into clusters of the same person. Bad lines are reported on
 * stderr by line number and skipped (never quoted: they hold personal data); the output is one
 * `{"id","cluster"}` line per accepted record, in input order; a one-line summary goes to stderr.
 */
import { once } from 'node:events';
import { open, writeFile, type FileHandle } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { ERROR_CODES } from '../errors.js';
import { loadModelFile } from './default-model.js';
import { linkRecords } from './link.js';
import type { ModelParameters } from './model.js';
import type { PersonRecord } from './types.js';

export interface IdentityCommandIo {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
  /** Opens the input for reading (default: the file). Throw to report it unreadable. */
  openInput?: (path: string) => Promise<Readable>;
  /** Opens the output for writing (default: the file, created or truncated). */
  openOutput?: (path: string) => Promise<Writable>;
  /**
   * Where result lines go without --output, instead of `stdout` (the CLI passes process.stdout):
   * written with backpressure, and flushed before the command returns, because the CLI exits
   * straight after and a pipe would otherwise lose what is still buffered.
   */
  stdoutStream?: Writable;
}

export const IDENTITY_USAGE = `Usage: mash-gateway identity <command>

Commands:
  link --input FILE [--threshold P] [--output FILE]
        Link person records (JSON lines) into people. Each line is an object with "id" (required,
        unique) and any of "source", "given", "family", "otherNames", "birthDate",
        "birthDateEstimated", "sex", "postcode", "addressLine", "city", "uprn", "email", "phone",
        "identifiers" ([{"system","value"}]). Blank lines are ignored; a bad line is reported on
        stderr as "line N: ..." and skipped.
        --threshold P  match probability (0..1) at which two records join one cluster (default 0.5)
        --output FILE  write the result there instead of stdout
        --model FILE   score with this model instead of training one on the input
        --save-model FILE  write the model (trained on the input) there: name it as identity.model
                       in the gateway's configuration to score searches with it
        Output: one {"id","cluster"} line per accepted record, in input order; a summary on stderr.

Exit codes: 0 ok (even with skipped lines), 1 linking failed, 2 bad arguments or unreadable input.`;

const BAD_INPUT_EXIT = ERROR_CODES.BAD_INPUT.exit;
const FAILED_EXIT = ERROR_CODES.INTERNAL_ERROR.exit;
const OUTPUT_CHUNK_LINES = 2_000;

const optionalString = z.string().nullish();
const PersonLine = z.strictObject({
  id: z.string().refine((id) => id.trim() !== '', 'must not be empty'),
  source: optionalString,
  given: optionalString,
  family: optionalString,
  otherNames: z.array(z.strictObject({ given: optionalString, family: optionalString })).nullish(),
  birthDate: optionalString,
  birthDateEstimated: z.boolean().nullish(),
  sex: optionalString,
  postcode: optionalString,
  addressLine: optionalString,
  city: optionalString,
  uprn: optionalString,
  email: optionalString,
  phone: optionalString,
  identifiers: z.array(z.strictObject({ system: z.string().min(1), value: z.string() })).nullish(),
});

/** `null` in the input means missing: drop it, so the record has only what was given. */
function withoutNulls<T>(value: T): T {
  if (Array.isArray(value)) return value.map(withoutNulls) as T;
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) if (v !== null && v !== undefined) out[k] = withoutNulls(v);
    return out as T;
  }
  return value;
}

/** The value at a path of the parsed line (to tell a missing field from a wrong one). */
function valueAt(value: unknown, path: readonly PropertyKey[]): unknown {
  let at = value;
  for (const key of path) {
    if (at === null || typeof at !== 'object') return undefined;
    at = (at as Record<PropertyKey, unknown>)[key];
  }
  return at;
}

const ARTICLE: Readonly<Record<string, string>> = { string: 'a string', array: 'an array', object: 'an object', boolean: 'true or false' };

/** What is wrong with a line, naming fields and expectations, never the values (they are personal data). */
function describeIssues(error: z.ZodError, value: unknown): string {
  const described = error.issues.slice(0, 3).map((issue) => {
    const path = issue.path.map(String).join('.');
    if (issue.code === 'unrecognized_keys') {
      const keys = issue.keys.map((k) => `"${k.slice(0, 40)}"`).join(', ');
      return `${path === '' ? '' : `"${path}": `}unknown field${issue.keys.length > 1 ? 's' : ''} ${keys}`;
    }
    if (issue.code === 'invalid_type') {
      const expected = ARTICLE[issue.expected] ?? issue.expected;
      if (path === '') return 'not a JSON object';
      if (valueAt(value, issue.path) === undefined) return `"${path}" is missing`;
      return `"${path}" must be ${expected}`;
    }
    return `"${path}" ${issue.message}`;
  });
  if (error.issues.length > 3) described.push(`and ${error.issues.length - 3} more`);
  return described.join('; ');
}

interface LinkArgs {
  input: string;
  output: string | undefined;
  threshold: number | undefined;
  /** Score with this model file instead of training on the input. */
  model: string | undefined;
  /** Write the model used (trained on the input, or given) to this file. */
  saveModel: string | undefined;
}

function parseLinkArgs(args: string[]): LinkArgs | string {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      options: { input: { type: 'string' }, output: { type: 'string' }, threshold: { type: 'string' }, model: { type: 'string' }, 'save-model': { type: 'string' } },
      strict: true,
      allowPositionals: false,
    });
  } catch (error) {
    return `${error instanceof Error ? error.message : String(error)}`;
  }
  const { input, output, threshold, model, 'save-model': saveModel } = parsed.values;
  if (input === undefined || input === '') return 'missing --input FILE (the person records, one JSON object per line).';
  if (output === '') return '--output needs a file name.';
  if (model === '') return '--model needs a file name.';
  if (saveModel === '') return '--save-model needs a file name.';
  let t: number | undefined;
  if (threshold !== undefined) {
    t = /^\s*(?:\d+(?:\.\d*)?|\.\d+)(?:e[+-]?\d+)?\s*$/i.test(threshold) ? Number(threshold) : Number.NaN;
    if (!(t >= 0 && t <= 1)) return `--threshold "${threshold.slice(0, 20)}" is not a probability: give a number from 0 to 1.`;
  }
  return { input, output, threshold: t, model, saveModel };
}

async function defaultOpenInput(path: string): Promise<Readable> {
  let handle: FileHandle | undefined;
  try {
    handle = await open(path, 'r');
    const stat = await handle.stat();
    if (!stat.isFile()) throw Object.assign(new Error('not a file'), { code: 'EISDIR' });
    return handle.createReadStream({ encoding: 'utf8' });
  } catch (error) {
    await handle?.close();
    throw error;
  }
}

async function defaultOpenOutput(path: string): Promise<Writable> {
  const handle = await open(path, 'w');
  return handle.createWriteStream({ encoding: 'utf8' });
}

const reason = (error: unknown): string => {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : error instanceof Error ? error.message : 'error';
};

/** `mash-gateway identity ...`: `argv` is the arguments after `identity`. Returns the exit code. */
export async function runIdentityCommand(argv: string[], io: IdentityCommandIo): Promise<number> {
  const [command, ...args] = argv[0] === 'identity' ? argv.slice(1) : argv;
  switch (command) {
    case 'link':
      return linkCommand(args, io);
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      (command === undefined ? io.stderr : io.stdout)(IDENTITY_USAGE);
      return command === undefined ? BAD_INPUT_EXIT : 0;
    default:
      io.stderr(`mash-gateway identity: unknown command "${command.slice(0, 40)}".\n${IDENTITY_USAGE}`);
      return BAD_INPUT_EXIT;
  }
}

async function linkCommand(args: string[], io: IdentityCommandIo): Promise<number> {
  const started = performance.now();
  const parsed = parseLinkArgs(args);
  if (typeof parsed === 'string') {
    io.stderr(`mash-gateway identity link: ${parsed} See "mash-gateway identity help".`);
    return BAD_INPUT_EXIT;
  }

  let input: Readable;
  try {
    input = await (io.openInput ?? defaultOpenInput)(parsed.input);
  } catch (error) {
    io.stderr(`mash-gateway identity link: cannot read --input "${parsed.input.slice(0, 200)}" (${reason(error)}).`);
    return BAD_INPUT_EXIT;
  }

  // Read and check every line before opening the output, so a bad --output leaves nothing half done.
  const records: PersonRecord[] = [];
  const firstLineOf = new Map<string, number>();
  let skipped = 0;
  let lineNo = 0;
  const bad = (message: string): void => {
    skipped += 1;
    io.stderr(`line ${lineNo}: ${message}`);
  };
  try {
    const lines = createInterface({ input, crlfDelay: Infinity });
    for await (const raw of lines) {
      lineNo += 1;
      const text = lineNo === 1 ? raw.replace(/^\uFEFF/, '') : raw;
      if (text.trim() === '') continue;
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch {
        bad('not valid JSON');
        continue;
      }
      const result = PersonLine.safeParse(value);
      if (!result.success) {
        bad(describeIssues(result.error, value));
        continue;
      }
      const record = withoutNulls(result.data) as PersonRecord;
      const first = firstLineOf.get(record.id);
      if (first !== undefined) {
        bad(`duplicate id: the same "id" is on line ${first}`);
        continue;
      }
      firstLineOf.set(record.id, lineNo);
      records.push(record);
    }
  } catch (error) {
    io.stderr(`mash-gateway identity link: reading --input failed at line ${lineNo + 1} (${reason(error)}).`);
    input.destroy();
    return BAD_INPUT_EXIT;
  }

  let output: Writable | undefined;
  if (parsed.output !== undefined) {
    try {
      output = await (io.openOutput ?? defaultOpenOutput)(parsed.output);
    } catch (error) {
      io.stderr(`mash-gateway identity link: cannot write --output "${parsed.output.slice(0, 200)}" (${reason(error)}).`);
      return BAD_INPUT_EXIT;
    }
  }

  let given: ModelParameters | undefined;
  if (parsed.model !== undefined) {
    try {
      given = loadModelFile(parsed.model);
    } catch (error) {
      output?.destroy();
      io.stderr(`mash-gateway identity link: --model: ${reason(error)}`);
      return BAD_INPUT_EXIT;
    }
  }

  let clusters: string[];
  let withProblems = 0;
  try {
    const result = linkRecords(records, { ...(parsed.threshold === undefined ? {} : { threshold: parsed.threshold }), ...(given ? { model: given } : {}), data: 'the records of identity link --input' });
    if (parsed.saveModel !== undefined) await writeFile(parsed.saveModel, `${JSON.stringify(result.model, null, 2)}\n`);
    clusters = result.clusters;
    withProblems = result.problems.length;
    // A field that cannot be used (an NHS number failing Modulus 11, an impossible date) is left
    // out of matching and said, by line; the record is still linked on its other fields.
    for (const { index, problems } of result.problems) {
      for (const problem of problems) io.stderr(`line ${firstLineOf.get(records[index]!.id)}: ${problem}`);
    }
  } catch (error) {
    output?.destroy();
    io.stderr(`mash-gateway identity link: linking failed (${error instanceof Error ? error.name : 'error'}: ${reason(error)}).`);
    return FAILED_EXIT;
  }

  const sink = output ?? io.stdoutStream;
  try {
    // A write error is raised where the loop next looks (errored / drain / flushed), not as an uncaught event.
    const swallow = (): void => {};
    sink?.on('error', swallow);
    for (let start = 0; start < records.length; start += OUTPUT_CHUNK_LINES) {
      const end = Math.min(records.length, start + OUTPUT_CHUNK_LINES);
      const lines: string[] = [];
      for (let i = start; i < end; i++) lines.push(JSON.stringify({ id: records[i]!.id, cluster: clusters[i] }));
      if (!sink) {
        io.stdout(lines.join('\n'));
        continue;
      }
      if (sink.errored) throw sink.errored;
      const chunk = `${lines.join('\n')}\n`;
      if (end === records.length && !output) {
        // The last chunk to a stream we do not own: its callback means everything before it is flushed too.
        await new Promise<void>((resolve, reject) => sink.write(chunk, (error) => (error ? reject(error) : resolve())));
      } else if (!sink.write(chunk)) await once(sink, 'drain');
    }
    if (output) {
      output.end();
      await finished(output);
    }
    sink?.off('error', swallow);
  } catch (error) {
    output?.destroy();
    io.stderr(`mash-gateway identity link: writing the result failed (${reason(error)}).`);
    return FAILED_EXIT;
  }

  const clusterCount = new Set(clusters).size;
  const seconds = ((performance.now() - started) / 1000).toFixed(2);
  io.stderr(
    `identity link: ${records.length} records, ${skipped} skipped, ${clusterCount} clusters, ${seconds} s` +
      (withProblems > 0 ? ` (${withProblems} records with fields that could not be used)` : ''),
  );
  return 0;
}
