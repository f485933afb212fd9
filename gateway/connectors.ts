import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import pg from 'pg';
import { createEducationConnector } from '../connectors/education/index.js';
import { createHealthConnector } from '../connectors/health/index.js';
import { createHousingConnector, queryFromClient } from '../connectors/housing/index.js';
import { createPoliceConnector } from '../connectors/police/index.js';
import type { Connector } from '../connectors/sdk/index.js';
import { createSocialCareConnector } from '../connectors/social-care/index.js';
import type { Sandbox } from '../sandbox/index.js';
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

export async function buildConnectors(entries: readonly ConnectorConfig[], sandbox: Sandbox | undefined, baseDir: string): Promise<Connector[]> {
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
        case 'education':
          connectors.push(
            entry.dir !== undefined
              ? createEducationConnector({ dir: entry.dir })
              : createEducationConnector({ directory: need(sandbox?.education.files, index, 'dir') }),
          );
          break;
        case 'housing': {
          if (entry.databaseUrl !== undefined) {
            const pool = sqlPool(entry.databaseUrl);
            const connector = createHousingConnector({ query: queryFromClient(pool) });
            connectors.push({ ...connector, close: async () => { await connector.close?.(); await pool.end(); } });
          } else {
            connectors.push(createHousingConnector({ query: need(sandbox?.housing.query, index, 'databaseUrl') }));
          }
          break;
        }
        case 'social-care': {
          if (entry.databaseUrl !== undefined) {
            const pool = sqlPool(entry.databaseUrl);
            connectors.push(createSocialCareConnector({ query: (sql, params) => pool.query(sql, params), close: () => pool.end() }));
          } else {
            const front = sandbox?.county.localAuthority.childrensServices;
            connectors.push(
              createSocialCareConnector({
                query: need(sandbox?.socialCare.query, index, 'databaseUrl'),
                ...(front ? { contact: { name: front.name, ...(front.organisation ? { organisation: front.organisation } : {}), ...(front.phone ? { phone: front.phone } : {}) } } : {}),
              }),
            );
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
