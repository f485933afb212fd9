export { createFederation, type Federation, type FederationOptions, type RequestFederation, type SubjectLinkRef } from './federation.js';
