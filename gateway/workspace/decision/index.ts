export { createDecisionRepository, type DecisionRepository, type DecisionStatus, type MashDecision, type NextStep } from './repository.js';
export { createDecisionService, DECISION_ROLES, type DecisionService, type NextStepInput, type RecordDecisionInput } from './service.js';
export { DECISION_OUTCOMES, DEFAULT_THRESHOLD_LEVELS, OUTCOME_LABELS, outcomeEnum, outcomeFromEnum, type DecisionOutcome, type ThresholdLevel } from './vocabulary.js';

import type { ContactLogService } from '../contacts/index.js';
import type { DecisionService } from './service.js';
/** What the MASH decision and contact-log resolvers need besides the access services. */
export interface DecisionAreaServices {
  decisions: DecisionService;
  contactLog: ContactLogService;
}
