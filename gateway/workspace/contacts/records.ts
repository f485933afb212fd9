import type { RecordField, SourceRecord, Tier } from '../../../connectors/sdk/index.js';
import type { LoadedPolicy } from '../../../policies/index.js';
import { OTHER_AGENCY, type ContactChannel, type ContactLogEntry } from './repository.js';

/**
 * A contact-log entry as a canonical record, so the one gate decides who may read it exactly as
 * it decides an agency record of the same category: disclose, summarise (summary fields only:
 * when, how, who; never what was said), withhold (a marker), deny (absent) or review.
 */

/** The provenance system of every contact-log entry; its record id is the entry id. */
export const CONTACT_LOG_SYSTEM = 'mash-contact-log';

/** The shared entry reference of a contact-log entry (the chronology, indicators and précis cite it). */
export const contactReference = (id: string): string => `contact:${id}`;

export const CHANNEL_LABELS: Readonly<Record<ContactChannel, string>> = {
  phone: 'Phone call',
  email: 'Email',
  meeting: 'Meeting',
  letter: 'Letter',
  other: 'Contact',
};

/** The record `type` of an entry (`contact-phone`, ...): a summary field, so channel shows with a summary. */
export const contactType = (channel: ContactChannel): string => `contact-${channel}`;
export const channelOfType = (type: string | undefined): ContactChannel | undefined => {
  const channel = type?.startsWith('contact-') ? type.slice('contact-'.length) : undefined;
  return channel !== undefined && channel in CHANNEL_LABELS ? (channel as ContactChannel) : undefined;
};

/**
 * The category's tier, read from the policy at the time of reading: a category the policy no
 * longer names is treated as sealed (T4), so the gate denies it (default deny, fail closed).
 */
export function tierOf(policy: LoadedPolicy, category: string): Tier {
  return (policy.document.categories[category]?.tier as Tier | undefined) ?? 'T4';
}

export function contactRecord(entry: ContactLogEntry, policy: LoadedPolicy): SourceRecord {
  const fields: Partial<Record<RecordField, string>> = {
    type: contactType(entry.channel),
    // A fixed label, never typed text: the title shows with a summary.
    title: `${CHANNEL_LABELS[entry.channel]} (${entry.agency === OTHER_AGENCY ? 'other organisation' : entry.agency})`,
    start: entry.occurredAt,
    narrative: entry.account,
    contactName: entry.contactName,
    contactRole: entry.contactRole,
  };
  if (entry.organisation !== null) fields.service = entry.organisation;
  if (entry.contactPhone !== null) fields.contactPhone = entry.contactPhone;
  if (entry.contactEmail !== null) fields.contactEmail = entry.contactEmail;
  return {
    kind: 'event',
    agency: entry.agency,
    category: entry.category,
    tier: tierOf(policy, entry.category),
    personId: entry.subjectId,
    provenance: { system: CONTACT_LOG_SYSTEM, recordId: entry.id, asOf: entry.recordedAt },
    fields,
  };
}
