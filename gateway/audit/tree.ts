import type { Queryable } from '../store/index.js';
import { auditPathRanges, foldSubtreeRoots, leafHash, MerkleFrontier, perfectRoot, perfectSubtrees } from './merkle.js';

/**
 * The audit log's Merkle tree, read from the store: leaves are the chain hashes of audit_event (leaf
 * i is seq i + 1); audit_merkle_node caches the roots of aligned perfect subtrees at heights 8 and
 * 16 (Tessera-style tiles), so a root or an audit path costs a few hundred rows at any log size.
 */

/** Heights of cached subtree roots, lowest first; each is built from 256 nodes of the one below. */
const CACHED_HEIGHTS = [8, 16] as const;
const TILE_WIDTH = 256;
/** Leaves or nodes read per query when folding a large range. */
const PAGE = 65_536;
/** Leaves read per query when growing the checkpointer's tree (see GrowingTree.growTo). */
const GROW_PAGE = 4096;

export class MerkleDataError extends Error {
  override readonly name = 'MerkleDataError';
}

export interface TreeReadOptions {
  /** Use the cached subtree roots (default true). False recomputes from the chain hashes alone. */
  useCache?: boolean;
}

async function leafHashes(q: Queryable, start: number, count: number): Promise<string[]> {
  const { rows } = await q.query<{ seq: number | string; hash: string }>(
    'SELECT seq, hash FROM audit_event WHERE seq > $1 AND seq <= $2 ORDER BY seq',
    [start, start + count],
  );
  if (rows.length !== count) {
    const present = new Set(rows.map((row) => Number(row.seq)));
    let missing = start + 1;
    while (present.has(missing)) missing += 1;
    throw new MerkleDataError(`Event ${missing} is missing from the log.`);
  }
  return rows.map((row) => leafHash(row.hash));
}

async function cachedNodes(q: Queryable, height: number, firstIdx: number, count: number): Promise<string[] | undefined> {
  const { rows } = await q.query<{ hash: string }>(
    'SELECT hash FROM audit_merkle_node WHERE level = $1 AND idx >= $2 AND idx < $3 ORDER BY idx',
    [height, firstIdx, firstIdx + count],
  );
  return rows.length === count ? rows.map((row) => row.hash) : undefined;
}

/** Root of the perfect subtree of 2^height leaves starting at leaf `start` (a multiple of its size). */
async function subtreeRoot(q: Queryable, start: number, height: number, useCache: boolean): Promise<string> {
  if (useCache) {
    for (let i = CACHED_HEIGHTS.length - 1; i >= 0; i -= 1) {
      const cached = CACHED_HEIGHTS[i]!;
      if (height < cached) continue;
      const count = 2 ** (height - cached);
      if (count > PAGE) break;
      const nodes = await cachedNodes(q, cached, start / 2 ** cached, count);
      if (nodes !== undefined) return perfectRoot(nodes);
    }
  }
  if (2 ** height <= PAGE) return perfectRoot(await leafHashes(q, start, 2 ** height));
  const frontier = new MerkleFrontier();
  for (let at = start; at < start + 2 ** height; at += PAGE) {
    for (const leaf of await leafHashes(q, at, PAGE)) frontier.pushLeaf(leaf);
  }
  return frontier.root();
}

/** MTH of leaves [start, end): the RFC 6962 root of that range. */
export async function rangeRoot(q: Queryable, start: number, end: number, options: TreeReadOptions = {}): Promise<string> {
  const useCache = options.useCache ?? true;
  const roots: string[] = [];
  for (const [at, height] of perfectSubtrees(start, end)) roots.push(await subtreeRoot(q, at, height, useCache));
  return foldSubtreeRoots(roots);
}

/** The Merkle tree hash of the first `size` events. */
export function treeRoot(q: Queryable, size: number, options: TreeReadOptions = {}): Promise<string> {
  return rangeRoot(q, 0, size, options);
}

/** RFC 6962 audit path of leaf `index` (seq - 1) in the tree of the first `size` events, nearest first. */
export async function auditPath(q: Queryable, index: number, size: number, options: TreeReadOptions = {}): Promise<string[]> {
  const path: string[] = [];
  for (const [start, end] of auditPathRanges(index, size)) path.push(await rangeRoot(q, start, end, options));
  return path;
}

/**
 * Make sure every complete 256-leaf (and 65,536-leaf) subtree among the first `size` events has its
 * root cached. Idempotent and safe to run from several processes at once: rows are only inserted,
 * and a row another process wrote first is left as it is.
 */
export async function extendSubtreeCache(q: Queryable, size: number): Promise<void> {
  let below: number | undefined;
  for (const height of CACHED_HEIGHTS) {
    const complete = Math.floor(size / 2 ** height);
    const { rows } = await q.query<{ next: number | string }>(
      'SELECT coalesce(max(idx) + 1, 0) AS next FROM audit_merkle_node WHERE level = $1',
      [height],
    );
    for (let idx = Number(rows[0]?.next ?? 0); idx < complete; ) {
      const batch = Math.min(complete - idx, Math.max(1, Math.floor(PAGE / TILE_WIDTH)));
      const children =
        below === undefined
          ? await leafHashes(q, idx * 2 ** height, batch * TILE_WIDTH)
          : await cachedNodes(q, below, idx * TILE_WIDTH, batch * TILE_WIDTH);
      if (children === undefined) throw new MerkleDataError(`Cached subtree roots at height ${below} are incomplete.`);
      const roots: string[] = [];
      for (let i = 0; i < batch; i += 1) roots.push(perfectRoot(children.slice(i * TILE_WIDTH, (i + 1) * TILE_WIDTH)));
      await q.query(
        `INSERT INTO audit_merkle_node (level, idx, hash)
         SELECT $1, $2::bigint + n.i - 1, n.hash FROM unnest($3::text[]) WITH ORDINALITY AS n(hash, i)
         ON CONFLICT (level, idx) DO NOTHING`,
        [height, idx, roots],
      );
      idx += batch;
    }
    below = height;
  }
}

/**
 * The tree of the first `size` events, kept in memory by the checkpointer and grown by the new
 * events alone: each checkpoint reads and hashes only what was appended since the last, and caches
 * the subtree roots that growth completes. Opened from the store (cached subtree roots, checked
 * against the newest signed root when one is given).
 */
export class GrowingTree {
  private readonly completed: [number, number, string][] = [];
  private readonly frontier = new MerkleFrontier((height, index, hash) => {
    if ((CACHED_HEIGHTS as readonly number[]).includes(height)) this.completed.push([height, index, hash]);
  });

  private constructor() {}

  get size(): number {
    return this.frontier.size;
  }

  root(): string {
    return this.frontier.root();
  }

  /**
   * The tree of the first `size` events. When `signedRoot` (the checkpoint at `size`) is given and
   * the cached subtree roots do not lead to it, they are not trusted: the tree is rebuilt from the
   * events, and `onCacheMismatch` is told.
   */
  static async open(q: Queryable, size: number, signedRoot?: string, onCacheMismatch?: () => void): Promise<GrowingTree> {
    await extendSubtreeCache(q, size);
    const tree = new GrowingTree();
    for (const [start, height] of perfectSubtrees(0, size)) tree.frontier.pushSubtree(await subtreeRoot(q, start, height, true), height);
    if (signedRoot === undefined || size === 0 || tree.root() === signedRoot) return tree;
    onCacheMismatch?.();
    const rebuilt = new GrowingTree();
    for (const [start, height] of perfectSubtrees(0, size)) rebuilt.frontier.pushSubtree(await subtreeRoot(q, start, height, false), height);
    return rebuilt;
  }

  /** Grow to the first `size` events (reading only the new ones) and cache the subtree roots completed. */
  async growTo(q: Queryable, size: number): Promise<void> {
    while (this.size < size) {
      // Small pages: the hashing between reads holds up the process's other work (appends) for a
      // few milliseconds at a time, not for the whole growth at once.
      const count = Math.min(GROW_PAGE, size - this.size);
      for (const leaf of await leafHashes(q, this.size, count)) this.frontier.pushLeaf(leaf);
    }
    if (this.completed.length === 0) return;
    const nodes = [...this.completed];
    await q.query(
      `INSERT INTO audit_merkle_node (level, idx, hash)
       SELECT * FROM unnest($1::smallint[], $2::bigint[], $3::text[])
       ON CONFLICT (level, idx) DO NOTHING`,
      [nodes.map((n) => n[0]), nodes.map((n) => n[1]), nodes.map((n) => n[2])],
    );
    this.completed.splice(0, nodes.length);
  }
}
