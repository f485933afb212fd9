/**
 * The sandbox: a synthetic county and each agency's record system served over its real
 * protocol. `npm start` runs the gateway against `startSandbox()`.
 */
import { generateCounty, type County, type CountyOptions } from './county/index.js';
import { startHealthServer, type Faults } from './health/index.js';

export * from './county/index.js';
export * from './health/index.js';

export interface SandboxOptions {
  seed?: number;
  households?: number;
  /** Interface the agency servers listen on. Default 127.0.0.1 (loopback only). */
  host?: string;
  /** Port of the health FHIR server; 0 (default) picks a free port. */
  healthPort?: number;
  /** Further county options (as-of date, per-agency noise rates). */
  county?: Omit<CountyOptions, 'seed' | 'households'>;
}

export interface Sandbox {
  county: County;
  health: {
    /** FHIR base URL, ending in `/fhir`. */
    baseUrl: string;
    setFaults(faults: Faults): void;
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
  return {
    county,
    health: { baseUrl: health.baseUrl, setFaults: (faults) => health.setFaults(faults) },
    close: () => health.close(),
  };
}
