import type { Connector, SourceRecord } from '../../connectors/sdk/index.js';

/** A police system holding one person with a flag and an incident narrative. */
export const POLICE_PERSON = 'POL-000123';
const policeRecord = (category: 'police.flags' | 'police.detail', id: string, fields: SourceRecord['fields']): SourceRecord => ({
  kind: 'event',
  agency: 'police',
  category,
  tier: category === 'police.flags' ? 'T1' : 'T3',
  personId: POLICE_PERSON,
  provenance: { system: 'https://police.test/api', recordId: id, asOf: '2026-11-01T00:00:00Z' },
  fields,
});
export const police: Connector = {
  manifest: {
    agency: 'police',
    name: 'Test force records',
    version: '1',
    protocol: 'rest',
    identifierSystems: ['https://police.test/person-id'],
    categories: [
      { id: 'police.identity', tier: 'T0', kinds: [], fields: ['names', 'birthDate'], description: 'identity' },
      { id: 'police.flags', tier: 'T1', kinds: ['event'], fields: ['type', 'start'], description: 'flags' },
      { id: 'police.detail', tier: 'T3', kinds: ['event'], fields: ['type', 'start', 'narrative'], description: 'detail' },
    ],
    contact: { name: 'Public Protection Unit', phone: '01632 960100' },
  },
  searchPersons: async () => [],
  fetchRecords: async (ids) =>
    new Map(
      ids.map((id) => [
        id,
        id === POLICE_PERSON
          ? [
              policeRecord('police.flags', 'OCC-1', { type: 'domestic-abuse-callout', title: 'Domestic abuse call-out', start: '2026-10-12' }),
              policeRecord('police.detail', 'OCC-1-N', { type: 'incident-narrative', title: 'Incident narrative', start: '2026-10-12', narrative: 'Officers attended after a neighbour reported shouting.' }),
            ]
          : [],
      ]),
    ),
};
