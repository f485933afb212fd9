import type { JWK } from 'jose';
import { describeVerification, verifyAudit, verifyProof, type CheckpointSummary } from '../../audit/index.js';
import type { AccessServices, RequestScope } from '../../disclosure/index.js';
import { audited } from '../../disclosure/index.js';
import { GatewayError } from '../../errors.js';

/**
 * Information governance checks the audit log from the console as `mash-gateway audit verify` does
 * from the command line: the chain re-hashed, the Merkle tree rebuilt, every signed checkpoint
 * checked with the gateway's trusted audit keys (configuration, never the database).
 */

export interface AuditVerificationView {
  ok: boolean;
  checkedAt: string;
  eventsChecked: number | null;
  headSeq: number | null;
  checkpointsVerified: number | null;
  lastCheckpoint: CheckpointSummary | null;
  unsignedEvents: number | null;
  firstFailure: { seq: number; problem: string; detail: string; checkpointSeq: number | null } | null;
  summary: string;
}

export async function verifyAuditNow(services: Pick<AccessServices, 'store' | 'audit' | 'logger' | 'policy' | 'now' | 'auditSettings'>, scope: Pick<RequestScope, 'requestId' | 'actor'>): Promise<AuditVerificationView> {
  const { value } = await audited(services, scope, 'auditVerification', {}, async () => {
    if (!scope.actor.roles.includes('ig-officer')) throw new GatewayError('FORBIDDEN', 'Audit log verification is for ig-officer.');
    const checkedAt = services.now().toISOString();
    const result = await verifyAudit(services.store, { publicKeys: services.auditSettings.publicKeys });
    const summary = describeVerification(result);
    const view: AuditVerificationView = result.ok
      ? {
          ok: true,
          checkedAt,
          eventsChecked: result.checked,
          headSeq: result.headSeq,
          checkpointsVerified: result.checkpoints,
          lastCheckpoint: result.lastCheckpoint,
          unsignedEvents: result.unsigned,
          firstFailure: null,
          summary,
        }
      : {
          ok: false,
          checkedAt,
          eventsChecked: null,
          headSeq: null,
          checkpointsVerified: null,
          lastCheckpoint: null,
          unsignedEvents: null,
          firstFailure: { seq: result.seq, problem: result.problem, detail: result.detail, checkpointSeq: result.checkpointSeq ?? null },
          summary,
        };
    return { value: view, event: { outcome: 'success', reason: summary.slice(0, 500) } };
  });
  return value;
}

export interface ProofCheckView {
  ok: boolean;
  problem: string | null;
  detail: string;
  root: string | null;
  checkpointAt: string | null;
}

/** An inclusion proof checked as any holder of the public key would (verifyProof): no store involved. */
export async function checkProof(proofJson: string, publicKeys: readonly JWK[]): Promise<ProofCheckView> {
  let proof: unknown;
  try {
    proof = JSON.parse(proofJson);
  } catch {
    return { ok: false, problem: 'malformed', detail: 'The proof is not JSON.', root: null, checkpointAt: null };
  }
  const result = await verifyProof(proof, publicKeys);
  if (!result.ok) return { ok: false, problem: result.problem, detail: result.detail, root: null, checkpointAt: null };
  return {
    ok: true,
    problem: null,
    detail: `Event ${result.eventId} (seq ${result.seq}) hashes to its leaf, the audit path leads from the leaf to the Merkle root of checkpoint ${result.checkpoint.seq}, and that checkpoint's signature verifies with key ${result.checkpoint.keyId}.`,
    root: result.checkpoint.root,
    checkpointAt: result.checkpoint.at,
  };
}
