import { ApolloArmor } from '@escape.tech/graphql-armor';
import { GraphQLError, type ParseOptions, type ValidationContext, type ValidationRule } from 'graphql';
import { GatewayError } from '../errors.js';
import type { LimitsConfig } from './config.js';

/**
 * The shape of a query is bounded before it is executed: aliases, depth and directives by GraphQL
 * Armor's validation rules, tokens by graphql-js's own parser (`maxTokens`, so an oversized
 * document is not even fully parsed). Each refusal is a QUERY_LIMIT GatewayError that says which
 * limit and what to do.
 */

const WHAT_TO_DO = 'Split the work into several smaller requests.';

/** Armor's message ("Syntax Error: Aliases limit of 15 exceeded, found 50.") with what to do. */
function queryLimitError(armorMessage: string): GraphQLError {
  const said = armorMessage.replace(/^Syntax Error:\s*/, '');
  const refusal = new GatewayError('QUERY_LIMIT', `The query is over a limit: ${said} ${WHAT_TO_DO}`);
  return new GraphQLError(refusal.message, { originalError: refusal, extensions: { code: refusal.code } });
}

export function queryShapeRules(limits: LimitsConfig['query']): ValidationRule[] {
  const report = (ctx: ValidationContext | null, error: GraphQLError) => ctx?.reportError(queryLimitError(error.message));
  const common = { exposeLimits: true, propagateOnRejection: false, onReject: [report] };
  const armor = new ApolloArmor({
    // Tokens are bounded by the parser (parseOptions); cost by graphql-query-complexity (cost.ts);
    // "did you mean" suggestions are a matter of the gateway's mode, not of demand.
    maxTokens: { enabled: false },
    costLimit: { enabled: false },
    blockFieldSuggestion: { enabled: false },
    maxAliases: { ...common, n: limits.maxAliases },
    maxDepth: { ...common, n: limits.maxDepth },
    maxDirectives: { ...common, n: limits.maxDirectives },
  });
  return armor.protect().validationRules;
}

export const queryParseOptions = (limits: LimitsConfig['query']): ParseOptions => ({ maxTokens: limits.maxTokens });

// graphql-js 16 says "more that"; accept either spelling.
const TOKEN_LIMIT = /Document contains more tha[nt] (\d+) tokens/;

/** The parser's refusal of a document with too many tokens, as QUERY_LIMIT; otherwise undefined. */
export function tokenLimitError(message: string): GatewayError | undefined {
  const match = TOKEN_LIMIT.exec(message);
  if (!match) return undefined;
  return new GatewayError('QUERY_LIMIT', `The query is over a limit: it has more than ${match[1]} tokens. ${WHAT_TO_DO}`);
}
