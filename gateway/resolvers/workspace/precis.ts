/** The précis and its export: the researcher's workspace resolvers for this area (fields in schema.graphql's section). */
export const precisResolvers = {
  Query: {},
  Mutation: {},
};
