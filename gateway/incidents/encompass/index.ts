import type { Store } from '../../store/index.js';
import { createEncompassApi, type EncompassApi } from './api.js';
import { encompassAfterSave } from './store.js';
import { createEncompassWorker, type EncompassPass, type EncompassWorkerDeps } from './worker.js';

export { nextSchoolDay, schoolCalendar, isSchoolDay, type SchoolCalendar } from './calendar.js';
export { createEncompassApi, encompassStatusFor, FIELD_LABELS, type EncompassApi, type EncompassChildStatus, type EncompassSummary, type ExceptionView, type HistoryRecord } from './api.js';
export { encompassAfterSave, EXCEPTION_REASONS, type EncompassContent, type EncompassRow, type EncompassStatus, type ExceptionReason } from './store.js';
export { createEncompassWorker, ENCOMPASS_ACTOR, ENCOMPASS_CONTEXT, type EncompassPass, type EncompassWorker, type EncompassWorkerDeps } from './worker.js';

/**
 * Operation Encompass (docs/incidents.md): the feed poller's hook that plans a notification per
 * child, the worker that finds the school, sends through the gate and escalates, and what the API
 * reads and changes.
 */
export interface Encompass {
  api: EncompassApi;
  /** The feed poller's afterSave hook (the page's transaction). */
  afterSave: ReturnType<typeof encompassAfterSave>;
  /** One pass of the worker now (tests pass their own clock). */
  runOnce(now?: Date): Promise<EncompassPass>;
  /** A pass every encompass.workEverySeconds (0: none). */
  start(): void;
  /** Stops the timer and waits for a pass in progress (before the store closes). */
  close(): Promise<void>;
}

export function createEncompass(deps: EncompassWorkerDeps & { store: Store }): Encompass {
  const worker = createEncompassWorker(deps);
  return {
    api: createEncompassApi(deps.store),
    afterSave: encompassAfterSave({ enabled: deps.config.enabled }),
    runOnce: (now) => worker.runOnce(now),
    start: () => worker.start(),
    close: () => worker.stop(),
  };
}
