import type { Actor } from '../auth/index.js';
import type { Access, AccessServices } from '../disclosure/index.js';
import type { RequestFederation } from '../federation/index.js';

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
  services: AccessServices & { access: Access };
}
