/** Originator review and notifications: the researcher's workspace resolvers for this area (fields in schema.graphql's section). */
export const notificationsResolvers = {
  Query: {},
  Mutation: {},
};
