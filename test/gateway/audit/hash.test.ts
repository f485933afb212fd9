import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
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
