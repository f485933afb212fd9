export * from './types.js';
export * from './conformance.js';
export { checkAddressQuery, MAX_ADDRESS_TEXT, UPRN_PATTERN, type AddressLine, type AddressQueryRules, type CheckedAddressQuery } from './address.js';
export { runConnectorCommand, type ConnectorCommandIo } from './cli.js';
export { httpBaseUrl, wholeNumberIn } from './options.js';
export { birthDateRange, isQueryRefusal, planEach, unionByPersonId } from './search-any.js';
