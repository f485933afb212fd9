import type { Actor } from '../auth/index.js';
import type { Access, AccessServices } from '../disclosure/index.js';
import type { RequestFederation } from '../federation/index.js';
import type { Incidents } from '../incidents/index.js';
import type { TriageService } from '../incidents/triage/index.js';
import type { DecisionAreaServices } from '../workspace/decision/index.js';
import type { IndicatorServices } from '../workspace/indicators/index.js';
import type { Notifications } from '../workspace/notifications/index.js';
import type { EncompassApi } from '../incidents/encompass/index.js';

/** The services resolvers use: the access path and the workspace's. */
export type GatewayServices = AccessServices & { access: Access; indicators: IndicatorServices; notifications: Notifications; incidents: Incidents; triage?: TriageService; encompass: EncompassApi } & DecisionAreaServices;

/** What every resolver receives: the verified actor, the request id and the services. */
export interface GatewayContext {
  requestId: string;
  /**
   * Names this HTTP request to the per-actor limits (unique per request, unlike `requestId`, which a
   * caller may choose); absent outside the HTTP server.
   */
  rateTicket?: string;
  actor: Actor;
  federation: RequestFederation;
  services: GatewayServices;
}
