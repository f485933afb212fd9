/** The MASH decision and the contact log: the researcher's workspace resolvers for this area (fields in schema.graphql's section). */
export const decisionResolvers = {
  Query: {},
  Mutation: {},
};
