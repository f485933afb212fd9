export type {
  AccessEvent,
  AccessEventInput,
  AuditActor,
  AuditDecision,
  AuditNotification,
  AuditDecisionKind,
  AuditEnquiry,
  AuditOutcome,
  AuditSubject,
  CommittedEvent,
  RecordedEvent,
} from './types.js';
export { canonicalJson } from './canonical.js';
export { GENESIS_HASH, hashEvent } from './hash.js';
export {
  AUDIT_UNAVAILABLE_MESSAGE,
  createAuditLog,
  type AuditLog,
  type AuditLogOptions,
  type AuditLogStats,
} from './log.js';
export { readEvents, MAX_READ_LIMIT } from './read.js';
export { auditReadiness, type AuditReadiness } from './readiness.js';
export { verifyChain, type ChainProblem, type ChainVerification, type VerifyChainOptions } from './verify.js';

// Signed checkpoints, verification, inclusion proofs.
export { CHECKPOINT_TYP, decodeCheckpoint, type CheckpointPayload } from './checkpoint-jws.js';
export {
  DEFAULT_CHECKPOINT_EVERY_EVENTS,
  DEFAULT_CHECKPOINT_EVERY_MS,
  DEFAULT_ORIGIN,
  latestCheckpoint,
  readCheckpoints,
  writeCheckpoint,
  type CheckpointPolicy,
  type CheckpointRecord,
} from './checkpoint.js';
export {
  createAuditSigner,
  loadAuditSigner,
  parsePublicKeys,
  readDataDirPublicKeys,
  readPublicKeyFile,
  type AuditSigner,
  type AuditSignerSource,
} from './signing.js';
export {
  describeVerification,
  verifyAudit,
  type AuditProblem,
  type AuditVerification,
  type CheckpointSummary,
  type VerifyAuditOptions,
} from './verify-audit.js';
export { proveEvent, type InclusionProof, type ProveEventOptions } from './proof.js';
export { verifyProof, type ProofProblem, type ProofVerification } from './verify-proof.js';

// Export (JSON lines, FHIR R4 AuditEvent / IHE BALP) and the CLI.
export { toFhirAuditEvent, type FhirAuditEvent } from './fhir.js';
export {
  EXPORT_FORMATS,
  exportEvents,
  exportOptions,
  parseInstant,
  type ExportedEvent,
  type ExportFormat,
  type ExportOptions,
} from './export.js';
export { AUDIT_USAGE, runAuditCommand, type AuditCommandIo } from './cli.js';
export { auditConfigSchema, loadAuditSettings, type AuditConfig, type AuditSettings } from './config.js';
