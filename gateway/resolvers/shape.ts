import { isDisclosed, type DisclosedRecord, type WithheldMarker } from '../disclosure/index.js';
import { GatewayError } from '../errors.js';

/** Shaping the gate's output into GraphQL values, shared by the core and workspace resolvers. */

/** Invariant 2 at run time too: a value the gate did not make is never shaped into a response. */
export function gateOutput<T extends object>(value: T): T {
  if (!isDisclosed(value)) throw new GatewayError('INTERNAL_ERROR', 'Refused to return a value that did not pass the disclosure gate.');
  return value;
}

export const decisionName = (d: 'disclose' | 'summarise') => (d === 'disclose' ? 'DISCLOSED' : 'SUMMARISED');

/** A disclosed record's canonical fields (absent ones null) with its decision and provenance. */
export function shapeRecord(record: DisclosedRecord) {
  const f = gateOutput(record).fields;
  const hasContact = f.contactName ?? f.contactRole ?? f.contactPhone ?? f.contactEmail;
  return {
    agency: record.agency,
    category: record.category,
    sensitivity: record.tier,
    decision: decisionName(record.decision),
    type: f.type ?? null,
    title: f.title ?? null,
    status: f.status ?? null,
    start: f.start ?? null,
    end: f.end ?? null,
    location: f.location ?? null,
    narrative: f.narrative ?? null,
    outcome: f.outcome ?? null,
    service: f.service ?? null,
    contact: hasContact === undefined ? null : { name: f.contactName ?? null, role: f.contactRole ?? null, phone: f.contactPhone ?? null, email: f.contactEmail ?? null },
    withheldFields: record.withheldFields,
    provenance: record.provenance,
  };
}

export const shapeMarker = (marker: WithheldMarker) => ({
  ...gateOutput(marker),
  awaiting: marker.awaiting === 'originator-approval' ? 'ORIGINATOR_APPROVAL' : null,
});
