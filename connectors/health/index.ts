export { createHealthConnector, isValidNhsNumber, type HealthConnectorOptions } from './connector.js';
export { CATEGORY as HEALTH_CATEGORY, HEALTH_CATEGORIES, SYSTEMS as HEALTH_SYSTEMS } from './codes.js';
