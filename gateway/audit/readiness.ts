import { randomUUID } from 'node:crypto';
import type { Queryable, Store } from '../store/index.js';
import type { AuditLog } from './log.js';

/**
 * Whether the audit log can record an event now, without recording one: an event row is inserted
 * into audit_event inside a transaction that is then rolled back. It goes through the same table,
 * constraints, triggers and permissions as a real append, so a read-only database, a revoked
 * INSERT grant or a trigger refusing writes all show here. The probe row has the largest seq a
 * bigint can hold, so it never meets a real append's seq, and it is never committed.
 */
const PROBE_SEQ = '9223372036854775807';
const PROBE_HASH = '0'.repeat(64);
const PROBE_INSERT = `INSERT INTO audit_event (seq, id, at, request_id, operation, outcome, actor_id, enquiry_id, prev_hash, hash, body)
  VALUES ($1::bigint, $2::uuid, now(), 'readiness-probe', 'readiness-probe', 'probe', NULL, NULL, $3, $3, '{}'::jsonb)`;

export interface AuditReadiness {
  ok: boolean;
  /** Why not, in words an operator can act on; never SQL or a driver's message. */
  detail?: string;
}

/** Thrown inside the probe's transaction so that it is rolled back. */
class ProbeRollback extends Error {
  constructor() {
    super('readiness probe rolled back');
    this.name = 'ProbeRollback';
  }
}

function codeOf(error: unknown): string {
  if (typeof error === 'object' && error !== null && 'code' in error) {
    const code = (error as { code: unknown }).code;
    if (typeof code === 'string' && code.length <= 32) return code;
  }
  return error instanceof Error ? error.name : typeof error;
}

export async function auditReadiness(store: Store, audit: AuditLog): Promise<AuditReadiness> {
  if (!audit.isAccepting()) return { ok: false, detail: 'the audit log is closed (the gateway is shutting down)' };
  try {
    await store.transaction(async (tx: Queryable) => {
      await tx.query(PROBE_INSERT, [PROBE_SEQ, randomUUID(), PROBE_HASH]);
      throw new ProbeRollback();
    });
  } catch (error) {
    if (error instanceof ProbeRollback) return { ok: true };
    return { ok: false, detail: `the audit log cannot record events (a probe insert failed: ${codeOf(error)})` };
  }
  return { ok: false, detail: 'the audit probe was not rolled back' };
}
