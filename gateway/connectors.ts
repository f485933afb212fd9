import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import pg from 'pg';
import { createEducationConnector } from '../connectors/education/index.js';
import { createHealthConnector } from '../connectors/health/index.js';
import { createHousingConnector, queryFromClient } from '../connectors/housing/index.js';
import { createPoliceConnector } from '../connectors/police/index.js';
import type { Connector } from '../connectors/sdk/index.js';
import { createSocialCareConnector } from '../connectors/social-care/index.js';
import type { EducationFiles, HousingQuery, Sandbox, SocialCareQuery } from '../sandbox/index.js';
import type { ConnectorConfig } from './config.js';
import { GatewayError } from './errors.js';

/**
 * The one place connectors are made from configuration: each entry names a built-in kind (with
 * the address of the agency's system, or the sandbox's when omitted) or a module an agency wrote
 * with the connector SDK. A bad entry stops the gateway with a message naming it.
 */
const invalid = (index: number, message: string) => new GatewayError('CONFIG_INVALID', `connectors.${index}: ${message}`);

function sqlPool(databaseUrl: string): { query: (sql: string, params?: unknown[]) => Promise<{ rows: unknown[] }>; end: () => Promise<void> } {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 4 });
  pool.on('error', () => undefined); // an idle client's failure surfaces on the next query instead
  return { query: (sql, params) => pool.query(sql, params as unknown[]), end: () => pool.end() };
}

async function loadModule(entry: Extract<ConnectorConfig, { kind: 'module' }>, index: number, baseDir: string): Promise<Connector> {
  let loaded: Record<string, unknown>;
  try {
    loaded = (await import(pathToFileURL(resolve(baseDir, entry.module)).href)) as Record<string, unknown>;
  } catch (error) {
    throw invalid(index, `module ${entry.module} could not be loaded (${(error as Error).message.split('\n')[0]}).`);
  }
  const factory = loaded.createConnector ?? (typeof loaded.default === 'function' ? loaded.default : undefined);
  let made: unknown;
  try {
    made = typeof factory === 'function' ? await (factory as (options: unknown) => unknown)(entry.options ?? {}) : (loaded.connector ?? loaded.default);
  } catch (error) {
    throw invalid(index, `module ${entry.module} could not make its connector (${(error as Error).message.split('\n')[0]}); check its options.`);
  }
  const connector = made as Connector | undefined;
  if (!connector || typeof connector !== 'object' || !connector.manifest || typeof connector.searchPersons !== 'function' || typeof connector.fetchRecords !== 'function') {
    throw invalid(index, `module ${entry.module} must export createConnector(options) returning a Connector (manifest, searchPersons, fetchRecords); run \`npx mash-gateway connector check ${entry.module}\`.`);
  }
  return connector;
}

/**
 * Where the sandbox's agency systems answer: addresses, as for real agencies, when the sandbox
 * runs in its own process; its in-process handles (with fault knobs) when it runs inline.
 */
export interface SandboxAgencies {
  health: { baseUrl: string };
  police: { baseUrl: string };
  education: { dir: string } | { directory: EducationFiles };
  housing?: { databaseUrl: string } | { query: HousingQuery };
  socialCare?: { databaseUrl: string } | { query: SocialCareQuery };
  /** The local authority's children's services front door, the social care connector's contact. */
  childrensServices?: { name: string; organisation?: string; phone?: string };
}

/** The agencies of a sandbox running in the gateway's process. */
export function inlineSandboxAgencies(sandbox: Sandbox): SandboxAgencies {
  const front = sandbox.county.localAuthority.childrensServices;
  return {
    health: { baseUrl: sandbox.health.baseUrl },
    police: { baseUrl: sandbox.police.baseUrl },
    education: { directory: sandbox.education.files },
    housing: { query: sandbox.housing.query },
    socialCare: { query: sandbox.socialCare.query },
    childrensServices: { name: front.name, organisation: front.organisation, phone: front.phone },
  };
}

export async function buildConnectors(entries: readonly ConnectorConfig[], sandbox: SandboxAgencies | undefined, baseDir: string): Promise<Connector[]> {
  const connectors: Connector[] = [];
  const need = <T>(value: T | undefined, index: number, key: string): T => {
    if (value === undefined) throw invalid(index, `${key} is required when the sandbox is not enabled.`);
    return value;
  };
  try {
    for (const [index, entry] of entries.entries()) {
      switch (entry.kind) {
        case 'health':
          connectors.push(createHealthConnector({ baseUrl: need(entry.baseUrl ?? sandbox?.health.baseUrl, index, 'baseUrl') }));
          break;
        case 'police':
          connectors.push(createPoliceConnector({ baseUrl: need(entry.baseUrl ?? sandbox?.police.baseUrl, index, 'baseUrl') }));
          break;
        case 'education': {
          const source = entry.dir !== undefined ? { dir: entry.dir } : need(sandbox?.education, index, 'dir');
          // A directory on disk is indexed in the background, so a large one is indexed once and
          // then only its new and changed files, never within a caller's timeout.
          connectors.push(createEducationConnector('dir' in source ? { ...source, indexInBackground: true } : source));
          break;
        }
        case 'housing': {
          const source = entry.databaseUrl !== undefined ? { databaseUrl: entry.databaseUrl } : need(sandbox?.housing, index, 'databaseUrl');
          if ('databaseUrl' in source) {
            const pool = sqlPool(source.databaseUrl);
            const connector = createHousingConnector({ query: queryFromClient(pool) });
            connectors.push({ ...connector, close: async () => { await connector.close?.(); await pool.end(); } });
          } else {
            connectors.push(createHousingConnector({ query: source.query }));
          }
          break;
        }
        case 'social-care': {
          const source = entry.databaseUrl !== undefined ? { databaseUrl: entry.databaseUrl } : need(sandbox?.socialCare, index, 'databaseUrl');
          // The sandbox's front door is the contact only for the sandbox's own system.
          const front = entry.databaseUrl === undefined ? sandbox?.childrensServices : undefined;
          const contact = front ? { contact: { name: front.name, ...(front.organisation ? { organisation: front.organisation } : {}), ...(front.phone ? { phone: front.phone } : {}) } } : {};
          if ('databaseUrl' in source) {
            const pool = sqlPool(source.databaseUrl);
            connectors.push(createSocialCareConnector({ query: (sql, params) => pool.query(sql, params), close: () => pool.end(), ...contact }));
          } else {
            connectors.push(createSocialCareConnector({ query: source.query, ...contact }));
          }
          break;
        }
        case 'module':
          connectors.push(await loadModule(entry, index, baseDir));
          break;
      }
      const agencies = connectors.map((c) => c.manifest.agency);
      const added = agencies.at(-1)!;
      if (agencies.indexOf(added) !== agencies.length - 1) throw invalid(index, `a second connector for agency "${added}"; each agency has one.`);
    }
  } catch (error) {
    await Promise.all(connectors.map((c) => c.close?.().catch(() => undefined)));
    throw error;
  }
  return connectors;
}
