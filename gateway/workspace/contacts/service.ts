import type { AgencyContact } from '../../../connectors/sdk/index.js';
import type { PolicyAbility } from '../../../policies/index.js';
import type { Actor } from '../../auth/index.js';
import {
  audited,
  auditDecisions,
  auditEnquiry,
  auditSubject,
  discloseRecords,
  isDisclosed,
  type AccessServices,
  type AgencyAnswer,
  type AgencyDisclosure,
  type DisclosedRecord,
  type Disclosure,
  type RequestScope,
} from '../../disclosure/index.js';
import { requireOnRoll, schoolOf } from '../../disclosure/school-roll.js';
import type { Enquiry, EnquirySubject } from '../../enquiries/index.js';
import { GatewayError, badInput } from '../../errors.js';
import { boundedText } from '../decision/text.js';
import { contactRecord, contactReference } from './records.js';
import { CONTACT_CHANNELS, OTHER_AGENCY, type ContactChannel, type ContactLogEntry, type ContactLogRepository } from './repository.js';

export const MAX_ACCOUNT = 8000;
export const MAX_CONTACT_PART = 200;
/** A subject's contact log is read whole, through the gate, on every read: it stays bounded. */
export const MAX_ENTRIES_PER_SUBJECT = 500;
/** How far back a contact may be dated: older is almost certainly a typing slip. */
export const MAX_AGE_YEARS = 20;
/** Clock skew allowed between the caller and the gateway for "not in the future". */
const FUTURE_SKEW_MS = 5 * 60 * 1000;

export interface LogContactInput {
  subjectId: string;
  /** A connected agency, or `other` (then `organisation` is required). */
  agency: string;
  organisation?: string | null;
  /** The policy category the information belongs to, e.g. `health.clinical`. */
  category: string;
  channel: string;
  occurredAt: string;
  contactName: string;
  contactRole: string;
  contactPhone?: string | null;
  contactEmail?: string | null;
  /** What was said. */
  account: string;
  /** The entry this one corrects (same enquiry and subject, and visible to the caller). */
  corrects?: string | null;
}

/** One entry the gate let through to the reader: its record is gate output, nothing else is agency-derived. */
export interface DisclosedContactEntry {
  id: string;
  /** `contact:<id>`: how the chronology, indicators and précis cite it. */
  reference: string;
  subjectId: string;
  /** The gate's output (decision disclose or summarise, permitted fields only). */
  record: DisclosedRecord;
  recordedAt: string;
  recordedBy: { id: string; issuer: string; name: string | null };
  /** The entry this one corrects, only when the reader may see that entry too. */
  corrects: string | null;
  /** Later entries correcting this one, only those the reader may see. */
  correctedBy: string[];
}

/** A subject's contact log as the gate decided it for one reader. */
export interface ContactLogDisclosure {
  subject: EnquirySubject;
  /** The gate's output per agency (entries of organisations outside the agencies under `other`). */
  disclosure: Disclosure<AgencyDisclosure>;
  /** The disclosed entries in the order they happened. */
  entries: DisclosedContactEntry[];
}

export interface ContactLogAnswer {
  enquiry: Enquiry;
  subjects: ContactLogDisclosure[];
  auditEventId: string;
}

/** The review-state lookup discloseRecords takes (originator approval per agency and category). */
type ReviewLookup = NonNullable<Parameters<typeof discloseRecords>[2]>;

/** Whom a withheld marker of the contact log points to, for an organisation outside the agencies. */
const OTHER_CONTACT: AgencyContact = { name: 'The MASH team holding the enquiry (contact log)', organisation: 'MASH' };

/**
 * The contact log: information received outside the agencies' systems, recorded into an enquiry
 * about one of its subjects, and read back only through the one gate as a record of the category
 * it belongs to. Entries are append-only; a correction is a new entry naming the one it corrects.
 */
export function createContactLogService(services: AccessServices, repository: ContactLogRepository) {
  const { policy } = services;

  /**
   * The ability for one subject, as the one access path makes it (gateway/disclosure/access.ts):
   * the reader's roles, the enquiry's purpose and consent, the subject's relation and relevance;
   * outside the policy's effective dates nothing is shared.
   */
  function abilityFor(actor: Actor, enquiry: Enquiry, subject: EnquirySubject): PolicyAbility {
    const { effective, id, version } = policy.document;
    const today = services.now().toISOString().slice(0, 10);
    if (today < effective.from || (effective.to !== undefined && today > effective.to)) {
      throw new GatewayError('FORBIDDEN', `Policy ${id} ${version} is not in effect on ${today}: no information can be shared until a current policy is loaded.`);
    }
    return services.abilities({ roles: actor.roles, purpose: enquiry.purpose, consent: enquiry.consentRecorded, relation: subject.relation, relevance: subject.relevance !== null });
  }

  const contactOf = (agency: string): AgencyContact => services.federation.manifests().find((m) => m.agency === agency)?.contact ?? OTHER_CONTACT;

  /**
   * A subject's entries through the gate, for a reader whose ability the caller made. Not audited:
   * the caller's own AccessEvent must carry `auditDecisions(result.disclosure)` and be committed
   * before anything is returned (the chronology merges entries this way as source `contact`).
   * A `review` decision with no request yet asks the owning agency's reviewer (ORIG), as for its
   * records; an organisation outside the agencies has no reviewer, so its entries stay at the
   * cell's fallback (a summary or nothing, with the marker).
   */
  async function discloseFor(
    enquiry: Enquiry,
    subject: EnquirySubject,
    compiled: PolicyAbility,
    reviews: ReviewLookup,
    options: { requestedBy?: Actor } = {},
  ): Promise<ContactLogDisclosure> {
    const stored = await repository.list(enquiry.id, subject.id);
    const byAgency = new Map<string, ContactLogEntry[]>();
    for (const entry of stored) byAgency.set(entry.agency, [...(byAgency.get(entry.agency) ?? []), entry]);
    const answers: AgencyAnswer[] = [...byAgency].map(([agency, entries]) => ({
      agency,
      status: 'answered',
      records: entries.map((entry) => contactRecord(entry, policy)),
      contact: contactOf(agency),
    }));
    const disclosure = discloseRecords(compiled, answers, reviews, services.now());
    if (options.requestedBy) {
      for (const decision of disclosure.decisions) {
        if (decision.decision === 'review' && decision.agency !== OTHER_AGENCY && reviews(decision.agency, decision.category) === undefined) {
          await services.reviews.ensurePending(
            { enquiryId: enquiry.id, subjectId: subject.id, agency: decision.agency, category: decision.category, purpose: enquiry.purpose, requestedBy: options.requestedBy },
            services.now(),
          );
        }
      }
    }
    const disclosed = new Map<string, DisclosedRecord>();
    for (const agency of disclosure.agencies) for (const record of agency.records) if (isDisclosed(record)) disclosed.set(record.provenance.recordId, record);
    const entries = stored
      .filter((entry) => disclosed.has(entry.id))
      .map((entry): DisclosedContactEntry => ({
        id: entry.id,
        reference: contactReference(entry.id),
        subjectId: subject.id,
        record: disclosed.get(entry.id)!,
        recordedAt: entry.recordedAt,
        recordedBy: { id: entry.recordedBy.id, issuer: entry.recordedBy.issuer, name: entry.recordedBy.name },
        // A link to an entry the reader may not see would say that it exists: left out.
        corrects: entry.corrects !== null && disclosed.has(entry.corrects) ? entry.corrects : null,
        correctedBy: stored.filter((later) => later.corrects === entry.id && disclosed.has(later.id)).map((later) => later.id),
      }));
    return { subject, disclosure, entries };
  }

  /** The input checked: BAD_INPUT naming the field, the text itself never echoed. */
  function validate(input: LogContactInput, now: Date): Omit<ContactLogEntry, 'id' | 'enquiryId' | 'subjectId' | 'recordedAt' | 'recordedBy' | 'corrects'> {
    const agencies = services.federation.agencies();
    const agency = String(input.agency ?? '').trim();
    if (agency !== OTHER_AGENCY && !agencies.includes(agency)) {
      throw badInput(`agency must be one of the connected agencies (${agencies.join(', ')}) or "${OTHER_AGENCY}" with the organisation's name.`, { field: 'agency' });
    }
    const organisation = boundedText('organisation', input.organisation, MAX_CONTACT_PART, { optional: true }) ?? null;
    if (agency === OTHER_AGENCY && organisation === null) throw badInput(`For agency "${OTHER_AGENCY}" name the organisation (organisation), e.g. "Oak Tree Counselling".`, { field: 'organisation' });
    const categoryId = String(input.category ?? '').trim();
    const category = policy.document.categories[categoryId];
    // A connected agency's information belongs to one of that agency's categories. For another
    // organisation it belongs to the category of the kind of information it is (what a GP's
    // receptionist says about a CAMHS referral is health.clinical whoever passes it on), so the
    // same rules protect it.
    if (!category || (agency !== OTHER_AGENCY && category.agency !== agency)) {
      const known = Object.entries(policy.document.categories)
        .filter(([id, c]) => (agency === OTHER_AGENCY || c.agency === agency) && !id.endsWith('.identity') && c.tier !== 'T4' && c.sealed !== true)
        .map(([id]) => id);
      throw badInput(`category must be a category of ${agency === OTHER_AGENCY ? 'the policy' : agency} in the policy: one of ${known.join(', ')}.`, { field: 'category' });
    }
    if (categoryId.endsWith('.identity')) throw badInput('category: identity categories hold who a person is, not what was said; choose the category of the information.', { field: 'category' });
    // Sealed information (T4) is never disclosed to anyone: the contact log does not hold it.
    if (category.tier === 'T4' || category.sealed === true) {
      throw badInput(`category ${categoryId} is sealed: it cannot be recorded in the contact log. Contact the information governance lead.`, { field: 'category' });
    }
    const channel = String(input.channel ?? '').toLowerCase();
    if (!(CONTACT_CHANNELS as readonly string[]).includes(channel)) throw badInput(`channel must be one of ${CONTACT_CHANNELS.join(', ')}.`, { field: 'channel' });
    const occurred = Date.parse(String(input.occurredAt ?? ''));
    if (!/^\d{4}-\d{2}-\d{2}T/.test(String(input.occurredAt ?? '')) || Number.isNaN(occurred)) throw badInput('occurredAt must be an ISO 8601 date-time such as 2026-11-26T09:30:00Z.', { field: 'occurredAt' });
    if (occurred > now.getTime() + FUTURE_SKEW_MS) throw badInput('occurredAt is in the future: give when the contact took place.', { field: 'occurredAt' });
    const earliest = new Date(now);
    earliest.setUTCFullYear(earliest.getUTCFullYear() - MAX_AGE_YEARS);
    if (occurred < earliest.getTime()) throw badInput(`occurredAt is more than ${MAX_AGE_YEARS} years ago.`, { field: 'occurredAt' });
    const contactEmail = boundedText('contactEmail', input.contactEmail, MAX_CONTACT_PART, { optional: true }) ?? null;
    if (contactEmail !== null && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(contactEmail)) throw badInput('contactEmail is not an email address.', { field: 'contactEmail' });
    const contactPhone = boundedText('contactPhone', input.contactPhone, 40, { optional: true }) ?? null;
    if (contactPhone !== null && !/^[0-9+() -]{3,40}$/.test(contactPhone)) throw badInput('contactPhone may hold only digits, spaces, +, ( ) and -.', { field: 'contactPhone' });
    return {
      agency,
      organisation,
      category: categoryId,
      channel: channel as ContactChannel,
      occurredAt: new Date(occurred).toISOString(),
      contactName: boundedText('contactName', input.contactName, MAX_CONTACT_PART),
      contactRole: boundedText('contactRole', input.contactRole, MAX_CONTACT_PART),
      contactPhone,
      contactEmail,
      account: boundedText('account', input.account, MAX_ACCOUNT),
    };
  }

  return {
    discloseFor,
    abilityFor,

    /**
     * Appends an entry about a subject of an open enquiry the caller is a member of. A correction
     * names an entry the caller can read (same enquiry and subject); any other id is NOT_FOUND,
     * whether or not it exists, so correcting cannot probe for entries the caller may not see.
     */
    async log(actor: Actor, enquiryId: string, input: LogContactInput, now: Date): Promise<{ enquiry: Enquiry; subject: EnquirySubject; entry: ContactLogEntry }> {
      const enquiry = await services.enquiries.authoriseSearch(actor, enquiryId, now);
      const subject = enquiry.subjects.find((s) => s.id === input.subjectId);
      if (!subject) throw new GatewayError('FORBIDDEN_SUBJECT_NOT_LINKED', `Subject ${String(input.subjectId).slice(0, 100)} is not part of enquiry ${enquiryId}.`, { details: { enquiryId } });
      const valid = validate(input, now);
      let corrects: string | null = null;
      if (input.corrects !== null && input.corrects !== undefined && input.corrects !== '') {
        const wanted = String(input.corrects).slice(0, 100);
        const states = await services.reviews.statesFor(enquiry.id, subject.id);
        const visible = await discloseFor(enquiry, subject, abilityFor(actor, enquiry, subject), (agency, category) => states.get(`${agency}|${category}`));
        if (!visible.entries.some((e) => e.id === wanted)) {
          throw new GatewayError('NOT_FOUND', `No contact-log entry ${wanted} that you can read exists for this subject of enquiry ${enquiryId}; a correction names an entry of the same subject.`, {
            details: { enquiryId, field: 'corrects' },
          });
        }
        corrects = wanted;
      }
      if ((await repository.count(enquiry.id, subject.id)) >= MAX_ENTRIES_PER_SUBJECT) {
        throw new GatewayError('CONFLICT', `The contact log of subject ${subject.id} holds its maximum of ${MAX_ENTRIES_PER_SUBJECT} entries; contact the MASH manager.`, { details: { enquiryId } });
      }
      const entry = await repository.append(enquiry.id, subject.id, { ...valid, corrects }, { issuer: actor.issuer, id: actor.id, name: actor.name }, now);
      if (!entry) throw new GatewayError('FORBIDDEN_ENQUIRY_CLOSED', `Enquiry ${enquiryId} was closed; nothing more can be logged in it.`, { details: { enquiryId } });
      return { enquiry, subject, entry };
    },

    /**
     * The contact log of one subject, or of every subject of the enquiry, for a member of an open
     * enquiry: through the gate with the reader's role, the purpose, consent and each subject's
     * relation and relevance, and audited like `profile` (committed before the answer leaves).
     */
    async read(scope: RequestScope, enquiryId: string, subjectId: string | null | undefined): Promise<ContactLogAnswer> {
      const { value, eventId } = await audited(
        services,
        scope,
        'contactLog',
        { enquiry: { id: enquiryId }, ...(subjectId ? { subjects: [{ subjectId: String(subjectId).slice(0, 100), links: [] }] } : {}) },
        async () => {
          const enquiry = await services.enquiries.authoriseSearch(scope.actor, enquiryId, services.now());
          const rollRule = policy.document.crossCutting.schoolRoll;
          const school = schoolOf(rollRule, scope.actor);
          let subjects: EnquirySubject[];
          if (subjectId) {
            const subject = enquiry.subjects.find((s) => s.id === subjectId);
            if (!subject) throw new GatewayError('FORBIDDEN_SUBJECT_NOT_LINKED', `Subject ${String(subjectId).slice(0, 100)} is not part of enquiry ${enquiryId}.`, { details: { enquiryId } });
            subjects = [subject];
          } else {
            // ENC: a school DSL reads only about a child on the school's roll, one child at a time.
            if (school !== undefined) throw badInput('A school-bound reader names the child (subjectId): the contact log is read one pupil at a time.', { field: 'subjectId' });
            subjects = enquiry.subjects;
          }
          if (school !== undefined && rollRule) await requireOnRoll(scope.federation, subjects[0]!.links, school, rollRule);
          const read: ContactLogDisclosure[] = [];
          for (const subject of subjects) {
            const states = await services.reviews.statesFor(enquiry.id, subject.id);
            read.push(await discloseFor(enquiry, subject, abilityFor(scope.actor, enquiry, subject), (agency, category) => states.get(`${agency}|${category}`), { requestedBy: scope.actor }));
          }
          const shown = read.reduce((sum, s) => sum + s.entries.length, 0);
          return {
            value: { enquiry, subjects: read },
            event: {
              outcome: 'success',
              reason: `${shown} contact-log ${shown === 1 ? 'entry' : 'entries'} shown`,
              enquiry: auditEnquiry(enquiry),
              subjects: subjects.map(auditSubject),
              policy: { id: policy.document.id, version: policy.document.version },
              decisions: read.flatMap((s) => auditDecisions(s.disclosure)),
              ...(enquiry.breakGlassJustification !== null ? { breakGlass: true } : {}),
            },
          };
        },
      );
      return { ...value, auditEventId: eventId };
    },
  };
}

export type ContactLogService = ReturnType<typeof createContactLogService>;
