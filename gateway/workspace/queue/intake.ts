import { badInput } from '../../errors.js';
import { concernCategory, CONCERN_CATEGORIES } from './concern-categories.js';
import { defaultQueueSettings, type QueueSettings } from './config.js';
import { planDeadline, type DeadlinePlan, type RagLevel } from './deadline.js';

/**
 * Referral intake: what `openEnquiry` records about the referral itself (when the MASH received
 * it, who referred, the concern categories, the referral text) and the deadline that follows
 * from it. Pure validation: every problem is a BAD_INPUT naming the field, before anything is
 * written. Every new field is optional, so a caller that sends none gets receivedAt = now, no
 * categories, no referral record, and the RAG's deadline.
 */

export const REFERRAL_SOURCE_KINDS = ['agency', 'professional', 'public', 'anonymous'] as const;
export type ReferralSourceKind = (typeof REFERRAL_SOURCE_KINDS)[number];

export interface ReferralSourceInput {
  /** AGENCY, PROFESSIONAL, PUBLIC or ANONYMOUS (GraphQL enum) or the lower-case id. */
  kind: string;
  organisation?: string | null;
  referrerName?: string | null;
  referrerRole?: string | null;
}

export interface ReferralIntakeInput {
  rag: RagLevel;
  receivedAt?: string | null;
  deadline?: string | null;
  source?: ReferralSourceInput | null;
  concernCategories?: readonly string[] | null;
  referralText?: string | null;
}

export interface ReferralSource {
  kind: ReferralSourceKind;
  organisation: string | null;
  referrerName: string | null;
  referrerRole: string | null;
}

/** What is kept apart from the enquiry and read only through the audited Enquiry.referral. */
export interface ReferralRecord {
  source: ReferralSource | null;
  text: string | null;
}

export interface ReferralIntake extends DeadlinePlan {
  receivedAt: Date;
  concernCategories: string[];
  /** Null when the caller sent neither a source nor a text. */
  referral: ReferralRecord | null;
}

/** Clock skew tolerated on receivedAt: a referral logged on another machine a moment ago. */
const SKEW_MS = 5 * 60_000;

function optionalText(field: string, value: string | null | undefined, max: number): string | null {
  if (value === null || value === undefined) return null;
  const trimmed = value.trim();
  if (trimmed === '') throw badInput(`${field} must not be empty; leave it out instead.`, { field });
  if (trimmed.length > max) throw badInput(`${field} must be at most ${max} characters (got ${trimmed.length}).`, { field });
  return trimmed;
}

function instant(field: string, value: string): Date {
  const at = new Date(value);
  if (!/^\d{4}-\d{2}-\d{2}T/.test(value) || Number.isNaN(at.getTime())) {
    throw badInput(`${field} must be an ISO 8601 date-time such as 2026-11-26T17:00:00Z (got "${value.slice(0, 40)}").`, { field });
  }
  return at;
}

function sourceOf(input: ReferralSourceInput): ReferralSource {
  const kind = input.kind.toLowerCase() as ReferralSourceKind;
  if (!REFERRAL_SOURCE_KINDS.includes(kind)) throw badInput(`source.kind must be AGENCY, PROFESSIONAL, PUBLIC or ANONYMOUS (got "${input.kind.slice(0, 40)}").`, { field: 'source.kind' });
  const organisation = optionalText('source.organisation', input.organisation, 200);
  const referrerName = optionalText('source.referrerName', input.referrerName, 200);
  const referrerRole = optionalText('source.referrerRole', input.referrerRole, 200);
  if (kind === 'anonymous') {
    // An anonymous referrer's identity is not recorded at all, not even partly.
    if (organisation ?? referrerName ?? referrerRole) {
      throw badInput('An anonymous referral records no referrer: leave out source.organisation, source.referrerName and source.referrerRole.', { field: 'source' });
    }
    return { kind, organisation: null, referrerName: null, referrerRole: null };
  }
  if ((kind === 'agency' || kind === 'professional') && organisation === null) {
    throw badInput(`A referral from ${kind === 'agency' ? 'an agency' : 'a professional'} names the agency or organisation (source.organisation).`, { field: 'source.organisation' });
  }
  if (referrerName === null) throw badInput('Name the referrer (source.referrerName), or record the referral as ANONYMOUS.', { field: 'source.referrerName' });
  return { kind, organisation, referrerName, referrerRole };
}

/** Known ids, each once, in the order given; an unknown id is BAD_INPUT naming it. */
function categoriesOf(ids: readonly string[]): string[] {
  const out: string[] = [];
  for (const id of ids) {
    const key = id.trim().toLowerCase();
    if (!concernCategory(key)) {
      throw badInput(`Unknown concern category "${id.slice(0, 60)}": use one of ${CONCERN_CATEGORIES.map((c) => c.id).join(', ')}.`, { field: 'concernCategories' });
    }
    if (!out.includes(key)) out.push(key);
  }
  return out;
}

export function createReferralIntake(settings: QueueSettings = defaultQueueSettings()) {
  return {
    settings,
    /** Validates the referral and plans the deadline; `manager` says whether the opener is a MASH manager. */
    plan(input: ReferralIntakeInput, opener: { manager: boolean }, now: Date): ReferralIntake {
      let receivedAt = now;
      if (input.receivedAt !== null && input.receivedAt !== undefined) {
        receivedAt = instant('receivedAt', input.receivedAt);
        if (receivedAt.getTime() > now.getTime() + SKEW_MS) throw badInput(`receivedAt ${receivedAt.toISOString()} is in the future; give when the MASH received the referral.`, { field: 'receivedAt' });
        if (receivedAt.getTime() > now.getTime()) receivedAt = now;
        if (now.getTime() - receivedAt.getTime() > settings.referralMaxAgeMs) {
          throw badInput(`receivedAt ${receivedAt.toISOString()} is more than ${Math.round(settings.referralMaxAgeMs / 86_400_000)} days ago; check the date (queue.referral.maxAgeDays).`, { field: 'receivedAt' });
        }
      }
      const concernCategories = categoriesOf(input.concernCategories ?? []);
      const source = input.source ? sourceOf(input.source) : null;
      const text = optionalText('referralText', input.referralText, settings.referralTextMaxLength);
      const requested = input.deadline === null || input.deadline === undefined ? undefined : instant('deadline', input.deadline);
      const deadline = planDeadline({ rag: input.rag, receivedAt, requested, manager: opener.manager, now }, settings);
      return { receivedAt, concernCategories, referral: source === null && text === null ? null : { source, text }, ...deadline };
    },
  };
}

export type ReferralIntakeService = ReturnType<typeof createReferralIntake>;
