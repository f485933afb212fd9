import { createMongoAbility, type MongoAbility, type RawRuleOf } from '@casl/ability';
import { permittedFieldsOf } from '@casl/ability/extra';
import type { LoadedPolicy } from './load.js';
import type { Decision, PolicyDocument } from './schema.js';
import { NO_NON_SCHOOL_DAYS, type RecordScope, type SchoolCalendar } from './scope.js';

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
  /** For a household adult: the enquiry records why they are relevant to the child (WT23). */
  relevance: boolean;
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
  /** The generic marker sealed categories may produce for this purpose, if any. */
  readonly sealedMarker: PolicyDocument['crossCutting']['sealedMarker'] | undefined;
  /** Non-school days for record scopes that count school days. */
  readonly schoolCalendar: SchoolCalendar;
}

/** A raw CASL rule carrying the policy metadata that explains it. */
type PolicyRawRule = RawRuleOf<GateAbility> & {
  ruleId: string;
  decision: Decision;
  sources: string[];
  /** For `review`: the fields released once the owning agency approves. */
  approvedFields?: string[];
  /** Which of the category's records are in scope at all. */
  records?: RecordScope;
};

export interface CategoryDecision {
  category: string;
  /** The category's label in the policy, for markers and explanations. */
  label: string;
  /** Sealed (T4): its existence is itself sensitive; no marker may name it. */
  sealed: boolean;
  /** Not even a generic marker may follow (GRA04-22). */
  neverHint: boolean;
  /** For `review`: the fields released once the owning agency approves. */
  approvedFields: string[];
  decision: Decision;
  ruleId: string;
  sources: string[];
  reason: string;
  /** Fields that may be disclosed (empty unless disclose / summarise). */
  fields: string[];
  /** Which of the category's records are in scope; the others are denied without a marker. */
  records?: RecordScope;
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
  const adults = doc.crossCutting.householdAdults;
  for (const [categoryId, matrixCell] of Object.entries(row.cells)) {
    const category = doc.categories[categoryId];
    if (!category) continue;
    let cell = matrixCell;
    let ruleId = `${row.row}/${categoryId}`;
    // WT23: a household adult's sensitive categories only for the listed purposes, and only once
    // the enquiry records why the adult is relevant to the child.
    if (context.relation === 'adult' && adults.categories.includes(categoryId)) {
      const override = !adults.purposes.includes(context.purpose) ? adults.otherPurposes : !context.relevance ? adults.withoutRelevance : undefined;
      if (override !== undefined) {
        cell = { decision: override, sources: adults.sources, reason: adults.reason };
        ruleId = `${adults.id}/${categoryId}`;
      }
    }
    const meta = { ruleId, decision: cell.decision, sources: cell.sources, reason: cell.reason, ...('records' in cell && cell.records ? { records: cell.records } : {}) };
    const cellFields = cell.fields ?? category.fields;
    switch (cell.decision) {
      case 'disclose':
        rules.push({ action: 'disclose', subject: categoryId, fields: cellFields, ...meta });
        break;
      case 'summarise':
        rules.push({ action: 'disclose', subject: categoryId, fields: cell.fields ?? category.summary, ...meta });
        break;
      case 'withhold':
        rules.push({ action: 'mark', subject: categoryId, ...meta });
        rules.push({ action: 'disclose', subject: categoryId, inverted: true, ...meta });
        break;
      case 'review':
        rules.push({ action: 'review', subject: categoryId, approvedFields: cellFields, ...meta });
        if (cell.fallback === 'summarise') rules.push({ action: 'disclose', subject: categoryId, fields: category.summary, ...meta });
        else rules.push({ action: 'disclose', subject: categoryId, inverted: true, ...meta });
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
    const key = [[...context.roles].sort().join(','), context.purpose, context.consent, context.relation, context.relevance].join('|');
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
    sealedMarker: doc.crossCutting.sealedMarker.purposes.includes(context.purpose) ? doc.crossCutting.sealedMarker : undefined,
    schoolCalendar: doc.schoolCalendar ?? NO_NON_SCHOOL_DAYS,
  });
}

const scopeOf = (meta: PolicyRawRule): { records?: RecordScope } => (meta.records ? { records: meta.records } : {});

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
    neverHint: known?.neverHint === true,
    policyId: compiled.policyId,
    policyVersion: compiled.policyVersion,
    purpose: compiled.purpose,
    legalBasis: compiled.legalBasis,
    approvedFields: [] as string[],
  };
  const permitted = () =>
    permittedFieldsOf(ability, 'disclose', category, {
      fieldsFrom: (rule) => (Array.isArray(rule.fields) ? rule.fields : rule.fields ? [rule.fields] : []),
    });
  // Originator review first: what is disclosable meanwhile (its fallback) is decided by the
  // `disclose` rules, what is released on approval travels with the review rule.
  const review = ability.relevantRuleFor('review', category);
  if (review && !review.inverted) {
    const meta = review.origin as PolicyRawRule;
    const fallback = ability.relevantRuleFor('disclose', category);
    return {
      ...base,
      decision: 'review',
      ruleId: meta.ruleId,
      sources: meta.sources,
      reason: review.reason ?? meta.ruleId,
      fields: fallback && !fallback.inverted ? permitted() : [],
      approvedFields: meta.approvedFields ?? [],
      ...scopeOf(meta),
    };
  }
  const disclosing = ability.relevantRuleFor('disclose', category);
  if (disclosing && !disclosing.inverted) {
    const meta = disclosing.origin as PolicyRawRule;
    return { ...base, decision: meta.decision, ruleId: meta.ruleId, sources: meta.sources, reason: disclosing.reason ?? meta.ruleId, fields: permitted(), ...scopeOf(meta) };
  }
  const mark = ability.relevantRuleFor('mark', category);
  if (mark && !mark.inverted) {
    const meta = mark.origin as PolicyRawRule;
    return { ...base, decision: meta.decision, ruleId: meta.ruleId, sources: meta.sources, reason: mark.reason ?? meta.ruleId, fields: [], ...scopeOf(meta) };
  }
  if (disclosing) {
    const meta = disclosing.origin as PolicyRawRule;
    return { ...base, decision: 'deny', ruleId: meta.ruleId, sources: meta.sources, reason: disclosing.reason ?? meta.ruleId, fields: [] };
  }
  const fallback = compiled.roleAllowed ? DEFAULT_DENY : ROLE_NOT_PERMITTED;
  return { ...base, decision: 'deny', ruleId: fallback.ruleId, sources: [...fallback.sources], reason: fallback.reason, fields: [] };
}
