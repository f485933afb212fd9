import { monitorEventLoopDelay, performance, type EventLoopUtilization } from 'node:perf_hooks';
import { GatewayError } from '../errors.js';
import type { LimitsConfig } from './config.js';

/**
 * The gateway's own saturation, as distinct from an agency's slowness.
 *
 * One event loop runs every request's authentication, policy, gate, audit and agency I/O. When it
 * is saturated, work already accepted slows down together: agency answers sit unread past their
 * budget, the agencies are blamed, their breakers open and answers come back degraded. So:
 *
 * - Load shedding: while the event loop's recent delay is above `maxEventLoopDelayMs`, or
 *   `maxInFlight` GraphQL requests are already running, a new GraphQL request is refused at once
 *   (HTTP 503, OVERLOADED, Retry-After) before authentication, so it costs almost nothing; the
 *   requests already running keep the loop. Health and readiness are never shed.
 * - The delay is measured with `perf_hooks.monitorEventLoopDelay` (a timer every 10 ms records how
 *   late it fires). The histogram is never reset (a reset drops the stall that follows it): each
 *   window of `windowMs` takes the difference of its running count and mean, so the signal is the
 *   average lateness of the window's timers beyond their interval (the worse of the last two windows). One long pause (a GC, a big
 *   synchronous step) raises it a little; a loop that is late on every turn raises it to the
 *   lateness of every turn.
 * - Own timeouts: `saturatedSince(mark)` says whether the loop was busy for at least
 *   `ownTimeoutUtilisation` of the time since the mark (event-loop utilisation, from libuv's idle
 *   time). An agency call whose budget ran out while the loop was that busy cannot be blamed on the
 *   agency: an answer may have been waiting unread. Federation answers such a call OVERLOADED and
 *   does not count it against the agency's circuit breaker.
 */

export type OverloadConfig = LimitsConfig['overload'];

/** Why a request was shed. */
export type ShedReason = 'event-loop-delay' | 'in-flight';

export interface Shed {
  reason: ShedReason;
  retryAfterSeconds: number;
}

/** The event-loop utilisation when an agency call started. */
export type LoadMark = EventLoopUtilization;

/** For /readyz: counts and figures only. */
export interface OverloadReport {
  /** Whether new GraphQL requests are being refused now. */
  shedding: boolean;
  /** The last window's average timer lateness (ms). */
  eventLoopDelayMs: number;
  /** GraphQL requests running now. */
  inFlight: number;
  /** Requests refused OVERLOADED since start. */
  shed: number;
  /** Agency calls that ran out of time while the gateway's own loop was saturated, since start. */
  ownTimeouts: number;
}

/** Classifies agency timeouts: whether the gateway's own loop was saturated during a call. */
export interface LoopLoad {
  mark(): LoadMark;
  saturatedSince(mark: LoadMark): boolean;
  /** Counts one agency call answered OVERLOADED because of the gateway's own loop. */
  ownTimeout(): void;
  /** The Retry-After of an OVERLOADED answer. */
  readonly retryAfterSeconds: number;
}

export interface LoadMonitor extends LoopLoad {
  /** Starts a GraphQL request, or says why it is shed (nothing is counted then but the shed). */
  admit(): Shed | undefined;
  /** Ends a request `admit` let in. */
  release(): void;
  /** Starts measuring afresh (the HTTP server calls it once listening): what came before was start-up. */
  rebase(): void;
  report(): OverloadReport;
  /** Stops sampling. */
  close(): void;
}

/** Event-loop utilisation alone, with no sampling timer: what federation uses when given no monitor. */
export function loopUtilisation(threshold: number, retryAfterSeconds: number): LoopLoad {
  return {
    retryAfterSeconds,
    mark: () => performance.eventLoopUtilization(),
    saturatedSince: (mark) => performance.eventLoopUtilization(performance.eventLoopUtilization(), mark).utilization >= threshold,
    ownTimeout: () => undefined,
  };
}

const RESOLUTION_MS = 10;

export function createLoadMonitor(config: OverloadConfig): LoadMonitor {
  const histogram = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
  histogram.enable();
  const utilisation = loopUtilisation(config.ownTimeoutUtilisation, config.retryAfterSeconds);
  let lastCount = 0;
  let lastSum = 0;
  let delayMs = 0;
  let inFlight = 0;
  let shed = 0;
  let ownTimeouts = 0;

  // The first window (after creation or rebase) only sets the baseline: the gateway's start
  // (loading the policy, indexing files) stalls the loop and says nothing about load.
  let baseline = true;
  let previousWindowDelay = 0;
  let lastAt = performance.now();
  const sample = (): void => {
    const at = performance.now();
    const count = histogram.count;
    const sum = count === 0 ? 0 : histogram.mean * count; // ns; the mean of no samples is NaN
    const samples = count - lastCount;
    if (baseline) {
      baseline = false;
    } else {
      // No delay sample since the last window: the loop was blocked all along, as late as that.
      const windowDelay = samples > 0 ? Math.max(0, (sum - lastSum) / samples / 1e6 - RESOLUTION_MS) : at - lastAt;
      // The worse of the last two windows: a saturated loop has the odd quick turn, and one quick
      // window must not let a burst of new work in.
      delayMs = Math.max(windowDelay, previousWindowDelay);
      previousWindowDelay = windowDelay;
    }
    lastCount = count;
    lastSum = sum;
    lastAt = at;
  };
  const sampler = setInterval(sample, config.windowMs);
  sampler.unref();

  return {
    ...utilisation,
    ownTimeout() {
      ownTimeouts += 1;
    },
    admit() {
      const reason: ShedReason | undefined = delayMs > config.maxEventLoopDelayMs ? 'event-loop-delay' : inFlight >= config.maxInFlight ? 'in-flight' : undefined;
      if (reason === undefined) {
        inFlight += 1;
        return undefined;
      }
      shed += 1;
      return { reason, retryAfterSeconds: config.retryAfterSeconds };
    },
    release() {
      inFlight = Math.max(0, inFlight - 1);
    },
    rebase() {
      baseline = true;
      delayMs = 0;
      previousWindowDelay = 0;
    },
    report: () => ({
      shedding: delayMs > config.maxEventLoopDelayMs || inFlight >= config.maxInFlight,
      eventLoopDelayMs: Math.round(delayMs),
      inFlight,
      shed,
      ownTimeouts,
    }),
    close() {
      clearInterval(sampler);
      histogram.disable();
    },
  };
}

const WHY: Record<ShedReason, string> = {
  'event-loop-delay': 'The gateway is overloaded and is refusing new requests for now',
  'in-flight': 'The gateway is running as many requests as it can at once',
};

/** The refusal of a shed request (before authentication: no actor, nothing asked of any agency). */
export function overloadedError(shed: Shed): GatewayError {
  return new GatewayError('OVERLOADED', `${WHY[shed.reason]}. Nothing was read or changed; retry after ${shed.retryAfterSeconds} second${shed.retryAfterSeconds === 1 ? '' : 's'}.`, {
    details: { retryAfter: shed.retryAfterSeconds },
  });
}
