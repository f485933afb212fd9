import type { Store } from '../store/index.js';

/**
 * The agency persons a search showed within an enquiry. A researcher may link only a person a
 * search in the same enquiry showed (issue 11, item 4): an id guessed or copied from elsewhere
 * (`NOM0000002`) cannot be linked and its records read without any search.
 */
export interface ShownPerson {
  agency: string;
  personId: string;
  /** The likely person the record was shown as (P1, P2, ...), when the search grouped it. */
  matchKey?: string | undefined;
}

export interface SearchShownRepository {
  /** Records what the search behind `auditEventId` showed (the event must be committed first). */
  record(enquiryId: string, shown: readonly ShownPerson[], by: { auditEventId: string; actorId: string; issuer?: string | undefined }, now: Date): Promise<void>;
  /** The committed search events in this enquiry that showed the person, oldest first (none: never shown). */
  shownBy(enquiryId: string, agency: string, personId: string): Promise<string[]>;
  /** The records one search (its audit event) showed in this enquiry as the likely person `matchKey`; none if it did not. */
  personsOf(enquiryId: string, auditEventId: string, matchKey: string): Promise<ShownPerson[]>;
}

export function createSearchShownRepository(store: Store): SearchShownRepository {
  return {
    async record(enquiryId, shown, by, now) {
      if (shown.length === 0) return;
      // One statement, so a search's persons are recorded all together or not at all.
      await store.query(
        `INSERT INTO enquiry_search_shown (enquiry_id, agency, person_id, audit_event_id, shown_at, shown_to, shown_to_issuer, match_key)
         SELECT $1, s.agency, s.person_id, $4::uuid, $5, $6, $7, s.match_key
         FROM unnest($2::text[], $3::text[], $8::text[]) AS s(agency, person_id, match_key)
         ON CONFLICT DO NOTHING`,
        [enquiryId, shown.map((s) => s.agency), shown.map((s) => s.personId), by.auditEventId, now.toISOString(), by.actorId, by.issuer ?? null, shown.map((s) => s.matchKey ?? null)],
      );
    },
    async shownBy(enquiryId, agency, personId) {
      const { rows } = await store.query<{ audit_event_id: string }>(
        'SELECT audit_event_id FROM enquiry_search_shown WHERE enquiry_id = $1 AND agency = $2 AND person_id = $3 ORDER BY shown_at, audit_event_id',
        [enquiryId, agency, personId],
      );
      return rows.map((r) => String(r.audit_event_id));
    },
    async personsOf(enquiryId, auditEventId, matchKey) {
      const { rows } = await store.query<{ agency: string; person_id: string }>(
        'SELECT agency, person_id FROM enquiry_search_shown WHERE enquiry_id = $1 AND audit_event_id = $2::uuid AND match_key = $3 ORDER BY agency, person_id',
        [enquiryId, auditEventId, matchKey],
      );
      return rows.map((r) => ({ agency: String(r.agency), personId: String(r.person_id), matchKey }));
    },
  };
}
