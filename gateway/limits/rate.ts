import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import type { Actor } from '../auth/index.js';
import { GatewayError } from '../errors.js';
import type { LimitsConfig } from './config.js';

/**
 * Per-caller limits (rate-limiter-flexible, in memory; each replica counts its own callers):
 * - actor: cost points per actor (issuer, subject) in a window;
 * - address: requests per client address in a window;
 * - unauthenticated: refused tokens per client address in a window, counted before the refusal
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
  leave(key: string): void;
}

export function createRateLimits(config: LimitsConfig['rate'], now: () => number = Date.now): RateLimits {
  const limiter = (bucket: { points: number; perSeconds: number }) => new RateLimiterMemory({ points: bucket.points, duration: bucket.perSeconds });
  const actorLimiter = limiter(config.actor);
  const addressLimiter = limiter(config.address);
  const unauthenticatedLimiter = limiter(config.unauthenticated);
  const inFlight = new Map<string, number>();
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

  async function consume(kind: LimitKind, rl: RateLimiterMemory, key: string, points: number): Promise<RateRefusal | undefined> {
    try {
      await rl.consume(key, points);
      return undefined;
    } catch (error) {
      if (error instanceof RateLimiterRes) return refusal(kind, key, error.msBeforeNext);
      throw error;
    }
  }

  return {
    address: (address) => consume('address', addressLimiter, address, 1),
    async actorBlocked(key) {
      const state = await actorLimiter.get(key);
      if (state && state.consumedPoints >= config.actor.points) return refusal('actor', key, state.msBeforeNext);
      return undefined;
    },
    unauthenticatedFailure: (address) => consume('unauthenticated', unauthenticatedLimiter, address, 1),
    actor: (key, points) => consume('actor', actorLimiter, key, Math.max(1, Math.min(points, config.actor.points))),
    enter(key) {
      const running = inFlight.get(key) ?? 0;
      if (running >= config.inFlightPerActor) return refusal('in-flight', key, 1000);
      inFlight.set(key, running + 1);
      return undefined;
    },
    leave(key) {
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
