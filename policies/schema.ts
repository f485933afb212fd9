import { z } from 'zod';
import { PERSON_FIELDS, RECORD_FIELDS, TIERS } from '../connectors/sdk/index.js';
import { SCOPE_SINCE } from './scope.js';

/** The five decisions of POLICY-GUIDANCE.md. */
export const DECISIONS = ['disclose', 'summarise', 'withhold', 'deny', 'review'] as const;
export type Decision = (typeof DECISIONS)[number];

const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be an ISO date (YYYY-MM-DD)');
const fieldName = z.enum([...RECORD_FIELDS, ...PERSON_FIELDS]);

const cellSchema = z
  .object({
    decision: z.enum(DECISIONS),
    sources: z.array(z.string()).min(1, 'a rule must cite at least one source'),
    reason: z.string().min(1),
    /** Narrows the disclosed fields for this cell (e.g. Operation Encompass: name and date of birth). */
    fields: z.array(fieldName).optional(),
    /** For `review`: what the researcher sees until the owning agency decides (default: only a marker). */
    fallback: z.enum(['summarise', 'withhold']).optional(),
    /**
     * Narrows which records of the category are in scope at all (e.g. Operation Encompass: police
     * domestic-abuse incidents since the start of the previous school day). Records out of scope
     * are denied: not disclosed, not marked.
     */
    records: z
      .object({
        types: z.array(z.string().min(1, 'a record type must not be empty')).min(1, 'list at least one record type, or leave types out').optional(),
        since: z.enum(SCOPE_SINCE, { error: `since must be one of: ${SCOPE_SINCE.join(', ')}` }).optional(),
      })
      .strict()
      .optional(),
  })
  .strict();

const sourcesList = z.array(z.string()).min(1, 'a rule must cite at least one source');

const crossCuttingSchema = z
  .object({
    householdAdults: z
      .object({
        id: z.string().min(1),
        categories: z.array(z.string()).min(1),
        purposes: z.array(z.string()),
        withoutRelevance: z.enum(['withhold', 'deny']),
        otherPurposes: z.enum(['withhold', 'deny']),
        sources: sourcesList,
        reason: z.string().min(1),
      })
      .strict(),
    sealedMarker: z
      .object({
        id: z.string().min(1),
        purposes: z.array(z.string()),
        label: z.string().min(1),
        reason: z.string().min(1),
        contact: z.object({ name: z.string().min(1), organisation: z.string().optional(), phone: z.string().optional(), email: z.string().optional() }).strict(),
        sources: sourcesList,
      })
      .strict(),
    breakGlass: z
      .object({
        id: z.string().min(1),
        purpose: z.string(),
        roles: z.array(z.string()).min(1),
        justificationMinLength: z.number().int().min(1),
        sources: sourcesList,
      })
      .strict(),
    purposeChange: z.object({ id: z.string().min(1), roles: z.array(z.string()).min(1), sources: sourcesList }).strict(),
    originatorReview: z.object({ id: z.string().min(1), roles: z.array(z.string()).min(1), sources: sourcesList }).strict(),
    /** ENC: an actor with one of these roles reads only a child on the roll of the school in their token. */
    schoolRoll: z
      .object({
        id: z.string().min(1),
        roles: z.array(z.string()).min(1),
        sources: sourcesList,
        reason: z.string().min(1),
      })
      .strict()
      .optional(),
  })
  .strict();

export const policyDocumentSchema = z
  .object({
    id: z.string().min(1),
    version: z.string().regex(/^\d+\.\d+\.\d+$/, 'must be a semantic version such as 1.2.0'),
    title: z.string().min(1),
    owner: z.string().min(1),
    effective: z.object({ from: isoDate, to: isoDate.optional() }).strict(),
    sources: z.record(z.string(), z.string().min(1)),
    roles: z.record(z.string(), z.string()),
    purposes: z.record(
      z.string(),
      z
        .object({
          label: z.string().min(1),
          legalBasis: z.url(),
          consent: z.enum(['required', 'optional', 'not-required']),
          roles: z.array(z.string()).min(1),
          /**
           * Whether an enquiry may be opened for the purpose (default true). False for a purpose
           * that is not an enquiry's, e.g. the daily domestic-abuse triage: it decides what happens
           * next, and an enquiry it opens has a purpose of its own.
           */
          enquiry: z.boolean({ error: 'enquiry must be true or false' }).default(true),
        })
        .strict(),
    ),
    categories: z.record(
      z.string().regex(/^[a-z-]+\.[a-z-]+$/, 'a category id is <agency>.<name>'),
      z
        .object({
          agency: z.string().min(1),
          tier: z.enum(TIERS),
          sealed: z.boolean().optional(),
          /** GRA04-22: not even a generic marker may follow from this category. */
          neverHint: z.boolean().optional(),
          label: z.string().min(1),
          fields: z.array(fieldName).min(1),
          summary: z.array(fieldName),
        })
        .strict(),
    ),
    crossCutting: crossCuttingSchema,
    /** Days schools do not open besides weekends (bank holidays), for `since: previous-school-day`. */
    schoolCalendar: z.object({ nonSchoolDays: z.array(isoDate) }).strict().optional(),
    matrix: z.array(
      z
        .object({
          row: z.string().min(1),
          purpose: z.string(),
          consent: z.boolean().optional(),
          cells: z.record(z.string(), cellSchema),
        })
        .strict(),
    ),
  })
  .strict();

export type PolicyDocument = z.infer<typeof policyDocumentSchema>;
export type PolicyCell = z.infer<typeof cellSchema>;
export type PolicyCategory = PolicyDocument['categories'][string];
export type PolicyPurpose = PolicyDocument['purposes'][string];
export type CrossCutting = PolicyDocument['crossCutting'];
export type PolicyRecordScope = NonNullable<PolicyCell['records']>;
