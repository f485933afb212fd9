/**
 * Dates as whole days since 1970-01-01 (UTC): cheap integer arithmetic for 100,000 persons,
 * turned into ISO strings only at the edge (civil-date conversion after H. Hinnant's
 * `days_from_civil` / `civil_from_days`, no Date objects on the hot path). The county never reads
 * the clock: everything is relative to its `asOf` date, so a seed gives the same county any day.
 */

interface Civil {
  y: number;
  m: number;
  d: number;
}

function daysFromCivil(y: number, m: number, d: number): number {
  const yy = m <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

function civilFromDays(day: number): Civil {
  const z = day + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  return { y: yoe + era * 400 + (m <= 2 ? 1 : 0), m, d };
}

const pad2 = (n: number): string => (n < 10 ? `0${n}` : String(n));

export function dayFromIso(iso: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(iso);
  if (!m) throw new RangeError('not an ISO date');
  return daysFromCivil(Number(m[1]), Number(m[2]), Number(m[3]));
}

export function isoDate(day: number): string {
  const { y, m, d } = civilFromDays(day);
  return `${y}-${pad2(m)}-${pad2(d)}`;
}

/** ISO date-time at minute precision, UTC written as +00:00 as NHS examples do. */
export function isoDateTime(day: number, minuteOfDay: number): string {
  const extraDays = Math.floor(minuteOfDay / 1440);
  const minute = Math.floor(minuteOfDay) - extraDays * 1440;
  return `${isoDate(day + extraDays)}T${pad2(Math.floor(minute / 60))}:${pad2(minute % 60)}:00+00:00`;
}

/** Age in whole years on `onDay` of a person born on `birthDay`. */
export function ageOn(birthDay: number, onDay: number): number {
  const b = civilFromDays(birthDay);
  const o = civilFromDays(onDay);
  let age = o.y - b.y;
  if (o.m < b.m || (o.m === b.m && o.d < b.d)) age--;
  return age;
}
