export { createHousingConnector, type HousingConnectorOptions } from './connector.js';
export { queryFromClient, type HousingQuery, type HousingQueryResult, type SqlClient } from './query.js';
export { CATEGORY as HOUSING_CATEGORY, HOUSING_CATEGORIES, SYSTEMS as HOUSING_SYSTEMS } from './codes.js';
