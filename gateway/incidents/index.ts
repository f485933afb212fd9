export { defaultEncompassConfig, defaultIncidentsConfig, encompassConfigSchema, incidentsConfigSchema, type EncompassConfig, type EncompassSchool, type IncidentsConfig } from './config.js';
export {
  createIncidentRepository,
  type AfterSave,
  type FeedStatus,
  type IncidentFilter,
  type IncidentRepository,
  type SavedPage,
  type StoredIncident,
  type StoredIncidentPerson,
} from './repository.js';
export { createIncidentFeedPoller, describeFeedFailure, type AgencyPollResult, type IncidentFeedOptions, type IncidentFeedPoller, type IncidentFeedSource, type PollResult } from './feed.js';
export { createIncidents, type Incidents } from './incidents.js';
