import { randomUUID } from 'node:crypto';
import type { AgencyContact, DashRiskLevel, IncidentKind, IncidentPage, IncidentRole, Provenance, SourceIncident, SourcePerson } from '../../connectors/sdk/index.js';
import type { Queryable, Store } from '../store/index.js';

/**
 * Persistence of incidents read from the agencies' feeds (migration 017). A page of a feed and
 * the cursor after it are saved in one transaction, with whatever the incident-driven work must
 * start from it (the `afterSave` hook: Operation Encompass plans its notifications there), so a
 * crash or restart between two steps neither loses an incident nor handles it twice.
 *
 * A stored incident is a raw agency record (names, dates of birth, the address): resolvers never
 * read it; the disclosure gate does.
 */

export interface StoredIncidentPerson {
  personId: string;
  role: IncidentRole;
  /** As the agency gave it: raw, for the gate and the identity matcher only. */
  person: SourcePerson;
}

export interface StoredIncident {
  /** The gateway's id (uuid). */
  id: string;
  /** Order the gateway first stored it in. */
  seq: number;
  agency: string;
  /** The agency's own id. */
  incidentId: string;
  kind: IncidentKind;
  occurredAt: string;
  riskLevel: DashRiskLevel | null;
  childrenPresent: boolean;
  location: SourceIncident['location'];
  officer: AgencyContact & { role?: string };
  provenance: Provenance;
  firstReceivedAt: string;
  updatedAt: string;
  persons: StoredIncidentPerson[];
}

/** What one saved page did: the incidents first seen, and those seen before that the agency changed. */
export interface SavedPage {
  inserted: StoredIncident[];
  updated: StoredIncident[];
}

export interface FeedStatus {
  agency: string;
  cursor: string;
  updatedAt: string;
  lastPollAt: string | null;
  lastError: string | null;
  lastErrorAt: string | null;
  receivedTotal: number;
}

export interface IncidentFilter {
  kind?: IncidentKind;
  /** occurredAt >= from */
  occurredFrom?: string;
  /** occurredAt < before */
  occurredBefore?: string;
  ids?: readonly string[];
  /** Incidents involving any of these agency person ids (of `agency`). */
  personIds?: { agency: string; ids: readonly string[] };
}

/** Runs in the page's transaction, after its incidents are written; throwing rolls the page back. */
export type AfterSave = (tx: Queryable, saved: SavedPage, now: Date) => Promise<void>;

type Row = Record<string, unknown>;
const iso = (value: unknown): string => (value instanceof Date ? value : new Date(String(value))).toISOString();
const isoOrNull = (value: unknown): string | null => (value === null || value === undefined ? null : iso(value));

function fromRows(row: Row, persons: Row[]): StoredIncident {
  return {
    id: String(row.id),
    seq: Number(row.seq),
    agency: String(row.agency),
    incidentId: String(row.incident_id),
    kind: String(row.kind) as IncidentKind,
    occurredAt: iso(row.occurred_at),
    riskLevel: row.risk_level == null ? null : (String(row.risk_level) as DashRiskLevel),
    childrenPresent: row.children_present === true,
    location: row.location as StoredIncident['location'],
    officer: row.officer as StoredIncident['officer'],
    provenance: row.provenance as Provenance,
    firstReceivedAt: iso(row.first_received_at),
    updatedAt: iso(row.updated_at),
    persons: persons
      .sort((a, b) => Number(a.ord) - Number(b.ord))
      .map((p) => ({ personId: String(p.person_id), role: String(p.role) as IncidentRole, person: p.person as SourcePerson })),
  };
}

async function load(db: Queryable, where: string, params: unknown[]): Promise<StoredIncident[]> {
  const { rows } = await db.query<Row>(`SELECT * FROM incident i WHERE ${where} ORDER BY i.occurred_at, i.seq`, params);
  if (rows.length === 0) return [];
  const { rows: persons } = await db.query<Row>('SELECT * FROM incident_person WHERE incident_id = ANY($1::uuid[])', [rows.map((r) => String(r.id))]);
  const byIncident = new Map<string, Row[]>();
  for (const p of persons) {
    const list = byIncident.get(String(p.incident_id)) ?? [];
    list.push(p);
    byIncident.set(String(p.incident_id), list);
  }
  return rows.map((row) => fromRows(row, byIncident.get(String(row.id)) ?? []));
}

export interface IncidentRepository {
  /** The stored cursor of an agency's feed, or undefined before its first page. */
  cursor(agency: string): Promise<string | undefined>;
  /**
   * Saves one page and the cursor after it in one transaction (with `afterSave`). An incident seen
   * before is replaced by the new version (persons too); one seen twice in the page keeps the last.
   */
  savePage(agency: string, page: IncidentPage, now: Date): Promise<SavedPage>;
  /** Records that a poll found nothing new (last_poll_at) without moving the cursor. */
  recordPoll(agency: string, now: Date): Promise<void>;
  /** Records a failed poll: a message without personal data (e.g. the connector error kind). */
  recordPollError(agency: string, message: string, now: Date): Promise<void>;
  get(id: string): Promise<StoredIncident | undefined>;
  list(filter: IncidentFilter): Promise<StoredIncident[]>;
  feedStatus(): Promise<FeedStatus[]>;
}

export function createIncidentRepository(store: Store, hooks: { afterSave?: AfterSave } = {}): IncidentRepository {
  return {
    async cursor(agency) {
      const { rows } = await store.query<Row>('SELECT cursor FROM incident_feed_cursor WHERE agency = $1', [agency]);
      return rows[0] && rows[0].cursor !== '' ? String(rows[0].cursor) : undefined;
    },

    async savePage(agency, page, now) {
      // The last version of an incident the page gives wins.
      const unique = new Map<string, SourceIncident>();
      for (const incident of page.incidents) unique.set(incident.incidentId, incident);
      return store.transaction(async (tx) => {
        const inserted: string[] = [];
        const updated: string[] = [];
        for (const incident of unique.values()) {
          const { rows } = await tx.query<Row>(
            `INSERT INTO incident (id, agency, incident_id, kind, occurred_at, risk_level, children_present, location, officer, provenance, first_received_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11)
             ON CONFLICT (agency, incident_id) DO UPDATE SET kind = EXCLUDED.kind, occurred_at = EXCLUDED.occurred_at, risk_level = EXCLUDED.risk_level,
               children_present = EXCLUDED.children_present, location = EXCLUDED.location, officer = EXCLUDED.officer, provenance = EXCLUDED.provenance, updated_at = EXCLUDED.updated_at
             RETURNING id, (xmax = 0) AS inserted`,
            [
              randomUUID(),
              agency,
              incident.incidentId,
              incident.kind,
              incident.occurredAt,
              incident.riskLevel ?? null,
              incident.childrenPresent,
              JSON.stringify(incident.location),
              JSON.stringify(incident.officer),
              JSON.stringify(incident.provenance),
              now.toISOString(),
            ],
          );
          const id = String(rows[0]!.id);
          (rows[0]!.inserted === true ? inserted : updated).push(id);
          await tx.query('DELETE FROM incident_person WHERE incident_id = $1', [id]);
          const persons = new Map(incident.persons.map((p) => [p.person.personId, p]));
          let ord = 0;
          for (const p of persons.values()) {
            await tx.query('INSERT INTO incident_person (incident_id, person_id, role, person, ord) VALUES ($1, $2, $3, $4, $5)', [id, p.person.personId, p.role, JSON.stringify(p.person), ord++]);
          }
        }
        await tx.query(
          `INSERT INTO incident_feed_cursor (agency, cursor, updated_at, last_poll_at, received_total) VALUES ($1, $2, $3, $3, $4)
           ON CONFLICT (agency) DO UPDATE SET cursor = EXCLUDED.cursor, updated_at = EXCLUDED.updated_at, last_poll_at = EXCLUDED.last_poll_at,
             last_error = NULL, last_error_at = NULL, received_total = incident_feed_cursor.received_total + $4`,
          [agency, page.cursor, now.toISOString(), unique.size],
        );
        const all = await load(tx, 'i.id = ANY($1::uuid[])', [[...inserted, ...updated]]);
        const saved: SavedPage = { inserted: all.filter((i) => inserted.includes(i.id)), updated: all.filter((i) => updated.includes(i.id)) };
        if (hooks.afterSave) await hooks.afterSave(tx, saved, now);
        return saved;
      });
    },

    async recordPoll(agency, now) {
      await store.query('UPDATE incident_feed_cursor SET last_poll_at = $2, last_error = NULL, last_error_at = NULL WHERE agency = $1', [agency, now.toISOString()]);
    },

    async recordPollError(agency, message, now) {
      const { rows } = await store.query<Row>('UPDATE incident_feed_cursor SET last_poll_at = $2, last_error = $3, last_error_at = $2 WHERE agency = $1 RETURNING agency', [agency, now.toISOString(), message.slice(0, 500)]);
      // Before the first page there is no cursor row yet: the error is kept on a row with no cursor to resume from.
      if (rows.length === 0) {
        await store.query(
          `INSERT INTO incident_feed_cursor (agency, cursor, updated_at, last_poll_at, last_error, last_error_at) VALUES ($1, '', $2, $2, $3, $2) ON CONFLICT (agency) DO NOTHING`,
          [agency, now.toISOString(), message.slice(0, 500)],
        );
      }
    },

    async get(id) {
      if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id)) return undefined;
      return (await load(store, 'i.id = $1', [id]))[0];
    },

    async list(filter) {
      const conditions: string[] = [];
      const params: unknown[] = [];
      const add = (sql: string, value: unknown): void => {
        params.push(value);
        conditions.push(sql.replace('?', `$${params.length}`));
      };
      if (filter.kind) add('i.kind = ?', filter.kind);
      if (filter.occurredFrom) add('i.occurred_at >= ?', filter.occurredFrom);
      if (filter.occurredBefore) add('i.occurred_at < ?', filter.occurredBefore);
      if (filter.ids) add('i.id = ANY(?::uuid[])', [...filter.ids]);
      if (filter.personIds) {
        add('i.agency = ?', filter.personIds.agency);
        add('EXISTS (SELECT 1 FROM incident_person p WHERE p.incident_id = i.id AND p.person_id = ANY(?::text[]))', [...filter.personIds.ids]);
      }
      return load(store, conditions.length > 0 ? conditions.join(' AND ') : 'TRUE', params);
    },

    async feedStatus() {
      const { rows } = await store.query<Row>('SELECT * FROM incident_feed_cursor ORDER BY agency');
      return rows.map((r) => ({
        agency: String(r.agency),
        cursor: String(r.cursor),
        updatedAt: iso(r.updated_at),
        lastPollAt: isoOrNull(r.last_poll_at),
        lastError: r.last_error == null ? null : String(r.last_error),
        lastErrorAt: isoOrNull(r.last_error_at),
        receivedTotal: Number(r.received_total),
      }));
    },
  };
}
