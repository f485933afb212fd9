import type { ApolloServerPlugin } from '@apollo/server';
import { GraphQLError, type ASTVisitor, type GraphQLFormattedError, type ValidationContext, type ValidationRule } from 'graphql';
import type { GatewayMode } from '../config.js';
import { audited } from '../disclosure/index.js';
import { GatewayError, isGatewayError } from '../errors.js';
import type { GatewayContext } from '../resolvers/index.js';

/**
 * Schema discovery: what a caller can learn about the API without reading schema/schema.graphql.
 * In development the schema can be introspected and validation errors suggest the name that was
 * probably meant. In production both are off: the contract is published as SDL, and an attacker
 * probing with guessed names learns nothing from the answers.
 */
export const INTROSPECTION_DISABLED_MESSAGE =
  'Introspection is turned off in production mode. The API contract is schema/schema.graphql in the gateway repository; ask the gateway operators for the version deployed.';

const INTROSPECTION_FIELDS = new Set(['__schema', '__type']);

/** Refuses `__schema` and `__type` anywhere in the document (`__typename` stays allowed). */
export const noIntrospection: ValidationRule = (context: ValidationContext): ASTVisitor => ({
  Field(node) {
    if (INTROSPECTION_FIELDS.has(node.name.value)) {
      context.reportError(new GraphQLError(INTROSPECTION_DISABLED_MESSAGE, { nodes: [node], extensions: { code: 'INTROSPECTION_DISABLED' } }));
    }
  },
});

const SUGGESTION = /\s*Did you mean [^?]*\?/g;

/** The message without graphql-js's "Did you mean ...?" suggestions (field, argument, type and enum names). */
export function withoutSuggestions(message: string): string {
  return message.replace(SUGGESTION, '').trim();
}

export interface SchemaDiscovery {
  /** Apollo's own switch: on in development; in production the rule below refuses instead, with our code. */
  introspection: boolean;
  validationRules: ValidationRule[];
  plugins: ApolloServerPlugin<GatewayContext>[];
  /** Applied to every error after the gateway's own formatting. */
  formatError(formatted: GraphQLFormattedError): GraphQLFormattedError;
}

/**
 * In production, a refused introspection is an access attempt like any other refusal: it is
 * recorded in the audit log (actor, request id, code), then the caller gets INTROSPECTION_DISABLED.
 */
function auditIntrospectionRefusals(): ApolloServerPlugin<GatewayContext> {
  return {
    async requestDidStart() {
      return {
        async validationDidStart({ contextValue }) {
          return async (errors) => {
            if (!errors?.some((error) => error instanceof GraphQLError && error.extensions.code === 'INTROSPECTION_DISABLED')) return;
            const refusal = new GatewayError('INTROSPECTION_DISABLED', INTROSPECTION_DISABLED_MESSAGE);
            try {
              await audited(contextValue.services, { requestId: contextValue.requestId, actor: contextValue.actor }, 'introspection', { reason: 'introspection is off in production mode' }, () => Promise.reject(refusal));
            } catch (error) {
              if (isGatewayError(error) && error.code === 'INTROSPECTION_DISABLED') return;
              // The refusal stands whether or not it could be recorded; the audit log's own failure is logged there.
              contextValue.services.logger.warn({ requestId: contextValue.requestId, code: isGatewayError(error) ? error.code : 'INTERNAL_ERROR' }, 'introspection refusal not recorded');
            }
          };
        },
      };
    },
  };
}

export function schemaDiscovery(mode: GatewayMode): SchemaDiscovery {
  if (mode === 'development') {
    return { introspection: true, validationRules: [], plugins: [], formatError: (formatted) => formatted };
  }
  return {
    // Apollo's own rule would answer with its message and code; ours names the mode and the SDL.
    introspection: true,
    validationRules: [noIntrospection],
    plugins: [auditIntrospectionRefusals()],
    formatError: (formatted) =>
      // Apollo reports every validation error as GRAPHQL_VALIDATION_FAILED; this one keeps its own code.
      formatted.message === INTROSPECTION_DISABLED_MESSAGE
        ? { ...formatted, extensions: { ...formatted.extensions, code: 'INTROSPECTION_DISABLED' } }
        : { ...formatted, message: withoutSuggestions(formatted.message) },
  };
}
