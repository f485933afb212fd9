import type { Logger } from '../log.js';
import type { Store } from '../store/index.js';
import type { IncidentsConfig } from './config.js';
import { createIncidentFeedPoller, type IncidentFeedSource, type PollResult } from './feed.js';
import { createIncidentRepository, type AfterSave, type IncidentRepository } from './repository.js';

/** The gateway's incident-driven work: the incident store, the feed poller and what each saved page starts. */
export interface Incidents {
  repository: IncidentRepository;
  /**
   * What each saved page starts, run in order in the page's transaction (Operation Encompass adds
   * its planning here). Add hooks before the first poll; a hook that throws rolls its page back
   * and the cursor stays. A page may be saved twice (see feed.ts): hooks must be idempotent.
   */
  hooks: AfterSave[];
  /** Reads every agency's incident feed once (a poll already running is awaited, not doubled). */
  pollOnce(): Promise<PollResult>;
  /** Reads at once, then every `incidents.pollEverySeconds` (no timer when 0). */
  start(): void;
  /** Stops the timer and waits for a poll in progress; before the store closes. */
  close(): Promise<void>;
}

export function createIncidents(options: { store: Store; source: IncidentFeedSource; config: IncidentsConfig; now: () => Date; logger: Logger }): Incidents {
  const hooks: AfterSave[] = [];
  const repository = createIncidentRepository(options.store, {
    async afterSave(tx, saved, now) {
      for (const hook of hooks) await hook(tx, saved, now);
    },
  });
  const poller = createIncidentFeedPoller({ repository, source: options.source, config: options.config, now: options.now, logger: options.logger });
  return { repository, hooks, pollOnce: poller.pollOnce, start: poller.start, close: poller.close };
}
