import { z } from 'zod';

/**
 * The `limits:` section of mash-gateway.config.yaml: how much work one request and one caller may
 * ask of the gateway. Everything has a default, so the section may be left out:
 *
 *   limits:
 *     query: { maxAliases: 15, maxDepth: 15, maxDirectives: 20, maxTokens: 1000 }
 *     cost: { max: 50 }                          # per request; searchPeople = agencies x search passes
 *     rate:
 *       actor: { points: 600, perSeconds: 60, burst: 200 }    # cost points per actor (issuer, subject)
 *       address: { points: 1200, perSeconds: 60, burst: 300 } # requests per client address
 *       unauthenticated: { points: 20, perSeconds: 60, burst: 10 } # refused tokens per client address
 *       inFlightPerActor: 4                       # requests of one actor running at once
 *     input: { maxLength: 200 }                   # default longest string argument
 *     overload:                                   # the gateway's own saturation (overload.ts)
 *       maxEventLoopDelayMs: 100                  # shed new requests while timers run this late on average
 *       maxInFlight: 64                           # shed new requests while this many are running
 *       windowMs: 500                             # how often the event-loop delay is sampled
 *       retryAfterSeconds: 1                      # the Retry-After of a shed request
 *       ownTimeoutUtilisation: 0.9                # a timeout with the loop this busy is the gateway's own
 *
 * Each rate is a token bucket: `points` per `perSeconds` refill it continuously, and it holds at most
 * `burst` (default `points`), so a caller may spend a burst, then runs at the refill rate.
 *
 * The client address is the socket's peer, or the rightmost X-Forwarded-For hop when the peer is
 * one of `http.trustProxy` (the same setting that decides whose x-forwarded-proto is believed).
 */
const bucket = (points: number, perSeconds: number, burst: number) =>
  z
    .object({
      points: z.number().int().min(1).max(10_000_000).default(points),
      perSeconds: z.number().int().min(1).max(86_400).default(perSeconds),
      burst: z.number().int().min(1).max(10_000_000).optional(),
    })
    .strict()
    .default({ points, perSeconds, burst });

export const LIMIT_DEFAULTS = {
  query: { maxAliases: 15, maxDepth: 15, maxDirectives: 20, maxTokens: 1000 },
  cost: { max: 50 },
  rate: {
    actor: { points: 600, perSeconds: 60, burst: 200 },
    address: { points: 1200, perSeconds: 60, burst: 300 },
    unauthenticated: { points: 20, perSeconds: 60, burst: 10 },
    inFlightPerActor: 4,
  },
  input: { maxLength: 200 },
  overload: { maxEventLoopDelayMs: 100, maxInFlight: 64, windowMs: 500, retryAfterSeconds: 1, ownTimeoutUtilisation: 0.9 },
} as const;

const D = LIMIT_DEFAULTS;

export const limitsConfigSchema = z
  .object({
    query: z
      .object({
        maxAliases: z.number().int().min(1).max(1000).default(D.query.maxAliases),
        maxDepth: z.number().int().min(2).max(100).default(D.query.maxDepth),
        maxDirectives: z.number().int().min(1).max(1000).default(D.query.maxDirectives),
        maxTokens: z.number().int().min(100).max(1_000_000).default(D.query.maxTokens),
      })
      .strict()
      .default({ ...D.query }),
    cost: z
      .object({ max: z.number().int().min(1).max(1_000_000).default(D.cost.max) })
      .strict()
      .default({ ...D.cost }),
    rate: z
      .object({
        actor: bucket(D.rate.actor.points, D.rate.actor.perSeconds, D.rate.actor.burst),
        address: bucket(D.rate.address.points, D.rate.address.perSeconds, D.rate.address.burst),
        unauthenticated: bucket(D.rate.unauthenticated.points, D.rate.unauthenticated.perSeconds, D.rate.unauthenticated.burst),
        inFlightPerActor: z.number().int().min(1).max(1000).default(D.rate.inFlightPerActor),
      })
      .strict()
      .default({ actor: { ...D.rate.actor }, address: { ...D.rate.address }, unauthenticated: { ...D.rate.unauthenticated }, inFlightPerActor: D.rate.inFlightPerActor }),
    input: z
      .object({ maxLength: z.number().int().min(10).max(100_000).default(D.input.maxLength) })
      .strict()
      .default({ ...D.input }),
    overload: z
      .object({
        maxEventLoopDelayMs: z.number().int().min(1).max(60_000).default(D.overload.maxEventLoopDelayMs),
        maxInFlight: z.number().int().min(1).max(100_000).default(D.overload.maxInFlight),
        windowMs: z.number().int().min(50).max(60_000).default(D.overload.windowMs),
        retryAfterSeconds: z.number().int().min(1).max(3600).default(D.overload.retryAfterSeconds),
        ownTimeoutUtilisation: z.number().gt(0).max(1).default(D.overload.ownTimeoutUtilisation),
      })
      .strict()
      .default({ ...D.overload }),
  })
  .strict()
  .superRefine((limits, ctx) => {
    // One request within the cost limit must fit in the per-actor bucket, or nobody could ever run it.
    const actorCapacity = limits.rate.actor.burst ?? limits.rate.actor.points;
    if (actorCapacity < limits.cost.max) {
      const key = limits.rate.actor.burst === undefined ? 'points' : 'burst';
      ctx.addIssue({ code: 'custom', path: ['rate', 'actor', key], message: `must be at least cost.max (${limits.cost.max}), or a request within the cost limit could never run` });
    }
  });

export type LimitsConfig = z.infer<typeof limitsConfigSchema>;

/** The defaults, as the schema fills them in for a configuration without `limits:`. */
export const defaultLimits = (): LimitsConfig => limitsConfigSchema.parse({});
