import { HeaderMap, type ApolloServerPlugin } from '@apollo/server';
import { GraphQLError } from 'graphql';
import { audited } from '../disclosure/index.js';
import { GatewayError, isGatewayError } from '../errors.js';
import type { GatewayContext } from '../resolvers/context.js';
import { tokenLimitError } from './armor.js';
import type { LimitsConfig } from './config.js';
import { requestCost } from './cost.js';
import { actorKey, rateLimitedError, type RateLimits, type RateRefusal } from './rate.js';

/**
 * Demand control inside Apollo's request pipeline, after authentication and before execution:
 * - a document over a shape limit (tokens at parse, aliases/depth/directives at validation) is
 *   refused QUERY_LIMIT, audited, and charged `cost.max` points to the actor;
 * - an operation whose cost is above `cost.max` is refused COST_LIMIT (saying the cost and the
 *   limit) before any resolver runs, so before any agency is called; audited;
 * - otherwise its cost is charged to the actor's budget, and a request over the budget is refused
 *   RATE_LIMITED (HTTP 429, Retry-After), audited once per burst.
 */

/** Records a refusal in the audit log (the refusal itself is not thrown here). */
export async function recordRefusal(ctx: Pick<GatewayContext, 'services' | 'requestId'> & { actor: GatewayContext['actor'] | null }, operation: string, refusal: GatewayError): Promise<void> {
  try {
    await audited(ctx.services, ctx, operation, { reason: refusal.message }, () => Promise.reject(refusal));
  } catch (error) {
    if (error !== refusal) throw error;
  }
}

/** A GatewayError as Apollo throws it from a plugin: code, HTTP status and headers kept. */
function asGraphQLError(refusal: GatewayError, headers?: HeaderMap): GraphQLError {
  return new GraphQLError(refusal.message, {
    originalError: refusal,
    extensions: { code: refusal.code, http: { status: refusal.httpStatus, ...(headers ? { headers } : {}) } },
  });
}

export function rateLimitedGraphQLError(refused: RateRefusal): GraphQLError {
  return asGraphQLError(rateLimitedError(refused), new HeaderMap([['retry-after', String(refused.retryAfterSeconds)]]));
}

export function demandControlPlugin(options: { limits: LimitsConfig; rate: RateLimits; agencyCount: () => number }): ApolloServerPlugin<GatewayContext> {
  const { limits, rate } = options;

  async function chargeRefusal(ctx: GatewayContext, refusal: GatewayError): Promise<void> {
    // A refused document still costs the caller: repeated refusals run into the rate limit.
    await rate.actor(actorKey(ctx.actor), limits.cost.max);
    await recordRefusal(ctx, 'demandControl', refusal);
  }

  return {
    async requestDidStart() {
      return {
        async parsingDidStart({ contextValue }) {
          return async (error) => {
            const refusal = error ? tokenLimitError(error.message) : undefined;
            if (refusal) await chargeRefusal(contextValue, refusal);
          };
        },
        async validationDidStart({ contextValue }) {
          return async (errors) => {
            const limit = errors?.map((e) => (e instanceof GraphQLError ? e.originalError : e)).find((e): e is GatewayError => isGatewayError(e) && e.code === 'QUERY_LIMIT');
            if (limit) await chargeRefusal(contextValue, limit);
          };
        },
        async didResolveOperation({ contextValue, document, request, operationName, schema }) {
          let cost: number;
          try {
            cost = requestCost(schema, document, request.variables, operationName ?? undefined, options.agencyCount);
          } catch {
            // Variables that do not fit the operation: execution refuses them before any resolver runs.
            return;
          }
          const key = actorKey(contextValue.actor);
          if (cost > limits.cost.max) {
            const refusal = new GatewayError(
              'COST_LIMIT',
              `This request would cost ${cost} points; the limit is ${limits.cost.max} per request. Each agency searched or read costs points (a search costs one per agency per search pass); send fewer searches or profiles per request.`,
              { details: { cost, limit: limits.cost.max } },
            );
            const refused = await rate.actor(key, limits.cost.max);
            if (refused) {
              if (refused.firstOfBurst) await recordRefusal(contextValue, 'rateLimit', rateLimitedError(refused));
              throw rateLimitedGraphQLError(refused);
            }
            await recordRefusal(contextValue, 'demandControl', refusal);
            throw asGraphQLError(refusal);
          }
          const refused = await rate.actor(key, cost);
          if (refused) {
            if (refused.firstOfBurst) await recordRefusal(contextValue, 'rateLimit', rateLimitedError(refused));
            throw rateLimitedGraphQLError(refused);
          }
          // One actor's expensive requests run one after another (released when the HTTP request ends).
          if (contextValue.rateTicket !== undefined) await rate.holdCost(key, contextValue.rateTicket, cost);
        },
      };
    },
  };
}

/**
 * A request answered OVERLOADED while running (an agency call ran out of time on the gateway's own
 * saturated event loop) is sent as a shed one is: HTTP 503 with Retry-After, so clients and
 * balancers treat it as "try again shortly" rather than as an answer.
 */
export function overloadedResponsePlugin(): ApolloServerPlugin<GatewayContext> {
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ response }) {
          if (response.body.kind !== 'single') return;
          const overloaded = response.body.singleResult.errors?.find((e) => e.extensions?.code === 'OVERLOADED');
          if (!overloaded) return;
          response.http.status = 503;
          response.http.headers.set('retry-after', String(overloaded.extensions?.retryAfter ?? 1));
        },
      };
    },
  };
}
