export { createPoliceConnector, type PoliceConnectorOptions } from './connector.js';
export { CATEGORY as POLICE_CATEGORY, POLICE_CATEGORIES, SYSTEMS as POLICE_SYSTEMS } from './codes.js';
