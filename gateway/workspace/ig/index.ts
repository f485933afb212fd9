export {
  ANOMALY_KINDS,
  anomalyKey,
  checkReviewInput,
  createAnomalyReviews,
  type AnomalyRef,
  type AnomalyReview,
  type AnomalyReviewOutcome,
  type AnomalyReviews,
  type ReviewAnomalyInput,
} from './anomaly-review.js';
export { exportSubjectAccessReport, renderSubjectAccessPdf, subjectAccessFileName, type SubjectAccessFile } from './subject-access-report.js';
export { verifyAuditNow, checkProof, type AuditVerificationView, type ProofCheckView } from './verification.js';
