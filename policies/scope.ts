/**
 * Record scope: a policy cell may narrow which of a category's records are disclosed at all,
 * by record type and by age. Operation Encompass (ENC) is the case it exists for: before the next
 * school day the school's DSL is told of the police domestic-abuse incidents since the start of
 * the previous school day, and of nothing older and nothing else.
 *
 * Pure: `now` is always passed in. School days are counted on the calendar of England, in
 * Europe/London (a school's day starts at local midnight, which is 23:00 UTC the day before
 * during British Summer Time).
 */

/** How far back a scoped cell reaches. */
export const SCOPE_SINCE = ['previous-school-day'] as const;
export type ScopeSince = (typeof SCOPE_SINCE)[number];

export interface RecordScope {
  /** Record types (`fields.type`) in scope; absent: every type of the category. */
  readonly types?: readonly string[];
  /** Records that started before this point are out of scope; absent: any age. */
  readonly since?: ScopeSince;
}

/** The days schools do not open besides weekends (bank holidays, local closure days), ISO dates. */
export interface SchoolCalendar {
  readonly nonSchoolDays: readonly string[];
}

export const NO_NON_SCHOOL_DAYS: SchoolCalendar = Object.freeze({ nonSchoolDays: Object.freeze([]) });

const LONDON = 'Europe/London';
const DAY_MS = 24 * 60 * 60 * 1000;
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

const londonParts = new Intl.DateTimeFormat('en-GB', {
  timeZone: LONDON,
  hourCycle: 'h23',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
});

/** The wall-clock reading in London at an instant, as if it were UTC (ms). */
function londonWallClock(instant: number): number {
  const parts: Record<string, number> = {};
  for (const part of londonParts.formatToParts(new Date(instant))) {
    if (part.type !== 'literal') parts[part.type] = Number(part.value);
  }
  return Date.UTC(parts.year!, parts.month! - 1, parts.day!, parts.hour!, parts.minute!, parts.second!);
}

/** London's offset from UTC at an instant, in ms (0 in winter, one hour in summer). */
function londonOffset(instant: number): number {
  return londonWallClock(instant) - Math.floor(instant / 1000) * 1000;
}

/** The calendar date in London at an instant, `YYYY-MM-DD`. */
export function londonDate(now: Date): string {
  return new Date(londonWallClock(now.getTime())).toISOString().slice(0, 10);
}

/** The instant London's day `date` (YYYY-MM-DD) begins. UK clocks change at 01:00 UTC, never at local midnight. */
export function startOfLondonDay(date: string): Date {
  const match = ISO_DATE.exec(date);
  if (!match) throw new RangeError(`"${date}" is not an ISO date (YYYY-MM-DD)`);
  const midnightAsUtc = Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3]));
  let start = midnightAsUtc - londonOffset(midnightAsUtc);
  // Near a clock change the offset at UTC midnight can differ from the one at London midnight.
  const settled = midnightAsUtc - londonOffset(start);
  if (settled !== start) start = settled;
  return new Date(start);
}

const addDays = (date: string, days: number): string => new Date(Date.parse(`${date}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);

/** A weekday that the calendar does not list as a non-school day. */
export function isSchoolDay(date: string, calendar: SchoolCalendar = NO_NON_SCHOOL_DAYS): boolean {
  const weekday = new Date(`${date}T00:00:00Z`).getUTCDay();
  return weekday !== 0 && weekday !== 6 && !calendar.nonSchoolDays.includes(date);
}

/**
 * The school day before today in London: Monday's is the Friday before; a day after a bank
 * holiday skips it. Saturday's and Sunday's are the Friday too.
 */
export function previousSchoolDay(now: Date, calendar: SchoolCalendar = NO_NON_SCHOOL_DAYS): string {
  let day = addDays(londonDate(now), -1);
  // A school year never has more than a few weeks without a school day; a calendar listing a
  // whole year is a mistake, and stopping keeps a bad calendar from looping for ever.
  for (let steps = 0; steps < 366; steps++) {
    if (isSchoolDay(day, calendar)) return day;
    day = addDays(day, -1);
  }
  throw new RangeError('the school calendar lists no school day in the year before today');
}

/** The earliest instant a scope reaches back to, or undefined when it has no age limit. */
export function scopeStart(scope: RecordScope, now: Date, calendar: SchoolCalendar = NO_NON_SCHOOL_DAYS): Date | undefined {
  switch (scope.since) {
    case undefined:
      return undefined;
    case 'previous-school-day':
      return startOfLondonDay(previousSchoolDay(now, calendar));
  }
}

/**
 * Whether a record falls in scope: its type is listed (when types are), and it started at or
 * after the scope's start (when there is one). A record without a readable start is out of
 * scope whenever an age limit applies: what cannot be placed in time is not disclosed.
 */
export function inScope(record: { fields: { type?: string; start?: string } }, scope: RecordScope, from: Date | undefined): boolean {
  if (scope.types !== undefined && (record.fields.type === undefined || !scope.types.includes(record.fields.type))) return false;
  if (from === undefined) return true;
  const start = record.fields.start;
  if (start === undefined) return false;
  // A date without a time is a London calendar date: in scope when it is on or after the start day.
  if (ISO_DATE.test(start)) return startOfLondonDay(start).getTime() >= from.getTime();
  const at = Date.parse(start);
  return Number.isFinite(at) && at >= from.getTime();
}

/** One line for `explain` and audit reasons: what the scope lets through. */
export function describeScope(scope: RecordScope, from?: Date): string {
  const what = scope.types ? `only records of type ${scope.types.join(', ')}` : 'records of any type';
  const since =
    scope.since === 'previous-school-day'
      ? ` since the start of the previous school day (Europe/London)${from ? `, from ${from.toISOString()}` : ''}`
      : '';
  return `${what}${since}`;
}
