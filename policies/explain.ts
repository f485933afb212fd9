import { compileAbility, decide } from './compile.js';
import type { LoadedPolicy } from './load.js';
import type { Decision } from './schema.js';
import { describeScope, scopeStart, type ScopeSince } from './scope.js';

export interface ExplainQuestion {
  purpose: string;
  category: string;
  consent?: boolean;
  subject?: 'child' | 'adult';
  relevance?: boolean;
  role?: string;
  /** When given, a record scope's start is worked out for this moment. */
  now?: Date;
}

export interface Explanation {
  decision: Decision;
  rule: string;
  sources: string[];
  reason: string;
  fields: string[];
  /** For `review`: what approval by the owning agency would release. */
  fieldsOnApproval?: string[];
  /** The cell's record scope: which of the category's records are disclosed at all. */
  records?: {
    types?: string[];
    since?: ScopeSince;
    /** The scope's start at the question's `now`, ISO 8601. */
    from?: string;
    description: string;
  };
  policyId: string;
  policyVersion: string;
}

/** A question the policy cannot answer because it names something the policy does not know. */
export class ExplainError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ExplainError';
  }
}

/**
 * "Why": the decision for one (role, purpose, consent, subject, category), with the rule that made
 * it, its sources and the fields it releases. Pure: the same question always gets the same answer.
 */
export function explain(policy: LoadedPolicy, question: ExplainQuestion): Explanation {
  const doc = policy.document;
  if (!(question.purpose in doc.purposes)) {
    throw new ExplainError(`Unknown purpose "${question.purpose}": the policy defines ${Object.keys(doc.purposes).join(', ')}.`);
  }
  if (!(question.category in doc.categories)) {
    throw new ExplainError(`Unknown category "${question.category}": the policy defines ${Object.keys(doc.categories).join(', ')}.`);
  }
  const role = question.role ?? 'mash-researcher';
  if (!(role in doc.roles)) throw new ExplainError(`Unknown role "${role}": the policy defines ${Object.keys(doc.roles).join(', ')}.`);
  const compiled = compileAbility(policy, {
    roles: [role],
    purpose: question.purpose,
    consent: question.consent ?? false,
    relation: question.subject ?? 'child',
    relevance: question.relevance ?? false,
  });
  const decided = decide(compiled, question.category);
  const scope = decided.records;
  const from = scope && question.now ? scopeStart(scope, question.now, compiled.schoolCalendar) : undefined;
  return {
    decision: decided.decision,
    rule: decided.ruleId,
    sources: decided.sources,
    reason: decided.reason,
    fields: decided.fields,
    ...(decided.decision === 'review' ? { fieldsOnApproval: decided.approvedFields } : {}),
    ...(scope
      ? {
          records: {
            ...(scope.types ? { types: [...scope.types] } : {}),
            ...(scope.since ? { since: scope.since } : {}),
            ...(from ? { from: from.toISOString() } : {}),
            description: describeScope(scope, from),
          },
        }
      : {}),
    policyId: decided.policyId,
    policyVersion: decided.policyVersion,
  };
}
