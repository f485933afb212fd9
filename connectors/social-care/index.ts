export { createSocialCareConnector, type SocialCareConnectorOptions } from './connector.js';
export { CATEGORY as SOCIAL_CARE_CATEGORY, SOCIAL_CARE_CATEGORIES, SYSTEMS as SOCIAL_CARE_SYSTEMS } from './codes.js';
export type { SqlQuery, SqlQueryResult } from './sql.js';
