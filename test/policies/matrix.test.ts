import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileAbility, createAbilityCache, decide, explain, loadPolicyFile, type AccessContext } from '../../policies/index.js';

/**
 * POLICY-GUIDANCE.md, "The matrix (purpose x category)", typed in again here by hand so the YAML
 * is checked against the guidance rather than against itself.
 * D disclose, S summarise, W withhold, X deny, R review (R/S: review, summary meanwhile).
 */
const policy = loadPolicyFile();
const abilityFor = createAbilityCache(policy);

type Column = 'identity' | 'scStatus' | 'policeFlags' | 'policeDetail' | 'healthSummary' | 'healthClinical' | 'education' | 'housing' | 'sealed';
const COLUMN_OF: Record<string, Column> = {
  'health.identity': 'identity',
  'police.identity': 'identity',
  'education.identity': 'identity',
  'housing.identity': 'identity',
  'social-care.identity': 'identity',
  'social-care.status': 'scStatus',
  'police.flags': 'policeFlags',
  'police.detail': 'policeDetail',
  'health.summary': 'healthSummary',
  'health.clinical': 'healthClinical',
  'education.record': 'education',
  'housing.record': 'housing',
  'health.sexual-health': 'sealed',
  'health.gender-history': 'sealed',
  'social-care.adoption': 'sealed',
  'social-care.gender-history': 'sealed',
};
const LETTER = { D: 'disclose', S: 'summarise', W: 'withhold', X: 'deny', R: 'review' } as const;
type Letter = keyof typeof LETTER | 'R/S';

//                         identity scStatus pFlags pDetail hSummary hClinical education housing sealed
const MATRIX: [string, boolean, string, Letter[]][] = [
  ['early-help', true, 'mash-researcher', ['D', 'D', 'S', 'X', 'D', 'S', 'D', 'D', 'X']],
  ['early-help', false, 'mash-researcher', ['S', 'W', 'W', 'X', 'W', 'X', 'W', 'W', 'X']],
  ['s17', true, 'mash-researcher', ['D', 'D', 'S', 'R', 'D', 'S', 'D', 'D', 'X']],
  ['s47', false, 'mash-researcher', ['D', 'D', 'D', 'R/S', 'D', 'D', 'D', 'D', 'X']],
  ['operation-encompass', false, 'school-dsl', ['D', 'X', 'S', 'X', 'X', 'X', 'X', 'X', 'X']],
  ['marac', false, 'mash-researcher', ['D', 'D', 'D', 'S', 'S', 'S', 'S', 'D', 'X']],
  ['emergency', false, 'out-of-hours', ['D', 'D', 'D', 'S', 'D', 'S', 'S', 'S', 'X']],
];
const COLUMNS: Column[] = ['identity', 'scStatus', 'policeFlags', 'policeDetail', 'healthSummary', 'healthClinical', 'education', 'housing', 'sealed'];

const cases = MATRIX.flatMap(([purpose, consent, role, letters]) =>
  Object.entries(COLUMN_OF).map(([category, column]) => ({ purpose, consent, role, category, letter: letters[COLUMNS.indexOf(column)]! })),
);

const context = (overrides: Partial<AccessContext> = {}): AccessContext => ({
  roles: ['mash-researcher'],
  purpose: 's47',
  consent: false,
  relation: 'child',
  relevance: false,
  ...overrides,
});

describe('every cell of the matrix', () => {
  it('covers every category the policy defines', () => {
    expect(Object.keys(policy.document.categories).sort()).toEqual(Object.keys(COLUMN_OF).sort());
  });

  it.each(cases)('$purpose (consent $consent, $role): $category is $letter', ({ purpose, consent, role, category, letter }) => {
    const decided = decide(abilityFor(context({ roles: [role], purpose, consent })), category);
    const summary = policy.document.categories[category]!.summary;
    if (letter === 'R/S') {
      expect(decided.decision).toBe('review');
      expect(decided.fields).toEqual(summary);
    } else {
      expect(decided.decision).toBe(LETTER[letter]);
      if (letter === 'S' && !(purpose === 'operation-encompass')) expect(decided.fields).toEqual(summary);
      if (letter === 'W' || letter === 'X') expect(decided.fields).toEqual([]);
    }
    expect(decided.sources.length).toBeGreaterThan(0);
    expect(decided.ruleId).toMatch(new RegExp(`/${category.replace('.', '\\.')}$`));
  });
});

describe('cross-cutting rules', () => {
  it('Operation Encompass gives the school DSL the child’s name and date of birth only', () => {
    for (const agency of ['health', 'police', 'education', 'housing', 'social-care']) {
      const decided = decide(abilityFor(context({ roles: ['school-dsl'], purpose: 'operation-encompass' })), `${agency}.identity`);
      expect(decided.fields.sort()).toEqual(['birthDate', 'names']);
    }
  });

  it('Operation Encompass shares only the incident’s fixed fields: no narrative, outcome or status', () => {
    const decided = decide(abilityFor(context({ roles: ['school-dsl'], purpose: 'operation-encompass' })), 'police.flags');
    expect([...decided.fields].sort()).toEqual(['contactEmail', 'contactName', 'contactPhone', 'contactRole', 'location', 'start', 'title', 'type']);
    expect(decided.records).toEqual({ types: ['domestic-abuse-incident'], since: 'previous-school-day' });
  });

  it.each([
    ['s47', true, 'review'],
    ['marac', true, 'summarise'],
    ['s47', false, 'withhold'],
    ['marac', false, 'withhold'],
    ['s17', true, 'deny'],
    ['emergency', true, 'deny'],
    ['early-help', true, 'deny'],
  ] as const)('a household adult’s police detail under %s (relevance recorded: %s) is %s', (purpose, relevance, expected) => {
    const roles = purpose === 'emergency' ? ['out-of-hours'] : ['mash-researcher'];
    const decided = decide(abilityFor(context({ roles, purpose, consent: true, relation: 'adult', relevance })), 'police.detail');
    expect(decided.decision).toBe(expected);
    if (expected === 'withhold' || (expected === 'deny' && purpose !== 'early-help')) expect(decided.ruleId).toBe('household-adult-relevance/police.detail');
  });

  it('a household adult’s clinical information needs s47 or MARAC and recorded relevance', () => {
    expect(decide(abilityFor(context({ relation: 'adult', relevance: false })), 'health.clinical').decision).toBe('withhold');
    expect(decide(abilityFor(context({ relation: 'adult', relevance: true })), 'health.clinical').decision).toBe('disclose');
    // ...while the child's is disclosed under s47 without any relevance record.
    expect(decide(abilityFor(context({ relation: 'child' })), 'health.clinical').decision).toBe('disclose');
  });

  it('a household adult’s other categories follow the matrix', () => {
    expect(decide(abilityFor(context({ relation: 'adult' })), 'police.flags').decision).toBe('disclose');
  });

  it('offers the generic sealed marker for s47 only, and never for gender history', () => {
    expect(compileAbility(policy, context({ purpose: 's47' })).sealedMarker?.label).toMatch(/Restricted information may be held/);
    expect(compileAbility(policy, context({ purpose: 'marac' })).sealedMarker).toBeUndefined();
    expect(decide(abilityFor(context()), 'health.gender-history').neverHint).toBe(true);
    expect(decide(abilityFor(context()), 'social-care.adoption').neverHint).toBe(false);
  });

  it('explains a decision with its rule, sources, reason, fields and policy version', () => {
    const answer = explain(policy, { purpose: 's47', category: 'police.detail' });
    expect(answer).toMatchObject({ decision: 'review', rule: 's47/police.detail', policyVersion: policy.document.version });
    expect(answer.sources).toContain('ORIG');
    expect(answer.fieldsOnApproval).toContain('narrative');
    expect(answer.fields).not.toContain('narrative');
  });
});

describe('the daily domestic-abuse triage row', () => {
  const triage = (overrides: Partial<AccessContext> = {}) => abilityFor(context({ purpose: 'domestic-abuse-triage', ...overrides }));

  it('is a purpose for MASH researchers and managers that opens no enquiry', () => {
    const purpose = policy.document.purposes['domestic-abuse-triage']!;
    expect(purpose).toMatchObject({ legalBasis: 'https://www.legislation.gov.uk/ukpga/2004/31/section/11', consent: 'not-required', roles: ['mash-researcher', 'mash-manager'], enquiry: false });
    // Every other purpose opens enquiries (the default).
    expect(Object.entries(policy.document.purposes).filter(([, p]) => !p.enquiry).map(([id]) => id)).toEqual(['domestic-abuse-triage']);
  });

  it('discloses the police identity of the people at the incident: names, date of birth, gender, addresses, contact (no other agency’s identifiers)', () => {
    for (const relation of ['child', 'adult'] as const) {
      const decided = decide(triage({ relation }), 'police.identity');
      expect(decided.decision).toBe('disclose');
      expect([...decided.fields].sort()).toEqual(['addresses', 'birthDate', 'contact', 'gender', 'names']);
    }
  });

  it.each(['health', 'education', 'housing', 'social-care'])('summarises %s identity to whom to contact (minimum necessary)', (agency) => {
    const decided = decide(triage(), `${agency}.identity`);
    expect(decided.decision).toBe('summarise');
    expect(decided.fields).toEqual(['contact']);
    expect(decided.reason).toContain('(inferred)');
  });

  it('reads no records: every record category is denied or withheld, for children and adults', () => {
    const records = Object.keys(policy.document.categories).filter((c) => !c.endsWith('.identity'));
    for (const relation of ['child', 'adult'] as const) {
      for (const category of records) {
        const decided = decide(triage({ relation, relevance: true }), category);
        expect(['deny', 'withhold']).toContain(decided.decision);
        expect(decided.fields).toEqual([]);
      }
    }
  });

  it.each(['school-dsl', 'agency-reviewer', 'ig-officer', 'out-of-hours'])('gives %s nothing', (role) => {
    for (const category of Object.keys(policy.document.categories)) expect(decide(triage({ roles: [role] }), category).decision).toBe('deny');
  });
});

describe('properties', () => {
  const roles = Object.keys(policy.document.roles);
  const purposes = [...Object.keys(policy.document.purposes), 'made-up-purpose'];
  const categories = Object.keys(policy.document.categories);
  const contexts = fc.record({
    roles: fc.subarray(roles, { minLength: 0 }),
    purpose: fc.constantFrom(...purposes),
    consent: fc.boolean(),
    relation: fc.constantFrom('child' as const, 'adult' as const),
    relevance: fc.boolean(),
  });

  it('no context ever discloses, marks or reviews a sealed category', () => {
    const sealed = categories.filter((c) => policy.document.categories[c]!.sealed);
    fc.assert(
      fc.property(contexts, fc.constantFrom(...sealed), (ctx, category) => {
        const decided = decide(compileAbility(policy, ctx), category);
        return decided.decision === 'deny' && decided.fields.length === 0;
      }),
    );
  });

  it('summarise never yields a field outside the category’s summary (or its cell’s narrower list)', () => {
    fc.assert(
      fc.property(contexts, fc.constantFrom(...categories), (ctx, category) => {
        const decided = decide(compileAbility(policy, ctx), category);
        if (decided.decision !== 'summarise') return true;
        const allowed = new Set<string>([...policy.document.categories[category]!.summary, ...(ctx.purpose === 'operation-encompass' ? policy.document.categories[category]!.fields : [])]);
        return decided.fields.every((f) => allowed.has(f)) && !decided.fields.includes('narrative');
      }),
    );
  });

  it('an unknown category is always denied', () => {
    fc.assert(
      fc.property(contexts, fc.stringMatching(/^[a-z]{3,8}\.[a-z]{3,8}$/), (ctx, category) => {
        fc.pre(!categories.includes(category));
        const decided = decide(compileAbility(policy, ctx), category);
        return decided.decision === 'deny' && decided.fields.length === 0;
      }),
    );
  });

  it('a decision always carries sources, a rule id and the policy version', () => {
    fc.assert(
      fc.property(contexts, fc.constantFrom(...categories, 'unknown.category'), (ctx, category) => {
        const decided = decide(compileAbility(policy, ctx), category);
        return decided.sources.length > 0 && decided.ruleId.length > 0 && decided.policyVersion === policy.document.version;
      }),
    );
  });
});
