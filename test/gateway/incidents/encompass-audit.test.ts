import { describe, expect, it } from 'vitest';
import { toFhirAuditEvent } from '../../../gateway/audit/fhir.js';
import { canonicalJson, hashEvent } from '../../../gateway/audit/index.js';
import { buildEvent } from '../../../gateway/audit/log.js';
import type { RecordedEvent } from '../../../gateway/audit/index.js';
import { ENCOMPASS_ACTOR } from '../../../gateway/incidents/encompass/index.js';

/** The audit event of an Operation Encompass sending keeps what was sent to whom: hashed, and exported to FHIR. */
const input = {
  requestId: 'encompass-1',
  operation: 'sendEncompassNotification',
  outcome: 'success' as const,
  actor: ENCOMPASS_ACTOR,
  decisions: [{ agency: 'police', category: 'police.flags', decision: 'summarise' as const, ruleId: 'operation-encompass/police.flags', fields: ['type', 'start'], recordIds: ['events/INC-1'], markers: 0, personIds: ['POL-A'] }],
  notification: {
    id: '0d3f1f4e-5a7b-4c1e-9d2a-1b2c3d4e5f60',
    kind: 'operation-encompass',
    to: { school: '9804001', schoolName: 'Marlbridge Community College', keyAdult: 'Kim Keyadult', email: 'dsl@school.example' },
    channels: ['inbox', 'email'],
    fields: ['names', 'birthDate', 'type', 'start'],
    ruleId: 'operation-encompass/police.flags',
    incident: { agency: 'police', incidentId: 'INC-1' },
  },
};

describe('Operation Encompass audit event', () => {
  it('is stored with the notification, and the hash covers it', () => {
    const event = buildEvent(input, new Date('2026-12-07T21:05:00Z'));
    expect(event.notification).toEqual(input.notification);
    const changed = { ...event, notification: { ...event.notification!, to: { ...event.notification!.to, school: '9804002' } } };
    expect(canonicalJson(changed)).not.toBe(canonicalJson(event));
    expect(hashEvent('0'.repeat(64), changed)).not.toBe(hashEvent('0'.repeat(64), event));
  });

  it('exports the notification as an entity of the FHIR AuditEvent', () => {
    const recorded: RecordedEvent = { ...buildEvent(input, new Date('2026-12-07T21:05:00Z')), seq: 1, hash: 'h' };
    const fhir = toFhirAuditEvent(recorded);
    const entity = fhir.entity.find((e) => e.what?.identifier?.value === input.notification.id)!;
    expect(entity.name).toBe('operation-encompass');
    const detail = Object.fromEntries((entity.detail ?? []).map((d) => [d.type, d.valueString]));
    expect(detail).toMatchObject({ school: '9804001', keyAdult: 'Kim Keyadult', email: 'dsl@school.example', channels: 'inbox,email', fields: 'names,birthDate,type,start', ruleId: 'operation-encompass/police.flags', incident: 'police/INC-1' });
    expect(fhir.agent[0]?.who.identifier).toEqual({ system: 'urn:mash-gateway', value: 'operation-encompass' });
  });
});
