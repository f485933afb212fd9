/**
 * The sandbox: a synthetic county and each agency's record system served over its real
 * protocol. `npm start` runs the gateway against `startSandbox()`.
 */
import { generateCounty, type County, type CountyOptions } from './county/index.js';
import { startHealthServer, type Faults } from './health/index.js';
import { startPoliceServer, type PoliceFaults, type PoliceIncidentChanges, type PoliceIncidentSpec, type PoliceRecordedIncident } from './police/index.js';
import { recordOvernightIncidents } from './police/overnight.js';
import { SocialCareDatabaseError, startSocialCareDatabase, type SocialCareFaults, type SocialCareQuery } from './social-care/index.js';
import { startEducationSystem, type EducationFaults, type EducationFiles } from './education/index.js';
import { HousingSqlError, startHousingSystem, type HousingFaults, type HousingQuery } from './housing/index.js';

export * from './county/index.js';
export * from './health/index.js';
export * from './police/index.js';
export * from './social-care/index.js';
export * from './education/index.js';
export * from './housing/index.js';

export interface SandboxOptions {
  seed?: number;
  households?: number;
  /** Interface the agency servers listen on. Default 127.0.0.1 (loopback only). */
  host?: string;
  /** Port of the health FHIR server; 0 (default) picks a free port. */
  healthPort?: number;
  /** Port of the police records API; 0 (default) picks a free port. */
  policePort?: number;
  /** Directory the schools' CTF and CSV files are written into; default a new temporary directory (removed on close). */
  educationDir?: string;
  /** Further county options (as-of date, per-agency noise rates). */
  county?: Omit<CountyOptions, 'seed' | 'households'>;
  /**
   * Record a few domestic-abuse incidents in the police simulator in the night before `now`
   * (18:00 to 06:00): at households with school-age children, one high risk, one with a
   * pre-school child too (sandbox/police/overnight.ts). For the demo's daily meeting list and
   * Operation Encompass.
   */
  overnightIncidents?: { now: Date };
  /**
   * The agencies to start the databases of (connector kinds: 'social-care', 'housing'); default
   * all. Loading an agency's database costs seconds, so a gateway configured without the agency
   * does not start it; the query function of one not started refuses, as a database that is down.
   * The county is generated whole either way, and the HTTP and file agencies always start.
   */
  agencies?: readonly string[];
}

export interface Sandbox {
  county: County;
  health: {
    /** FHIR base URL, ending in `/fhir`. */
    baseUrl: string;
    setFaults(faults: Faults): void;
  };
  police: {
    /** Records API base URL, ending in `/api/v1`. */
    baseUrl: string;
    setFaults(faults: PoliceFaults): void;
    /** Records a domestic-abuse incident (see sandbox/police/README.md). */
    recordIncident(spec: PoliceIncidentSpec): PoliceRecordedIncident;
    updateIncident(id: string, changes: PoliceIncidentChanges): PoliceRecordedIncident;
    /** The incidents recorded by `overnightIncidents` (empty without it). */
    overnight: readonly PoliceRecordedIncident[];
  };
  socialCare: {
    /** The case management database's query function (PGlite in memory), for the social care connector. */
    query: SocialCareQuery;
    setFaults(faults: SocialCareFaults): void;
  };
  education: {
    /** The directory of CTF XML and CSV files the education connector indexes. */
    dir: string;
    /** The same directory through the fault knobs (pass as the connector's `directory` for latency and unreadable faults). */
    files: EducationFiles;
    setFaults(faults: EducationFaults): void;
  };
  housing: {
    /** The housing database's query function (PGlite in memory), for the housing connector. */
    query: HousingQuery;
    setFaults(faults: HousingFaults): void;
  };
  close(): Promise<void>;
}

/** Generates the county and starts every agency's simulated system. */
export async function startSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const county = generateCounty({
    ...options.county,
    seed: options.seed ?? 1,
    households: options.households ?? 200,
  });
  const health = await startHealthServer({
    county,
    host: options.host ?? '127.0.0.1',
    port: options.healthPort ?? 0,
  });
  const police = await startPoliceServer({ county, host: options.host ?? '127.0.0.1', port: options.policePort ?? 0 }).catch(async (error: unknown) => {
    await health.close();
    throw error;
  });
  const overnight = options.overnightIncidents ? recordOvernightIncidents(county, options.overnightIncidents.now, (spec) => police.recordIncident(spec)) : [];
  const started = (agency: string): boolean => options.agencies === undefined || options.agencies.includes(agency);
  const socialCare = await (started('social-care') ? startSocialCareDatabase({ county }) : Promise.resolve(notStarted('social-care'))).catch(async (error: unknown) => {
    await Promise.all([health.close(), police.close()]);
    throw error;
  });
  const education = await startEducationSystem({ county, ...(options.educationDir !== undefined ? { dir: options.educationDir } : {}) }).catch(async (error: unknown) => {
    await Promise.all([health.close(), police.close(), socialCare.close()]);
    throw error;
  });
  const housing = await (started('housing') ? startHousingSystem({ county }) : Promise.resolve(notStarted('housing'))).catch(async (error: unknown) => {
    await Promise.all([health.close(), police.close(), socialCare.close(), education.close()]);
    throw error;
  });
  return {
    county,
    health: { baseUrl: health.baseUrl, setFaults: (faults) => health.setFaults(faults) },
    police: {
      baseUrl: police.baseUrl,
      setFaults: (faults) => police.setFaults(faults),
      recordIncident: (spec) => police.recordIncident(spec),
      updateIncident: (id, changes) => police.updateIncident(id, changes),
      overnight,
    },
    socialCare: { query: socialCare.query, setFaults: (faults) => socialCare.setFaults(faults) },
    education: { dir: education.dir, files: education.files, setFaults: (faults) => education.setFaults(faults) },
    housing: { query: housing.query, setFaults: (faults) => housing.setFaults(faults) },
    close: async () => {
      await Promise.all([health.close(), police.close(), socialCare.close(), education.close(), housing.close()]);
    },
  };
}

/** An agency database the sandbox did not start: refuses every query, as one that is down does. */
function notStarted(agency: 'social-care' | 'housing') {
  const message = `connect ECONNREFUSED (the sandbox did not start the ${agency} database: the agency is not configured)`;
  return {
    query: (): Promise<never> => Promise.reject(agency === 'housing' ? new HousingSqlError('08006', message) : new SocialCareDatabaseError(message, 'ECONNREFUSED')),
    setFaults: (): void => undefined,
    close: async (): Promise<void> => undefined,
  };
}
