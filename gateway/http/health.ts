import { auditReadiness, type AuditLog } from '../audit/index.js';
import type { AgencyCircuit, Federation } from '../federation/index.js';
import type { OverloadReport } from '../limits/overload.js';
import type { Logger } from '../log.js';
import type { Store } from '../store/index.js';

/**
 * Liveness and readiness, for orchestrators and load balancers. Neither needs a token and neither
 * says anything about a person: states, counts and times only.
 *
 * - GET /healthz: the process is alive and its HTTP loop answers. No store, audit or agency call,
 *   so it stays cheap and is not failed by a dependency (restarting the gateway would not mend one).
 * - GET /readyz: the gateway can serve. The store answers and takes writes, and the audit log can
 *   record an event (a rolled-back probe insert): with either missing, every disclosure would fail
 *   closed, so the instance is taken out of rotation (503). Each agency's circuit breaker is listed,
 *   but an agency that is down does not make the gateway unready: the others still answer, and the
 *   answer says which agency is unavailable and why. The gateway's own load is listed too
 *   (whether it is shedding, its event-loop delay, requests running, shed and own timeouts so far);
 *   shedding does not make it unready either: a balancer taking every busy replica out of rotation
 *   at once would turn an overload into an outage.
 */

/** Longest a readiness check may take before it counts as failed. */
export const READINESS_CHECK_TIMEOUT_MS = 2000;

export interface Liveness {
  status: 'ok';
}

export interface ReadinessCheck {
  ok: boolean;
  detail?: string;
}

export interface Readiness {
  status: 'ready' | 'not-ready';
  checks: { store: ReadinessCheck; audit: ReadinessCheck };
  /** Every agency's circuit breaker: closed, open (with when it will be tried again) or half-open. */
  agencies: AgencyCircuit[];
  /** The gateway's own load; counts and figures only. */
  overload?: OverloadReport;
}

export const liveness = (): Liveness => ({ status: 'ok' });

function codeOf(error: unknown): string {
  if (typeof error === 'object' && error !== null && 'code' in error) {
    const code = (error as { code: unknown }).code;
    if (typeof code === 'string' && code.length <= 32) return code;
  }
  return error instanceof Error ? error.name : typeof error;
}

async function within(check: () => Promise<ReadinessCheck>, what: string): Promise<ReadinessCheck> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<ReadinessCheck>((resolve) => {
    timer = setTimeout(() => resolve({ ok: false, detail: `${what} did not answer within ${READINESS_CHECK_TIMEOUT_MS} ms` }), READINESS_CHECK_TIMEOUT_MS);
    timer.unref();
  });
  try {
    return await Promise.race([check(), late]);
  } finally {
    clearTimeout(timer);
  }
}

async function storeWritable(store: Store): Promise<ReadinessCheck> {
  try {
    const { rows } = await store.query<{ read_only: string }>("SELECT current_setting('transaction_read_only') AS read_only");
    if (rows[0]?.read_only === 'on') return { ok: false, detail: 'the store is read-only (a standby or a read-only database); point DATABASE_URL at the primary' };
    return { ok: true };
  } catch (error) {
    return { ok: false, detail: `the store does not answer (${codeOf(error)})` };
  }
}

export async function readiness(parts: { store: Store; audit: AuditLog; federation: Federation; logger: Logger }, load?: { report(): OverloadReport }): Promise<Readiness> {
  const [store, audit] = await Promise.all([
    within(() => storeWritable(parts.store), 'the store'),
    within(() => auditReadiness(parts.store, parts.audit), 'the audit log'),
  ]);
  const ready = store.ok && audit.ok;
  if (!ready) parts.logger.warn({ store: store.ok, audit: audit.ok }, 'not ready');
  return { status: ready ? 'ready' : 'not-ready', checks: { store, audit }, agencies: parts.federation.circuits(), ...(load ? { overload: load.report() } : {}) };
}
