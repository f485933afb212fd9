/**
 * Bank holidays in England and Wales (gov.uk/bank-holidays), the default non-working days of the
 * MASH's working calendar (`queue.workingHours.holidays` replaces the list). Substitute days are
 * the ones listed: 28 December 2026 for Boxing Day on a Saturday, 27 and 28 December 2027, 3 January
 * 2028.
 *
 * The policy's `schoolCalendar.nonSchoolDays` (policies/scope.ts) holds the same holidays for a
 * shorter span, but it is a school calendar: a deployment may add the schools' closure days there,
 * which are working days for the MASH, so the two lists are kept apart.
 */
export const ENGLAND_AND_WALES_BANK_HOLIDAYS: readonly string[] = Object.freeze([
  '2025-01-01', '2025-04-18', '2025-04-21', '2025-05-05', '2025-05-26', '2025-08-25', '2025-12-25', '2025-12-26',
  '2026-01-01', '2026-04-03', '2026-04-06', '2026-05-04', '2026-05-25', '2026-08-31', '2026-12-25', '2026-12-28',
  '2027-01-01', '2027-03-26', '2027-03-29', '2027-05-03', '2027-05-31', '2027-08-30', '2027-12-27', '2027-12-28',
  '2028-01-03', '2028-04-14', '2028-04-17', '2028-05-01', '2028-05-29', '2028-08-28', '2028-12-25', '2028-12-26',
]);
