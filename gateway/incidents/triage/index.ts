export { groupHouseholds, type HouseholdIncident } from './households.js';
export { compareHouseholds, INDICATOR, riskRank, triageIndicators, type TriageFacts } from './indicators.js';
export { ageOn, londonDay, meetingAt, meetingDate, MEETING_TIME_ZONE, previousMeetingAt } from './meeting.js';
export { createOutcomeRepository, INCIDENT_OUTCOMES, type IncidentOutcome, type IncidentOutcomeKind, type OutcomeRepository } from './outcomes.js';
export {
  createTriageService,
  incidentView,
  MAX_TRIAGE_CHILDREN,
  OUTCOME_REASON_MAX,
  parseOutcome,
  queryFromRecord,
  TRIAGE_PURPOSE,
  TRIAGE_SEARCH_CONCURRENCY,
  type EncompassChildStatus,
  type TriageChildView,
  type TriageDeps,
  type TriageHouseholdView,
  type TriageIncidentView,
  type TriageList,
  type TriagePersonView,
  type TriageService,
} from './service.js';
