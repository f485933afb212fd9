/** Bounded work per request and per caller: query shape, cost, rate, and input checks. */
export { queryParseOptions, queryShapeRules, tokenLimitError } from './armor.js';
export { defaultLimits, LIMIT_DEFAULTS, limitsConfigSchema, type LimitsConfig } from './config.js';
export { costEstimator, requestCost, searchPassCount } from './cost.js';
export { ARGUMENT_CLASSES, argumentProblem, excerpt, stringProblem, withArgumentChecks, type ArgumentClass } from './input.js';
export { demandControlPlugin, overloadedResponsePlugin, rateLimitedGraphQLError, recordRefusal } from './plugin.js';
export { actorKey, createRateLimits, rateLimitedError, type LimitKind, type RateLimits, type RateRefusal } from './rate.js';
export { clientAddress } from './address.js';
export { createLoadMonitor, loopUtilisation, overloadedError, type LoadMonitor, type LoopLoad, type OverloadReport, type Shed } from './overload.js';
