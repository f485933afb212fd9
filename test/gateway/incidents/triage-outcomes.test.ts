import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IncidentRole, SourceIncident } from '../../../connectors/sdk/index.js';
import { createIncidentRepository, type StoredIncident } from '../../../gateway/incidents/repository.js';
import { createOutcomeRepository, type OutcomeRepository } from '../../../gateway/incidents/triage/index.js';
import type { Store } from '../../../gateway/store/index.js';
import { storeKinds } from '../../helpers/stores.js';

/** The meeting's outcomes and which incidents its list reads (migration 019), on PGlite and PostgreSQL. */
const person = (personId: string) => ({ agency: 'police', personId, identifiers: [], names: [{ family: 'Test', given: ['Person'] }], addresses: [], provenance: { system: 'https://police.test', recordId: personId, asOf: '2026-11-01T00:00:00Z' } });
const incident = (incidentId: string, occurredAt: string, kinds: [string, IncidentRole][], kind: 'domestic-abuse' = 'domestic-abuse'): SourceIncident => ({
  agency: 'police',
  incidentId,
  kind,
  occurredAt,
  location: { line1: '1 Test Row', postalCode: 'MH1 1AA' },
  childrenPresent: true,
  officer: { name: 'PC Test' },
  persons: kinds.map(([id, role]) => ({ person: person(id), role })),
  provenance: { system: 'https://police.test', recordId: incidentId, asOf: occurredAt },
});
const by = { issuer: 'test', id: 'researcher-1', name: 'Riley Researcher' };

describe.each(storeKinds())('incident outcomes on $name', (kind) => {
  let store: Store;
  let outcomes: OutcomeRepository;
  const stored: Record<string, StoredIncident> = {};

  beforeAll(async () => {
    store = await kind.open();
    outcomes = createOutcomeRepository(store);
    const saved = await createIncidentRepository(store).savePage(
      'police',
      {
        incidents: [
          incident('WITH-CHILD', '2026-12-01T22:00:00Z', [['V1', 'victim'], ['C1', 'child-present']]),
          incident('NO-CHILD', '2026-12-01T22:30:00Z', [['V2', 'victim'], ['S2', 'suspect']]),
          incident('AFTER-MEETING', '2026-12-02T10:00:00Z', [['V3', 'victim'], ['C3', 'child-in-household']]),
          incident('DECIDED-YESTERDAY', '2026-11-30T22:00:00Z', [['V4', 'victim'], ['C4', 'child-present']]),
          incident('DECIDED-TODAY', '2026-11-30T23:00:00Z', [['V5', 'victim'], ['C5', 'child-present']]),
        ],
        cursor: 'c1',
        hasMore: false,
      },
      new Date('2026-12-02T07:00:00Z'),
    );
    for (const i of saved.inserted) stored[i.incidentId] = i;
    await outcomes.record({ incidentId: stored['DECIDED-YESTERDAY']!.id, outcome: 'no-further-action', reason: 'Advice given', by, now: new Date('2026-12-01T10:00:00Z') });
    await outcomes.record({ incidentId: stored['DECIDED-TODAY']!.id, outcome: 'marac-referral', reason: 'High risk', by, now: new Date('2026-12-01T10:00:00Z') });
    await outcomes.record({ incidentId: stored['DECIDED-TODAY']!.id, outcome: 'encompass-only', reason: 'Reviewed', by, now: new Date('2026-12-02T09:45:00Z') });
  });
  afterAll(async () => store?.close());

  it('lists incidents with a child before the meeting that are undecided or were decided that day', async () => {
    const ids = await outcomes.meetingIncidentIds(new Date('2026-12-02T09:30:00Z'), new Date('2026-12-02T00:00:00Z'), new Date('2026-12-03T00:00:00Z'), 100);
    expect(ids).toEqual([stored['DECIDED-TODAY']!.id, stored['WITH-CHILD']!.id]);
    expect(await outcomes.meetingIncidentIds(new Date('2026-12-02T09:30:00Z'), new Date('2026-12-02T00:00:00Z'), new Date('2026-12-03T00:00:00Z'), 1)).toHaveLength(1);
  });

  it('keeps every outcome; the latest is the current one', async () => {
    const current = await outcomes.current([stored['DECIDED-TODAY']!.id, stored['WITH-CHILD']!.id]);
    expect(current.get(stored['DECIDED-TODAY']!.id)).toMatchObject({ outcome: 'encompass-only', reason: 'Reviewed', recordedBy: { issuer: 'test', id: 'researcher-1', name: 'Riley Researcher' } });
    expect(current.has(stored['WITH-CHILD']!.id)).toBe(false);
    expect((await outcomes.history(stored['DECIDED-TODAY']!.id)).map((o) => o.outcome)).toEqual(['marac-referral', 'encompass-only']);
  });

  it('is append-only, and an enquiry outcome must name its enquiry', async () => {
    await expect(store.query("UPDATE incident_outcome SET reason = 'changed'")).rejects.toThrow(/append-only/);
    await expect(store.query('DELETE FROM incident_outcome')).rejects.toThrow(/append-only/);
    await expect(outcomes.record({ incidentId: stored['WITH-CHILD']!.id, outcome: 'mash-enquiry', reason: 'Opened', by, now: new Date() })).rejects.toThrow();
    await expect(outcomes.record({ incidentId: stored['WITH-CHILD']!.id, outcome: 'no-further-action', reason: '', by, now: new Date() })).rejects.toThrow();
    expect(await outcomes.history(stored['WITH-CHILD']!.id)).toEqual([]);
  });
});
