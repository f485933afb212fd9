export {
  auditDecisions,
  disclosePersons,
  discloseRecords,
  isDisclosed,
  type AgencyAnswer,
  type AgencyDisclosure,
  type AgencyStatus,
  type DisclosedPerson,
  type DisclosedRecord,
  type Disclosure,
  type GateDecision,
  type PersonAnswer,
  type PersonDisclosure,
  type WithheldMarker,
} from './gate.js';
export { audited, auditActor, auditEnquiry, auditSubject, createAccess, type Access, type AccessServices, type ProfileAnswer, type RequestScope, type SearchAnswer } from './access.js';
