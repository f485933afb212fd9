/**
 * Working time: the MASH's working hours in its time zone, without its non-working days (weekends
 * and bank holidays). RAG timescales counted in working hours, the grace after a deadline and the
 * longest extension are all added here. Pure: instants in, instants out; no clock is read.
 */

export interface WorkingCalendar {
  /** An IANA time zone, e.g. Europe/London: working hours are local wall-clock times there. */
  readonly timeZone: string;
  /** ISO weekdays that are working days (1 = Monday ... 7 = Sunday). */
  readonly days: readonly number[];
  /** Start and end of the working day, minutes after local midnight (09:00 = 540). */
  readonly startMinute: number;
  readonly endMinute: number;
  /** Non-working days besides the weekdays not listed, as local dates YYYY-MM-DD. */
  readonly holidays: ReadonlySet<string>;
}

const MINUTE_MS = 60_000;
const DAY_MS = 24 * 60 * MINUTE_MS;
/** No calendar has a year without a working day; a bad one stops here instead of looping. */
const MAX_DAYS_SCANNED = 3 * 366;

const formatters = new Map<string, Intl.DateTimeFormat>();
function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-GB', { timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' });
    formatters.set(timeZone, f);
  }
  return f;
}

/** Whether the runtime knows the time zone (configuration is checked with this). */
export function isTimeZone(timeZone: string): boolean {
  try {
    formatter(timeZone);
    return true;
  } catch {
    return false;
  }
}

/** The local wall-clock reading at an instant, as if it were UTC (ms). */
function wallClock(instant: number, timeZone: string): number {
  const parts: Record<string, number> = {};
  for (const part of formatter(timeZone).formatToParts(new Date(instant))) {
    if (part.type !== 'literal') parts[part.type] = Number(part.value);
  }
  return Date.UTC(parts.year!, parts.month! - 1, parts.day!, parts.hour!, parts.minute!, parts.second!);
}

/** The local calendar date at an instant, YYYY-MM-DD. */
export function localDate(instant: Date, timeZone: string): string {
  return new Date(wallClock(instant.getTime(), timeZone)).toISOString().slice(0, 10);
}

/**
 * The instant a local wall-clock time occurs on a local date. Clock changes happen at night (01:00
 * UTC in the UK), never inside working hours, so the offset is settled in one correction.
 */
export function localInstant(date: string, minuteOfDay: number, timeZone: string): Date {
  const asUtc = Date.parse(`${date}T00:00:00Z`) + minuteOfDay * MINUTE_MS;
  let instant = asUtc - (wallClock(asUtc, timeZone) - asUtc);
  const settled = asUtc - (wallClock(instant, timeZone) - instant);
  if (settled !== instant) instant = settled;
  return new Date(instant);
}

const nextDate = (date: string): string => new Date(Date.parse(`${date}T00:00:00Z`) + DAY_MS).toISOString().slice(0, 10);
const isoWeekday = (date: string): number => ((new Date(`${date}T00:00:00Z`).getUTCDay() + 6) % 7) + 1;

export function isWorkingDay(date: string, calendar: WorkingCalendar): boolean {
  return calendar.days.includes(isoWeekday(date)) && !calendar.holidays.has(date);
}

/** The length of one working day (ms). */
export const workingDayMs = (calendar: WorkingCalendar): number => (calendar.endMinute - calendar.startMinute) * MINUTE_MS;

/**
 * The instant `amountMs` of working time after `from`: time outside working hours, at weekends
 * and on holidays does not count. A Friday 16:00 start plus 4 working hours (09:00-17:00) is
 * Monday 12:00. Zero from outside working hours is the next working start.
 */
export function addWorkingTime(from: Date, amountMs: number, calendar: WorkingCalendar): Date {
  if (!(amountMs >= 0)) throw new RangeError('working time to add must be zero or more');
  let remaining = amountMs;
  let date = localDate(from, calendar.timeZone);
  for (let scanned = 0; scanned < MAX_DAYS_SCANNED; scanned++, date = nextDate(date)) {
    if (!isWorkingDay(date, calendar)) continue;
    const opens = localInstant(date, calendar.startMinute, calendar.timeZone).getTime();
    const closes = localInstant(date, calendar.endMinute, calendar.timeZone).getTime();
    const cursor = Math.max(from.getTime(), opens);
    if (cursor >= closes) continue;
    if (remaining <= closes - cursor) return new Date(cursor + remaining);
    remaining -= closes - cursor;
  }
  throw new RangeError('the working calendar has no working time in the three years ahead');
}

/** `days` working days after `from` (each the length of one working day). */
export const addWorkingDays = (from: Date, days: number, calendar: WorkingCalendar): Date => addWorkingTime(from, days * workingDayMs(calendar), calendar);
