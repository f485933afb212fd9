/**
 * Resilience for one agency's connector, from cockatiel (Polly's design for Node): a circuit
 * breaker shared by every request, around a timeout for the whole call, around retries with
 * exponential backoff for idempotent reads.
 *
 *   breaker ─► timeout (the agency's budget for the call) ─► retry with backoff ─► connector
 *
 * - The breaker counts logical calls, not attempts: a read that failed after its retries is
 *   one failure. After `threshold` consecutive failures it opens, and every call answers at
 *   once with CircuitOpenError (UNAVAILABLE with why) instead of costing each request a timeout.
 *   After `halfOpenAfterMs` the next call is let through as a test: success closes the circuit,
 *   failure opens it again.
 * - The timeout covers the attempts and the waits between them, so retries never stretch an
 *   agency's answer past its budget; a retry whose backoff would end after the deadline is not
 *   started (the last failure is reported instead).
 * - Only transient failures are retried (UPSTREAM_ERROR, UNREACHABLE, the connector's own
 *   TIMEOUT while budget remains). BAD_QUERY and MALFORMED_RESPONSE are answers, not accidents:
 *   asking again gives the same answer. A BAD_QUERY does not count against the breaker either
 *   (the system answered; the question was wrong).
 * - A timeout while the gateway's own event loop was saturated (`LoopLoad.saturatedSince`) is
 *   the gateway's, not the agency's: an answer may have been waiting unread. It is an
 *   OwnOverloadError, never counted against the breaker and never reported as the agency being
 *   unavailable.
 * - The budget's signal is aborted when the budget runs out, not when a call returns: aborting
 *   every finished call allocated an AbortError (a DOMException with its stack) per call for
 *   nothing, since a finished call has nothing left to stop.
 */
import {
  BrokenCircuitError,
  CircuitState,
  ConsecutiveBreaker,
  ExponentialBackoff,
  TaskCancelledError,
  TimeoutStrategy,
  circuitBreaker,
  decorrelatedJitterGenerator,
  handleWhen,
  noJitterGenerator,
  retry,
  timeout,
  type CircuitBreakerPolicy,
  type IBackoff,
  type IBackoffFactory,
  type IRetryBackoffContext,
  type TimeoutPolicy,
} from 'cockatiel';
import { ConnectorError, type ConnectorErrorKind } from '../../connectors/sdk/index.js';
import type { LoopLoad } from '../limits/overload.js';
import type { Logger } from '../log.js';

/** Per-agency resilience settings; every key is optional and falls back to RESILIENCE_DEFAULTS. */
export interface AgencyResilienceOptions {
  /** The agency's budget for one call, retries included. Defaults to the federation's `timeoutMs`. */
  timeoutMs?: number;
  /** Extra attempts for an idempotent read after a transient failure; 0 turns retries off. */
  retries?: number;
  backoff?: {
    /** Wait before the first retry (ms); later waits grow exponentially. */
    initialDelayMs?: number;
    /** Longest wait between attempts (ms). */
    maxDelayMs?: number;
    /** Randomise waits (decorrelated jitter) so replicas do not retry in step. Default true. */
    jitter?: boolean;
  };
  breaker?: {
    /** Consecutive failed calls that open the circuit. */
    threshold?: number;
    /** How long the circuit stays open before one test call is let through (ms). */
    halfOpenAfterMs?: number;
  };
}

export interface ResolvedResilienceOptions {
  timeoutMs: number;
  retries: number;
  backoff: { initialDelayMs: number; maxDelayMs: number; jitter: boolean };
  breaker: { threshold: number; halfOpenAfterMs: number };
}

export const RESILIENCE_DEFAULTS: Omit<ResolvedResilienceOptions, 'timeoutMs'> = {
  retries: 2,
  backoff: { initialDelayMs: 100, maxDelayMs: 1000, jitter: true },
  breaker: { threshold: 5, halfOpenAfterMs: 30_000 },
};

export type CircuitStateName = 'closed' | 'open' | 'half-open';

export interface CircuitReport {
  state: CircuitStateName;
  /** Failed calls in a row (reset by a success). */
  consecutiveFailures: number;
  /** While open: when the next call will be let through as a test (ISO 8601). */
  retryAfter?: string;
}

/** The agency did not answer within its budget (the gateway gave up; the connector was aborted). */
export class AgencyTimeoutError extends Error {
  constructor(
    readonly agency: string,
    readonly timeoutMs: number,
  ) {
    super(`${agency} did not answer within ${timeoutMs} ms (timeout).`);
    this.name = 'AgencyTimeoutError';
  }
}

/**
 * The call's budget ran out while the gateway's own event loop was saturated: the delay may be the
 * gateway's, so the agency is neither blamed (no breaker count) nor reported unavailable.
 */
export class OwnOverloadError extends Error {
  constructor(
    readonly agency: string,
    readonly timeoutMs: number,
  ) {
    super(`the gateway was too busy to read ${agency}'s answer within ${timeoutMs} ms`);
    this.name = 'OwnOverloadError';
  }
}

/** The agency's circuit is open: the call was not made. */
export class CircuitOpenError extends Error {
  constructor(
    readonly agency: string,
    readonly consecutiveFailures: number,
    readonly retryAfter: string,
    readonly lastFailure: string | undefined,
  ) {
    super(
      `circuit open: ${agency} failed ${consecutiveFailures} time${consecutiveFailures === 1 ? '' : 's'} in a row` +
        `${lastFailure ? ` (last: ${lastFailure})` : ''}; retrying after ${retryAfter}`,
    );
    this.name = 'CircuitOpenError';
  }
}

const RETRYABLE: ReadonlySet<ConnectorErrorKind> = new Set(['UPSTREAM_ERROR', 'UNREACHABLE', 'TIMEOUT']);

function isRetryable(error: unknown): boolean {
  return error instanceof ConnectorError && RETRYABLE.has(error.kind);
}

/** Everything but a refused query, or a timeout of the gateway's own making, says the agency is failing. */
function countsAgainstBreaker(error: unknown): boolean {
  return !(error instanceof ConnectorError && error.kind === 'BAD_QUERY') && !(error instanceof OwnOverloadError);
}

function failureLabel(error: unknown): string | undefined {
  if (error instanceof ConnectorError) return error.kind;
  if (error instanceof AgencyTimeoutError) return 'timeout';
  if (error instanceof Error) return 'unexpected error';
  return undefined;
}

function wholeNumber(key: string, value: number, min: number): number {
  if (!Number.isInteger(value) || value < min) throw new RangeError(`${key} must be a whole number of at least ${min} (got ${value})`);
  return value;
}

/** Fills in defaults and validates; throws a RangeError naming the key on a bad value. */
export function resolveResilienceOptions(
  agency: string,
  federationTimeoutMs: number,
  options: AgencyResilienceOptions = {},
): ResolvedResilienceOptions {
  const key = (k: string): string => `resilience.${agency}.${k}`;
  const backoff = { ...RESILIENCE_DEFAULTS.backoff, ...options.backoff };
  const breaker = { ...RESILIENCE_DEFAULTS.breaker, ...options.breaker };
  const resolved: ResolvedResilienceOptions = {
    timeoutMs: wholeNumber(key('timeoutMs'), options.timeoutMs ?? federationTimeoutMs, 1),
    retries: wholeNumber(key('retries'), options.retries ?? RESILIENCE_DEFAULTS.retries, 0),
    backoff: {
      initialDelayMs: wholeNumber(key('backoff.initialDelayMs'), backoff.initialDelayMs, 0),
      maxDelayMs: wholeNumber(key('backoff.maxDelayMs'), backoff.maxDelayMs, 0),
      jitter: backoff.jitter,
    },
    breaker: {
      threshold: wholeNumber(key('breaker.threshold'), breaker.threshold, 1),
      halfOpenAfterMs: wholeNumber(key('breaker.halfOpenAfterMs'), breaker.halfOpenAfterMs, 1),
    },
  };
  if (resolved.backoff.maxDelayMs < resolved.backoff.initialDelayMs) {
    throw new RangeError(`${key('backoff.maxDelayMs')} must not be less than backoff.initialDelayMs`);
  }
  return resolved;
}

type RetryBackoffContext = IRetryBackoffContext<unknown>;

/**
 * Wraps a backoff so no retry is scheduled to start after the deadline. cockatiel's retry
 * policy has no notion of a budget; when the next wait would end past it, this rethrows the
 * last failure from `next()`, which ends the retry loop with that failure (rather than one
 * more attempt that the timeout would cut off anyway).
 */
function withinDeadline(factory: IBackoffFactory<RetryBackoffContext>, deadline: number): IBackoffFactory<RetryBackoffContext> {
  const checked = (backoff: IBackoff<RetryBackoffContext>, context: RetryBackoffContext): IBackoff<RetryBackoffContext> => {
    if (Date.now() + backoff.duration >= deadline) {
      throw 'error' in context.result ? context.result.error : new Error('retry budget exhausted');
    }
    return { duration: backoff.duration, next: (next) => checked(backoff.next(next), next) };
  };
  return { next: (context) => checked(factory.next(context), context) };
}

export interface AgencyResilience {
  readonly agency: string;
  readonly options: ResolvedResilienceOptions;
  /**
   * Runs one call through breaker, timeout and (for idempotent reads) retries. `attempt` gets a
   * signal aborted when the budget expires. Rejects with the connector's error, an
   * AgencyTimeoutError or a CircuitOpenError.
   */
  execute<T>(attempt: (signal: AbortSignal) => Promise<T>, call: { idempotent: boolean }): Promise<T>;
  /** Runs a call under the timeout only: health probes neither trip nor wait for the breaker. */
  probe<T>(attempt: (signal: AbortSignal) => Promise<T>): Promise<T>;
  /** The breaker's state now. */
  circuit(): CircuitReport;
}

export function createAgencyResilience(agency: string, options: ResolvedResilienceOptions, logger: Logger, load: LoopLoad): AgencyResilience {
  const consecutive = new ConsecutiveBreaker(options.breaker.threshold);
  const breaker: CircuitBreakerPolicy = circuitBreaker(handleWhen(countsAgainstBreaker), {
    halfOpenAfter: options.breaker.halfOpenAfterMs,
    breaker: consecutive,
  });
  // abortOnReturn false: the signal is aborted when the budget runs out, not after every call.
  const budget: TimeoutPolicy = timeout(options.timeoutMs, { strategy: TimeoutStrategy.Aggressive, abortOnReturn: false });
  const delays = { initialDelay: options.backoff.initialDelayMs, maxDelay: options.backoff.maxDelayMs };
  const backoff: IBackoffFactory<RetryBackoffContext> = options.backoff.jitter
    ? new ExponentialBackoff({ ...delays, generator: decorrelatedJitterGenerator })
    : new ExponentialBackoff({ ...delays, generator: noJitterGenerator });

  let openedAt = 0;
  const retryAfter = (): string => new Date(openedAt + options.breaker.halfOpenAfterMs).toISOString();

  // Operational logs: agency and counts only (invariant 5).
  breaker.onBreak(() => {
    openedAt = Date.now();
    logger.warn({ agency, consecutiveFailures: consecutive.state, retryAfter: retryAfter() }, 'agency circuit opened');
  });
  breaker.onHalfOpen(() => logger.info({ agency }, 'agency circuit half-open: testing with one call'));
  breaker.onReset(() => logger.info({ agency }, 'agency circuit closed'));

  const timedOut = (): AgencyTimeoutError => new AgencyTimeoutError(agency, options.timeoutMs);

  async function withinBudget<T>(attempt: (signal: AbortSignal) => Promise<T>, retries: number): Promise<T> {
    const deadline = Date.now() + options.timeoutMs;
    const started = load.mark();
    // cockatiel's retry loop does not look at the signal after a wait: check before each attempt.
    const once = (signal: AbortSignal): Promise<T> => (signal.aborted ? Promise.reject(timedOut()) : attempt(signal));
    try {
      return await budget.execute(({ signal }) =>
        retries === 0
          ? once(signal)
          : retry(handleWhen(isRetryable), { maxAttempts: retries, backoff: withinDeadline(backoff, deadline) }).execute(
              ({ signal: attemptSignal }) => once(attemptSignal),
              signal,
            ),
      );
    } catch (error) {
      const outOfTime = error instanceof TaskCancelledError || (error instanceof ConnectorError && error.kind === 'TIMEOUT');
      if (outOfTime && load.saturatedSince(started)) {
        load.ownTimeout();
        logger.warn({ agency, timeoutMs: options.timeoutMs }, 'agency call out of time on the gateway\'s saturated event loop: not counted against the agency');
        throw new OwnOverloadError(agency, options.timeoutMs);
      }
      if (error instanceof TaskCancelledError) throw timedOut();
      throw error;
    }
  }

  function circuit(): CircuitReport {
    const state = breaker.state;
    if (state === CircuitState.Closed) return { state: 'closed', consecutiveFailures: consecutive.state };
    if (state === CircuitState.HalfOpen) return { state: 'half-open', consecutiveFailures: consecutive.state };
    return { state: 'open', consecutiveFailures: consecutive.state, retryAfter: retryAfter() };
  }

  return {
    agency,
    options,

    async execute<T>(attempt: (signal: AbortSignal) => Promise<T>, call: { idempotent: boolean }): Promise<T> {
      try {
        return await breaker.execute(() => withinBudget(attempt, call.idempotent ? options.retries : 0));
      } catch (error) {
        if (error instanceof BrokenCircuitError) {
          const last = breaker.lastFailure;
          throw new CircuitOpenError(agency, consecutive.state, retryAfter(), failureLabel(last && 'error' in last ? last.error : undefined));
        }
        throw error;
      }
    },

    probe: <T>(attempt: (signal: AbortSignal) => Promise<T>): Promise<T> => withinBudget(attempt, 0),

    circuit,
  };
}
