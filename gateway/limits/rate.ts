import type { Actor } from '../auth/index.js';
import { GatewayError } from '../errors.js';
import type { LimitsConfig } from './config.js';
import { TokenBuckets } from './token-bucket.js';

/**
 * Per-caller limits, token buckets in memory (each replica counts its own callers): a caller may
 * spend a burst up to the bucket's capacity, then the refill rate:
 * - actor: cost points per actor (issuer, subject);
 * - address: requests per client address;
 * - unauthenticated: refused tokens per client address, counted before the refusal
 *   is audited, so a flood of bad tokens cannot grow the audit log (valid tokens from the same
 *   address are still served: a MASH office shares one address);
 * - in flight: requests one actor has running at once, so one caller's work cannot take the
 *   whole event loop from everyone else.
 * A refusal says when to retry. Only the first refusal of a burst is audited: `firstOfBurst`.
 */

export type LimitKind = 'actor' | 'address' | 'unauthenticated' | 'in-flight';

export interface RateRefusal {
  kind: LimitKind;
  retryAfterSeconds: number;
  /** True for the first refusal since this key was last within its limit: audit this one only. */
  firstOfBurst: boolean;
}

/** An actor is (issuer, subject), never a bare subject. */
export const actorKey = (actor: Pick<Actor, 'issuer' | 'id'>): string => JSON.stringify([actor.issuer, actor.id]);

const MAX_TRACKED_BURSTS = 10_000;

export interface RateLimits {
  /** Counts one request from the address. */
  address(address: string): Promise<RateRefusal | undefined>;
  /** Counts one refused token from the address. */
  unauthenticatedFailure(address: string): Promise<RateRefusal | undefined>;
  /** Whether the actor has already used its budget for the window (nothing is counted). */
  actorBlocked(key: string): Promise<RateRefusal | undefined>;
  /** Counts `points` of cost against the actor. */
  actor(key: string, points: number): Promise<RateRefusal | undefined>;
  /** Starts one request of the actor, or refuses it when the actor has too many running. */
  enter(key: string): RateRefusal | undefined;
  /**
   * Waits until the actor's requests running hold at most `capacity - cost` points, then holds
   * `cost` for request `requestId`: one actor's expensive work runs one request after another, not
   * all at once on the event loop, while cheap requests still run beside each other. Waiting is
   * bounded by the in-flight cap (at most that many requests of one actor exist at all).
   */
  holdCost(key: string, requestId: string, cost: number): Promise<void>;
  /** Ends one request of the actor, releasing the cost it held. */
  leave(key: string, requestId?: string): void;
}

interface HeldCost {
  held: number;
  holders: Map<string, number>;
  waiting: { requestId: string; cost: number; admit: () => void }[];
}

export function createRateLimits(config: LimitsConfig['rate'], now: () => number = Date.now, costCapacity = 50): RateLimits {
  const actorBuckets = new TokenBuckets(config.actor, now);
  const addressBuckets = new TokenBuckets(config.address, now);
  const unauthenticatedBuckets = new TokenBuckets(config.unauthenticated, now);
  const inFlight = new Map<string, number>();
  const costs = new Map<string, HeldCost>();

  function admitWaiting(key: string, state: HeldCost): void {
    while (state.waiting.length > 0) {
      const next = state.waiting[0]!;
      if (state.held > 0 && state.held + next.cost > costCapacity) return;
      state.waiting.shift();
      state.held += next.cost;
      state.holders.set(next.requestId, next.cost);
      next.admit();
    }
    if (state.held === 0) costs.delete(key);
  }

  function release(key: string, requestId: string): void {
    const state = costs.get(key);
    const cost = state?.holders.get(requestId);
    if (!state) return;
    if (cost !== undefined) {
      state.holders.delete(requestId);
      state.held -= cost;
    } else {
      // Ended while still waiting (the request was abandoned): it will never run.
      state.waiting = state.waiting.filter((w) => w.requestId !== requestId);
    }
    admitWaiting(key, state);
  }
  /** kind:key -> when its current burst of refusals ends (ms). */
  const bursts = new Map<string, number>();

  function refusal(kind: LimitKind, key: string, msBeforeNext: number): RateRefusal {
    const at = now();
    if (bursts.size > MAX_TRACKED_BURSTS) for (const [k, until] of bursts) if (until < at) bursts.delete(k);
    const burstKey = `${kind}:${key}`;
    const until = bursts.get(burstKey);
    const firstOfBurst = until === undefined || until < at;
    const retryMs = Math.max(1000, msBeforeNext);
    bursts.set(burstKey, at + retryMs);
    return { kind, retryAfterSeconds: Math.ceil(retryMs / 1000), firstOfBurst };
  }

  async function consume(kind: LimitKind, buckets: TokenBuckets, key: string, points: number): Promise<RateRefusal | undefined> {
    const taken = buckets.take(key, points);
    return taken.ok ? undefined : refusal(kind, key, taken.msBeforeNext);
  }

  return {
    address: (address) => consume('address', addressBuckets, address, 1),
    async actorBlocked(key) {
      // Not even the cheapest request (one point) fits: refused before the request is parsed.
      const wait = actorBuckets.wait(key, 1);
      return wait > 0 ? refusal('actor', key, wait) : undefined;
    },
    unauthenticatedFailure: (address) => consume('unauthenticated', unauthenticatedBuckets, address, 1),
    actor: (key, points) => consume('actor', actorBuckets, key, Math.max(1, points)),
    enter(key) {
      const running = inFlight.get(key) ?? 0;
      if (running >= config.inFlightPerActor) return refusal('in-flight', key, 1000);
      inFlight.set(key, running + 1);
      return undefined;
    },
    holdCost(key, requestId, cost) {
      const state: HeldCost = costs.get(key) ?? { held: 0, holders: new Map(), waiting: [] };
      costs.set(key, state);
      return new Promise<void>((admit) => {
        state.waiting.push({ requestId, cost: Math.max(1, Math.min(cost, costCapacity)), admit });
        admitWaiting(key, state);
      });
    },
    leave(key, requestId) {
      if (requestId !== undefined) release(key, requestId);
      const running = (inFlight.get(key) ?? 1) - 1;
      if (running <= 0) inFlight.delete(key);
      else inFlight.set(key, running);
    },
  };
}

const WHY: Record<LimitKind, string> = {
  actor: 'You have used your request budget for now',
  address: 'Too many requests have come from your network address',
  unauthenticated: 'Too many requests with a missing or invalid token have come from your network address',
  'in-flight': 'You already have the most requests running at once that one user may',
};

export function rateLimitedError(refused: RateRefusal): GatewayError {
  return new GatewayError('RATE_LIMITED', `${WHY[refused.kind]}. Retry after ${refused.retryAfterSeconds} second${refused.retryAfterSeconds === 1 ? '' : 's'}.`, {
    details: { retryAfter: refused.retryAfterSeconds, limit: refused.kind },
  });
}
