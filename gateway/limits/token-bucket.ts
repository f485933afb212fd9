/**
 * Token buckets keyed by caller: each key holds up to `capacity` tokens, refilled continuously at
 * `points / perSeconds` a second. A request takes its cost in tokens or is refused, with the time
 * until enough have refilled. Unlike a fixed window, a caller cannot spend two windows' budget
 * back to back at a window's edge: after a burst of `capacity` they run at the refill rate.
 *
 * Memory is bounded: a bucket that has refilled to capacity holds nothing a new one would not, so
 * full buckets are dropped when the map grows past `maxKeys`.
 */
export interface BucketRate {
  /** Tokens refilled per `perSeconds`. */
  points: number;
  perSeconds: number;
  /** Most tokens a bucket holds (the largest burst); `points` when not given. */
  burst?: number | undefined;
}

export interface Take {
  ok: boolean;
  /** When refused: milliseconds until the bucket holds enough. */
  msBeforeNext: number;
}

export class TokenBuckets {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  private readonly capacity: number;
  private readonly perMs: number;

  constructor(
    rate: BucketRate,
    private readonly now: () => number = Date.now,
    private readonly maxKeys = 50_000,
  ) {
    this.capacity = rate.burst ?? rate.points;
    this.perMs = rate.points / (rate.perSeconds * 1000);
  }

  /** The tokens `key` holds now. */
  level(key: string): number {
    const bucket = this.buckets.get(key);
    if (!bucket) return this.capacity;
    return Math.min(this.capacity, bucket.tokens + (this.now() - bucket.at) * this.perMs);
  }

  /** Takes `cost` tokens (at most the capacity, so that any request can run eventually), or refuses. */
  take(key: string, cost: number): Take {
    const wanted = Math.min(cost, this.capacity);
    const tokens = this.level(key);
    if (tokens < wanted) return { ok: false, msBeforeNext: Math.ceil((wanted - tokens) / this.perMs) };
    if (this.buckets.size >= this.maxKeys) this.dropFull();
    this.buckets.set(key, { tokens: tokens - wanted, at: this.now() });
    return { ok: true, msBeforeNext: 0 };
  }

  /** Milliseconds until `key` holds `cost` tokens (0 when it does now). */
  wait(key: string, cost: number): number {
    const missing = Math.min(cost, this.capacity) - this.level(key);
    return missing <= 0 ? 0 : Math.ceil(missing / this.perMs);
  }

  private dropFull(): void {
    for (const key of [...this.buckets.keys()]) if (this.level(key) >= this.capacity) this.buckets.delete(key);
    // Still full of partly used buckets (very many callers at once): forget the oldest tenth. They
    // start again full, which is lenient to them, and the map stays bounded.
    if (this.buckets.size >= this.maxKeys) {
      let drop = Math.ceil(this.maxKeys / 10);
      for (const key of this.buckets.keys()) {
        if (drop-- <= 0) break;
        this.buckets.delete(key);
      }
    }
  }
}
