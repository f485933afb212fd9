import DataLoader from 'dataloader';
import {
  ConnectorError,
  type CallContext,
  type Connector,
  type ConnectorManifest,
  type PersonQuery,
  type SourceRecord,
} from '../../connectors/sdk/index.js';
import type { AgencyAnswer, PersonAnswer } from '../disclosure/gate.js';
import type { Logger } from '../log.js';

export interface FederationOptions {
  /** How long one agency may take to answer one call. */
  timeoutMs: number;
  logger: Logger;
}

export interface SubjectLinkRef {
  agency: string;
  personId: string;
}

class AgencyTimeout extends Error {}

/**
 * Federation: asks every agency in parallel and turns each answer into records, no record, or
 * unavailable-with-why (invariant 6). One agency's failure never fails the request.
 * Its output goes to the disclosure gate only.
 */
export function createFederation(connectors: readonly Connector[], options: FederationOptions) {
  const byAgency = new Map(connectors.map((c) => [c.manifest.agency, c] as const));

  async function call<T>(connector: Connector, requestId: string, operation: string, run: (ctx: CallContext) => Promise<T>): Promise<T> {
    const controller = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        reject(new AgencyTimeout());
        controller.abort(new AgencyTimeout());
      }, options.timeoutMs);
    });
    const started = performance.now();
    try {
      return await Promise.race([run({ signal: controller.signal, requestId }), timeout]);
    } finally {
      clearTimeout(timer);
      options.logger.debug({ requestId, agency: connector.manifest.agency, operation, ms: Math.round(performance.now() - started) }, 'agency call');
    }
  }

  function reasonFor(agency: string, requestId: string, error: unknown): string {
    if (error instanceof AgencyTimeout || (error instanceof ConnectorError && error.kind === 'TIMEOUT')) {
      return `${agency} did not answer within ${options.timeoutMs} ms (timeout).`;
    }
    if (error instanceof ConnectorError) {
      options.logger.warn({ requestId, agency, kind: error.kind }, 'agency unavailable');
      return `${agency} is unavailable (${error.kind}): ${error.message}`;
    }
    options.logger.error({ requestId, agency, errorName: (error as Error)?.name }, 'connector failed unexpectedly');
    return `${agency} failed unexpectedly; the gateway's operators have been alerted.`;
  }

  return {
    agencies: (): string[] => [...byAgency.keys()],
    manifests: (): ConnectorManifest[] => connectors.map((c) => c.manifest),

    /** One federation per request: DataLoaders batch and de-duplicate fetches within it. */
    forRequest(requestId: string) {
      const loaders = new Map<string, DataLoader<string, SourceRecord[]>>();
      const loaderFor = (connector: Connector): DataLoader<string, SourceRecord[]> => {
        let loader = loaders.get(connector.manifest.agency);
        if (!loader) {
          loader = new DataLoader(async (personIds) => {
            const records = await call(connector, requestId, 'fetchRecords', (ctx) => connector.fetchRecords(personIds, ctx));
            return personIds.map((id) => records.get(id) ?? []);
          });
          loaders.set(connector.manifest.agency, loader);
        }
        return loader;
      };

      return {
        async fetchRecords(links: readonly SubjectLinkRef[]): Promise<AgencyAnswer[]> {
          return Promise.all(
            [...byAgency.values()].map(async (connector): Promise<AgencyAnswer> => {
              const agency = connector.manifest.agency;
              const personIds = [...new Set(links.filter((l) => l.agency === agency).map((l) => l.personId))];
              if (personIds.length === 0) return { agency, status: 'not-linked' };
              const results = await loaderFor(connector).loadMany(personIds);
              const failed = results.find((r): r is Error => r instanceof Error);
              if (failed) return { agency, status: 'unavailable', reason: reasonFor(agency, requestId, failed) };
              return { agency, status: 'answered', records: (results as SourceRecord[][]).flat(), contact: connector.manifest.contact };
            }),
          );
        },

        async searchPersons(query: PersonQuery): Promise<PersonAnswer[]> {
          return Promise.all(
            [...byAgency.values()].map(async (connector): Promise<PersonAnswer> => {
              const agency = connector.manifest.agency;
              try {
                const persons = await call(connector, requestId, 'searchPersons', (ctx) => connector.searchPersons(query, ctx));
                return { agency, status: 'answered', persons, contact: connector.manifest.contact };
              } catch (error) {
                // An agency that cannot search on the fields given holds nothing findable by them.
                if (error instanceof ConnectorError && error.kind === 'BAD_QUERY') {
                  return { agency, status: 'answered', persons: [], contact: connector.manifest.contact };
                }
                return { agency, status: 'unavailable', reason: reasonFor(agency, requestId, error) };
              }
            }),
          );
        },
      };
    },

    async health(requestId: string): Promise<{ agency: string; ok: boolean; detail?: string }[]> {
      return Promise.all(
        [...byAgency.values()].map(async (connector) => {
          const agency = connector.manifest.agency;
          if (!connector.health) return { agency, ok: true, detail: 'no health check declared' };
          try {
            return { agency, ...(await call(connector, requestId, 'health', (ctx) => connector.health!(ctx))) };
          } catch (error) {
            return { agency, ok: false, detail: reasonFor(agency, requestId, error) };
          }
        }),
      );
    },

    async close(): Promise<void> {
      await Promise.all(connectors.map((c) => c.close?.()));
    },
  };
}

export type Federation = ReturnType<typeof createFederation>;
export type RequestFederation = ReturnType<Federation['forRequest']>;
