import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Connector, SourceIncident, SourcePerson, SourceRecord } from '../../../connectors/sdk/index.js';
import { startGateway, type Gateway } from '../../../gateway/app.js';
import { configFromDocument } from '../../../gateway/config.js';
import { silentLogger } from '../../../gateway/log.js';
import type { Store } from '../../../gateway/store/index.js';
import { generateCounty, type EducationPupil as Pupil } from '../../../sandbox/index.js';
import { RELAXED_RATE_LIMITS } from '../../helpers/gateway.js';
export { startSmtp } from '../../helpers/smtp.js';

/**
 * Operation Encompass test bench: the sandbox county's education (the school rolls), a police
 * system written here (its incidents dated when the test needs them, inside the disclosure
 * policy's effective dates), a local SMTP server for the email channel, and a gateway whose
 * encompass configuration names the county's schools.
 */

export const SEED = 7;
export const HOUSEHOLDS = 40;

/** The police person for a child: as police would hold them (identity with fields the policy does not let through). */
export function policeChild(personId: string, identity: { family: string; given: string; birthDate: string; postcode?: string; gender?: '1' | '2' }): SourcePerson {
  return {
    agency: 'police',
    personId,
    identifiers: [{ system: 'https://police.test/person-id', value: personId }],
    names: [{ use: 'official', family: identity.family, given: [identity.given] }],
    birthDate: identity.birthDate,
    ...(identity.gender ? { gender: identity.gender } : {}),
    addresses: identity.postcode ? [{ line1: '1 Test Street', postalCode: identity.postcode }] : [],
    provenance: { system: 'https://police.test/api', recordId: `persons/${personId}`, asOf: '2026-12-01T00:00:00Z' },
  };
}

export const policeAdult = (personId: string): SourcePerson => policeChild(personId, { family: 'Adultson', given: 'Alex', birthDate: '1988-02-03', postcode: 'MB1 1AA' });

/** An incident as the police feed gives it. */
export function incident(incidentId: string, occurredAt: string, persons: { person: SourcePerson; role: SourceIncident['persons'][number]['role'] }[]): SourceIncident {
  return {
    agency: 'police',
    incidentId,
    kind: 'domestic-abuse',
    occurredAt,
    location: { line1: '1 Test Street', city: 'Marlbridge', postalCode: 'MB1 1AA' },
    riskLevel: 'high',
    childrenPresent: true,
    officer: { name: 'PC Test Officer', role: 'Officer in case', phone: '01632 960123', email: 'pc.officer@police.test' },
    persons,
    provenance: { system: 'https://police.test/api', recordId: `events/${incidentId}`, asOf: occurredAt },
  };
}

/**
 * A police system holding each incident's records for its persons: the incident's flag (fixed
 * fields plus status, outcome with the DASH risk, and service, which Operation Encompass must not
 * pass on), the officer's narrative (police.detail), and an older unrelated flag.
 */
export function fakePolice(incidents: () => readonly SourceIncident[]): Connector {
  const record = (category: 'police.flags' | 'police.detail', personId: string, recordId: string, fields: SourceRecord['fields']): SourceRecord => ({
    kind: 'event',
    agency: 'police',
    category,
    tier: category === 'police.flags' ? 'T1' : 'T3',
    personId,
    provenance: { system: 'https://police.test/api', recordId, asOf: '2026-12-01T00:00:00Z' },
    fields,
  });
  return {
    manifest: {
      agency: 'police',
      name: 'Test force records',
      version: '1',
      protocol: 'rest',
      identifierSystems: ['https://police.test/person-id'],
      categories: [
        { id: 'police.identity', tier: 'T0', kinds: [], fields: ['names', 'birthDate', 'gender', 'identifiers', 'addresses'], description: 'identity' },
        { id: 'police.flags', tier: 'T1', kinds: ['event'], fields: ['type', 'title', 'status', 'start', 'location', 'outcome', 'service', 'contactName', 'contactRole', 'contactPhone', 'contactEmail'], description: 'flags' },
        { id: 'police.detail', tier: 'T3', kinds: ['event'], fields: ['type', 'title', 'start', 'narrative'], description: 'detail' },
      ],
      contact: { name: 'MASH police desk', phone: '01632 960100' },
    },
    searchPersons: async () => [],
    fetchRecords: async (ids) =>
      new Map(
        ids.map((id) => [
          id,
          incidents()
            .filter((i) => i.persons.some((p) => p.person.personId === id))
            .flatMap((i) => [
              record('police.flags', id, `events/${i.incidentId}`, {
                type: 'domestic-abuse-incident',
                title: 'Domestic abuse incident (child present)',
                status: 'open',
                start: i.occurredAt,
                location: '1 Test Street, Marlbridge MB1 1AA',
                outcome: 'DASH risk: high; suspect arrested',
                service: 'Public Protection Unit',
                contactName: 'PC Test Officer (1234)',
                contactRole: 'Officer in case',
                contactPhone: '01632 960123',
                contactEmail: 'pc.officer@police.test',
              }),
              record('police.detail', id, `events/${i.incidentId}#narrative`, { type: 'domestic-abuse-incident', title: "Officer's account", start: i.occurredAt, narrative: 'NARRATIVE-MUST-NOT-LEAVE' }),
              record('police.flags', id, 'events/OLD-1', { type: 'missing-episode', title: 'Missing person episode', start: '2026-01-10T10:00:00Z' }),
            ]),
        ]),
      ),
  };
}

/** Pupils of the county (current school's LAESTAB), first one per school, in school order. */
export function countyPupils(): { pupil: Pupil; laestab: string; schoolName: string }[] {
  const county = generateCounty({ seed: SEED, households: HOUSEHOLDS });
  const education = county.views.education;
  const seen = new Set<string>();
  const out: { pupil: Pupil; laestab: string; schoolName: string }[] = [];
  // A pupil whose name and date of birth no other pupil shares, so a certain match is unambiguous.
  const key = (p: Pupil) => `${p.surname}|${p.forename}|${p.birthDate}`;
  const counts = new Map<string, number>();
  for (const p of education.pupils) counts.set(key(p), (counts.get(key(p)) ?? 0) + 1);
  for (const pupil of education.pupils) {
    const school = education.schools.find((s) => s.schoolId === pupil.schoolId);
    if (!school || seen.has(school.laEstab) || counts.get(key(pupil)) !== 1 || pupil.preferredSurname || pupil.preferredForename) continue;
    seen.add(school.laEstab);
    out.push({ pupil, laestab: school.laEstab, schoolName: school.name });
  }
  return out;
}

export async function startEncompassGateway(options: { now: () => Date; incidents: () => readonly SourceIncident[]; smtpPort: number; schools: unknown[]; store?: Store }) {
  const dataDir = mkdtempSync(join(tmpdir(), 'mash-encompass-test-'));
  const config = configFromDocument(
    {
      auth: { demoIssuer: true, issuers: [] },
      sandbox: { enabled: true, seed: SEED, households: HOUSEHOLDS, healthPort: 0, policePort: 0, process: 'inline' },
      // A breaker that does not open within the test, so education answers again as soon as its fault is cleared.
      connectors: [{ kind: 'education', timeoutMs: 3000, retries: 0, breaker: { threshold: 100 } }],
      limits: RELAXED_RATE_LIMITS,
      // Delivery only when the test runs it (runOnce), never on the background timer.
      notifications: { delivery: { pollMs: 600_000 }, email: { host: '127.0.0.1', port: options.smtpPort, secure: false, requireTLS: false, from: 'mash@county.example', to: ['mash-team@county.example'], timeoutMs: 3000 } },
      incidents: { pollEverySeconds: 0 },
      encompass: {
        sendBy: '08:30',
        escalateAt: '10:30',
        workEverySeconds: 0,
        terms: [
          { from: '2026-09-03', to: '2026-10-23' },
          { from: '2026-11-02', to: '2026-12-18' },
          { from: '2027-01-05', to: '2027-02-12' },
        ],
        schools: options.schools,
      },
    },
    join(process.cwd(), 'mash-gateway.config.yaml'),
    { PORT: 0, HOST: '127.0.0.1', DATA_DIR: dataDir, DATABASE_URL: undefined, LOG_LEVEL: 'silent', MASH_CONFIG: 'unused', SHUTDOWN_GRACE_MS: 5000 },
  );
  const gateway: Gateway = await startGateway(config, { inMemoryStore: true, ...(options.store ? { store: options.store } : {}), logger: silentLogger, now: options.now, extraConnectors: [fakePolice(options.incidents)] });
  // The gateway's own incident store: its afterSave hooks plan the notifications, as for the feed poller.
  const incidents = gateway.incidents.repository;
  return {
    gateway,
    incidents,
    token: (claims: { sub: string; name: string; agency: string; roles: string[]; school?: string }) => gateway.demoIssuer!.sign(claims),
    async graphql(query: string, variables: Record<string, unknown>, token: string) {
      const response = await fetch(`${gateway.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify({ query, variables }) });
      return (await response.json()) as { data?: any; errors?: { message: string; extensions?: { code?: string } }[] };
    },
    async close() {
      await gateway.close();
      await options.store?.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
