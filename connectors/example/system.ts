/**
 * A stand-in for an agency's record system: the school nursing service's caseload database, held
 * in memory. A real connector would talk to its system over HTTP or SQL instead; this one gives
 * the worked example (docs/connectors.md) something to map, with switches for the failures a real
 * system has (down, answering garbage, slow) so the connector's error mapping can be tested.
 *
 * All people here are fictional; NHS numbers are from the 999 test range.
 */

/** A child on the school nursing system, as its database stores them. */
export interface ChildRow {
  id: string;
  nhsNumber?: string;
  family: string;
  given: string[];
  birthDate: string;
  sex?: 'F' | 'M';
  postcode?: string;
  school: string;
  updatedAt: string;
}

/** One entry on a child's school nursing record. */
export interface EntryRow {
  id: string;
  childId: string;
  type: 'caseload' | 'did-not-attend' | 'emotional-health';
  date: string;
  endDate?: string;
  status: 'open' | 'closed';
  note?: string;
  nurse: string;
  phone: string;
  updatedAt: string;
}

export type SystemFault = 'none' | 'down' | 'garbage';

export const DEMO_CHILDREN: readonly ChildRow[] = [
  { id: 'sn-1001', nhsNumber: '9990000018', family: 'Ashdown', given: ['Poppy', 'May'], birthDate: '2012-03-14', sex: 'F', postcode: 'MB1 2AB', school: 'Marlbridge Academy', updatedAt: '2025-09-01T09:00:00Z' },
  { id: 'sn-1002', nhsNumber: '9990000026', family: 'Ashdown', given: ['Alfie'], birthDate: '2015-11-02', sex: 'M', postcode: 'MB1 2AB', school: 'St Anne’s Primary', updatedAt: '2025-09-02T10:30:00Z' },
  { id: 'sn-1003', family: 'Okafor', given: ['Chidi'], birthDate: '2013-06-30', sex: 'M', postcode: 'MB4 7QT', school: 'Marlbridge Academy', updatedAt: '2025-08-20T14:00:00Z' },
];

export const DEMO_ENTRIES: readonly EntryRow[] = [
  { id: 'e-1', childId: 'sn-1001', type: 'caseload', date: '2024-09-05', status: 'open', nurse: 'Jo Fletcher', phone: '01632 960101', updatedAt: '2025-09-01T09:00:00Z' },
  { id: 'e-2', childId: 'sn-1001', type: 'did-not-attend', date: '2025-06-12', status: 'closed', nurse: 'Jo Fletcher', phone: '01632 960101', updatedAt: '2025-06-12T16:00:00Z' },
  { id: 'e-3', childId: 'sn-1001', type: 'emotional-health', date: '2025-02-03', status: 'open', note: 'Weekly drop-in for low mood; agreed to share with GP.', nurse: 'Sam Idris', phone: '01632 960102', updatedAt: '2025-08-28T11:15:00Z' },
  { id: 'e-4', childId: 'sn-1002', type: 'caseload', date: '2023-01-10', endDate: '2024-07-19', status: 'closed', nurse: 'Jo Fletcher', phone: '01632 960101', updatedAt: '2024-07-19T12:00:00Z' },
];

/** Thrown by the system when it cannot be reached, as a database driver would. */
export class SystemUnavailableError extends Error {
  readonly code = 'ECONNREFUSED';
}

export class InMemorySchoolNursingSystem {
  /** Switch on a failure: `down` refuses every query, `garbage` answers rows of the wrong shape. */
  fault: SystemFault = 'none';
  /** Delay before every answer (ms), abortable like a network call. */
  latencyMs = 0;

  constructor(
    private readonly children: readonly ChildRow[] = DEMO_CHILDREN,
    private readonly entries: readonly EntryRow[] = DEMO_ENTRIES,
  ) {}

  /** Children matching a predicate. Answers `unknown[]`: the connector must not trust it. */
  queryChildren(where: (child: ChildRow) => boolean, signal: AbortSignal): Promise<unknown[]> {
    return this.answer(signal, () => this.children.filter(where));
  }

  /** Entries of many children at once (the system's own batch query). */
  queryEntries(childIds: readonly string[], signal: AbortSignal): Promise<unknown[]> {
    return this.answer(signal, () => this.entries.filter((e) => childIds.includes(e.childId)));
  }

  private async answer(signal: AbortSignal, rows: () => unknown[]): Promise<unknown[]> {
    signal.throwIfAborted();
    if (this.latencyMs > 0) {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(resolve, this.latencyMs);
        signal.addEventListener('abort', () => {
          clearTimeout(timer);
          reject(signal.reason);
        }, { once: true });
      });
    }
    if (this.fault === 'down') throw new SystemUnavailableError('connection refused');
    if (this.fault === 'garbage') return [{ id: 42, given: 'not a list' }];
    return structuredClone(rows());
  }
}
