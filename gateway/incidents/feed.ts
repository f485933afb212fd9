import { randomUUID } from 'node:crypto';
import { ConnectorError, type IncidentFeedPosition, type IncidentKind, type IncidentPage } from '../../connectors/sdk/index.js';
import { AgencyTimeoutError, CircuitOpenError } from '../federation/index.js';
import type { Logger } from '../log.js';
import type { IncidentsConfig } from './config.js';
import type { IncidentRepository } from './repository.js';

/**
 * The incident feed poller: reads each agency's incident feed from where it stopped and saves it
 * page by page (docs/incidents.md, "The incident feed").
 *
 * Each page is saved with the cursor after it in one transaction (`repository.savePage`), and the
 * next page is read from the stored cursor, so a crash or restart at any point resumes from the
 * last saved page: nothing is lost, and nothing saved is read again. A failed read or save keeps
 * the cursor and records the failure on the feed (`incidentFeeds`); the next poll retries.
 *
 * Several gateway processes may share one PostgreSQL and poll the same feed at once. Two of them
 * can then read and save the same page: the save is an upsert keyed by (agency, incident id), so
 * the repeat replaces each incident with the same version (it counts as `updated`) and sets the
 * same cursor. A slower process may even write an earlier page (and its earlier cursor) after a
 * later one; the cursor goes back with the data in the same transaction, so the next poll reads
 * the later page again and the newer versions return. `afterSave` hooks must therefore be
 * idempotent per incident (a page may be saved twice).
 */

/** What a poll did for one agency's feed. */
export interface AgencyPollResult {
  agency: string;
  /** Pages read (an empty page with nothing new counts). */
  pages: number;
  /** Incidents stored for the first time. */
  inserted: number;
  /** Incidents stored before that the agency gave again (changed, or a repeat). */
  updated: number;
  /** Why the poll stopped early (no personal data): the cursor stayed at the last saved page. */
  error?: string;
}

export interface PollResult {
  agencies: AgencyPollResult[];
}

/** Where the poller reads feeds from: the federation (gateway/federation), or a stand-in in tests. */
export interface IncidentFeedSource {
  incidentFeedAgencies(): string[];
  incidentsSince(agency: string, position: IncidentFeedPosition, kinds: readonly IncidentKind[], limit: number, requestId: string): Promise<IncidentPage>;
}

export interface IncidentFeedPoller {
  /** Reads every feed once. A poll already running is awaited and its result returned, not doubled. */
  pollOnce(): Promise<PollResult>;
  /** Polls at once, then every `pollEverySeconds` after each poll ends (no timer when 0 or disabled). */
  start(): void;
  /** Stops the timer and waits for a poll in progress (which reads no further page). */
  close(): Promise<void>;
}

export interface IncidentFeedOptions {
  repository: IncidentRepository;
  source: IncidentFeedSource;
  config: IncidentsConfig;
  now: () => Date;
  logger: Logger;
}

const HOUR_MS = 60 * 60 * 1000;

/** A page the connector gave that cannot be saved as it is. */
class MalformedPage extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = 'MalformedPage';
  }
}

function checkPage(page: unknown): IncidentPage {
  const candidate = page as Partial<IncidentPage> | null | undefined;
  if (typeof candidate !== 'object' || candidate === null) throw new MalformedPage('the feed answered with no page');
  if (!Array.isArray(candidate.incidents)) throw new MalformedPage('the page has no list of incidents');
  if (typeof candidate.cursor !== 'string' || candidate.cursor === '') throw new MalformedPage('the page has no cursor to resume from');
  if (typeof candidate.hasMore !== 'boolean') throw new MalformedPage('the page does not say whether more incidents are waiting');
  return candidate as IncidentPage;
}

const CONNECTOR_FAILURES: Readonly<Record<ConnectorError['kind'], string>> = {
  TIMEOUT: 'the feed did not answer in time',
  UPSTREAM_ERROR: "the agency's system answered with an error",
  MALFORMED_RESPONSE: "the agency's system gave an answer the connector could not read",
  UNREACHABLE: "the agency's system did not answer",
  BAD_QUERY: 'the agency refused the read (a cursor it no longer recognises?); the feed stays at its stored cursor until the agency accepts it again',
};

/**
 * What the feed records and logs about a failure: the kind and a fixed description. Never the
 * error's own message: a connector's or the store's message may quote what the agency sent
 * (names, addresses) or a stored value.
 */
export function describeFeedFailure(agency: string, error: unknown): { kind: string; message: string } {
  if (error instanceof AgencyTimeoutError) return { kind: 'TIMEOUT', message: `TIMEOUT: ${agency} did not answer within ${error.timeoutMs} ms` };
  if (error instanceof CircuitOpenError) return { kind: 'CIRCUIT_OPEN', message: `CIRCUIT_OPEN: ${agency} has failed ${error.consecutiveFailures} times in a row; not asked again until ${error.retryAfter}` };
  if (error instanceof ConnectorError) return { kind: error.kind, message: `${error.kind}: ${CONNECTOR_FAILURES[error.kind] ?? 'the feed failed'}` };
  if (error instanceof MalformedPage) return { kind: 'MALFORMED_RESPONSE', message: `MALFORMED_RESPONSE: ${error.reason}` };
  return { kind: 'FAILED', message: `FAILED: the page could not be read or saved (${error instanceof Error ? error.name : typeof error}); the cursor stays at the last saved page` };
}

export function createIncidentFeedPoller(options: IncidentFeedOptions): IncidentFeedPoller {
  const { repository, source, config, now, logger } = options;
  let running: Promise<PollResult> | undefined;
  let timer: NodeJS.Timeout | undefined;
  let closed = false;

  async function pollAgency(agency: string, requestId: string): Promise<AgencyPollResult> {
    const result: AgencyPollResult = { agency, pages: 0, inserted: 0, updated: 0 };
    try {
      while (result.pages < config.maxPagesPerPoll && !closed) {
        // Read from the stored cursor every page: another process may have moved it.
        const stored = await repository.cursor(agency);
        const position: IncidentFeedPosition = stored !== undefined ? { cursor: stored } : { since: new Date(now().getTime() - config.backfillHours * HOUR_MS).toISOString() };
        const page = checkPage(await source.incidentsSince(agency, position, config.kinds, config.pageSize, requestId));
        result.pages += 1;
        if (page.incidents.length === 0 && page.cursor === stored) {
          await repository.recordPoll(agency, now());
        } else {
          const saved = await repository.savePage(agency, page, now());
          result.inserted += saved.inserted.length;
          result.updated += saved.updated.length;
        }
        if (!page.hasMore) break;
      }
      logger.debug({ requestId, agency, pages: result.pages, inserted: result.inserted, updated: result.updated }, 'incident feed read');
      return result;
    } catch (error) {
      const failure = describeFeedFailure(agency, error);
      // Counts and the kind only (invariant 4).
      logger.warn({ requestId, agency, kind: failure.kind, pages: result.pages, inserted: result.inserted, updated: result.updated }, 'incident feed poll failed; the cursor stays at the last saved page');
      await repository.recordPollError(agency, failure.message, now()).catch((recordError: unknown) =>
        logger.error({ requestId, agency, errorName: recordError instanceof Error ? recordError.name : typeof recordError }, 'incident feed failure could not be recorded'),
      );
      return { ...result, error: failure.message };
    }
  }

  async function poll(): Promise<PollResult> {
    if (!config.enabled) return { agencies: [] };
    const requestId = `incident-feed-${randomUUID()}`;
    // Feeds are independent: one agency's failure or slowness never holds back another's.
    return { agencies: await Promise.all(source.incidentFeedAgencies().map((agency) => pollAgency(agency, requestId))) };
  }

  function pollOnce(): Promise<PollResult> {
    if (closed) return Promise.reject(new Error('the incident feed poller is closed'));
    running ??= poll().finally(() => {
      running = undefined;
    });
    return running;
  }

  function schedule(delayMs: number): void {
    if (closed) return;
    timer = setTimeout(() => {
      pollOnce()
        .catch((error: unknown) => logger.warn({ errorName: error instanceof Error ? error.name : typeof error }, 'incident feed poll failed'))
        .finally(() => schedule(config.pollEverySeconds * 1000));
    }, delayMs);
    timer.unref();
  }

  return {
    pollOnce,
    start() {
      if (closed || timer !== undefined || !config.enabled || config.pollEverySeconds === 0) return;
      // A (re)started gateway catches up at once, then reads every interval.
      schedule(0);
    },
    async close() {
      closed = true;
      if (timer) clearTimeout(timer);
      await running?.catch(() => undefined);
    },
  };
}
