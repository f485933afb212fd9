import type { ActorRef } from '../../enquiries/index.js';
import type { Store } from '../../store/index.js';
import type { PrecisContent, SectionChange } from './content.js';

export interface PrecisVersionInfo {
  enquiryId: string;
  version: number;
  contentSha256: string;
  changes: SectionChange[];
  savedAt: string;
  savedBy: string;
  savedByIssuer: string;
  savedByName: string | null;
}

export interface StoredPrecisVersion extends PrecisVersionInfo {
  content: PrecisContent;
}

export interface PrecisRepository {
  /** The newest version number (0: none saved yet). */
  latest(enquiryId: string): Promise<number>;
  /**
   * Stores version baseVersion + 1 if, and only if, baseVersion is still the newest: true when
   * stored, false when another save got there first (nothing is written then).
   */
  save(
    enquiryId: string,
    baseVersion: number,
    version: { content: PrecisContent; contentSha256: string; changes: SectionChange[]; by: ActorRef & { name: string | null } },
    now: Date,
  ): Promise<boolean>;
  list(enquiryId: string): Promise<PrecisVersionInfo[]>;
  get(enquiryId: string, version: number): Promise<StoredPrecisVersion | null>;
}

type Row = {
  enquiry_id: string;
  version: number | string;
  content_sha256: string;
  changes: SectionChange[];
  saved_at: Date | string;
  saved_by: string;
  saved_by_issuer: string;
  saved_by_name: string | null;
  content?: PrecisContent;
};

const info = (row: Row): PrecisVersionInfo => ({
  enquiryId: String(row.enquiry_id),
  version: Number(row.version),
  contentSha256: row.content_sha256,
  changes: row.changes,
  savedAt: new Date(row.saved_at).toISOString(),
  savedBy: row.saved_by,
  savedByIssuer: row.saved_by_issuer,
  savedByName: row.saved_by_name,
});

export function createPrecisRepository(store: Store): PrecisRepository {
  return {
    async latest(enquiryId) {
      const { rows } = await store.query<{ v: number | string | null }>('SELECT max(version) AS v FROM precis_version WHERE enquiry_id = $1', [enquiryId]);
      return Number(rows[0]?.v ?? 0);
    },
    async save(enquiryId, baseVersion, version, now) {
      // One statement: written only while baseVersion is the newest. Two saves on the same base
      // both try version baseVersion + 1; the primary key lets one in and the other writes nothing.
      const { rows } = await store.query<{ version: number }>(
        `INSERT INTO precis_version (enquiry_id, version, content, content_sha256, changes, saved_at, saved_by, saved_by_issuer, saved_by_name)
         SELECT $1, $2::integer + 1, $3::jsonb, $4, $5::jsonb, $6, $7, $8, $9
         WHERE (SELECT coalesce(max(version), 0) FROM precis_version WHERE enquiry_id = $1) = $2::integer
         ON CONFLICT (enquiry_id, version) DO NOTHING
         RETURNING version`,
        [enquiryId, baseVersion, JSON.stringify(version.content), version.contentSha256, JSON.stringify(version.changes), now.toISOString(), version.by.id, version.by.issuer, version.by.name],
      );
      return rows.length === 1;
    },
    async list(enquiryId) {
      const { rows } = await store.query<Row>(
        'SELECT enquiry_id, version, content_sha256, changes, saved_at, saved_by, saved_by_issuer, saved_by_name FROM precis_version WHERE enquiry_id = $1 ORDER BY version',
        [enquiryId],
      );
      return rows.map(info);
    },
    async get(enquiryId, version) {
      const { rows } = await store.query<Row>(
        'SELECT enquiry_id, version, content, content_sha256, changes, saved_at, saved_by, saved_by_issuer, saved_by_name FROM precis_version WHERE enquiry_id = $1 AND version = $2',
        [enquiryId, version],
      );
      const row = rows[0];
      return row ? { ...info(row), content: row.content! } : null;
    },
  };
}
