/** Household and conflicts between agencies: the researcher's workspace resolvers for this area (fields in schema.graphql's section). */
export const householdResolvers = {
  Query: {},
  Mutation: {},
};
