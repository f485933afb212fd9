import { createMongoAbility, type MongoAbility, type RawRuleOf } from '@casl/ability';
import { permittedFieldsOf } from '@casl/ability/extra';
import type { LoadedPolicy } from './load.js';
import type { Decision, PolicyDocument } from './schema.js';

/**
 * The CASL actions the policy compiles to:
 * - `disclose` a category's fields (field-limited for `summarise`);
 * - `mark`: say that information is held and whom to contact (withhold);
 * - `review`: hold it for the owning agency's approval (originator control).
 * A category with no rule is neither disclosed nor marked: default deny.
 */
export type GateAction = 'disclose' | 'mark' | 'review';
export type GateAbility = MongoAbility<[GateAction, string]>;

/** Who asks and why: everything a decision depends on. */
export interface AccessContext {
  roles: readonly string[];
  purpose: string;
  consent: boolean;
  relation: 'child' | 'adult';
}

export interface PolicyAbility {
  readonly ability: GateAbility;
  readonly policyId: string;
  readonly policyVersion: string;
  readonly purpose: string;
  readonly legalBasis: string | undefined;
  /** Whether the context's roles may act for the purpose at all. */
  readonly roleAllowed: boolean;
  readonly categories: PolicyDocument['categories'];
}

/** A raw CASL rule carrying the policy metadata that explains it. */
type PolicyRawRule = RawRuleOf<GateAbility> & {
  ruleId: string;
  decision: Decision;
  sources: string[];
};

export interface CategoryDecision {
  category: string;
  /** The category's label in the policy, for markers and explanations. */
  label: string;
  /** Sealed (T4): its existence is itself sensitive; no marker may name it. */
  sealed: boolean;
  decision: Decision;
  ruleId: string;
  sources: string[];
  reason: string;
  /** Fields that may be disclosed (empty unless disclose / summarise). */
  fields: string[];
  policyId: string;
  policyVersion: string;
  purpose: string;
  legalBasis: string | undefined;
}

/** CALD principle 3: what the policy does not name is not shared. */
export const DEFAULT_DENY = {
  ruleId: 'default-deny',
  sources: ['CALD'],
  reason: 'The policy does not permit this category for this purpose and role, so nothing is disclosed (default deny).',
} as const;

const ROLE_NOT_PERMITTED = {
  ruleId: 'role-not-permitted',
  sources: ['CALD'],
  reason: 'None of the actor’s roles may act for this purpose, so nothing is disclosed.',
} as const;

export function compileRules(policy: LoadedPolicy, context: AccessContext): PolicyRawRule[] {
  const doc = policy.document;
  const purpose = doc.purposes[context.purpose];
  if (!purpose || !purpose.roles.some((role) => context.roles.includes(role))) return [];
  const row = policy.rowFor(context.purpose, context.consent);
  if (!row) return [];

  const rules: PolicyRawRule[] = [];
  for (const [categoryId, cell] of Object.entries(row.cells)) {
    const category = doc.categories[categoryId];
    if (!category) continue;
    const meta = { ruleId: `${row.row}/${categoryId}`, decision: cell.decision, sources: cell.sources, reason: cell.reason };
    switch (cell.decision) {
      case 'disclose':
        rules.push({ action: 'disclose', subject: categoryId, fields: cell.fields ?? category.fields, ...meta });
        break;
      case 'summarise':
        rules.push({ action: 'disclose', subject: categoryId, fields: cell.fields ?? category.summary, ...meta });
        break;
      case 'withhold':
        rules.push({ action: 'mark', subject: categoryId, ...meta });
        rules.push({ action: 'disclose', subject: categoryId, inverted: true, ...meta });
        break;
      case 'review':
        rules.push({ action: 'review', subject: categoryId, ...meta });
        rules.push({ action: 'disclose', subject: categoryId, inverted: true, ...meta });
        break;
      case 'deny':
        rules.push({ action: 'disclose', subject: categoryId, inverted: true, ...meta });
        break;
    }
  }
  return rules;
}

/**
 * Abilities are pure functions of (policy, context), so they are compiled once per
 * role set x purpose x consent x relation and reused.
 */
export function createAbilityCache(policy: LoadedPolicy): (context: AccessContext) => PolicyAbility {
  const cache = new Map<string, PolicyAbility>();
  return (context) => {
    const key = [[...context.roles].sort().join(','), context.purpose, context.consent, context.relation].join('|');
    let compiled = cache.get(key);
    if (!compiled) {
      compiled = compileAbility(policy, context);
      cache.set(key, compiled);
    }
    return compiled;
  };
}

export function compileAbility(policy: LoadedPolicy, context: AccessContext): PolicyAbility {
  const doc = policy.document;
  const purpose = doc.purposes[context.purpose];
  return Object.freeze({
    ability: createMongoAbility<GateAbility>(compileRules(policy, context)),
    policyId: doc.id,
    policyVersion: doc.version,
    purpose: context.purpose,
    legalBasis: purpose?.legalBasis,
    roleAllowed: purpose !== undefined && purpose.roles.some((role) => context.roles.includes(role)),
    categories: doc.categories,
  });
}

/**
 * The decision for one category. Pure and synchronous: CASL answers whether the category may be
 * disclosed (and which fields), marked, or held for review; the rule it used explains why.
 */
export function decide(compiled: PolicyAbility, category: string): CategoryDecision {
  const { ability } = compiled;
  const known = compiled.categories[category];
  const base = {
    category,
    label: known?.label ?? category,
    sealed: known?.sealed === true || known?.tier === 'T4',
    policyId: compiled.policyId,
    policyVersion: compiled.policyVersion,
    purpose: compiled.purpose,
    legalBasis: compiled.legalBasis,
  };
  const disclosing = ability.relevantRuleFor('disclose', category);
  if (disclosing && !disclosing.inverted) {
    const meta = disclosing.origin as PolicyRawRule;
    const fields = permittedFieldsOf(ability, 'disclose', category, {
      fieldsFrom: (rule) => (Array.isArray(rule.fields) ? rule.fields : rule.fields ? [rule.fields] : []),
    });
    return { ...base, decision: meta.decision, ruleId: meta.ruleId, sources: meta.sources, reason: disclosing.reason ?? meta.ruleId, fields };
  }
  for (const action of ['review', 'mark'] as const) {
    const rule = ability.relevantRuleFor(action, category);
    if (rule && !rule.inverted) {
      const meta = rule.origin as PolicyRawRule;
      return { ...base, decision: meta.decision, ruleId: meta.ruleId, sources: meta.sources, reason: rule.reason ?? meta.ruleId, fields: [] };
    }
  }
  if (disclosing) {
    const meta = disclosing.origin as PolicyRawRule;
    return { ...base, decision: 'deny', ruleId: meta.ruleId, sources: meta.sources, reason: disclosing.reason ?? meta.ruleId, fields: [] };
  }
  const fallback = compiled.roleAllowed ? DEFAULT_DENY : ROLE_NOT_PERMITTED;
  return { ...base, decision: 'deny', ruleId: fallback.ruleId, sources: [...fallback.sources], reason: fallback.reason, fields: [] };
}
