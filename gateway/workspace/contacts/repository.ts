import { randomUUID } from 'node:crypto';
import type { ActorRef } from '../../enquiries/index.js';
import type { Queryable, Store } from '../../store/index.js';

/** Persistence of the contact log: insert and read, nothing else (the table refuses UPDATE and DELETE). */

export const CONTACT_CHANNELS = ['phone', 'email', 'meeting', 'letter', 'other'] as const;
export type ContactChannel = (typeof CONTACT_CHANNELS)[number];

/** The agency value of information from an organisation that is not a connected agency. */
export const OTHER_AGENCY = 'other';

/** One stored entry. Free text (what was said) lives here and only reaches a reader through the gate. */
export interface ContactLogEntry {
  id: string;
  enquiryId: string;
  subjectId: string;
  agency: string;
  organisation: string | null;
  category: string;
  channel: ContactChannel;
  occurredAt: string;
  contactName: string;
  contactRole: string;
  contactPhone: string | null;
  contactEmail: string | null;
  account: string;
  corrects: string | null;
  recordedAt: string;
  recordedBy: ActorRef & { name: string | null };
}

export type NewContactLogEntry = Omit<ContactLogEntry, 'id' | 'enquiryId' | 'subjectId' | 'recordedAt' | 'recordedBy'>;

type Row = Record<string, unknown>;
const iso = (value: unknown): string => (value instanceof Date ? value : new Date(String(value))).toISOString();
const textOrNull = (value: unknown): string | null => (value === null || value === undefined ? null : String(value));

const fromRow = (row: Row): ContactLogEntry => ({
  id: String(row.id),
  enquiryId: String(row.enquiry_id),
  subjectId: String(row.subject_id),
  agency: String(row.agency),
  organisation: textOrNull(row.organisation),
  category: String(row.category),
  channel: String(row.channel) as ContactChannel,
  occurredAt: iso(row.occurred_at),
  contactName: String(row.contact_name),
  contactRole: String(row.contact_role),
  contactPhone: textOrNull(row.contact_phone),
  contactEmail: textOrNull(row.contact_email),
  account: String(row.account),
  corrects: textOrNull(row.corrects),
  recordedAt: iso(row.recorded_at),
  recordedBy: { issuer: String(row.recorded_by_issuer), id: String(row.recorded_by), name: textOrNull(row.recorded_by_name) },
});

export function createContactLogRepository(store: Store) {
  const list = async (db: Queryable, enquiryId: string, subjectId: string): Promise<ContactLogEntry[]> => {
    const { rows } = await db.query<Row>('SELECT * FROM contact_log_entry WHERE enquiry_id = $1 AND subject_id = $2 ORDER BY occurred_at, recorded_at, id', [enquiryId, subjectId]);
    return rows.map(fromRow);
  };
  return {
    /** A subject's entries in the enquiry, in the order they happened. */
    list: (enquiryId: string, subjectId: string) => list(store, enquiryId, subjectId),

    async count(enquiryId: string, subjectId: string): Promise<number> {
      const { rows } = await store.query<{ n: number }>('SELECT count(*)::int AS n FROM contact_log_entry WHERE enquiry_id = $1 AND subject_id = $2', [enquiryId, subjectId]);
      return Number(rows[0]?.n ?? 0);
    },

    /**
     * Appends an entry, unless the enquiry closed meanwhile (checked in the same statement): null
     * then. A correction names an entry of the same enquiry and subject.
     */
    async append(enquiryId: string, subjectId: string, entry: NewContactLogEntry, by: ActorRef & { name: string | null }, now: Date): Promise<ContactLogEntry | null> {
      const id = randomUUID();
      const { rows } = await store.query<Row>(
        `INSERT INTO contact_log_entry (id, enquiry_id, subject_id, agency, organisation, category, channel, occurred_at, contact_name, contact_role, contact_phone, contact_email, account, corrects, recorded_at, recorded_by, recorded_by_issuer, recorded_by_name)
         SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18
         WHERE EXISTS (SELECT 1 FROM enquiry WHERE id = $2 AND closed_at IS NULL)
           AND ($14::text IS NULL OR EXISTS (SELECT 1 FROM contact_log_entry c WHERE c.id = $14 AND c.enquiry_id = $2 AND c.subject_id = $3))
         RETURNING *`,
        [
          id,
          enquiryId,
          subjectId,
          entry.agency,
          entry.organisation,
          entry.category,
          entry.channel,
          entry.occurredAt,
          entry.contactName,
          entry.contactRole,
          entry.contactPhone,
          entry.contactEmail,
          entry.account,
          entry.corrects,
          now.toISOString(),
          by.id,
          by.issuer,
          by.name,
        ],
      );
      return rows[0] ? fromRow(rows[0]) : null;
    },
  };
}

export type ContactLogRepository = ReturnType<typeof createContactLogRepository>;
