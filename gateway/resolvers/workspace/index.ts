import { breakGlassResolvers } from './break-glass.js';
import { chronologyResolvers } from './chronology.js';
import { decisionResolvers } from './decision.js';
import { encompassResolvers } from './encompass.js';
import { householdResolvers } from './household.js';
import { igResolvers } from './ig.js';
import { incidentsFeedResolvers } from './incidents-feed.js';
import { notificationsResolvers } from './notifications.js';
import { precisResolvers } from './precis.js';
import { queueResolvers } from './queue.js';
import { triageResolvers } from './triage.js';

/** The workspace areas' resolvers, merged with the core ones by createSchema. */
export const workspaceResolvers = [
  queueResolvers,
  decisionResolvers,
  chronologyResolvers,
  householdResolvers,
  precisResolvers,
  notificationsResolvers,
  igResolvers,
  breakGlassResolvers,
  incidentsFeedResolvers,
  triageResolvers,
  encompassResolvers,
];
