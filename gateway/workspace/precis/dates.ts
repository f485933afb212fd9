/**
 * Dates in a précis's words as people read them in England: "4 December 2026" for a date,
 * "4 December 2026, 10:32" for an instant (Europe/London, so 24-hour British summer time in
 * summer). Pure.
 */

const TIME_ZONE = 'Europe/London';
const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'] as const;

const DATE_ONLY = /^(\d{4})-(\d{2})-(\d{2})$/;
/** A date-time with its offset (Z or ±hh:mm): an instant. */
const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/i;
/** A date-time without an offset: a wall-clock time as the agency recorded it. */
const WALL_CLOCK = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(:\d{2}(\.\d+)?)?$/;

const london = new Intl.DateTimeFormat('en-GB', { timeZone: TIME_ZONE, day: 'numeric', month: 'numeric', year: 'numeric', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });

function londonParts(at: Date): { day: number; month: number; year: number; time: string } {
  const part = (type: string) => london.formatToParts(at).find((p) => p.type === type)?.value ?? '';
  return { day: Number(part('day')), month: Number(part('month')), year: Number(part('year')), time: `${part('hour')}:${part('minute')}` };
}

const dateWords = (day: number, month: number, year: number): string | null => (month >= 1 && month <= 12 && day >= 1 && day <= 31 ? `${day} ${MONTHS[month - 1]} ${year}` : null);

/** "4 December 2026" for the day (in London) of an instant given as an ISO date-time. */
export function readableDay(iso: string): string {
  const at = new Date(iso);
  if (Number.isNaN(at.getTime())) return iso;
  const { day, month, year } = londonParts(at);
  return dateWords(day, month, year) ?? iso;
}

/**
 * A date as the précis writes it: a calendar date ("2026-10-03") as "3 October 2026"; an instant
 * ("2026-12-04T10:32:33.296Z") as "4 December 2026, 10:32" in London; a date-time without offset
 * as its own wall-clock time. Anything else is kept as it was given.
 */
export function readableDate(value: string): string {
  const date = DATE_ONLY.exec(value);
  if (date) return dateWords(Number(date[3]), Number(date[2]), Number(date[1])) ?? value;
  if (INSTANT.test(value)) {
    const at = new Date(value);
    if (Number.isNaN(at.getTime())) return value;
    const { day, month, year, time } = londonParts(at);
    const words = dateWords(day, month, year);
    return words === null ? value : `${words}, ${time}`;
  }
  const wall = WALL_CLOCK.exec(value);
  if (wall) {
    const words = dateWords(Number(wall[3]), Number(wall[2]), Number(wall[1]));
    return words === null ? value : `${words}, ${wall[4]}:${wall[5]}`;
  }
  return value;
}

/** A calendar date, or a date-time with or without its offset, inside running text. */
const IN_TEXT = /\b\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?(?![\d:])/gi;

/**
 * Running text with every ISO date or date-time in it written as `readableDate` writes it:
 * "police 2026-10-12, health 2026-10-13T09:30:00Z" reads "police 12 October 2026, health
 * 13 October 2026, 10:30" in summer. Anything that is not a valid date is kept as it was given.
 */
export function readableDatesIn(text: string): string {
  return text.replace(IN_TEXT, (iso) => readableDate(iso));
}
