import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runIdentityCommand } from '../../../gateway/identity/cli.js';

interface Run {
  code: number;
  /** stdout split into lines (the command writes chunks of lines). */
  out: string[];
  err: string[];
}

async function run(...argv: string[]): Promise<Run> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runIdentityCommand(argv, { stdout: (s) => out.push(s), stderr: (s) => err.push(s) });
  return { code, out: out.join('\n').split('\n').filter((l) => l !== ''), err };
}

const jsonl = (...lines: (object | string)[]): string => lines.map((l) => (typeof l === 'string' ? l : JSON.stringify(l))).join('\n');

const alice = {
  id: 'h-1',
  source: 'health',
  given: 'Alice',
  family: 'Whitmore',
  birthDate: '2014-03-09',
  sex: 'female',
  postcode: 'MH3 7PJ',
  addressLine: '12 Queens View',
  city: 'Marlbridge',
  identifiers: [{ system: 'https://fhir.nhs.uk/Id/nhs-number', value: '9991234578' }],
};
const aliceAgain = {
  id: 'sc-7',
  source: 'social-care',
  given: 'Alice',
  family: 'Whitmore',
  birthDate: '09/03/2014',
  sex: 'F',
  postcode: 'mh37pj',
  addressLine: '12 Queens View',
  city: 'Marlbridge',
  identifiers: [{ system: 'https://fhir.nhs.uk/Id/nhs-number', value: '999 123 4578' }],
};
const someoneElse = {
  id: 'p-3',
  source: 'police',
  given: 'Gareth',
  family: 'Okonkwo',
  birthDate: '1979-11-30',
  sex: 'male',
  postcode: 'MH9 8XD',
  addressLine: '4 Park Drive',
  city: 'Eastholt',
};

describe('mash-gateway identity link', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'mash-identity-cli-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const file = (name: string, text: string): string => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };

  it('reports bad lines by number without quoting them, skips them, and writes one line per accepted record', async () => {
    const input = file(
      'mixed.jsonl',
      jsonl(
        alice, // 1
        '', // 2 blank: ignored, still counted
        '{"id": "x-1", "given": "Secret Name"', // 3 not JSON
        { given: 'No Id' }, // 4 id missing
        { id: 42, given: 'Numeric' }, // 5 id not a string
        { id: 'x-2', surname: 'Typo' }, // 6 unknown field
        { id: 'x-3', identifiers: [{ system: 'urn:x' }] }, // 7 identifier without value
        { ...someoneElse, id: 'h-1' }, // 8 duplicate of line 1's id
        '[1, 2]', // 9 not an object
        '   ', // 10 blank
        someoneElse, // 11
        { id: 'n-1', given: null, family: 'Nullable', birthDate: null }, // 12 nulls are missing values
        { id: '  ' }, // 13 empty id
      ),
    );
    const { code, out, err } = await run('link', '--input', input);
    expect(code).toBe(0);
    const reported = err.slice(0, -1);
    expect(reported).toEqual([
      'line 3: not valid JSON',
      'line 4: "id" is missing',
      'line 5: "id" must be a string',
      'line 6: unknown field "surname"',
      'line 7: "identifiers.0.value" is missing',
      'line 8: duplicate id: the same "id" is on line 1',
      'line 9: not a JSON object',
      'line 13: "id" must not be empty',
    ]);
    expect(err.join('\n')).not.toMatch(/Secret|Typo|Numeric|Gareth/);
    expect(err.at(-1)).toMatch(/^identity link: 3 records, 8 skipped, \d+ clusters, \d+\.\d\d s/);
    const rows = out.map((l) => JSON.parse(l) as { id: string; cluster: string });
    expect(rows.map((r) => r.id)).toEqual(['h-1', 'p-3', 'n-1']);
    for (const row of rows) {
      expect(Object.keys(row)).toEqual(['id', 'cluster']);
      expect(typeof row.cluster).toBe('string');
    }
  });

  it('reports, by line, a field it cannot use (an NHS number failing Modulus 11), never its value, and still links the record', async () => {
    const badNhs = { ...aliceAgain, identifiers: [{ system: 'https://fhir.nhs.uk/Id/nhs-number', value: '1234567890' }] };
    const input = file('bad-nhs.jsonl', jsonl(alice, badNhs));
    const { code, out, err } = await run('link', '--input', input);
    expect(code).toBe(0);
    expect(err[0]).toBe('line 2: An NHS number on the record fails the Modulus 11 check: it is not used for matching.');
    expect(err.join('\n')).not.toContain('1234567890');
    expect(err.at(-1)).toMatch(/2 records, 0 skipped, 1 clusters, .*\(1 records with fields that could not be used\)/);
    // Still one person on names, birth date and address: the bad number is ignored, not held against it.
    expect(new Set(out.map((l) => (JSON.parse(l) as { cluster: string }).cluster)).size).toBe(1);
  });

  it('saves the model it trained, scores with a given model, and refuses a model file that is not one', async () => {
    const input = file('model-in.jsonl', jsonl(alice, someoneElse, aliceAgain));
    const saved = join(dir, 'model.json');
    const first = await run('link', '--input', input, '--save-model', saved);
    expect(first.code).toBe(0);
    const model = JSON.parse(readFileSync(saved, 'utf8')) as { format: string; comparisons: { field: string }[]; trainedOn: { records: number } };
    expect(model.format).toBe('mash-gateway/identity-model@1');
    expect(model.trainedOn.records).toBe(3);
    expect(model.comparisons.map((c) => c.field)).toContain('birthDate');
    const again = await run('link', '--input', input, '--model', saved);
    expect(again.code).toBe(0);
    expect(again.out).toEqual(first.out);
    const notAModel = file('not-a-model.json', '{"format": "something else"}');
    const refused = await run('link', '--input', input, '--model', notAModel);
    expect(refused.code).toBe(2);
    expect(refused.err.join('\n')).toMatch(/--model: .*not-a-model\.json is not valid: format/);
  });

  it('accepts CRLF line ends and a byte order mark', async () => {
    const input = file('crlf.jsonl', `\uFEFF${JSON.stringify(alice)}\r\n${JSON.stringify(someoneElse)}\r\n`);
    const { code, out, err } = await run('link', '--input', input);
    expect({ code, errors: err.length }).toEqual({ code: 0, errors: 1 });
    expect(out.map((l) => (JSON.parse(l) as { id: string }).id)).toEqual(['h-1', 'p-3']);
  });

  it('puts two obviously same people in one cluster and a different person in another', async () => {
    const input = file('three.jsonl', jsonl(alice, someoneElse, aliceAgain));
    const { code, out, err } = await run('link', '--input', input);
    expect(code).toBe(0);
    expect(err).toHaveLength(1);
    expect(err[0]).toMatch(/^identity link: 3 records, 0 skipped, 2 clusters, /);
    const cluster = Object.fromEntries(out.map((l) => JSON.parse(l) as { id: string; cluster: string }).map((r) => [r.id, r.cluster]));
    expect(Object.keys(cluster)).toEqual(['h-1', 'p-3', 'sc-7']);
    expect(cluster['h-1']).toBe(cluster['sc-7']);
    expect(cluster['p-3']).not.toBe(cluster['h-1']);
  });

  it('writes to --output instead of stdout, and --threshold 1 keeps two similar records apart', async () => {
    // without the NHS number the evidence falls short of certainty (probability < 1)
    const { identifiers: _, ...aliceNoNhs } = aliceAgain;
    const input = file('pair.jsonl', jsonl(alice, aliceNoNhs, someoneElse));
    const output = join(dir, 'clusters.jsonl');
    const { code, out, err } = await run('link', '--input', input, '--output', output, '--threshold', '1');
    expect({ code, out }).toEqual({ code: 0, out: [] });
    expect(err.at(-1)).toMatch(/3 records, 0 skipped, 3 clusters/);
    const lines = readFileSync(output, 'utf8').split('\n');
    expect(lines.at(-1)).toBe('');
    expect(lines.slice(0, -1).map((l) => (JSON.parse(l) as { id: string }).id)).toEqual(['h-1', 'sc-7', 'p-3']);
  });

  it('links an empty file to nothing', async () => {
    const input = file('empty.jsonl', '\n\n');
    const { code, out, err } = await run('link', '--input', input);
    expect({ code, out }).toEqual({ code: 0, out: [] });
    expect(err).toEqual([expect.stringMatching(/^identity link: 0 records, 0 skipped, 0 clusters/)]);
  });

  describe('argument errors exit 2 with a clear message', () => {
    const cases: [string, () => string[], RegExp][] = [
      ['no command', () => [], /Usage: mash-gateway identity/],
      ['an unknown command', () => ['merge'], /unknown command "merge"/],
      ['an unknown flag', () => ['link', '--input', join(dir, 'three.jsonl'), '--fast'], /Unknown option '--fast'/],
      ['a missing --input', () => ['link', '--threshold', '0.9'], /missing --input FILE/],
      ['--input without a value', () => ['link', '--input'], /--input/],
      ['a positional argument', () => ['link', '--input', join(dir, 'three.jsonl'), 'extra'], /extra/],
      ['a threshold above 1', () => ['link', '--input', join(dir, 'three.jsonl'), '--threshold', '1.5'], /--threshold "1.5" is not a probability/],
      ['a negative threshold', () => ['link', '--input', join(dir, 'three.jsonl'), '--threshold=-0.1'], /--threshold "-0.1" is not a probability/],
      ['a threshold that is not a number', () => ['link', '--input', join(dir, 'three.jsonl'), '--threshold', 'high'], /--threshold "high" is not a probability/],
      ['an empty threshold', () => ['link', '--input', join(dir, 'three.jsonl'), '--threshold', ''], /--threshold "" is not a probability/],
      ['a file that does not exist', () => ['link', '--input', join(dir, 'nope.jsonl')], /cannot read --input ".*nope\.jsonl" \(ENOENT\)/],
      ['a directory as input', () => ['link', '--input', dir], /cannot read --input .* \(EISDIR\)/],
      ['an output that cannot be written', () => ['link', '--input', join(dir, 'three.jsonl'), '--output', join(dir, 'no-such-dir', 'out.jsonl')], /cannot write --output .* \(ENOENT\)/],
    ];
    it.each(cases)('%s', async (_name, argv, message) => {
      const { code, out, err } = await run(...argv());
      expect(code).toBe(2);
      expect(out).toEqual([]);
      expect(err.join('\n')).toMatch(message);
    });
  });

  it('prints help on stdout with exit 0', async () => {
    const { code, out } = await run('help');
    expect(code).toBe(0);
    expect(out.join('\n')).toMatch(/link --input FILE/);
  });

  it('flushes everything to a slow stdout stream before returning (the CLI exits straight after)', async () => {
    const input = file('slow.jsonl', Array.from({ length: 5_000 }, (_, i) => JSON.stringify({ id: `s${i}`, given: 'Same', family: `F${i}` })).join('\n'));
    let received = '';
    const slow = new Writable({
      highWaterMark: 256,
      write(chunk: Buffer, _encoding, callback) {
        setTimeout(() => {
          received += chunk.toString();
          callback();
        }, 1);
      },
    });
    const err: string[] = [];
    const code = await runIdentityCommand(['link', '--input', input], { stdout: () => expect.fail('stdout() used'), stderr: (s) => err.push(s), stdoutStream: slow });
    expect(code).toBe(0);
    const lines = received.split('\n');
    expect(lines.pop()).toBe('');
    expect(lines).toHaveLength(5_000);
    expect((JSON.parse(lines.at(-1)!) as { id: string }).id).toBe('s4999');
  });

  it('streams a larger file (2,000 records) and keeps input order', async () => {
    const lines: string[] = [];
    for (let i = 0; i < 2_000; i++) {
      lines.push(JSON.stringify({ id: `r${i}`, given: `Given${i % 97}`, family: `Family${i % 89}`, birthDate: `19${String(50 + (i % 50))}-0${1 + (i % 9)}-1${i % 10}` }));
    }
    mkdirSync(join(dir, 'big'), { recursive: true });
    const input = file('big/records.jsonl', lines.join('\n'));
    const { code, out } = await run('link', '--input', input);
    expect(code).toBe(0);
    expect(out).toHaveLength(2_000);
    expect(out.map((l) => (JSON.parse(l) as { id: string }).id)).toEqual(lines.map((_, i) => `r${i}`));
  });
});
