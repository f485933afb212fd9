/**
 * The worked example, loadable by the conformance CLI:
 *   npx mash-gateway connector check ./connectors/example/index.ts
 * A connector module exports the connector (here `createConnector()`) and the `conformance`
 * samples: data the system under test is known to hold. `faults` are optional; they let the kit
 * check error mapping by switching failures on in the system under test.
 */
import { z } from 'zod';
import type { ConformanceOptions, Connector } from '../sdk/index.js';
import { CHILD_ID_SYSTEM, createSchoolNursingConnector, NHS_NUMBER_SYSTEM } from './connector.js';
import { InMemorySchoolNursingSystem } from './system.js';

export {
  AGENCY as SCHOOL_NURSING_AGENCY,
  CATEGORY as SCHOOL_NURSING_CATEGORY,
  CHILD_ID_SYSTEM,
  createSchoolNursingConnector,
  NHS_NUMBER_SYSTEM,
  SCHOOL_NURSING_CATEGORIES,
  type SchoolNursingConnectorOptions,
} from './connector.js';
export { DEMO_CHILDREN, DEMO_ENTRIES, InMemorySchoolNursingSystem, type ChildRow, type EntryRow, type SystemFault } from './system.js';

/** The system the CLI's connector talks to, so the faults below can switch failures on in it. */
const system = new InMemorySchoolNursingSystem();

/** What a `kind: module` config entry's `options` may say; validated, so a typo stops the gateway at start. */
const OptionsSchema = z.object({ latencyMs: z.number().int().min(0).optional() }).strict();

/** The gateway calls this with the config entry's `options`; the CLI with `--options` (default `{}`). */
export function createConnector(options: unknown = {}): Connector {
  const parsed = OptionsSchema.safeParse(options);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new TypeError(`school-nursing connector options${issue.path.length ? `.${issue.path.join('.')}` : ''}: ${issue.message}`);
  }
  system.latencyMs = parsed.data.latencyMs ?? 0;
  return createSchoolNursingConnector({ system });
}

export const conformance: ConformanceOptions = {
  samples: {
    identifiers: [
      { system: NHS_NUMBER_SYSTEM, value: '9990000018' },
      { system: CHILD_ID_SYSTEM, value: 'sn-1003' },
    ],
    demographics: { family: 'Ashdown', given: 'Poppy', birthDate: '2012-03-14' },
    knownPersonIds: ['sn-1001', 'sn-1002'],
    unknownPersonId: 'sn-9999',
  },
  timeoutMs: 1000,
  faults: [
    { name: 'system down', expect: 'UNREACHABLE', apply: () => void (system.fault = 'down'), clear: () => void (system.fault = 'none') },
    { name: 'rows of the wrong shape', expect: 'MALFORMED_RESPONSE', apply: () => void (system.fault = 'garbage'), clear: () => void (system.fault = 'none') },
  ],
};
