import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createAuditLog,
  exportEvents,
  exportOptions,
  hashEvent,
  readEvents,
  toFhirAuditEvent,
  type ExportedEvent,
  type FhirAuditEvent,
  type RecordedEvent,
} from '../../../gateway/audit/index.js';
import type { Store } from '../../../gateway/store/index.js';
import { storeKinds } from '../../helpers/stores.js';
import { accessEventInput } from './fixtures.js';

async function collect(lines: AsyncIterable<string>): Promise<string[]> {
  const out: string[] = [];
  for await (const line of lines) out.push(line);
  return out;
}

function recorded(overrides: Parameters<typeof accessEventInput>[0] = {}): RecordedEvent {
  return {
    ...accessEventInput(overrides),
    id: '3f2b8c1e-0000-4000-8000-000000000001',
    at: '2024-05-01T09:30:00.000Z',
    subjects: accessEventInput(overrides).subjects ?? [],
    decisions: accessEventInput(overrides).decisions ?? [],
    seq: 7,
    hash: 'a'.repeat(64),
  };
}

describe('FHIR R4 AuditEvent (IHE BALP shape)', () => {
  it('records who, for what purpose and under which policy, what about whom, and the outcome', () => {
    const resource = toFhirAuditEvent(recorded());
    expect(resource).toMatchObject({
      resourceType: 'AuditEvent',
      id: '3f2b8c1e-0000-4000-8000-000000000001',
      type: { system: 'http://terminology.hl7.org/CodeSystem/audit-event-type', code: 'rest' },
      subtype: [
        { system: 'urn:mash-gateway:operation', code: 'profile' },
        { system: 'http://terminology.hl7.org/CodeSystem/iso-21089-lifecycle', code: 'disclose' },
      ],
      action: 'E',
      recorded: '2024-05-01T09:30:00.000Z',
      outcome: '0',
      extension: [
        { url: 'urn:mash-gateway:audit:seq', valueInteger: 7 },
        { url: 'urn:mash-gateway:audit:hash', valueString: 'a'.repeat(64) },
      ],
      source: { observer: { display: 'mash-gateway' }, type: [{ code: '4', display: 'Application Server' }] },
    });
    const [user, agency, server] = resource.agent;
    expect(user).toEqual({
      type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ParticipationType', code: 'IRCP', display: 'information recipient' }] },
      who: { identifier: { system: 'urn:mash-gateway:actor', value: 'sw-114' }, display: 'Alex Example' },
      name: 'Alex Example',
      requestor: true,
      role: [{ coding: [{ system: 'urn:mash-gateway:role', code: 'social-worker' }] }],
      policy: ['children-act-1989-s47', 'urn:mash-gateway:policy:mash-default:3'],
      purposeOfUse: [{ coding: [{ system: 'urn:mash-gateway:purpose', code: 'strategy-discussion' }], text: 'strategy-discussion (children-act-1989-s47)' }],
    });
    expect(agency).toMatchObject({ who: { identifier: { system: 'urn:mash-gateway:agency', value: 'childrens-social-care' } }, requestor: false });
    expect(server).toMatchObject({ type: { coding: [{ code: '110152', display: 'Destination Role ID' }] }, requestor: false });

    const byType = (code: string) => resource.entity.filter((e) => e.type?.code === code);
    expect(byType('XrequestId')).toEqual([
      { type: { system: 'https://profiles.ihe.net/ITI/BALP/CodeSystem/BasicAuditEntityType', code: 'XrequestId' }, what: { identifier: { value: 'req-0001' } } },
    ]);
    expect(byType('1')).toEqual([
      {
        type: { system: 'http://terminology.hl7.org/CodeSystem/audit-entity-type', code: '1', display: 'Person' },
        role: { system: 'http://terminology.hl7.org/CodeSystem/object-role', code: '1', display: 'Patient' },
        what: { identifier: { system: 'urn:mash-gateway:subject', value: 'subj-1' } },
        detail: [{ type: 'link:health', valueString: 'nhs-p-77' }],
      },
    ]);
    const decision = resource.entity.find((e) => e.name === 'health/attendances');
    expect(decision).toMatchObject({
      description: 'disclose',
      detail: [
        { type: 'decision', valueString: 'disclose' },
        { type: 'ruleId', valueString: 'H4' },
        { type: 'fields', valueString: 'date,setting' },
        { type: 'recordIds', valueString: 'att-1,att-2' },
      ],
    });
  });

  it.each([
    ['success', '0'],
    ['partial', '4'],
    ['refused', '4'],
    ['failed', '8'],
  ] as const)('maps outcome %s to AuditEvent.outcome %s', (outcome, code) => {
    expect(toFhirAuditEvent(recorded({ outcome })).outcome).toBe(code);
  });

  it('records an unauthenticated refusal and break-glass', () => {
    const refused = toFhirAuditEvent(
      recorded({ actor: null, outcome: 'refused', outcomeCode: 'UNAUTHENTICATED', reason: 'token expired', enquiry: undefined, decisions: [], subjects: [], policy: undefined }),
    );
    expect(refused).toMatchObject({ outcome: '4', outcomeDesc: 'UNAUTHENTICATED: token expired' });
    expect(refused.agent[0]).toEqual({
      type: expect.anything(),
      who: { display: 'unauthenticated caller' },
      requestor: true,
    });
    expect(refused.subtype).toHaveLength(1);
    const urgent = toFhirAuditEvent(recorded({ breakGlass: true }));
    expect(urgent.purposeOfEvent).toContainEqual({ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ActReason', code: 'BTG', display: 'break the glass' }] });
  });
});

describe('export options', () => {
  it('reads dates and date-times with a zone; a --to date means the end of that day', () => {
    expect(exportOptions({ format: 'fhir', from: '2024-05-01', to: '2024-05-31' })).toEqual({
      format: 'fhir',
      from: new Date('2024-05-01T00:00:00.000Z'),
      to: new Date('2024-05-31T23:59:59.999Z'),
    });
    expect(exportOptions({ from: '2024-05-01T10:00:00+01:00' })).toEqual({ format: 'jsonl', from: new Date('2024-05-01T09:00:00.000Z') });
  });

  it.each([
    [{ format: 'csv' }, '--format "csv" is not known; use jsonl or fhir.'],
    [{ from: '2024-06-01', to: '2024-05-01' }, 'The range is the wrong way round: --from 2024-06-01T00:00:00.000Z is after --to 2024-05-01T23:59:59.999Z.'],
    [{ from: 'yesterday' }, '--from "yesterday" is not an ISO 8601 date or date-time with a zone, like 2024-05-01 or 2024-05-01T09:30:00Z.'],
    [{ to: '2024-02-30' }, '--to "2024-02-30" is not an ISO 8601 date or date-time with a zone, like 2024-05-01 or 2024-05-01T09:30:00Z.'],
    [{ from: '2024-05-01T09:30:00' }, '--from "2024-05-01T09:30:00" is not an ISO 8601 date or date-time with a zone, like 2024-05-01 or 2024-05-01T09:30:00Z.'],
  ])('refuses %o with a clear message', (input, message) => {
    expect(() => exportOptions(input)).toThrow(expect.objectContaining({ code: 'BAD_INPUT', message }));
  });
});

describe.each(storeKinds())('exportEvents on $name', (kind) => {
  let store: Store;
  beforeAll(async () => {
    store = await kind.open();
    for (const [day, count] of [['2024-05-01', 3], ['2024-05-02', 4], ['2024-05-03', 2]] as const) {
      const log = createAuditLog(store, { now: () => new Date(`${day}T12:00:00.000Z`) });
      for (let i = 0; i < count; i += 1) await log.append(accessEventInput({ requestId: `${day}-${i}` }));
      await log.close();
    }
  });
  afterAll(async () => {
    await store.close();
  });

  it('writes JSON lines that can be re-hashed offline: hashEvent(prevHash, event) === hash, chained', async () => {
    const lines = (await collect(exportEvents(store, { format: 'jsonl', pageSize: 2 }))).map((l) => JSON.parse(l) as ExportedEvent);
    expect(lines.map((l) => l.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    for (const [i, line] of lines.entries()) {
      expect(hashEvent(line.prevHash, line.event)).toBe(line.hash);
      if (i > 0) expect(line.prevHash).toBe(lines[i - 1]!.hash);
    }
    const events = await readEvents(store, { limit: 1 });
    expect(lines[0]!.event).toEqual((({ seq: _s, hash: _h, ...event }) => event)(events[0]!));
  });

  it('exports only the events recorded in the range, inclusive', async () => {
    const lines = await collect(exportEvents(store, exportOptions({ format: 'jsonl', from: '2024-05-02', to: '2024-05-02' })));
    expect(lines.map((l) => (JSON.parse(l) as ExportedEvent).event.requestId)).toEqual(['2024-05-02-0', '2024-05-02-1', '2024-05-02-2', '2024-05-02-3']);
    expect(await collect(exportEvents(store, exportOptions({ from: '2024-05-03T12:00:00Z' })))).toHaveLength(2);
    expect(await collect(exportEvents(store, exportOptions({ to: '2024-04-30' })))).toEqual([]);
  });

  it('writes FHIR AuditEvent resources, one a line', async () => {
    const lines = (await collect(exportEvents(store, { format: 'fhir' }))).map((l) => JSON.parse(l) as FhirAuditEvent);
    expect(lines).toHaveLength(9);
    expect(lines[3]).toMatchObject({ resourceType: 'AuditEvent', recorded: '2024-05-02T12:00:00.000Z', extension: [{ valueInteger: 4 }, {}] });
  });

  it('refuses a range the wrong way round', async () => {
    await expect(collect(exportEvents(store, { format: 'jsonl', from: new Date('2024-06-01'), to: new Date('2024-05-01') }))).rejects.toMatchObject({
      code: 'BAD_INPUT',
    });
  });
});
