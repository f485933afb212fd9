import { MapperKind, mapSchema } from '@graphql-tools/utils';
import {
  defaultFieldResolver,
  getNullableType,
  isInputObjectType,
  isListType,
  isScalarType,
  type GraphQLArgument,
  type GraphQLFieldResolver,
  type GraphQLInputType,
  type GraphQLSchema,
} from 'graphql';
import { audited } from '../disclosure/index.js';
import { GatewayError } from '../errors.js';
import type { GatewayContext } from '../resolvers/context.js';

/**
 * Every string argument, at any depth of an input object, has a longest length and a character
 * class, checked at the edge before any resolver runs: no NUL or other control character in a
 * name, postcode, identifier or reference; free text (reasons, justifications) is bounded and may
 * hold line breaks. The class comes from the argument's (or input field's) name; a name not in the
 * table gets the default (one line, `limits.input.maxLength` characters). A refusal is BAD_INPUT,
 * audited, and shows at most a short, escaped excerpt of what was sent.
 */

export interface ArgumentClass {
  description: string;
  max: number;
  allowed: RegExp;
  /** false: what the caller typed is never quoted back (nor into the audit reason): referral text, notes. */
  quote?: false;
}

/** Printable text on one line: no C0/C1 control characters, no line or paragraph separators. */
const ONE_LINE = /^[^\p{Cc}\u2028\u2029]*$/u;
/** Printable text that may hold line breaks and tabs. */
const MULTI_LINE = /^(?:[^\p{Cc}\u2028\u2029]|[\n\r\t])*$/u;

const NAME: ArgumentClass = { description: 'a name (no control characters)', max: 100, allowed: ONE_LINE };
const REFERENCE: ArgumentClass = { description: 'an identifier or reference (no control characters)', max: 200, allowed: ONE_LINE };
const KEYWORD: ArgumentClass = { description: 'a keyword (letters, digits, dot, colon, underscore, hyphen)', max: 64, allowed: /^[A-Za-z0-9._:-]*$/ };
/** Free text a user typed (reasons, notes, justifications) is never quoted back: the refusal is audited, and typed text never goes into an audit reason. */
const FREE_TEXT: ArgumentClass = { description: 'text (no control characters other than line breaks and tabs)', max: 2000, allowed: MULTI_LINE, quote: false };

export const ARGUMENT_CLASSES: Readonly<Record<string, ArgumentClass>> = {
  family: NAME,
  given: NAME,
  name: NAME,
  label: NAME,
  givenBy: { ...NAME, max: 200 },
  postcode: { description: 'a postcode (letters, digits and spaces)', max: 10, allowed: /^[A-Za-z0-9 ]*$/ },
  nhsNumber: { description: 'an NHS number (digits, spaces and hyphens)', max: 20, allowed: /^[0-9 -]*$/ },
  birthDate: { description: 'a date as YYYY-MM-DD', max: 10, allowed: /^[0-9-]*$/ },
  purpose: KEYWORD,
  category: KEYWORD,
  role: KEYWORD,
  agency: KEYWORD,
  kind: KEYWORD,
  legalBasis: { description: 'a URI of legislation (one line)', max: 300, allowed: ONE_LINE },
  id: REFERENCE,
  enquiryId: REFERENCE,
  subjectId: REFERENCE,
  personId: REFERENCE,
  actorId: REFERENCE,
  eventId: REFERENCE,
  referralReference: REFERENCE,
  after: REFERENCE,
  reason: FREE_TEXT,
  justification: FREE_TEXT,
  decision: FREE_TEXT,
  relevance: FREE_TEXT,
  scope: FREE_TEXT,
  // Referral intake and the triage queue: the referral text and handover notes are never quoted.
  referralText: { ...FREE_TEXT, max: 100_000 },
  note: FREE_TEXT,
  organisation: { ...NAME, max: 200 },
  referrerName: { ...NAME, max: 200 },
  referrerRole: { ...NAME, max: 200 },
  concernCategories: KEYWORD,
  team: KEYWORD,
  // The précis (gateway/workspace/precis): statements, analysis, headings and cited references.
  text: { ...FREE_TEXT, max: 4000, quote: false },
  analysis: { ...FREE_TEXT, max: 20_000, quote: false },
  // Headings and titles may name the child: never quoted either.
  heading: { ...NAME, max: 200, quote: false },
  title: { ...NAME, max: 200, quote: false },
  key: { ...KEYWORD, max: 120 },
  ref: REFERENCE,
  auditEventId: REFERENCE,
  fields: KEYWORD,
  // The MASH decision: the rationale, comments and actions are never quoted back (nor into the
  // audit reason).
  level: KEYWORD,
  decisionId: REFERENCE,
  rationale: { ...FREE_TEXT, max: 4000, quote: false },
  comment: { ...FREE_TEXT, quote: false },
  action: { ...FREE_TEXT, max: 500, quote: false },
  teamName: { ...NAME, max: 200 },
  agencyName: { ...NAME, max: 200 },
  due: { description: 'a date as YYYY-MM-DD', max: 10, allowed: /^[0-9-]*$/ },
  // The contact log: what was said is never quoted back (nor into the audit reason).
  contactName: { ...NAME, max: 200 },
  contactRole: { ...NAME, max: 200 },
  contactPhone: { description: 'a phone number (digits, spaces, +, ( ) and -)', max: 40, allowed: /^[0-9+() -]*$/ },
  contactEmail: { ...NAME, max: 200 },
  account: { ...FREE_TEXT, max: 8000, quote: false },
  corrects: REFERENCE,
};

export const defaultArgumentClass = (maxLength: number): ArgumentClass => ({ description: 'one line of text (no control characters)', max: maxLength, allowed: ONE_LINE });

/** A short, safe excerpt of untrusted input: the first characters, control characters escaped. */
export function excerpt(value: string, length = 20): string {
  const head = [...value.slice(0, length * 2)].slice(0, length).join('');
  const escaped = JSON.stringify(head).slice(1, -1);
  return `"${escaped}${value.length > head.length ? '…' : ''}"`;
}

/** The problem with one string value, or undefined. `path` names it for the caller (e.g. query.family). */
export function stringProblem(path: string, value: string, cls: ArgumentClass): string | undefined {
  const quoted = cls.quote === false ? '' : ` (starting ${excerpt(value)})`;
  if (value.length > cls.max) {
    return `${path} is too long: at most ${cls.max} characters, got ${value.length}${quoted}. Shorten it.`;
  }
  if (!cls.allowed.test(value)) {
    return `${path} must be ${cls.description}${cls.quote === false ? '' : `; got ${excerpt(value)}`}. Remove the characters that do not belong.`;
  }
  return undefined;
}

function problemIn(value: unknown, type: GraphQLInputType, path: string, name: string, defaultClass: ArgumentClass): string | undefined {
  if (value === null || value === undefined) return undefined;
  const bare = getNullableType(type);
  if (isListType(bare)) {
    if (!Array.isArray(value)) return problemIn(value, bare.ofType, path, name, defaultClass);
    for (const [index, item] of value.entries()) {
      const problem = problemIn(item, bare.ofType, `${path}[${index}]`, name, defaultClass);
      if (problem) return problem;
    }
    return undefined;
  }
  if (isInputObjectType(bare)) {
    const fields = bare.getFields();
    for (const [key, field] of Object.entries(fields)) {
      const problem = problemIn((value as Record<string, unknown>)[key], field.type, `${path}.${key}`, key, defaultClass);
      if (problem) return problem;
    }
    return undefined;
  }
  if (isScalarType(bare) && (bare.name === 'String' || bare.name === 'ID') && typeof value === 'string') {
    return stringProblem(path, value, ARGUMENT_CLASSES[name] ?? defaultClass);
  }
  return undefined;
}

/** The first problem in a field's arguments, or undefined. */
export function argumentProblem(args: Record<string, unknown>, definitions: readonly Pick<GraphQLArgument, 'name' | 'type'>[], defaultClass: ArgumentClass): string | undefined {
  for (const definition of definitions) {
    const problem = problemIn(args[definition.name], definition.type, definition.name, definition.name, defaultClass);
    if (problem) return problem;
  }
  return undefined;
}

/** The schema with every field that takes arguments checking them first (BAD_INPUT, audited). */
export function withArgumentChecks(schema: GraphQLSchema, options: { maxLength: number }): GraphQLSchema {
  const defaultClass = defaultArgumentClass(options.maxLength);
  return mapSchema(schema, {
    [MapperKind.OBJECT_FIELD]: (fieldConfig, fieldName) => {
      const definitions = Object.entries(fieldConfig.args ?? {}).map(([name, arg]) => ({ name, type: arg.type }));
      if (definitions.length === 0) return fieldConfig;
      const resolve: GraphQLFieldResolver<unknown, GatewayContext> = fieldConfig.resolve ?? defaultFieldResolver;
      return {
        ...fieldConfig,
        resolve: async (source, args: Record<string, unknown>, ctx: GatewayContext, info) => {
          const problem = argumentProblem(args, definitions, defaultClass);
          if (problem) {
            const refusal = new GatewayError('BAD_INPUT', problem, { details: { field: fieldName } });
            await audited(ctx.services, ctx, fieldName, { reason: problem }, () => Promise.reject(refusal));
          }
          return resolve(source, args, ctx, info);
        },
      };
    },
  });
}
