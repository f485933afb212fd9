/**
 * The incident feed (the SDK's optional `IncidentCapability`) over the force's change feed,
 * `POST events/changes` (sandbox/police/README.md): domestic-abuse incidents recorded or changed
 * after a position, oldest change first, each with the persons involved (side-loaded, mapped by
 * `toSourcePerson` like a person search) and their roles.
 *
 * The cursor is opaque to the gateway: `v1:<change token>`. A cursor that is not one of ours is
 * ConnectorError BAD_QUERY (never a silent restart from the beginning); so is a token the force
 * refuses (400: e.g. ahead of its newest change).
 */
import {
  ConnectorError,
  DASH_RISK_LEVELS,
  INCIDENT_KINDS,
  type CallContext,
  type DashRiskLevel,
  type IncidentCapability,
  type IncidentFeedPosition,
  type IncidentKind,
  type IncidentPage,
  type IncidentPerson,
  type IncidentRole,
  type SourceIncident,
} from '../sdk/index.js';
import { AGENCY } from './codes.js';
import type { PoliceApiClient } from './http.js';
import { locationText, provenance, toSourcePerson, type MappingContext } from './mapping.js';
import {
  ChangesEnvelopeSchema,
  EventSchema,
  LocationSchema,
  PersonSchema,
  ZONED_DATE_TIME,
  type PoliceApiEvent,
  type PoliceApiLocation,
  type PoliceApiPerson,
} from './schema.js';

/** Feed kinds -> the force's event types. */
const EVENT_TYPE_OF: Readonly<Record<IncidentKind, string>> = { 'domestic-abuse': 'domestic-abuse-incident' };
const KIND_OF: Readonly<Record<string, IncidentKind>> = { 'domestic-abuse-incident': 'domestic-abuse' };

/** Police roles -> INCIDENT_ROLES; anything else is `other`. */
const ROLE_OF: Readonly<Record<string, IncidentRole>> = {
  victim: 'victim',
  suspect: 'suspect',
  'child-present': 'child-present',
  'child-in-household': 'child-in-household',
  witness: 'witness',
};
/** When a person is recorded twice in one incident, the role that says most. */
const ROLE_RANK: readonly IncidentRole[] = ['victim', 'suspect', 'child-present', 'child-in-household', 'witness', 'other'];

const CURSOR = /^v1:(0|[1-9]\d{0,14})$/;
const MAX_LIMIT = 1000;

export interface PoliceIncidentOptions {
  client: PoliceApiClient;
  mappingContext(): MappingContext;
}

function dashRisk(level: string | undefined): DashRiskLevel | undefined {
  if (level === undefined) return undefined;
  if ((DASH_RISK_LEVELS as readonly string[]).includes(level)) return level as DashRiskLevel;
  // DASH has no "low": a force grading low means standard.
  return level === 'low' ? 'standard' : undefined;
}

function toIncident(
  e: PoliceApiEvent,
  persons: ReadonlyMap<string, PoliceApiPerson>,
  locations: ReadonlyMap<string, PoliceApiLocation>,
  ctx: MappingContext,
): SourceIncident {
  const kind = KIND_OF[e.type] as IncidentKind;
  if (!ZONED_DATE_TIME.test(e.occurredAt)) throw new ConnectorError('MALFORMED_RESPONSE', 'police records API answered the change feed with an incident time without a zone');
  const involved = new Map<string, IncidentPerson>();
  for (const involvement of e.persons) {
    const person = persons.get(involvement.personId);
    if (!person) throw new ConnectorError('MALFORMED_RESPONSE', 'police records API answered the change feed without a person an incident involves');
    const role = ROLE_OF[involvement.role] ?? 'other';
    const seen = involved.get(person.id);
    if (seen && ROLE_RANK.indexOf(seen.role) <= ROLE_RANK.indexOf(role)) continue;
    involved.set(person.id, { person: toSourcePerson(person, locations, ctx), role });
  }
  const l = e.locationId ? locations.get(e.locationId) : undefined;
  const location: SourceIncident['location'] = {};
  if (l?.line1) location.line1 = l.line1;
  if (l?.line2) location.line2 = l.line2;
  if (l?.city) location.city = l.city;
  if (l?.postcode) location.postalCode = l.postcode;
  if (l?.uprn) location.uprn = l.uprn;
  const description = locationText(l);
  if (description) location.description = description;
  const o = e.officerInCase;
  const officer: SourceIncident['officer'] = o
    ? {
        name: o.name,
        ...(o.unit ? { organisation: o.unit } : {}),
        ...(o.phone ? { phone: o.phone } : {}),
        ...(o.email ? { email: o.email } : {}),
        role: `Attending officer${o.rank || o.collarNumber ? ` (${[o.rank, o.collarNumber].filter(Boolean).join(' ')})` : ''}`,
      }
    : { ...ctx.contact, role: 'MASH police desk' };
  const roles = [...involved.values()];
  const riskLevel = dashRisk(e.riskLevel);
  return {
    agency: AGENCY,
    incidentId: e.id,
    kind,
    occurredAt: e.occurredAt,
    location,
    ...(riskLevel ? { riskLevel } : {}),
    childrenPresent: e.childPresent === true || roles.some((p) => p.role === 'child-present'),
    officer,
    persons: roles,
    provenance: provenance(ctx, `events/${e.id}`, e.lastUpdated),
  };
}

export function policeIncidents(options: PoliceIncidentOptions): IncidentCapability {
  const { client, mappingContext } = options;
  return {
    async incidentsSince(position: IncidentFeedPosition, kinds: readonly IncidentKind[], limit: number, ctx: CallContext): Promise<IncidentPage> {
      if (ctx.signal.aborted) throw new ConnectorError('TIMEOUT', 'police records API was not asked: the change feed read was cancelled');
      if (kinds.length === 0) throw new ConnectorError('BAD_QUERY', 'police incident feed: ask for at least one incident kind', { rejectedInput: true });
      for (const kind of kinds) {
        if (!(INCIDENT_KINDS as readonly string[]).includes(kind)) throw new ConnectorError('BAD_QUERY', `police incident feed: unknown incident kind ${JSON.stringify(String(kind).slice(0, 40))}`, { rejectedInput: true });
      }
      if (!Number.isInteger(limit) || limit < 1) throw new ConnectorError('BAD_QUERY', 'police incident feed: limit must be a positive whole number', { rejectedInput: true });
      let after: string | undefined;
      let since: string | undefined;
      if ('cursor' in position) {
        const m = typeof position.cursor === 'string' ? CURSOR.exec(position.cursor) : null;
        if (!m) throw new ConnectorError('BAD_QUERY', 'police incident feed: the cursor is not one this connector gave (expected v1:<change token>); start again from a time');
        after = m[1];
      } else {
        if (typeof position.since !== 'string' || !ZONED_DATE_TIME.test(position.since) || Number.isNaN(Date.parse(position.since))) {
          throw new ConnectorError('BAD_QUERY', 'police incident feed: since must be an ISO 8601 date-time with a zone', { rejectedInput: true });
        }
        since = position.since;
      }
      const types = [...new Set(kinds.map((k) => EVENT_TYPE_OF[k]))];
      const body = await client.post('change feed', 'events/changes', { types, ...(after !== undefined ? { after } : { since }), limit: Math.min(limit, MAX_LIMIT) }, { signal: ctx.signal, requestId: ctx.requestId });
      const envelope = ChangesEnvelopeSchema.safeParse(body);
      if (!envelope.success) throw new ConnectorError('MALFORMED_RESPONSE', 'police records API answered the change feed with the wrong shape');
      const { data, included, page } = envelope.data;
      if (after !== undefined && Number(page.next) < Number(after)) throw new ConnectorError('MALFORMED_RESPONSE', 'police records API answered the change feed with a token before the one asked from');
      if (after !== undefined && page.more && page.next === after) throw new ConnectorError('MALFORMED_RESPONSE', 'police records API answered the change feed with more to come but a token that does not move on');
      const locations = new Map<string, PoliceApiLocation>();
      for (const raw of included?.locations ?? []) {
        const parsed = LocationSchema.safeParse(raw);
        if (!parsed.success) throw new ConnectorError('MALFORMED_RESPONSE', 'police records API answered the change feed with a location of the wrong shape');
        locations.set(parsed.data.id, parsed.data);
      }
      const persons = new Map<string, PoliceApiPerson>();
      for (const raw of included?.persons ?? []) {
        const parsed = PersonSchema.safeParse(raw);
        if (!parsed.success) throw new ConnectorError('MALFORMED_RESPONSE', 'police records API answered the change feed with a person of the wrong shape');
        persons.set(parsed.data.id, parsed.data);
      }
      const mapping = mappingContext();
      const incidents: SourceIncident[] = [];
      const seen = new Set<string>();
      for (const raw of data) {
        const parsed = EventSchema.safeParse(raw);
        if (!parsed.success) throw new ConnectorError('MALFORMED_RESPONSE', 'police records API answered the change feed with an event of the wrong shape');
        const kind = KIND_OF[parsed.data.type];
        // Types not asked for (a force ignoring `types`) are skipped; the token still moves past them.
        if (kind === undefined || !kinds.includes(kind)) continue;
        if (seen.has(parsed.data.id)) throw new ConnectorError('MALFORMED_RESPONSE', 'police records API answered the change feed with an event twice in one page');
        seen.add(parsed.data.id);
        incidents.push(toIncident(parsed.data, persons, locations, mapping));
      }
      if (incidents.length > limit) throw new ConnectorError('MALFORMED_RESPONSE', 'police records API answered the change feed with more events than asked for');
      return { incidents, cursor: `v1:${page.next}`, hasMore: page.more };
    },
  };
}
