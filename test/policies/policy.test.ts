import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { DEFAULT_POLICY_PATH, createAbilityCache, decide, loadPolicyFile, loadPolicyText, PolicyError } from '../../policies/index.js';

const policy = loadPolicyFile();
const abilityFor = createAbilityCache(policy);
const researcher = (purpose: string, consent = false) => abilityFor({ roles: ['mash-researcher'], purpose, consent, relation: 'child', relevance: false });

function mutated(change: (doc: any) => void): string {
  const doc = parse(readFileSync(DEFAULT_POLICY_PATH, 'utf8'));
  change(doc);
  return stringify(doc);
}

function problemsOf(text: string): string[] {
  try {
    loadPolicyText(text, 'test.yaml');
  } catch (error) {
    expect(error).toBeInstanceOf(PolicyError);
    return (error as PolicyError).problems;
  }
  throw new Error('policy loaded but should have been refused');
}

describe('policy document', () => {
  it('loads the shipped policy with an id, version and effective dates', () => {
    expect(policy.document.id).toBe('mash-disclosure-policy');
    expect(policy.document.version).toMatch(/^\d+\.\d+\.\d+$/);
    expect(policy.document.effective.from).toMatch(/^\d{4}-\d{2}-\d{2}$/);
  });

  it('refuses a matrix row for an unknown purpose, naming it', () => {
    const problems = problemsOf(mutated((doc) => (doc.matrix[0].purpose = 'gossip')));
    expect(problems.join()).toContain('unknown purpose "gossip"');
  });

  it('refuses a matrix with a missing cell, naming the category', () => {
    const problems = problemsOf(mutated((doc) => delete doc.matrix[3].cells['health.clinical']));
    expect(problems.join()).toContain('matrix cell missing for category "health.clinical"');
  });

  it('refuses a rule that cites no source', () => {
    const problems = problemsOf(mutated((doc) => (doc.matrix[3].cells['health.summary'].sources = [])));
    expect(problems.join()).toContain('a rule must cite at least one source');
  });

  it('refuses a rule citing a source the policy does not define', () => {
    const problems = problemsOf(mutated((doc) => (doc.matrix[3].cells['health.summary'].sources = ['HUNCH'])));
    expect(problems.join()).toContain('unknown source "HUNCH"');
  });

  it('refuses an unknown field in a category', () => {
    const problems = problemsOf(mutated((doc) => doc.categories['health.summary'].fields.push('shoeSize')));
    expect(problems.join()).toMatch(/categories\.health\.summary\.fields/);
  });

  it('refuses a sealed category with any decision but deny', () => {
    const problems = problemsOf(mutated((doc) => (doc.matrix[3].cells['health.sexual-health'].decision = 'withhold')));
    expect(problems.join()).toContain('a sealed category can only be denied');
  });

  it('a purpose opens enquiries unless it says enquiry: false; anything but a boolean is refused', () => {
    expect(loadPolicyText(mutated((doc) => delete doc.purposes.s47.enquiry)).document.purposes.s47!.enquiry).toBe(true);
    expect(policy.document.purposes['domestic-abuse-triage']!.enquiry).toBe(false);
    expect(problemsOf(mutated((doc) => (doc.purposes.s47.enquiry = 'no'))).join()).toContain('purposes.s47.enquiry: enquiry must be true or false');
  });

  it('refuses a break-glass purpose that opens no enquiry', () => {
    const problems = problemsOf(mutated((doc) => (doc.purposes.emergency.enquiry = false)));
    expect(problems.join()).toContain('crossCutting.breakGlass.purpose: "emergency" opens no enquiry');
  });

  it('refuses text that is not YAML with a clear message', () => {
    expect(problemsOf('id: [unclosed').join()).toContain('is not valid YAML');
  });
});

describe('decisions for the health categories', () => {
  // POLICY-GUIDANCE.md matrix, health columns (identity, health.summary, health.clinical, sealed).
  const table: [purpose: string, consent: boolean, category: string, decision: string][] = [
    ['s47', false, 'health.identity', 'disclose'],
    ['s47', false, 'health.summary', 'disclose'],
    ['s47', false, 'health.clinical', 'disclose'],
    ['s47', false, 'health.sexual-health', 'deny'],
    ['early-help', true, 'health.identity', 'disclose'],
    ['early-help', true, 'health.summary', 'disclose'],
    ['early-help', true, 'health.clinical', 'summarise'],
    ['early-help', true, 'health.sexual-health', 'deny'],
    ['early-help', false, 'health.identity', 'summarise'],
    ['early-help', false, 'health.summary', 'withhold'],
    ['early-help', false, 'health.clinical', 'deny'],
    ['early-help', false, 'health.sexual-health', 'deny'],
    ['s17', true, 'health.summary', 'disclose'],
    ['s17', true, 'health.clinical', 'summarise'],
    ['marac', false, 'health.summary', 'summarise'],
    ['emergency', false, 'health.clinical', 'summarise'],
  ];

  it.each(table)('%s (consent %s): %s is %s', (purpose, consent, category, decision) => {
    const roles = purpose === 'emergency' ? ['out-of-hours'] : ['mash-researcher'];
    const result = decide(abilityFor({ roles, purpose, consent, relation: 'child', relevance: false }), category);
    expect(result.decision).toBe(decision);
    expect(result.sources.length).toBeGreaterThan(0);
    expect(result.policyVersion).toBe(policy.document.version);
    expect(result.reason.length).toBeGreaterThan(10);
  });

  it('summarise yields only the category summary fields: no narrative or location', () => {
    const result = decide(researcher('early-help', true), 'health.clinical');
    expect(result.fields).not.toContain('narrative');
    expect(result.fields).not.toContain('location');
    expect(result.fields).toEqual(policy.document.categories['health.clinical']!.summary);
  });

  it('Operation Encompass discloses only the name and date of birth of identity', () => {
    const result = decide(abilityFor({ roles: ['school-dsl'], purpose: 'operation-encompass', consent: false, relation: 'child', relevance: false }), 'health.identity');
    expect(result.fields.sort()).toEqual(['birthDate', 'names']);
  });

  it('denies a category the policy does not name (default deny)', () => {
    const result = decide(researcher('s47'), 'probation.detail');
    expect(result).toMatchObject({ decision: 'deny', ruleId: 'default-deny', fields: [] });
  });

  it('denies everything to a role the purpose does not name', () => {
    const result = decide(abilityFor({ roles: ['school-dsl'], purpose: 's47', consent: false, relation: 'child', relevance: false }), 'health.summary');
    expect(result).toMatchObject({ decision: 'deny', ruleId: 'role-not-permitted' });
  });

  it('denies everything for a purpose the policy does not define', () => {
    expect(decide(researcher('curiosity'), 'health.identity').decision).toBe('deny');
  });

  it('each decision names the rule that made it', () => {
    expect(decide(researcher('s47'), 'health.clinical').ruleId).toBe('s47/health.clinical');
  });
});
