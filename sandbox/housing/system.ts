/**
 * The council housing system: the housing view loaded into an in-memory PGlite database, read by
 * SQL through a small query function (the same shape the connector takes, so a real PostgreSQL
 * can stand in for it).
 *
 * Faults, settable at runtime with `setFaults` (replaces the set; `{}` clears):
 * - `latencyMs`: every query waits first;
 * - `errorRate` (0..1, seeded): the query fails with SQLSTATE XX000 (internal error);
 * - `hang`: the query never answers (until the caller's signal aborts);
 * - `unreachable`: the query fails with SQLSTATE 08006 (connection failure);
 * - `malformed`: the query answers rows of the wrong shape.
 */
import type { PGlite } from '@electric-sql/pglite';
import { imageKey, pgliteFromImage, StatementHash } from '../../gateway/store/pglite-image.js';
import type { County } from '../county/index.js';
import { hashKey, Rng } from '../county/prng.js';
import type { HousingView } from '../county/views/housing.js';
import { HOMELESSNESS_REASONS, TA_TYPES } from '../county/views/housing.js';
import { HOUSING_SCHEMA } from './schema.js';

export interface HousingFaults {
  latencyMs?: number;
  errorRate?: number;
  hang?: boolean;
  unreachable?: boolean;
  malformed?: boolean;
}

export interface HousingQueryResult {
  rows: Array<Record<string, unknown>>;
}

/** SQL with `$1..$n` parameters; the signal abandons the wait (and the query, where it can). */
export type HousingQuery = (sql: string, params: readonly unknown[], signal: AbortSignal) => Promise<HousingQueryResult>;

export interface HousingRecordedQuery {
  sql: string;
  params: readonly unknown[];
}

export interface HousingSystemOptions {
  county: County;
  faults?: HousingFaults;
}

export interface HousingSystem {
  /** Runs SQL against the housing database through the fault knobs. */
  query: HousingQuery;
  /** The database itself (no faults), for tests and tools. */
  db: PGlite;
  setFaults(faults: HousingFaults): void;
  /** Queries received since start (or the last `clearQueries`). */
  queries(): readonly HousingRecordedQuery[];
  clearQueries(): void;
  close(): Promise<void>;
}

/** An error shaped as PostgreSQL clients report them: a message and a SQLSTATE `code`. */
export class HousingSqlError extends Error {
  readonly code: string;

  constructor(code: string, message: string) {
    super(message);
    this.name = 'HousingSqlError';
    this.code = code;
  }
}

function validateFaults(faults: HousingFaults): HousingFaults {
  if (faults.latencyMs !== undefined && !(Number.isFinite(faults.latencyMs) && faults.latencyMs >= 0)) {
    throw new RangeError('faults.latencyMs must be a non-negative number');
  }
  if (faults.errorRate !== undefined && !(faults.errorRate >= 0 && faults.errorRate <= 1)) {
    throw new RangeError('faults.errorRate must be between 0 and 1');
  }
  return { ...faults };
}

function abortError(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : Object.assign(new Error('The operation was aborted'), { name: 'AbortError' });
}

function untilAborted(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) => {
    if (signal.aborted) reject(abortError(signal));
    else signal.addEventListener('abort', () => reject(abortError(signal)), { once: true });
  });
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(abortError(signal));
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(abortError(signal));
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

type Row = ReadonlyArray<string | number | boolean | null | undefined>;

/**
 * What the loader needs of a database: PGlite, or a `pg` client or pool wrapped as
 * `{ exec: (sql) => client.query(sql), query: (sql, params) => client.query(sql, params) }`.
 */
export interface HousingLoadTarget {
  exec(sql: string): Promise<unknown>;
  query(sql: string, params?: unknown[]): Promise<unknown>;
}

/** Multi-row INSERTs in chunks (PostgreSQL allows 65,535 parameters a statement). */
async function insertRows(db: HousingLoadTarget, table: string, columns: readonly string[], rows: readonly Row[]): Promise<void> {
  const perStatement = Math.max(1, Math.floor(60_000 / columns.length));
  for (let i = 0; i < rows.length; i += perStatement) {
    const chunk = rows.slice(i, i + perStatement);
    const params: unknown[] = [];
    const tuples = chunk.map((row) => {
      const placeholders = row.map((value) => {
        params.push(value ?? null);
        return `$${params.length}`;
      });
      return `(${placeholders.join(', ')})`;
    });
    await db.query(`INSERT INTO ${table} (${columns.join(', ')}) VALUES ${tuples.join(', ')}`, params);
  }
}

/** Loads a housing view into an empty database with the housing schema. */
export async function loadHousingView(db: HousingLoadTarget, view: HousingView): Promise<void> {
  await db.exec(HOUSING_SCHEMA);
  const officer = (o: { name: string; role: string; phone: string; email: string }): Row => [o.name, o.role, o.phone, o.email];
  const officerColumns = ['officer_name', 'officer_role', 'officer_phone', 'officer_email'];
  await insertRows(
    db,
    'tenancies',
    ['tenancy_ref', 'uprn', 'address_line1', 'address_line2', 'town', 'postcode', 'tenancy_type', 'landlord', 'start_date', 'end_date', 'end_reason', 'weekly_rent_pence', ...officerColumns, 'updated_at'],
    view.tenancies.map((t) => [
      t.tenancyRef, t.address.uprn, t.address.line1, t.address.line2, t.address.city, t.address.postcode, t.tenancyType, t.landlord,
      t.startDate, t.endDate, t.endReason, t.weeklyRentPence, ...officer(t.officer), t.updatedAt,
    ]),
  );
  await insertRows(
    db,
    'household_members',
    ['person_ref', 'household_ref', 'member_no', 'relationship', 'member_role', 'given_names', 'family_name', 'birth_date', 'sex', 'joined', 'left_on', 'updated_at'],
    view.members.map((m) => [
      m.personRef, m.householdRef, m.memberNo, m.relationship, m.role, m.givenNames.join(' '), m.familyName, m.birthDate, m.sex, m.joined, m.leftOn, m.updatedAt,
    ]),
  );
  await insertRows(
    db,
    'homelessness_cases',
    [
      'case_ref', 'household_ref', 'approach_date', 'uprn', 'address_line1', 'address_line2', 'town', 'postcode', 'reason_code', 'reason',
      'prevention_duty_start', 'relief_duty_start', 'main_duty_decision', 'main_duty_date', 'status', 'closed_date', 'outcome',
      'moved_on_uprn', 'moved_on_address_line1', 'moved_on_address_line2', 'moved_on_town', 'moved_on_postcode', ...officerColumns, 'updated_at',
    ],
    view.homelessnessCases.map((c) => [
      c.caseRef, c.householdRef, c.approachDate, c.address.uprn, c.address.line1, c.address.line2, c.address.city, c.address.postcode,
      c.reasonCode, HOMELESSNESS_REASONS[c.reasonCode], c.preventionDutyStart, c.reliefDutyStart, c.mainDutyDecision, c.mainDutyDate,
      c.status, c.closedDate, c.outcome, c.movedOnAddress?.uprn, c.movedOnAddress?.line1, c.movedOnAddress?.line2,
      c.movedOnAddress?.city, c.movedOnAddress?.postcode, ...officer(c.officer), c.updatedAt,
    ]),
  );
  await insertRows(
    db,
    'temporary_accommodation',
    ['placement_ref', 'household_ref', 'case_ref', 'ta_type', 'ta_type_label', 'provider', 'uprn', 'address_line1', 'address_line2', 'town', 'postcode', 'out_of_area', 'start_date', 'end_date', 'updated_at'],
    view.temporaryAccommodation.map((p) => [
      p.placementRef, p.householdRef, p.caseRef, p.type, TA_TYPES[p.type], p.provider, p.address?.uprn, p.address?.line1, p.address?.line2,
      p.address?.city, p.address?.postcode, p.outOfArea, p.startDate, p.endDate, p.updatedAt,
    ]),
  );
  await insertRows(
    db,
    'asb_cases',
    ['asb_ref', 'household_ref', 'person_ref', 'party_role', 'category', 'opened', 'closed', 'status', 'action_taken', 'summary', ...officerColumns, 'updated_at'],
    view.asbCases.map((a) => [a.asbRef, a.householdRef, a.personRef, a.role, a.category, a.opened, a.closed, a.status, a.actionTaken, a.summary, ...officer(a.officer), a.updatedAt]),
  );
  await insertRows(
    db,
    'rent_accounts',
    ['tenancy_ref', 'balance_pence', 'arrears_weeks', 'recovery_stage', ...officerColumns, 'updated_at'],
    view.rentAccounts.map((r) => [r.tenancyRef, r.balancePence, r.arrearsWeeks, r.recoveryStage, ...officer(r.officer), r.updatedAt]),
  );
  await insertRows(
    db,
    'possession_actions',
    ['action_ref', 'tenancy_ref', 'action', 'ground', 'action_date', 'notes', 'updated_at'],
    view.possessionActions.map((a) => [a.actionRef, a.tenancyRef, a.action, a.ground, a.actionDate, a.notes, a.updatedAt]),
  );
}

export async function startHousingSystem(options: HousingSystemOptions): Promise<HousingSystem> {
  const { county } = options;
  // Loaded once per county and kept as an image: the key hashes every statement the loader sends.
  const statements = new StatementHash();
  await loadHousingView({ exec: (sql) => statements.run(sql), query: statements.run }, county.views.housing);
  const db = await pgliteFromImage(imageKey('housing', statements.digest()), (fresh) => loadHousingView(fresh, county.views.housing));
  let faults = validateFaults(options.faults ?? {});
  const faultRng = new Rng(hashKey(county.seed, 'housing-faults'));
  let recorded: HousingRecordedQuery[] = [];
  let closed = false;

  const query: HousingQuery = async (sql, params, signal) => {
    recorded.push({ sql, params: [...params] });
    const current = faults;
    if (signal.aborted) throw abortError(signal);
    if (closed) throw new HousingSqlError('08003', 'connection does not exist');
    if (current.hang) await untilAborted(signal);
    if (current.latencyMs) await sleep(current.latencyMs, signal);
    if (current.unreachable) throw new HousingSqlError('08006', 'could not connect to server (injected fault)');
    if (current.errorRate && faultRng.float() < current.errorRate) throw new HousingSqlError('XX000', 'internal error (injected fault)');
    if (current.malformed) return { rows: [{ unexpected_column: 42, person_ref: 7, birth_date: 'not a date' }] };
    // PGlite cannot cancel a running statement: stop waiting for it when the caller gives up.
    const result = await Promise.race([db.query<Record<string, unknown>>(sql, [...params]), untilAborted(signal)]);
    return { rows: result.rows };
  };

  return {
    query,
    db,
    setFaults(next) {
      faults = validateFaults(next);
    },
    queries: () => [...recorded],
    clearQueries() {
      recorded = [];
    },
    async close() {
      if (closed) return;
      closed = true;
      await db.close();
    },
  };
}
