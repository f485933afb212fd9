export * from './types.js';
export * from './conformance.js';
export { runConnectorCommand, type ConnectorCommandIo } from './cli.js';
export { httpBaseUrl, wholeNumberIn } from './options.js';
