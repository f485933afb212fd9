/** Referral intake and the triage queue: the researcher's workspace resolvers for this area (fields in schema.graphql's section). */
export const queueResolvers = {
  Query: {},
  Mutation: {},
};
