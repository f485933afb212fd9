import { hash } from 'node:crypto';

/**
 * RFC 6962 / RFC 9162 Merkle tree hashing, as Certificate Transparency and Trillian use it. Pure and
 * synchronous: the store-backed tree (tree.ts) and the proof verifier (verify-proof.ts) share it.
 *
 * The leaves of the audit log's tree are the events' chain hashes, in seq order (leaf index = seq - 1):
 * a leaf commits to its event's canonical JSON and to its predecessor, so a proof needs nothing but
 * the event, its prev hash and the audit path.
 */

const HEX_HASH = /^[0-9a-f]{64}$/;

export function isHexHash(value: unknown): value is string {
  return typeof value === 'string' && HEX_HASH.test(value);
}

// Reused input buffers (hashing is synchronous, so no two calls share one at a time).
const leafInput = Buffer.alloc(33);
const nodeInput = Buffer.alloc(65);
nodeInput[0] = 1;

/** RFC 6962 §2.1: MTH({d}) = SHA-256(0x00 || d), here d = the 32 bytes of the event's chain hash. */
export function leafHash(chainHash: string): string {
  if (!isHexHash(chainHash)) throw new TypeError('A leaf is a chain hash (64 hex digits).');
  leafInput.write(chainHash, 1, 'hex');
  return hash('sha256', leafInput, 'hex');
}

/** RFC 6962 §2.1: an interior node, SHA-256(0x01 || left || right). */
export function nodeHash(left: string, right: string): string {
  if (!isHexHash(left) || !isHexHash(right)) throw new TypeError('A Merkle node joins two hashes (64 hex digits each).');
  nodeInput.write(left, 1, 'hex');
  nodeInput.write(right, 33, 'hex');
  return hash('sha256', nodeInput, 'hex');
}

/** The largest power of two strictly less than n (n >= 2): where RFC 6962 splits a tree of n leaves. */
export function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/**
 * The perfect, aligned subtrees that make up leaves [start, end), largest first, as [start, height]
 * (2^height leaves each). Every range the RFC 6962 recursion visits starts at a multiple of a power
 * of two at least its size, so this binary decomposition is exact.
 */
export function perfectSubtrees(start: number, end: number): [number, number][] {
  const parts: [number, number][] = [];
  let at = start;
  let remaining = end - start;
  let height = 0;
  while (2 ** (height + 1) <= remaining) height += 1;
  for (; remaining > 0; height -= 1) {
    const size = 2 ** height;
    if (size <= remaining) {
      parts.push([at, height]);
      at += size;
      remaining -= size;
    }
  }
  return parts;
}

/** MTH of a range from the roots of its perfect subtrees, largest first (RFC 6962's left-heavy shape). */
export function foldSubtreeRoots(roots: readonly string[]): string {
  if (roots.length === 0) throw new RangeError('A Merkle tree needs at least one leaf.');
  let root = roots[roots.length - 1]!;
  for (let i = roots.length - 2; i >= 0; i -= 1) root = nodeHash(roots[i]!, root);
  return root;
}

/** Called with each interior node a frontier completes: its height, index at that height, and hash. */
export type NodeListener = (height: number, index: number, hash: string) => void;

/**
 * A compact range: the roots of the perfect subtrees of the leaves seen so far. Appending is O(1)
 * amortised and the root of the whole tree is available at any size, so a verifier can stream the
 * log once and check a signed root at every checkpoint, and the checkpointer can grow the tree by
 * the new events alone (reporting the subtree roots it completes, for the cache).
 */
export class MerkleFrontier {
  private readonly roots: string[] = [];
  private readonly heights: number[] = [];
  private readonly starts: number[] = [];
  private count = 0;

  constructor(private readonly onNode?: NodeListener) {}

  get size(): number {
    return this.count;
  }

  /** Appends the root of a perfect subtree of 2^height leaves; the frontier's size must be a multiple of 2^height. */
  pushSubtree(root: string, height: number): void {
    if (this.count % 2 ** height !== 0) throw new RangeError('A subtree must start at a multiple of its size.');
    let node = root;
    let h = height;
    let start = this.count;
    while (this.heights.length > 0 && this.heights[this.heights.length - 1] === h) {
      node = nodeHash(this.roots.pop()!, node);
      this.heights.pop();
      start = this.starts.pop()!;
      h += 1;
      this.onNode?.(h, start / 2 ** h, node);
    }
    this.roots.push(node);
    this.heights.push(h);
    this.starts.push(start);
    this.count += 2 ** height;
  }

  pushLeaf(leaf: string): void {
    this.pushSubtree(leaf, 0);
  }

  /** The Merkle tree hash of every leaf pushed so far. */
  root(): string {
    return foldSubtreeRoots(this.roots);
  }
}

/** The root of a perfect tree from its leaves (or from the roots of its equal-sized subtrees). */
export function perfectRoot(hashes: readonly string[]): string {
  let level = [...hashes];
  if (level.length === 0 || (level.length & (level.length - 1)) !== 0) {
    throw new RangeError('A perfect subtree has a power-of-two number of leaves.');
  }
  while (level.length > 1) {
    const next: string[] = [];
    for (let i = 0; i < level.length; i += 2) next.push(nodeHash(level[i]!, level[i + 1]!));
    level = next;
  }
  return level[0]!;
}

/**
 * The ranges whose roots make up the audit path of leaf `index` in a tree of `size` leaves
 * (RFC 6962 §2.1.1 PATH), nearest the leaf first, each as [start, end).
 */
export function auditPathRanges(index: number, size: number): [number, number][] {
  if (!Number.isSafeInteger(index) || !Number.isSafeInteger(size) || index < 0 || index >= size) {
    throw new RangeError(`Leaf ${index} is not in a tree of ${size} leaves.`);
  }
  const ranges: [number, number][] = [];
  let lo = 0;
  let hi = size;
  while (hi - lo > 1) {
    const k = splitPoint(hi - lo);
    if (index < lo + k) {
      ranges.push([lo + k, hi]);
      hi = lo + k;
    } else {
      ranges.push([lo, lo + k]);
      lo += k;
    }
  }
  return ranges.reverse();
}

/**
 * RFC 9162 §2.1.3.2: the root a leaf and its audit path lead to, or undefined when the path cannot
 * belong to a tree of that size (too long or too short).
 */
export function rootFromAuditPath(index: number, size: number, leaf: string, path: readonly string[]): string | undefined {
  if (!Number.isSafeInteger(index) || !Number.isSafeInteger(size) || index < 0 || index >= size) return undefined;
  let fn = index;
  let sn = size - 1;
  let root = leaf;
  for (const sibling of path) {
    if (sn === 0) return undefined;
    if (fn % 2 === 1 || fn === sn) {
      root = nodeHash(sibling, root);
      while (fn % 2 === 0 && fn !== 0) {
        fn /= 2;
        sn = Math.floor(sn / 2);
      }
    } else {
      root = nodeHash(root, sibling);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 ? root : undefined;
}
