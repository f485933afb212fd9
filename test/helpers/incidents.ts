import { ConnectorError, type CallContext, type Connector, type IncidentFeedPosition, type IncidentKind, type IncidentPage, type IncidentPerson, type SourceIncident } from '../../connectors/sdk/index.js';

/**
 * An in-memory incident feed behind a plain `Connector` (the optional incident capability), for
 * tests of the feed poller and of what starts from incidents.
 *
 * The feed is a change log: `publish` appends incidents (new ones, or a changed version of one
 * published before, which then reappears after any cursor that had passed it). A cursor is
 * `fake:<n>`, "after the n-th change"; a cursor the feed did not give is refused (ConnectorError
 * BAD_QUERY), as the SDK asks. `{ since }` starts after the changes whose `provenance.asOf` is at or
 * before it.
 */
export interface FakeIncidentFeed {
  connector: Connector;
  /** Appends to the change log, in feed order. */
  publish(...incidents: SourceIncident[]): void;
  /** The change log (every version published, oldest first). */
  readonly log: readonly SourceIncident[];
  /**
   * The failure switch: an error every call throws, or a function deciding per call (`call` counts
   * every call, retries included, from 1). undefined: the feed answers.
   */
  fail: Error | ((call: { call: number; position: IncidentFeedPosition }) => Error | undefined) | undefined;
  /** Calls wait until the caller's signal aborts (then throw ConnectorError TIMEOUT): a hung feed. */
  hang: boolean;
  /** The next call answers as if asked from the position of the call before it (a page read twice). */
  replayNext: boolean;
  /** Every call's position, kinds and limit, in order. */
  readonly calls: { position: IncidentFeedPosition; kinds: readonly IncidentKind[]; limit: number; signal: AbortSignal }[];
}

export function fakeIncidentConnector(options: { agency?: string; incidents?: SourceIncident[] } = {}): FakeIncidentFeed {
  const agency = options.agency ?? 'police';
  const log: SourceIncident[] = [...(options.incidents ?? [])];
  const calls: FakeIncidentFeed['calls'] = [];
  let previousStart: number | undefined;

  function startOf(position: IncidentFeedPosition): number {
    if ('cursor' in position) {
      const match = /^fake:(\d+)$/.exec(position.cursor);
      const n = match ? Number(match[1]) : Number.NaN;
      if (!Number.isInteger(n) || n > log.length) throw new ConnectorError('BAD_QUERY', `${agency} does not recognise the feed cursor`);
      return n;
    }
    const first = log.findIndex((incident) => incident.provenance.asOf > position.since);
    return first === -1 ? log.length : first;
  }

  async function incidentsSince(position: IncidentFeedPosition, kinds: readonly IncidentKind[], limit: number, ctx: CallContext): Promise<IncidentPage> {
    calls.push({ position, kinds, limit, signal: ctx.signal });
    const failure = typeof feed.fail === 'function' ? feed.fail({ call: calls.length, position }) : feed.fail;
    if (failure) throw failure;
    if (feed.hang) {
      await new Promise<void>((resolve) => (ctx.signal.aborted ? resolve() : ctx.signal.addEventListener('abort', () => resolve(), { once: true })));
      throw new ConnectorError('TIMEOUT', `${agency} feed call aborted`);
    }
    let start = startOf(position);
    if (feed.replayNext && previousStart !== undefined) {
      feed.replayNext = false;
      start = previousStart;
    }
    previousStart = start;
    const incidents: SourceIncident[] = [];
    let n = start;
    // Only an incident's latest version is given: an earlier one is superseded by a later change.
    const latest = (index: number): boolean => !log.slice(index + 1).some((later) => later.incidentId === log[index]!.incidentId);
    for (; n < log.length && incidents.length < limit; n++) {
      const incident = log[n]!;
      if (kinds.includes(incident.kind) && latest(n)) incidents.push(structuredClone(incident));
    }
    let hasMore = false;
    for (let rest = n; rest < log.length; rest++) if (kinds.includes(log[rest]!.kind) && latest(rest)) hasMore = true;
    return { incidents, cursor: `fake:${n}`, hasMore };
  }

  const feed: FakeIncidentFeed = {
    connector: {
      manifest: {
        agency,
        name: 'Test force incident feed',
        version: '1',
        protocol: 'in-memory',
        identifierSystems: [`https://${agency}.test/person-id`],
        categories: [{ id: `${agency}.identity`, tier: 'T0', kinds: [], fields: ['names', 'birthDate'], description: 'identity' }],
        contact: { name: 'Public Protection Unit', phone: '01632 960100' },
      },
      searchPersons: async () => [],
      fetchRecords: async (ids) => new Map(ids.map((id) => [id, []])),
      incidentsSince,
    },
    publish: (...incidents) => void log.push(...incidents),
    log,
    fail: undefined,
    hang: false,
    replayNext: false,
    calls,
  };
  return feed;
}

/** A domestic-abuse incident with an adult victim, a suspect and a child present; `asOf` is when the agency last changed it. */
export function sampleIncident(incidentId: string, options: { agency?: string; occurredAt?: string; asOf?: string; riskLevel?: SourceIncident['riskLevel']; persons?: IncidentPerson[] } = {}): SourceIncident {
  const agency = options.agency ?? 'police';
  const occurredAt = options.occurredAt ?? '2026-12-01T21:30:00Z';
  const asOf = options.asOf ?? occurredAt;
  const system = `https://${agency}.test/api`;
  const person = (personId: string, given: string, family: string, birthDate: string): IncidentPerson['person'] => ({
    agency,
    personId,
    identifiers: [],
    names: [{ given: [given], family }],
    birthDate,
    addresses: [{ line1: '4 Quarry Lane', postalCode: 'MB1 2QL' }],
    provenance: { system, recordId: `persons/${personId}`, asOf },
  });
  return {
    agency,
    incidentId,
    kind: 'domestic-abuse',
    occurredAt,
    location: { line1: '4 Quarry Lane', postalCode: 'MB1 2QL' },
    ...(options.riskLevel ? { riskLevel: options.riskLevel } : {}),
    childrenPresent: true,
    officer: { name: 'PC Morgan Hale', role: 'attending officer', phone: '01632 960200' },
    persons: options.persons ?? [
      { role: 'victim', person: person(`${incidentId}-V`, 'Alexandra', 'Quillfeather', '1990-04-02') },
      { role: 'suspect', person: person(`${incidentId}-S`, 'Barnaby', 'Quillfeather', '1988-09-17') },
      { role: 'child-present', person: person(`${incidentId}-C`, 'Clementine', 'Quillfeather', '2017-06-11') },
    ],
    provenance: { system, recordId: `events/${incidentId}`, asOf },
  };
}
