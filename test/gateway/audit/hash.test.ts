import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalStorableJson, toStorableJson } from '../../../gateway/audit/canonical.js';
import { canonicalJson, GENESIS_HASH, hashEvent } from '../../../gateway/audit/index.js';

describe('canonical JSON (RFC 8785)', () => {
  it('sorts keys and drops whitespace, so key order does not change the bytes', () => {
    expect(canonicalJson({ b: 1, a: { d: [true, null], c: 'x' } })).toBe('{"a":{"c":"x","d":[true,null]},"b":1}');
    expect(canonicalJson({ a: 1, b: 2 })).toBe(canonicalJson({ b: 2, a: 1 }));
  });

  it('writes numbers in their shortest ECMAScript form', () => {
    expect(canonicalJson([1.0, 1e21, 0.1, -0])).toBe('[1,1e+21,0.1,0]');
  });
});

describe('hashEvent', () => {
  const event = { id: 'e1', operation: 'profile', outcome: 'success' };

  it('starts the chain from 64 zeros', () => {
    expect(GENESIS_HASH).toBe('0'.repeat(64));
  });

  it('is the SHA-256 hex of the previous hash, a newline and the canonical event', () => {
    const expected = createHash('sha256')
      .update(`${GENESIS_HASH}\n{"id":"e1","operation":"profile","outcome":"success"}`)
      .digest('hex');
    expect(hashEvent(GENESIS_HASH, event)).toBe(expected);
  });

  it('depends on the previous hash, so events cannot be moved between chains', () => {
    expect(hashEvent('f'.repeat(64), event)).not.toBe(hashEvent(GENESIS_HASH, event));
  });

  it('changes when any field of the event changes', () => {
    expect(hashEvent(GENESIS_HASH, { ...event, outcome: 'refused' })).not.toBe(hashEvent(GENESIS_HASH, event));
  });
});

describe('canonicalStorableJson (the appender hot path)', () => {
  const awkwardText = fc.oneof(
    fc.string(),
    fc.string({ unit: 'binary' }),
    fc.constantFrom('\u0000', '\uD800', 'a\uDC00b', '\uD83D\uDE00', 'é', '\u2028', '"\\'),
  );
  const value = fc.letrec((tie) => ({
    leaf: fc.oneof(
      awkwardText,
      fc.double(),
      fc.integer(),
      fc.boolean(),
      fc.constant(null),
      fc.constant(undefined),
      fc.constantFrom(Number.NaN, Infinity, -0, 1e21, 5e-324),
      fc.date({ noInvalidDate: true }),
    ),
    node: fc.oneof({ depthSize: 'small' }, tie('leaf'), tie('array'), tie('object')),
    array: fc.array(tie('node'), { maxLength: 5 }),
    object: fc.dictionary(awkwardText, tie('node'), { maxKeys: 5 }),
  })).node;

  it('equals canonicalJson(toStorableJson(value)) for any value, however awkward its text', () => {
    fc.assert(
      fc.property(value, (v) => {
        const stored = toStorableJson(v);
        const expected = stored === undefined ? undefined : canonicalJson(stored);
        expect(canonicalStorableJson(v)).toBe(expected);
      }),
      { numRuns: 2000 },
    );
  });

  it('keeps a "__proto__" key as a key, as JSON.parse (and so the stored body) does', () => {
    const value = JSON.parse('{"__proto__":{"a":1},"b":2}') as unknown;
    expect(canonicalStorableJson(value)).toBe('{"__proto__":{"a":1},"b":2}');
    expect(canonicalJson(toStorableJson(value))).toBe('{"__proto__":{"a":1},"b":2}');
  });

  it('orders keys by UTF-16 code units even where the engine would not (array-index keys)', () => {
    const value = { b: { '10': 1, '9': 2, a: [3, { z: 1, y: undefined, x: Number.NaN }] }, a: -0, '2': 'two', '': null };
    const text = '{"":null,"2":"two","a":0,"b":{"10":1,"9":2,"a":[3,{"x":null,"z":1}]}}';
    expect(canonicalStorableJson(value)).toBe(text);
    expect(canonicalJson(toStorableJson(value))).toBe(text);
  });

  it('writes undefined, functions and symbols in arrays as null and leaves them out of objects', () => {
    const value = { list: [undefined, () => 1, Symbol('s'), 1n, 'x'], f: () => 1, s: Symbol('s'), u: undefined, n: 1n };
    expect(canonicalStorableJson(value)).toBe('{"list":[null,null,null,null,"x"]}');
    expect(canonicalJson(toStorableJson(value))).toBe('{"list":[null,null,null,null,"x"]}');
  });

  it('is what a jsonb round trip of the stored event canonicalises to', () => {
    const event = { b: 'x\u0000y', a: [1, undefined, Infinity, '\uDFFF'], c: { 'k\uD800': 1, when: new Date(0) } };
    const text = canonicalStorableJson(event)!;
    expect(canonicalJson(JSON.parse(text))).toBe(text);
    expect(text).toBe('{"a":[1,null,null,"\uFFFD"],"b":"x\uFFFDy","c":{"k\uFFFD":1,"when":"1970-01-01T00:00:00.000Z"}}');
  });
});
