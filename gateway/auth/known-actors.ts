import type { Logger } from '../log.js';
import type { Store } from '../store/index.js';
import type { Actor, Authenticator } from './authenticator.js';

/**
 * Every actor a registered issuer has authenticated, keyed by (issuer, subject), with the name and
 * agency their last token asserted. An enquiry member can only be someone in this table: adding a
 * mistyped or invented id would otherwise grant access to whoever is later issued that id.
 */
export interface SeenActor {
  issuer: string;
  id: string;
  name: string;
  agency: string;
  firstSeen: string;
  lastSeen: string;
}

export interface KnownActors {
  /** Records a successful authentication (written at most once per refresh interval per actor). */
  record(actor: Actor, now: Date): Promise<void>;
  find(actor: { issuer: string; id: string }): Promise<SeenActor | null>;
}

/** How often an actor's row is refreshed (last seen, name, agency) while they keep calling. */
export const SEEN_REFRESH_MS = 15 * 60_000;

type Row = Record<string, unknown>;
const iso = (value: unknown): string => (value instanceof Date ? value : new Date(String(value))).toISOString();

export function createKnownActors(store: Store): KnownActors {
  // What this process last wrote per actor, so a busy caller costs one write per refresh interval.
  const written = new Map<string, { at: number; name: string; agency: string }>();
  return {
    async record(actor, now) {
      const key = `${actor.issuer}\u0000${actor.id}`;
      const last = written.get(key);
      if (last && now.getTime() - last.at < SEEN_REFRESH_MS && last.name === actor.name && last.agency === actor.agency) return;
      await store.query(
        `INSERT INTO actor_seen (issuer, subject, name, agency, first_seen, last_seen) VALUES ($1, $2, $3, $4, $5, $5)
         ON CONFLICT (issuer, subject) DO UPDATE SET name = EXCLUDED.name, agency = EXCLUDED.agency, last_seen = EXCLUDED.last_seen`,
        [actor.issuer, actor.id, actor.name, actor.agency, now.toISOString()],
      );
      if (written.size >= 100_000) written.clear();
      written.set(key, { at: now.getTime(), name: actor.name, agency: actor.agency });
    },
    async find({ issuer, id }) {
      const { rows } = await store.query<Row>('SELECT * FROM actor_seen WHERE issuer = $1 AND subject = $2', [issuer, id]);
      const row = rows[0];
      if (!row) return null;
      return { issuer, id, name: String(row.name), agency: String(row.agency), firstSeen: iso(row.first_seen), lastSeen: iso(row.last_seen) };
    },
  };
}

/**
 * The authenticator path that remembers who signed in: each successful authentication is
 * recorded. A failure to record does not refuse the caller (their token is valid); it is logged
 * without personal data and retried on their next request.
 */
export function rememberingAuthenticator(authenticator: Authenticator, known: KnownActors, options: { now: () => Date; logger: Logger }): Authenticator {
  return {
    async authenticate(authorization) {
      const actor = await authenticator.authenticate(authorization);
      try {
        await known.record(actor, options.now());
      } catch (error) {
        options.logger.warn({ component: 'known-actors', errorName: (error as Error)?.name }, 'could not record an authenticated actor');
      }
      return actor;
    },
  };
}
