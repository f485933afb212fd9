import type { Actor } from '../auth/index.js';
import type { Access, AccessServices } from '../disclosure/index.js';
import type { RequestFederation } from '../federation/index.js';

/** What every resolver receives: the verified actor, the request id and the services. */
export interface GatewayContext {
  requestId: string;
  actor: Actor;
  federation: RequestFederation;
  services: AccessServices & { access: Access };
}
