import DataLoader from 'dataloader';
import {
  ConnectorError,
  type AddressQuery,
  type CallContext,
  type Connector,
  type ConnectorManifest,
  type HouseholdCapability,
  type HouseholdMember,
  type IncidentFeedPosition,
  type IncidentKind,
  type IncidentPage,
  type PersonQuery,
  type SourcePerson,
  type SourceRecord,
} from '../../connectors/sdk/index.js';
import type { AddressAnswer, AgencyAnswer, HouseholdAnswer, LinkedPersonAnswer, PersonAnswer } from '../disclosure/gate.js';
import { GatewayError } from '../errors.js';
import { loopUtilisation, type LoopLoad } from '../limits/overload.js';
import type { Logger } from '../log.js';
import {
  AgencyTimeoutError,
  CircuitOpenError,
  OwnOverloadError,
  createAgencyResilience,
  resolveResilienceOptions,
  type AgencyResilience,
  type AgencyResilienceOptions,
  type CircuitReport,
} from './resilience.js';

export interface FederationOptions {
  /** How long one agency may take to answer one call, retries included (per-agency `timeoutMs` overrides it). */
  timeoutMs: number;
  logger: Logger;
  /** Per agency: timeout, retries with backoff, circuit breaker. Unlisted agencies get RESILIENCE_DEFAULTS. */
  resilience?: Readonly<Record<string, AgencyResilienceOptions>>;
  /**
   * How long one agency's health probe answers for (default 5,000 ms): every console page asks for
   * the agencies' health, and a probe per page per agency would put the console's load on the
   * agencies. Concurrent askers share one probe. The circuit state is always read fresh.
   */
  healthCacheMs?: number;
  /** The clock, in epoch milliseconds (tests pass their own). */
  now?: () => number;
  /**
   * The gateway's own event loop: a call that runs out of time while it is saturated is answered
   * OVERLOADED, not blamed on the agency. Event-loop utilisation of 0.9 when not given.
   */
  load?: LoopLoad;
}

export interface AgencyHealth {
  agency: string;
  ok: boolean;
  detail?: string;
  circuit: CircuitReport;
}

/** One agency's circuit breaker, as readiness lists it: state only, no call is made. */
export interface AgencyCircuit extends CircuitReport {
  agency: string;
}

export interface SubjectLinkRef {
  agency: string;
  personId: string;
}

/**
 * Federation: asks every agency in parallel and turns each answer into records, no record, or
 * unavailable-with-why (invariant 6). One agency's failure never fails the request.
 * Its output goes to the disclosure gate only.
 */
export function createFederation(connectors: readonly Connector[], options: FederationOptions) {
  const byAgency = new Map(connectors.map((c) => [c.manifest.agency, c] as const));
  for (const agency of Object.keys(options.resilience ?? {})) {
    if (!byAgency.has(agency)) throw new RangeError(`resilience.${agency}: no connector is registered for agency "${agency}"`);
  }
  const load = options.load ?? loopUtilisation(0.9, 1);
  const resilience = new Map<string, AgencyResilience>(
    [...byAgency.keys()].map((agency) => [
      agency,
      createAgencyResilience(agency, resolveResilienceOptions(agency, options.timeoutMs, options.resilience?.[agency]), options.logger, load),
    ]),
  );
  const resilienceOf = (agency: string): AgencyResilience => resilience.get(agency)!;
  const now = options.now ?? Date.now;
  const healthCacheMs = options.healthCacheMs ?? 5_000;
  const probes = new Map<string, { at: number; answer: Promise<{ ok: boolean; detail?: string }> }>();

  /** One agency's health probe, shared by whoever asks within `healthCacheMs` of it starting. */
  function probeHealth(connector: Connector, requestId: string): Promise<{ ok: boolean; detail?: string }> {
    const agency = connector.manifest.agency;
    const cached = probes.get(agency);
    if (cached !== undefined && now() - cached.at < healthCacheMs) return cached.answer;
    const answer = resilienceOf(agency)
      .probe((signal) => connector.health!({ signal, requestId }))
      .catch((error: unknown) => {
        // Out of time on the gateway's own busy loop: OVERLOADED for the asker, and not kept.
        if (error instanceof OwnOverloadError && probes.get(agency)?.answer === answer) probes.delete(agency);
        return { ok: false, detail: reasonFor(agency, requestId, error) };
      });
    probes.set(agency, { at: now(), answer });
    return answer;
  }

  /** Every read is idempotent, so each may be retried on a transient failure. */
  async function call<T>(connector: Connector, requestId: string, operation: 'searchPersons' | 'searchPersonsAny' | 'fetchRecords' | 'incidentsSince' | keyof HouseholdCapability, run: (ctx: CallContext) => Promise<T>): Promise<T> {
    const agency = connector.manifest.agency;
    const started = performance.now();
    let attempts = 0;
    try {
      return await resilienceOf(agency).execute(
        (signal) => {
          attempts++;
          return run({ signal, requestId });
        },
        { idempotent: true },
      );
    } finally {
      options.logger.debug({ requestId, agency, operation, attempts, ms: Math.round(performance.now() - started) }, 'agency call');
    }
  }

  /** The caller's input was refused by the agency's system: the caller's to fix, not an outage. */
  function rejectedInput(agency: string, error: ConnectorError): GatewayError {
    return new GatewayError('BAD_INPUT', `${agency} refused a value in the request as invalid (${error.message.match(/SQLSTATE \w+/)?.[0] ?? 'invalid data'}). Check the names, dates and references for stray or control characters.`, {
      details: { agency },
    });
  }

  /**
   * Why an agency is unavailable. A call that ran out of time on the gateway's own saturated event
   * loop does not make the agency unavailable: the whole request is answered OVERLOADED instead
   * (thrown from here, where every read turns a failure into an agency's status).
   */
  function reasonFor(agency: string, requestId: string, error: unknown): string {
    if (error instanceof OwnOverloadError) {
      const after = load.retryAfterSeconds;
      throw new GatewayError('OVERLOADED', `The gateway was too busy to read ${agency}'s answer in time; ${agency} is not at fault and is not marked unavailable. Retry after ${after} second${after === 1 ? '' : 's'}.`, {
        details: { retryAfter: after },
      });
    }
    if (error instanceof AgencyTimeoutError) return error.message;
    if (error instanceof CircuitOpenError) return `${error.message}.`;
    if (error instanceof ConnectorError && error.kind === 'TIMEOUT') {
      return `${agency} did not answer within ${resilienceOf(agency).options.timeoutMs} ms (timeout).`;
    }
    if (error instanceof ConnectorError) {
      options.logger.warn({ requestId, agency, kind: error.kind }, 'agency unavailable');
      return `${agency} is unavailable (${error.kind}): ${error.message}`;
    }
    options.logger.error({ requestId, agency, errorName: (error as Error)?.name }, 'connector failed unexpectedly');
    return `${agency} failed unexpectedly; the gateway's operators have been alerted.`;
  }

  /**
   * An agency whose connector does not offer a household method answers `not-supported`: a
   * status of its own, neither an error nor silence (the researcher must know nothing was asked).
   */
  const notSupported = (agency: string, method: keyof HouseholdCapability) =>
    ({ agency, status: 'not-supported', reason: `${agency}'s connector does not offer ${method} (the optional household capability); nothing was asked of it.` }) as const;
  const supports = <M extends keyof HouseholdCapability>(connector: Connector, method: M): connector is Connector & Pick<HouseholdCapability, M> =>
    typeof connector[method] === 'function';

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
              if (failed instanceof ConnectorError && failed.rejectedInput) throw rejectedInput(agency, failed);
              if (failed) return { agency, status: 'unavailable', reason: reasonFor(agency, requestId, failed) };
              return { agency, status: 'answered', records: (results as SourceRecord[][]).flat(), contact: connector.manifest.contact };
            }),
          );
        },

        /**
         * Every agency's person search. Several queries (search passes) go to each agency in one
         * request where its connector offers `searchPersonsAny`, otherwise side by side; their
         * answers are merged, one entry per agency person id. An agency is unavailable if any pass
         * failed: a partial answer must not pass for "no record".
         */
        async searchPersons(query: PersonQuery | readonly PersonQuery[], options: { agencies?: readonly string[] } = {}): Promise<PersonAnswer[]> {
          const queries: readonly PersonQuery[] = Array.isArray(query) ? query : [query as PersonQuery];
          // `agencies`: ask only these (Operation Encompass asks education alone where a child is on a roll).
          const asked = [...byAgency.values()].filter((connector) => options.agencies === undefined || options.agencies.includes(connector.manifest.agency));
          return Promise.all(
            asked.map(async (connector): Promise<PersonAnswer> => {
              const agency = connector.manifest.agency;
              // One request for all the passes where the connector can (searchPersonsAny answers
              // their union); otherwise one request per pass.
              const anyOf = connector.searchPersonsAny?.bind(connector);
              const outcomes = await Promise.allSettled(
                anyOf !== undefined && queries.length > 1
                  ? [call(connector, requestId, 'searchPersonsAny', (ctx) => anyOf(queries, ctx))]
                  : queries.map((q) => call(connector, requestId, 'searchPersons', (ctx) => connector.searchPersons(q, ctx))),
              );
              const persons = new Map<string, SourcePerson>();
              for (const outcome of outcomes) {
                if (outcome.status === 'fulfilled') {
                  for (const person of outcome.value) if (!persons.has(person.personId)) persons.set(person.personId, person);
                  continue;
                }
                if (outcome.reason instanceof ConnectorError && outcome.reason.rejectedInput) throw rejectedInput(agency, outcome.reason);
                // An agency that cannot search on the fields given holds nothing findable by them.
                if (outcome.reason instanceof ConnectorError && outcome.reason.kind === 'BAD_QUERY') continue;
                return { agency, status: 'unavailable', reason: reasonFor(agency, requestId, outcome.reason) };
              }
              return { agency, status: 'answered', persons: [...persons.values()], contact: connector.manifest.contact };
            }),
          );
        },

        /**
         * Household capability: who each agency records with the linked persons (same address or
         * related persons). Same resilience as every read; `not-linked` where the agency holds no
         * linked person, `not-supported` where its connector lacks the method.
         */
        async householdOf(links: readonly SubjectLinkRef[]): Promise<HouseholdAnswer[]> {
          return Promise.all(
            [...byAgency.values()].map(async (connector): Promise<HouseholdAnswer> => {
              const agency = connector.manifest.agency;
              const personIds = [...new Set(links.filter((l) => l.agency === agency).map((l) => l.personId))];
              if (personIds.length === 0) return { agency, status: 'not-linked' };
              if (!supports(connector, 'householdOf')) return notSupported(agency, 'householdOf');
              try {
                const found = await call(connector, requestId, 'householdOf', (ctx) => connector.householdOf(personIds, ctx));
                const members: { of: string; member: HouseholdMember }[] = [];
                for (const personId of personIds) for (const member of found.get(personId) ?? []) members.push({ of: personId, member });
                return { agency, status: 'answered', members, contact: connector.manifest.contact };
              } catch (error) {
                if (error instanceof ConnectorError && error.rejectedInput) throw rejectedInput(agency, error);
                return { agency, status: 'unavailable', reason: reasonFor(agency, requestId, error) };
              }
            }),
          );
        },

        /**
         * Household capability: the persons each agency records at any of the addresses (current
         * addresses only), one entry per agency person id. As with search passes, an agency is
         * unavailable if any address search failed; one that cannot search on the fields given
         * (BAD_QUERY) holds nothing findable by them.
         */
        async personsAtAddress(addresses: readonly AddressQuery[]): Promise<AddressAnswer[]> {
          return Promise.all(
            [...byAgency.values()].map(async (connector): Promise<AddressAnswer> => {
              const agency = connector.manifest.agency;
              if (!supports(connector, 'personsAtAddress')) return notSupported(agency, 'personsAtAddress');
              const outcomes = await Promise.allSettled(addresses.map((address) => call(connector, requestId, 'personsAtAddress', (ctx) => connector.personsAtAddress(address, ctx))));
              const persons = new Map<string, SourcePerson>();
              let refused = 0;
              for (const outcome of outcomes) {
                if (outcome.status === 'fulfilled') {
                  for (const person of outcome.value) if (!persons.has(person.personId)) persons.set(person.personId, person);
                  continue;
                }
                if (outcome.reason instanceof ConnectorError && outcome.reason.rejectedInput) throw rejectedInput(agency, outcome.reason);
                if (outcome.reason instanceof ConnectorError && outcome.reason.kind === 'BAD_QUERY') {
                  refused++;
                  continue;
                }
                return { agency, status: 'unavailable', reason: reasonFor(agency, requestId, outcome.reason) };
              }
              return { agency, status: 'answered', persons: [...persons.values()], contact: connector.manifest.contact, ...(refused > 0 ? { refused } : {}) };
            }),
          );
        },

        /** Household capability: the linked persons' identity as each agency holds it now (for conflicts). */
        async fetchPersons(links: readonly SubjectLinkRef[]): Promise<LinkedPersonAnswer[]> {
          return Promise.all(
            [...byAgency.values()].map(async (connector): Promise<LinkedPersonAnswer> => {
              const agency = connector.manifest.agency;
              const personIds = [...new Set(links.filter((l) => l.agency === agency).map((l) => l.personId))];
              if (personIds.length === 0) return { agency, status: 'not-linked' };
              if (!supports(connector, 'fetchPersons')) return notSupported(agency, 'fetchPersons');
              try {
                const found = await call(connector, requestId, 'fetchPersons', (ctx) => connector.fetchPersons(personIds, ctx));
                const persons = personIds.flatMap((id) => (found.has(id) ? [found.get(id)!] : []));
                return { agency, status: 'answered', persons, contact: connector.manifest.contact };
              } catch (error) {
                if (error instanceof ConnectorError && error.rejectedInput) throw rejectedInput(agency, error);
                return { agency, status: 'unavailable', reason: reasonFor(agency, requestId, error) };
              }
            }),
          );
        },
      };
    },

    /**
     * Each agency's health and circuit. An agency whose circuit is open and cooling down is
     * reported down without probing it (a hung system would otherwise cost the caller a timeout).
     */
    async health(requestId: string): Promise<AgencyHealth[]> {
      return Promise.all(
        [...byAgency.values()].map(async (connector): Promise<AgencyHealth> => {
          const agency = connector.manifest.agency;
          const policy = resilienceOf(agency);
          const circuit = policy.circuit();
          if (circuit.state === 'open' && circuit.retryAfter !== undefined && Date.parse(circuit.retryAfter) > now()) {
            return { agency, ok: false, detail: new CircuitOpenError(agency, circuit.consecutiveFailures, circuit.retryAfter, undefined).message, circuit };
          }
          if (!connector.health) return { agency, ok: true, detail: 'no health check declared', circuit };
          return { agency, ...(await probeHealth(connector, requestId)), circuit };
        }),
      );
    },

    /** Agencies whose connector offers the incident feed (the optional incident capability). */
    incidentFeedAgencies: (): string[] => connectors.filter((c) => typeof c.incidentsSince === 'function').map((c) => c.manifest.agency),

    /**
     * One read of an agency's incident feed, under the agency's time budget (the connector gets an
     * AbortSignal), retries and circuit breaker like any read. Rejects with the connector's error,
     * an AgencyTimeoutError or a CircuitOpenError; the feed poller records it.
     */
    async incidentsSince(agency: string, position: IncidentFeedPosition, kinds: readonly IncidentKind[], limit: number, requestId: string): Promise<IncidentPage> {
      const connector = byAgency.get(agency);
      if (connector?.incidentsSince === undefined) throw new RangeError(`${agency}: no connector with an incident feed is registered for this agency`);
      const read = connector.incidentsSince.bind(connector);
      return call(connector, requestId, 'incidentsSince', (ctx) => read(position, kinds, limit, ctx));
    },

    /** Each agency's circuit breaker now, without calling any agency (for /readyz). */
    circuits(): AgencyCircuit[] {
      return [...byAgency.keys()].map((agency) => ({ agency, ...resilienceOf(agency).circuit() }));
    },

    async close(): Promise<void> {
      await Promise.all(connectors.map((c) => c.close?.()));
    },
  };
}

export type Federation = ReturnType<typeof createFederation>;
export type RequestFederation = ReturnType<Federation['forRequest']>;
