/** Authentication: who is calling, from a verified token of a registered agency issuer. */
export {
  ASYMMETRIC_ALGORITHMS,
  checkIssuerRoles,
  DEFAULT_ALGORITHMS,
  DEFAULT_MAX_TOKEN_LIFETIME_SECONDS,
  MAX_TOKEN_LIFETIME_SECONDS,
  issuerConfigSchema,
  parseIssuerConfig,
  parseIssuerConfigs,
  type AsymmetricAlgorithm,
  type IssuerConfig,
  type IssuerConfigInput,
} from './config.js';
export {
  AUTH_REFUSAL_REASONS,
  createAuthenticator,
  LAESTAB_PATTERN,
  type Actor,
  type AuthenticatorOptions,
  type Authenticator,
  type AuthRefusalReason,
} from './authenticator.js';
export {
  DEMO_AUDIENCE,
  DEMO_ISSUER,
  demoPermits,
  LOCAL_AUTHORITY,
  loadDemoIssuer,
  parseTtl,
  type DemoIssuer,
  type DemoTokenClaims,
} from './demo-issuer.js';
export { NO_DEMO_ISSUER_MESSAGE, runTokenCommand, TOKEN_USAGE, type TokenCommandIo } from './token-command.js';
export { createKnownActors, rememberingAuthenticator, SEEN_REFRESH_MS, type KnownActors, type SeenActor } from './known-actors.js';
export { DEMO_SCHOOL, demoUsers, type DemoUser } from './demo-users.js';
