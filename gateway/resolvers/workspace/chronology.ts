/** The multi-agency chronology and risk indicators: the researcher's workspace resolvers for this area (fields in schema.graphql's section). */
export const chronologyResolvers = {
  Query: {},
  Mutation: {},
};
