import { GatewayError } from '../../errors.js';
import type { GatewayContext } from '../context.js';

/**
 * `incidentFeeds`: each agency's incident feed as the MASH's managers and IG officers follow it.
 * Operational status only (no personal data), so not audited, like `agencies`. The cursor is the
 * agency's opaque position and never leaves the gateway.
 */
const FEED_ROLES: readonly string[] = ['mash-manager', 'ig-officer'];

export const incidentsFeedResolvers = {
  Query: {
    incidentFeeds: async (_: unknown, _args: unknown, ctx: GatewayContext) => {
      if (!ctx.actor.roles.some((role) => FEED_ROLES.includes(role))) {
        throw new GatewayError('FORBIDDEN', 'The incident feeds are for mash-manager and ig-officer.');
      }
      const feeds = await ctx.services.incidents.repository.feedStatus();
      // A connected feed not read yet is listed too, with nothing received.
      const read = new Set(feeds.map((feed) => feed.agency));
      const unread = ctx.services.federation
        .incidentFeedAgencies()
        .filter((agency) => !read.has(agency))
        .map((agency) => ({ agency, updatedAt: null, lastPollAt: null, lastError: null, lastErrorAt: null, receivedTotal: 0 }));
      const listed = feeds.map((feed) => ({
        agency: feed.agency,
        // A row written only to record a failure before the first page has no position yet.
        updatedAt: feed.cursor === '' ? null : feed.updatedAt,
        lastPollAt: feed.lastPollAt,
        lastError: feed.lastError,
        lastErrorAt: feed.lastErrorAt,
        receivedTotal: feed.receivedTotal,
      }));
      return [...listed, ...unread].sort((a, b) => a.agency.localeCompare(b.agency));
    },
  },
};
