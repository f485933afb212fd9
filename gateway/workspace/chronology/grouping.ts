import type { ChronologyEntry } from './assemble.js';

/**
 * Grouping entries of different agencies about the same incident (a police domestic-abuse
 * call-out and an A&E attendance the same night). Pure and deterministic; each group says why.
 *
 * Rules (all must hold between an entry and EVERY entry already in the group: complete linkage,
 * so a chain of near neighbours never drags unrelated entries together):
 * 1. Both are dated occurrences or starts (events, state starts, involvement starts): an end or a
 *    withheld marker is never grouped, nor an undated entry.
 * 2. Time: two date-times within `withinHours` of each other; where either is date-only, the same
 *    calendar day or the day after/before (an incident late at night is often recorded the next day).
 * 3. Related types: both types were disclosed and share a theme of `INCIDENT_THEMES` (the type code
 *    is what the gate disclosed; a record whose type was withheld is never grouped).
 * 4. One agency, one record: a group holds at most one record (reference) per agency. Entries of one
 *    agency are never merged; the same agency record seen from two subjects (a call-out recorded
 *    against the child and the mother) may be in one group, as it is one record.
 * 5. Different agencies: a group needs at least two agencies, or it is not a group.
 * Same subject or household (every subject of the enquiry is the child or a linked household
 * member) and the same disclosed location are recorded as evidence; they are not required.
 */

/** Type codes (connectors/<agency>/mapping.ts) that may describe one incident, by theme. */
export const INCIDENT_THEMES: Readonly<Record<string, readonly string[]>> = {
  'domestic abuse': [
    'domestic-abuse-incident',
    'protective-order',
    'ae-attendance',
    'unscheduled-care-attendance',
    'temporary-accommodation',
    'homelessness-application',
    'contact',
    'referral',
    's47-enquiry',
  ],
  missing: ['missing-episode', 'ae-attendance', 'unscheduled-care-attendance', 'child-missing-education', 'contact', 'referral'],
  'injury or assault': ['arrest', 'police-occurrence', 'ae-attendance', 'unscheduled-care-attendance', 'suspension', 'permanent-exclusion', 'contact', 'referral', 's47-enquiry'],
  'loss of home': ['eviction', 'eviction-warrant', 'possession-order', 'homelessness-application', 'temporary-accommodation', 'child-missing-education', 'contact', 'referral'],
};

export interface GroupingOptions {
  /** How far apart two date-times may be (hours). */
  readonly withinHours: number;
  readonly themes: Readonly<Record<string, readonly string[]>>;
}

export const DEFAULT_GROUPING: GroupingOptions = { withinHours: 24, themes: INCIDENT_THEMES };

export interface GroupingEvidence {
  /** `time`, `types`, `subjects`, `location`. */
  readonly rule: string;
  readonly detail: string;
}

export interface IncidentGroup {
  /** `G<n>`, numbered in chronological order. */
  readonly id: string;
  /** The grouped entries, in chronology order. */
  readonly entries: readonly ChronologyEntry[];
  readonly agencies: readonly string[];
  readonly evidence: readonly GroupingEvidence[];
}

const GROUPABLE = new Set(['event', 'state-start', 'involvement-start']);
const DAY = 24 * 3600 * 1000;

const dayOf = (at: number): number => Math.floor(at / DAY);

/** Rule 2: whether two dated entries are close enough in time, and how close they are. */
export function closeInTime(a: ChronologyEntry, b: ChronologyEntry, withinHours: number): string | null {
  if (a.at === null || b.at === null) return null;
  if (a.precision === 'date-time' && b.precision === 'date-time') {
    const hours = Math.abs(a.at - b.at) / 3600_000;
    return hours <= withinHours ? `within ${hours < 1 ? `${Math.round(hours * 60)} minutes` : `${Math.round(hours * 10) / 10} hours`} (limit ${withinHours} hours)` : null;
  }
  const days = Math.abs(dayOf(a.at) - dayOf(b.at));
  if (days === 0) return 'same day';
  return days === 1 ? 'adjacent days' : null;
}

/** Rule 3: the themes both types belong to. */
export function sharedThemes(a: string | null, b: string | null, themes: GroupingOptions['themes']): string[] {
  if (a === null || b === null) return [];
  return Object.entries(themes)
    .filter(([, types]) => types.includes(a) && types.includes(b))
    .map(([theme]) => theme);
}

const locationOf = (entry: ChronologyEntry): string | null => {
  const location = entry.source.kind === 'record' ? entry.source.record.fields.location : undefined;
  return location === undefined ? null : location.toLowerCase().replace(/[^a-z0-9]+/g, ' ').trim() || null;
};

function related(entry: ChronologyEntry, member: ChronologyEntry, options: GroupingOptions): boolean {
  if (entry.agency === member.agency) return entry.reference === member.reference;
  return closeInTime(entry, member, options.withinHours) !== null && sharedThemes(entry.type, member.type, options.themes).length > 0;
}

function evidenceOf(entries: readonly ChronologyEntry[], options: GroupingOptions): GroupingEvidence[] {
  const evidence: GroupingEvidence[] = [];
  const first = entries[0]!;
  const last = entries[entries.length - 1]!;
  const dates = entries.map((e) => `${e.agency} ${e.date}`).join(', ');
  evidence.push({ rule: 'time', detail: `${closeInTime(first, last, options.withinHours) ?? 'close in time'}: ${dates}` });
  const types = [...new Set(entries.map((e) => e.type!))];
  let themes = Object.keys(options.themes);
  for (const a of types) for (const b of types) themes = themes.filter((t) => sharedThemes(a, b, options.themes).includes(t));
  evidence.push({ rule: 'types', detail: `${types.join(', ')}: related (${themes.join('; ') || 'pairwise related'})` });
  const subjects = [...new Map(entries.map((e) => [e.subject.id, e.subject])).values()];
  evidence.push({
    rule: 'subjects',
    detail:
      subjects.length === 1
        ? `same subject (${subjects[0]!.label ?? subjects[0]!.id})`
        : `household members of the enquiry: ${subjects.map((s) => `${s.label ?? s.id} (${s.relation})`).join(', ')}`,
  });
  const locations = entries.map(locationOf);
  if (locations.every((l) => l !== null) && new Set(locations).size === 1) evidence.push({ rule: 'location', detail: 'same location recorded by every agency' });
  return evidence;
}

/**
 * Groups the entries (already in chronology order) by the rules above. Returns only groups of two
 * or more agencies, numbered in order of their first entry.
 */
export function groupIncidents(entries: readonly ChronologyEntry[], options: GroupingOptions = DEFAULT_GROUPING): IncidentGroup[] {
  const open: ChronologyEntry[][] = [];
  for (const entry of entries) {
    if (!GROUPABLE.has(entry.kind) || entry.at === null || entry.type === null) continue;
    const group = open.find((members) => members.every((member) => related(entry, member, options)) && members.every((m) => m.agency !== entry.agency || m.reference === entry.reference));
    if (group) group.push(entry);
    else open.push([entry]);
  }
  return open
    .filter((members) => new Set(members.map((m) => m.agency)).size >= 2)
    .map((members, index) => ({
      id: `G${index + 1}`,
      entries: members,
      agencies: [...new Set(members.map((m) => m.agency))].sort(),
      evidence: evidenceOf(members, options),
    }));
}
