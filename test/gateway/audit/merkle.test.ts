import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  auditPathRanges,
  leafHash,
  MerkleFrontier,
  nodeHash,
  perfectRoot,
  perfectSubtrees,
  rootFromAuditPath,
} from '../../../gateway/audit/merkle.js';

const sha256 = (...parts: Buffer[]) => createHash('sha256').update(Buffer.concat(parts)).digest('hex');
const chainHash = (i: number) => sha256(Buffer.from(`event ${i}`));

/** RFC 6962 §2.1, written out literally: MTH(D[n]) = SHA-256(0x01 || MTH(D[0:k]) || MTH(D[k:n])). */
function referenceRoot(leaves: string[]): string {
  if (leaves.length === 1) return leaves[0]!;
  let k = 1;
  while (k * 2 < leaves.length) k *= 2;
  return sha256(Buffer.from([1]), Buffer.from(referenceRoot(leaves.slice(0, k)), 'hex'), Buffer.from(referenceRoot(leaves.slice(k)), 'hex'));
}

/** RFC 6962 §2.1.1 PATH(m, D[n]), literally. */
function referencePath(m: number, leaves: string[]): string[] {
  if (leaves.length === 1) return [];
  let k = 1;
  while (k * 2 < leaves.length) k *= 2;
  return m < k
    ? [...referencePath(m, leaves.slice(0, k)), referenceRoot(leaves.slice(k))]
    : [...referencePath(m - k, leaves.slice(k)), referenceRoot(leaves.slice(0, k))];
}

function leavesOf(n: number): string[] {
  return Array.from({ length: n }, (_, i) => leafHash(chainHash(i)));
}

describe('RFC 6962 hashing', () => {
  it('hashes a leaf as SHA-256(0x00 || the 32 bytes of the chain hash)', () => {
    const h = chainHash(1);
    expect(leafHash(h)).toBe(sha256(Buffer.from([0]), Buffer.from(h, 'hex')));
  });

  it('hashes a node as SHA-256(0x01 || left || right), so a leaf can never pass for a node', () => {
    const [a, b] = [chainHash(1), chainHash(2)];
    expect(nodeHash(a, b)).toBe(sha256(Buffer.from([1]), Buffer.from(a, 'hex'), Buffer.from(b, 'hex')));
    expect(nodeHash(a, b)).not.toBe(nodeHash(b, a));
  });

  it('splits a range into aligned perfect subtrees, largest first', () => {
    expect(perfectSubtrees(0, 13)).toEqual([
      [0, 3],
      [8, 2],
      [12, 0],
    ]);
    expect(perfectSubtrees(256, 512)).toEqual([[256, 8]]);
  });
});

describe('MerkleFrontier', () => {
  it('gives the RFC 6962 root at every size from 1 to 300', () => {
    const leaves = leavesOf(300);
    const frontier = new MerkleFrontier();
    for (let n = 1; n <= leaves.length; n += 1) {
      frontier.pushLeaf(leaves[n - 1]!);
      expect(frontier.root(), `size ${n}`).toBe(referenceRoot(leaves.slice(0, n)));
    }
  });

  it('accepts whole perfect subtrees in place of their leaves', () => {
    const leaves = leavesOf(600);
    const frontier = new MerkleFrontier();
    frontier.pushSubtree(perfectRoot(leaves.slice(0, 512)), 9);
    for (const leaf of leaves.slice(512)) frontier.pushLeaf(leaf);
    expect(frontier.root()).toBe(referenceRoot(leaves));
  });
});

describe('audit paths', () => {
  it('match RFC 6962 PATH and lead back to the root, for every leaf of trees of 1 to 40 leaves', () => {
    for (let size = 1; size <= 40; size += 1) {
      const leaves = leavesOf(size);
      const root = referenceRoot(leaves);
      for (let index = 0; index < size; index += 1) {
        const path = auditPathRanges(index, size).map(([start, end]) => referenceRoot(leaves.slice(start, end)));
        expect(path).toEqual(referencePath(index, leaves));
        expect(rootFromAuditPath(index, size, leaves[index]!, path)).toBe(root);
      }
    }
  });

  it('do not verify for another leaf, another index, or a path cut short or padded', () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 200 }), fc.nat(), (size, seed) => {
        const leaves = leavesOf(size);
        const index = seed % size;
        const root = referenceRoot(leaves);
        const path = referencePath(index, leaves);
        const other = (index + 1) % size;
        expect(rootFromAuditPath(index, size, leaves[other]!, path)).not.toBe(root);
        expect(rootFromAuditPath(other, size, leaves[index]!, path)).not.toBe(root);
        expect(rootFromAuditPath(index, size, leaves[index]!, path.slice(1))).not.toBe(root);
        expect(rootFromAuditPath(index, size, leaves[index]!, [...path, root])).not.toBe(root);
      }),
      { numRuns: 200 },
    );
  });

  it('refuse a leaf outside the tree', () => {
    expect(rootFromAuditPath(5, 5, leavesOf(1)[0]!, [])).toBeUndefined();
    expect(() => auditPathRanges(-1, 3)).toThrow(RangeError);
  });
});
