export type {
  AccessEvent,
  AccessEventInput,
  AuditActor,
  AuditDecision,
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
export { verifyChain, type ChainProblem, type ChainVerification, type VerifyChainOptions } from './verify.js';
