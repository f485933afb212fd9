export { startHealthServer, type Faults, type HealthServer, type HealthServerOptions, type RecordedRequest } from './server.js';
export { HealthStore, RESOURCE_TYPES, SEARCH_PARAMS, SearchError, type ResourceType, type SearchResult } from './store.js';
export {
  appointmentResource,
  encounterResource,
  episodeResource,
  flagResource,
  patientResource,
  PROFILES,
  SYSTEMS,
  type FhirResource,
  type RenderContext,
} from './fhir.js';
