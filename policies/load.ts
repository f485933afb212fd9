import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { PERSON_FIELDS } from '../connectors/sdk/index.js';
import { policyDocumentSchema, type PolicyDocument } from './schema.js';

/** The policy shipped with the gateway. */
export const DEFAULT_POLICY_PATH = fileURLToPath(new URL('./mash-disclosure-policy.yaml', import.meta.url));

/** A policy that cannot be used: each problem names where it is and what is wrong. */
export class PolicyError extends Error {
  readonly problems: string[];

  constructor(origin: string, problems: string[]) {
    super(`Policy ${origin} is invalid: ${problems.join('; ')}`);
    this.name = 'PolicyError';
    this.problems = problems;
  }
}

export interface LoadedPolicy {
  readonly document: PolicyDocument;
  /** Rows by purpose: the row for a given consent state, or the purpose's only row. */
  rowFor(purpose: string, consent: boolean): PolicyDocument['matrix'][number] | undefined;
}

export function loadPolicyFile(path: string = DEFAULT_POLICY_PATH): LoadedPolicy {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new PolicyError(path, [`cannot be read (${(error as NodeJS.ErrnoException).code ?? 'unknown error'})`]);
  }
  return loadPolicyText(text, path);
}

export function loadPolicyText(text: string, origin = '<text>'): LoadedPolicy {
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (error) {
    throw new PolicyError(origin, [`is not valid YAML: ${(error as Error).message.split('\n')[0]}`]);
  }
  const parsed = policyDocumentSchema.safeParse(raw);
  if (!parsed.success) {
    throw new PolicyError(
      origin,
      parsed.error.issues.map((issue) => `${issue.path.join('.') || '(document)'}: ${issue.message}`),
    );
  }
  const document = parsed.data;
  const problems = semanticProblems(document);
  if (problems.length > 0) throw new PolicyError(origin, problems);
  return {
    document,
    rowFor(purpose, consent) {
      const rows = document.matrix.filter((row) => row.purpose === purpose);
      return rows.find((row) => row.consent === consent) ?? rows.find((row) => row.consent === undefined);
    },
  };
}

/** Checks the references between sections: what zod's shape checks cannot see. */
function semanticProblems(doc: PolicyDocument): string[] {
  const problems: string[] = [];
  const categories = Object.keys(doc.categories);
  const personFields = new Set<string>(PERSON_FIELDS);

  for (const [id, category] of Object.entries(doc.categories)) {
    const isIdentity = id.endsWith('.identity');
    if (!id.startsWith(`${category.agency}.`)) problems.push(`categories.${id}: id must start with its agency "${category.agency}."`);
    for (const field of [...category.fields, ...category.summary]) {
      if (personFields.has(field) !== isIdentity) {
        problems.push(`categories.${id}: unknown field "${field}" for a ${isIdentity ? 'person identity' : 'record'} category`);
      }
    }
    for (const field of category.summary) {
      if (!category.fields.includes(field)) problems.push(`categories.${id}.summary: "${field}" is not one of the category's fields`);
    }
    if (category.sealed && category.tier !== 'T4') problems.push(`categories.${id}: only tier T4 may be sealed`);
  }

  for (const [id, purpose] of Object.entries(doc.purposes)) {
    for (const role of purpose.roles) {
      if (!(role in doc.roles)) problems.push(`purposes.${id}.roles: unknown role "${role}"`);
    }
  }

  const seenRows = new Set<string>();
  for (const [index, row] of doc.matrix.entries()) {
    const where = `matrix[${index}] (${row.row})`;
    if (seenRows.has(row.row)) problems.push(`${where}: duplicate row id`);
    seenRows.add(row.row);
    const purpose = doc.purposes[row.purpose];
    if (!purpose) {
      problems.push(`${where}: unknown purpose "${row.purpose}"`);
      continue;
    }
    if (purpose.consent === 'optional' && row.consent === undefined) {
      problems.push(`${where}: purpose "${row.purpose}" distinguishes consent, so the row must say consent: true or false`);
    }
    for (const category of categories) {
      if (!(category in row.cells)) problems.push(`${where}: matrix cell missing for category "${category}"`);
    }
    for (const [categoryId, cell] of Object.entries(row.cells)) {
      const category = doc.categories[categoryId];
      if (!category) {
        problems.push(`${where}.cells: unknown category "${categoryId}"`);
        continue;
      }
      for (const source of cell.sources) {
        if (!(source in doc.sources)) problems.push(`${where}.cells.${categoryId}: unknown source "${source}"`);
      }
      for (const field of cell.fields ?? []) {
        if (!category.fields.includes(field)) problems.push(`${where}.cells.${categoryId}.fields: "${field}" is not a field of the category`);
      }
      if (cell.records !== undefined) {
        const scoped = `${where}.cells.${categoryId}.records`;
        if (categoryId.endsWith('.identity')) problems.push(`${scoped}: an identity category has no records to scope; remove records`);
        if (cell.records.types === undefined && cell.records.since === undefined) problems.push(`${scoped}: name types, since, or both (an empty scope narrows nothing)`);
        if (cell.decision === 'deny') problems.push(`${scoped}: a denied category discloses nothing, so a record scope has no effect; remove records or change the decision`);
        if (cell.fields === undefined) problems.push(`${scoped}: a scoped cell must list its fields (the fixed field set it discloses)`);
      }
      if (cell.fallback !== undefined && cell.decision !== 'review') {
        problems.push(`${where}.cells.${categoryId}: fallback is only for review decisions`);
      }
      // Sealed tiers: the existence itself is sensitive, so no marker may name them.
      if (category.sealed && cell.decision !== 'deny') {
        problems.push(`${where}.cells.${categoryId}: a sealed category can only be denied (GRA04-22, VD74, AAR05)`);
      }
    }
  }
  const cc = doc.crossCutting;
  const checkSources = (where: string, sources: string[]) => {
    for (const source of sources) if (!(source in doc.sources)) problems.push(`${where}: unknown source "${source}"`);
  };
  const checkPurposes = (where: string, purposes: string[]) => {
    for (const purpose of purposes) if (!(purpose in doc.purposes)) problems.push(`${where}: unknown purpose "${purpose}"`);
  };
  const checkRoles = (where: string, roles: string[]) => {
    for (const role of roles) if (!(role in doc.roles)) problems.push(`${where}: unknown role "${role}"`);
  };
  for (const category of cc.householdAdults.categories) {
    if (!(category in doc.categories)) problems.push(`crossCutting.householdAdults.categories: unknown category "${category}"`);
  }
  checkPurposes('crossCutting.householdAdults.purposes', cc.householdAdults.purposes);
  checkPurposes('crossCutting.sealedMarker.purposes', cc.sealedMarker.purposes);
  checkPurposes('crossCutting.breakGlass.purpose', [cc.breakGlass.purpose]);
  if (doc.purposes[cc.breakGlass.purpose]?.enquiry === false) problems.push(`crossCutting.breakGlass.purpose: "${cc.breakGlass.purpose}" opens no enquiry (enquiry: false), but break-glass is an enquiry opened out of hours`);
  checkRoles('crossCutting.breakGlass.roles', cc.breakGlass.roles);
  checkRoles('crossCutting.purposeChange.roles', cc.purposeChange.roles);
  checkRoles('crossCutting.originatorReview.roles', cc.originatorReview.roles);
  if (cc.schoolRoll) checkRoles('crossCutting.schoolRoll.roles', cc.schoolRoll.roles);
  for (const [key, rule] of Object.entries(cc)) if (rule) checkSources(`crossCutting.${key}.sources`, rule.sources);
  for (const [id, category] of Object.entries(doc.categories)) {
    if (category.neverHint && !category.sealed) problems.push(`categories.${id}: neverHint applies only to a sealed category`);
  }

  for (const [id, purpose] of Object.entries(doc.purposes)) {
    const rows = doc.matrix.filter((row) => row.purpose === id);
    if (rows.length === 0) problems.push(`purposes.${id}: no matrix row`);
    if (purpose.consent === 'optional') {
      for (const consent of [true, false]) {
        if (!rows.some((row) => row.consent === consent)) problems.push(`purposes.${id}: no matrix row for consent: ${consent}`);
      }
    }
  }
  return problems;
}
