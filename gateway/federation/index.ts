export {
  createFederation,
  type AgencyCircuit,
  type AgencyHealth,
  type Federation,
  type FederationOptions,
  type RequestFederation,
  type SubjectLinkRef,
} from './federation.js';
export {
  AgencyTimeoutError,
  CircuitOpenError,
  OwnOverloadError,
  RESILIENCE_DEFAULTS,
  resolveResilienceOptions,
  type AgencyResilienceOptions,
  type CircuitReport,
  type CircuitStateName,
  type ResolvedResilienceOptions,
} from './resilience.js';
