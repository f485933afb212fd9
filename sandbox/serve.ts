/**
 * The sandbox as a real county's agencies look from outside: every agency system started and
 * reachable over its own protocol (FHIR and REST over HTTP, a directory of files, PostgreSQL for
 * the two SQL agencies), described by addresses alone. `sandbox/main.ts` runs this in its own
 * process so the gateway connects to the county exactly as it would to real agencies.
 *
 * The SQL agencies: with `databaseUrl` (a PostgreSQL server) each is loaded into its own schema
 * there, dropped and recreated on start; without it each is a PGlite database served over the
 * PostgreSQL wire protocol on loopback (pglite-socket, which queues the connections' queries onto
 * the one PGlite session: fine for the connectors, which never hold a transaction open).
 */
import type { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import pg from 'pg';
import { generateCounty, type County, type CountyOptions } from './county/index.js';
import { startEducationSystem } from './education/index.js';
import { startHealthServer } from './health/index.js';
import { loadHousingView, startHousingSystem } from './housing/system.js';
import { startPoliceServer } from './police/index.js';
import { recordOvernightIncidents } from './police/overnight.js';
import { loadSocialCareDatabase, startSocialCareDatabase } from './social-care/index.js';

export interface ServeSandboxOptions {
  seed: number;
  households: number;
  /** Interface the agency systems listen on (default 127.0.0.1). */
  host?: string;
  /** 0 picks a free port. */
  healthPort?: number;
  policePort?: number;
  /** A PostgreSQL server for the SQL agencies; PGlite over the wire protocol when absent. */
  databaseUrl?: string;
  /** Schema names in `databaseUrl` (defaults sandbox_housing and sandbox_social_care). */
  schemas?: { housing: string; socialCare: string };
  /** Connector kinds the gateway connects to; the SQL agencies' databases are loaded only for these. Default all. */
  agencies?: readonly string[];
  /** Record the demo's overnight domestic-abuse incidents before this time (ISO 8601). */
  overnightIncidentsBefore?: string;
  county?: Omit<CountyOptions, 'seed' | 'households'>;
}

/** Where each agency system answers: all the gateway needs to build its connectors. */
export interface SandboxAddresses {
  /** FHIR base URL, ending in `/fhir`. */
  health: string;
  /** Police records API base URL, ending in `/api/v1`. */
  police: string;
  /** The directory of CTF and CSV files. */
  educationDir: string;
  /** PostgreSQL connection strings (absent for an agency the gateway does not connect to). */
  housing?: string;
  socialCare?: string;
}

/**
 * The few public facts about the synthetic county the gateway shows (the README demo's featured
 * child, the console's demo school, the social care front door): no bulk data crosses over.
 */
export interface SandboxFacts {
  persons: number;
  households: number;
  featuredChild: { nhsNumber: string; schoolLaestab?: string };
  childrensServices?: { name: string; organisation?: string; phone?: string };
}

export interface ServedSandbox {
  addresses: SandboxAddresses;
  facts: SandboxFacts;
  close(): Promise<void>;
}

export const DEFAULT_SANDBOX_SCHEMAS = { housing: 'sandbox_housing', socialCare: 'sandbox_social_care' } as const;

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/** The facts the gateway reads from a county (also used when the county runs in the gateway's process). */
export function countyFacts(county: County): SandboxFacts {
  const child = county.featured.child;
  const laestab = child.schoolId === undefined ? undefined : county.views.education.schools.find((school) => school.schoolId === child.schoolId)?.laEstab;
  const front = county.localAuthority.childrensServices;
  return {
    persons: county.persons.length,
    households: county.households.length,
    featuredChild: { nhsNumber: child.nhsNumber, ...(laestab !== undefined ? { schoolLaestab: laestab } : {}) },
    childrensServices: { name: front.name, organisation: front.organisation, phone: front.phone },
  };
}

interface SqlAgency {
  url: string;
  close(): Promise<void>;
}

type Loader = (target: { exec(sql: string): Promise<unknown>; query(sql: string, params?: unknown[]): Promise<unknown> }) => Promise<void>;

/** An agency's PGlite database served over the PostgreSQL wire protocol on loopback. */
async function servePglite(system: { db: PGlite; close(): Promise<void> }, host: string): Promise<SqlAgency> {
  try {
    // Connections beyond the connector's pool (4) leave room for a psql session during a demo.
    const server = new PGLiteSocketServer({ db: system.db, host, port: 0, maxConnections: 16 });
    await server.start();
    return {
      url: `postgres://postgres@${server.getServerConn()}/postgres`,
      async close() {
        await server.stop();
        await system.close();
      },
    };
  } catch (error) {
    await system.close().catch(() => undefined);
    throw error;
  }
}

/** The connection string with the schema as the session's search path. */
function withSearchPath(databaseUrl: string, schema: string): string {
  const url = new URL(databaseUrl);
  url.searchParams.set('options', `-c search_path=${schema}`);
  return url.toString();
}

/** One agency's schema in a PostgreSQL server, dropped, recreated and loaded. */
async function loadIntoPostgres(load: Loader, databaseUrl: string, schema: string): Promise<SqlAgency> {
  if (!SCHEMA_NAME.test(schema)) throw new RangeError(`sandbox schema name ${JSON.stringify(schema)} must be a lower-case SQL identifier`);
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await client.query(`CREATE SCHEMA ${schema}`);
    await client.query(`SET search_path TO ${schema}`);
    await load({ exec: (sql) => client.query(sql), query: (sql, params) => client.query(sql, params) });
  } finally {
    await client.end();
  }
  return { url: withSearchPath(databaseUrl, schema), close: async () => undefined };
}

/** Generates the county and starts every agency system; rejects (closing what started) if one cannot start. */
export async function serveSandbox(options: ServeSandboxOptions): Promise<ServedSandbox> {
  const host = options.host ?? '127.0.0.1';
  const county = generateCounty({ ...options.county, seed: options.seed, households: options.households });
  const opened: { close(): Promise<void> }[] = [];
  try {
    const health = await startHealthServer({ county, host, port: options.healthPort ?? 0 });
    opened.push(health);
    const police = await startPoliceServer({ county, host, port: options.policePort ?? 0 });
    opened.push(police);
    if (options.overnightIncidentsBefore !== undefined) {
      recordOvernightIncidents(county, new Date(options.overnightIncidentsBefore), (spec) => police.recordIncident(spec));
    }
    const education = await startEducationSystem({ county });
    opened.push(education);
    const loadHousing: Loader = (target) => loadHousingView(target, county.views.housing);
    const loadSocialCare: Loader = (target) => loadSocialCareDatabase((sql, params) => (params ? target.query(sql, params) : target.exec(sql)), county.views.socialCare);
    const schemas = options.schemas ?? DEFAULT_SANDBOX_SCHEMAS;
    // Only the SQL agencies the gateway connects to are loaded: each costs seconds.
    const wanted = (agency: string): boolean => options.agencies === undefined || options.agencies.includes(agency);
    const housing = !wanted('housing')
      ? undefined
      : options.databaseUrl
        ? await loadIntoPostgres(loadHousing, options.databaseUrl, schemas.housing)
        : await servePglite(await startHousingSystem({ county }), host);
    if (housing) opened.push(housing);
    const socialCare = !wanted('social-care')
      ? undefined
      : options.databaseUrl
        ? await loadIntoPostgres(loadSocialCare, options.databaseUrl, schemas.socialCare)
        : await servePglite(await startSocialCareDatabase({ county }), host);
    if (socialCare) opened.push(socialCare);
    return {
      addresses: {
        health: health.baseUrl,
        police: police.baseUrl,
        educationDir: education.dir,
        ...(housing ? { housing: housing.url } : {}),
        ...(socialCare ? { socialCare: socialCare.url } : {}),
      },
      facts: countyFacts(county),
      async close() {
        await Promise.all(opened.map((resource) => resource.close().catch(() => undefined)));
      },
    };
  } catch (error) {
    await Promise.all(opened.map((resource) => resource.close().catch(() => undefined)));
    throw error;
  }
}
