import type { DocumentNode, GraphQLSchema } from 'graphql';
import { getComplexity, type ComplexityEstimator } from 'graphql-query-complexity';
import type { PersonQuery } from '../../connectors/sdk/index.js';
import { searchPasses } from '../identity/search-passes.js';
import { HOUSEHOLD_CALLS_PER_AGENCY } from '../workspace/household/limits.js';

/**
 * What one request costs, in points: roughly the agency calls and audit-log scans it causes.
 * A request above `limits.cost.max` is refused before any agency is called (COST_LIMIT), and the
 * points count against the caller's per-actor budget (limits.rate.actor).
 *
 *   searchPeople           agencies x search passes (each pass is one person search at every agency)
 *   profile                agencies (one batched record fetch per agency)
 *   chronology, riskIndicators, precis  agencies (one batched fetch per agency for every subject)
 *   exportPrecis           10 (renders a document: up to about a second of CPU for the largest précis)
 *   agencies               agencies (a health probe each)
 *   accessLog              one point per 25 events asked for (`first`)
 *   auditAnomalies         20 (a scan of the whole window)
 *   whoAccessed, accessNotifications  10 (a scan of the log)
 *   whoAccessedByIdentifier  agencies + 10 (an identifier lookup at every agency, then a scan)
 *   exportSubjectAccessReport  agencies + 20 (the same report, rendered as a PDF)
 *   auditVerification      20 (re-hashes the whole log)
 *   anomalyReviews         5
 *   enquiryQueue           one point per 25 entries asked for (`first`), plus one per entry when
 *                          each entry's referral is asked for (each is its own audited read)
 *   household              agencies x 5 (householdOf, the child's identity, up to 3 address searches at each)
 *   conflicts              agencies (one identity read per agency)
 *   domesticAbuseTriage    25 (every child of the day's list searched for at every agency, a few at
 *                          a time, at most 150 children; the list's size is not known in advance)
 *   encompassNotificationHistory  5 (a scan of a school's or a child's notifications, at most 1000)
 *   any other root field   1; fields below the root cost nothing of their own
 */
export const SCAN_COST = { auditAnomalies: 20, whoAccessed: 10, accessNotifications: 10, exportPrecis: 10, auditVerification: 20, anomalyReviews: 5, domesticAbuseTriage: 25, encompassNotificationHistory: 5 } as const;
export const PAGE_SIZE_PER_POINT = 25;

type SearchArgs = { query?: { nhsNumber?: string | null; family?: string | null; given?: string | null; birthDate?: string | null; postcode?: string | null } };

/** The passes a search will send to each agency (at least one, whatever the input). */
export function searchPassCount(args: SearchArgs): number {
  const input = args.query ?? {};
  const query: PersonQuery = {};
  if (input.family) query.family = input.family;
  if (input.given) query.given = input.given;
  if (input.birthDate) query.birthDate = input.birthDate;
  if (input.postcode) query.postalCode = input.postcode;
  if (input.nhsNumber) query.identifiers = [{ system: 'nhs', value: input.nhsNumber }];
  return Math.max(1, searchPasses(query).length);
}

export function costEstimator(agencyCount: () => number): ComplexityEstimator {
  return ({ type, field, args, childComplexity }) => {
    const root = type.name === 'Query' || type.name === 'Mutation' || type.name === 'Subscription';
    // A queue entry's referral is a store read and an audit event of its own.
    if (type.name === 'QueueEntry' && field.name === 'referral') return 1;
    if (!root) return childComplexity;
    const agencies = Math.max(1, agencyCount());
    switch (field.name) {
      case 'searchPeople':
        return agencies * searchPassCount(args as SearchArgs) + childComplexity;
      case 'household':
        return agencies * HOUSEHOLD_CALLS_PER_AGENCY + childComplexity;
      case 'profile':
      case 'chronology':
      case 'precis':
      case 'riskIndicators':
      case 'conflicts':
      case 'agencies':
        return agencies + childComplexity;
      case 'whoAccessedByIdentifier':
        return agencies + SCAN_COST.whoAccessed + childComplexity;
      case 'exportSubjectAccessReport':
        return agencies + SCAN_COST.whoAccessed + SCAN_COST.exportPrecis + childComplexity;
      case 'accessLog': {
        const first = typeof args.first === 'number' && args.first > 0 ? args.first : 50;
        return Math.ceil(first / PAGE_SIZE_PER_POINT) + childComplexity;
      }
      case 'enquiryQueue': {
        const first = typeof args.first === 'number' && args.first > 0 ? args.first : 50;
        return Math.ceil(first / PAGE_SIZE_PER_POINT) + first * childComplexity;
      }
      default:
        return (SCAN_COST[field.name as keyof typeof SCAN_COST] ?? 1) + childComplexity;
    }
  };
}

/** The cost of the operation named (or the only one) in the document, with its variables. */
export function requestCost(schema: GraphQLSchema, document: DocumentNode, variables: Record<string, unknown> | undefined, operationName: string | undefined, agencyCount: () => number): number {
  return getComplexity({
    schema,
    query: document,
    ...(variables ? { variables } : {}),
    ...(operationName ? { operationName } : {}),
    estimators: [costEstimator(agencyCount)],
  });
}
