export {
  AGENCY_ORIGIN,
  assembleChronology,
  compareEntries,
  ENTRY_KINDS,
  markerEntry,
  placeDate,
  recordEntries,
  recordReference,
  type ChronologyEntry,
  type ChronologySubject,
  type ChronologyWindow,
  type DatePrecision,
  type EntryKind,
  type EntrySource,
  type SourceMaterial,
  type SubjectMaterial,
} from './assemble.js';
export { closeInTime, DEFAULT_GROUPING, groupIncidents, INCIDENT_THEMES, sharedThemes, type GroupingEvidence, type GroupingOptions, type IncidentGroup } from './grouping.js';
export { chronologyOf, chronologySubjects, CONTACT_ORIGIN, contactLogSource, readChronology, type Chronology, type ChronologyAgencyStatus } from './service.js';
