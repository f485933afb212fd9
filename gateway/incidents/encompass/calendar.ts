import { londonDate, startOfLondonDay } from '../../../policies/index.js';
import { ENGLAND_AND_WALES_BANK_HOLIDAYS } from '../../workspace/queue/bank-holidays.js';
import type { EncompassConfig } from '../config.js';

/**
 * The school calendar of Operation Encompass: on which days a school is open, and so by when it
 * must be told of an incident (before the start of the next school day, `encompass.sendBy`).
 *
 * Pure: no clock reads, the instant is always passed in. Days are London calendar days
 * (Europe/London); a school day's times are London wall-clock times, which is 23:00 UTC the day
 * before at midnight during British Summer Time.
 */
export interface SchoolCalendar {
  /** Terms (or half-term blocks), first and last school day inclusive. Empty: every weekday is in term. */
  terms: readonly { from: string; to: string }[];
  /** Days the school is closed besides weekends and bank holidays. */
  closures: readonly string[];
  bankHolidays: readonly string[];
}

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;
const CLOCK = /^([01]\d|2[0-3]):([0-5]\d)$/;
const DAY_MS = 24 * 60 * 60 * 1000;
/** How far ahead `nextSchoolDay` looks: more than a school year, so a calendar with no school day ahead fails rather than loops. */
const HORIZON_DAYS = 400;

const addDays = (date: string, days: number): string => new Date(Date.parse(`${date}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);

/**
 * The calendar of one school: its own terms/closures where configured, else the local authority's;
 * bank holidays from config or England and Wales.
 *
 * A school's own `closures` replace the local authority's (like its own terms do): a school that
 * keeps its own calendar keeps its own closure days. An unknown laestab (or none) gets the local
 * authority's calendar.
 */
export function schoolCalendar(config: EncompassConfig, laestab: string | undefined): SchoolCalendar {
  const school = laestab === undefined ? undefined : config.schools.find((s) => s.laestab === laestab);
  return {
    terms: school?.terms ?? config.terms,
    closures: school?.closures ?? config.closures,
    bankHolidays: config.bankHolidays ?? ENGLAND_AND_WALES_BANK_HOLIDAYS,
  };
}

/** A weekday, not a bank holiday or closure, and inside a term (when any terms are given). */
export function isSchoolDay(date: string, calendar: SchoolCalendar): boolean {
  if (!ISO_DATE.test(date) || Number.isNaN(Date.parse(`${date}T00:00:00Z`))) throw new RangeError(`"${date}" is not an ISO date (YYYY-MM-DD)`);
  const weekday = new Date(`${date}T00:00:00Z`).getUTCDay();
  if (weekday === 0 || weekday === 6) return false;
  if (calendar.bankHolidays.includes(date) || calendar.closures.includes(date)) return false;
  // ISO dates compare as strings.
  return calendar.terms.length === 0 || calendar.terms.some((term) => term.from <= date && date <= term.to);
}

function minutesOf(time: string, name: string): number {
  const match = CLOCK.exec(time);
  if (!match) throw new RangeError(`${name} "${time}" is not a time of day HH:MM`);
  return Number(match[1]) * 60 + Number(match[2]);
}

/**
 * The instant of a London wall-clock time on a school day. UK clocks change at 01:00 UTC on a
 * Sunday, never on a school day, so a school day's offset from UTC is the same all day.
 */
const atLondonTime = (date: string, minutes: number): Date => new Date(startOfLondonDay(date).getTime() + minutes * 60_000);

/**
 * The first school day D (on or after at's London date) whose `sendBy` time (HH:MM London) is
 * after `at`: the day the school must be told before; with dueBy (D at sendBy) and escalateAt
 * (D at escalateAt). Throws RangeError if none within 400 days.
 */
export function nextSchoolDay(at: Date, calendar: SchoolCalendar, times: { sendBy: string; escalateAt: string }): { date: string; dueBy: Date; escalateAt: Date } {
  if (Number.isNaN(at.getTime())) throw new RangeError('nextSchoolDay needs a valid instant');
  const sendBy = minutesOf(times.sendBy, 'sendBy');
  const escalateAt = minutesOf(times.escalateAt, 'escalateAt');
  let date = londonDate(at);
  for (let step = 0; step <= HORIZON_DAYS; step++, date = addDays(date, 1)) {
    if (!isSchoolDay(date, calendar)) continue;
    const dueBy = atLondonTime(date, sendBy);
    if (dueBy.getTime() > at.getTime()) return { date, dueBy, escalateAt: atLondonTime(date, escalateAt) };
  }
  throw new RangeError(`the school calendar has no school day in the ${HORIZON_DAYS} days from ${londonDate(at)}`);
}
