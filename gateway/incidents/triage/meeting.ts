import { badInput } from '../../errors.js';
import { isWorkingDay, localDate, localInstant, type WorkingCalendar } from '../../workspace/queue/working-time.js';

/**
 * When the MASH's daily domestic-abuse meeting is held (incidents.meeting.time, Europe/London),
 * and when the one before it was: the previous MASH working day (the queue's working calendar:
 * weekdays and bank holidays) at the same time. Pure; no clock is read.
 */
export const MEETING_TIME_ZONE = 'Europe/London';
const DAY_MS = 86_400_000;

const dayAfter = (date: string, days: number): string => new Date(Date.parse(`${date}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);

/** A meeting date as given (YYYY-MM-DD, a real date, not more than one day after today in London); BAD_INPUT otherwise. */
export function meetingDate(date: string, now: Date): string {
  const value = date.trim();
  const parsed = Date.parse(`${value}T00:00:00Z`);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value) || Number.isNaN(parsed) || new Date(parsed).toISOString().slice(0, 10) !== value) {
    throw badInput(`date must be the meeting's date as YYYY-MM-DD, e.g. ${localDate(now, MEETING_TIME_ZONE)} (got "${date.slice(0, 20)}").`, { field: 'date' });
  }
  const latest = dayAfter(localDate(now, MEETING_TIME_ZONE), 1);
  if (value > latest) throw badInput(`date ${value} is more than one day ahead; the list can be prepared for today or tomorrow (${latest}) at the latest.`, { field: 'date' });
  return value;
}

const minuteOf = (time: string): number => Number(time.slice(0, 2)) * 60 + Number(time.slice(3, 5));

/** The meeting's start on a date: `time` (HH:MM) in Europe/London. */
export const meetingAt = (date: string, time: string): Date => localInstant(date, minuteOf(time), MEETING_TIME_ZONE);

/** The start and end of a London calendar day (an outcome "recorded on D"). */
export const londonDay = (date: string): { from: Date; to: Date } => ({ from: localInstant(date, 0, MEETING_TIME_ZONE), to: localInstant(dayAfter(date, 1), 0, MEETING_TIME_ZONE) });

/** The previous meeting: the last MASH working day before `date`, at the meeting time. */
export function previousMeetingAt(date: string, time: string, calendar: WorkingCalendar): Date {
  let day = dayAfter(date, -1);
  for (let scanned = 0; scanned < 366 && !isWorkingDay(day, calendar); scanned++) day = dayAfter(day, -1);
  return meetingAt(day, time);
}

/** Whole years between a birth date (YYYY-MM-DD, or a partial YYYY-MM / YYYY taken as its first day) and a date. */
export function ageOn(birthDate: string | undefined, date: string): number | null {
  if (birthDate === undefined) return null;
  const match = /^(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?/.exec(birthDate);
  if (!match) return null;
  const [y, m, d] = [Number(match[1]), Number(match[2] ?? '1'), Number(match[3] ?? '1')];
  const [oy, om, od] = date.split('-').map(Number) as [number, number, number];
  let age = oy - y;
  if (om < m || (om === m && od < d)) age--;
  return age < 0 ? null : age;
}
