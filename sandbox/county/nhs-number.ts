import type { Rng } from './prng.js';

/**
 * NHS number: 10 digits, the last a Modulus 11 check digit (NHS Data Dictionary "NHS NUMBER";
 * STANDARDS.md). Weights 10..2 over the first nine digits; check = 11 - (sum mod 11);
 * 11 becomes 0; 10 means the nine digits can never form a valid number.
 */
export const NHS_NUMBER_SYSTEM = 'https://fhir.nhs.uk/Id/nhs-number';

/** The check digit for nine digits, or undefined when no valid number has them (remainder 10). */
export function nhsCheckDigit(nineDigits: string): number | undefined {
  if (!/^\d{9}$/.test(nineDigits)) return undefined;
  let sum = 0;
  for (let i = 0; i < 9; i++) sum += (nineDigits.charCodeAt(i) - 48) * (10 - i);
  const check = 11 - (sum % 11);
  if (check === 11) return 0;
  if (check === 10) return undefined;
  return check;
}

export function isValidNhsNumber(value: string): boolean {
  const digits = value.replace(/\s+/g, '');
  if (!/^\d{10}$/.test(digits)) return false;
  const check = nhsCheckDigit(digits.slice(0, 9));
  return check !== undefined && check === digits.charCodeAt(9) - 48;
}

/**
 * A valid NHS number in the 999 range, which NHS England reserves for test data, so a synthetic
 * person can never carry a real person's number. About 909,000 valid numbers: plenty for a county.
 */
export function randomTestNhsNumber(rng: Rng): string {
  for (;;) {
    const nine = `999${String(rng.int(0, 999_999)).padStart(6, '0')}`;
    const check = nhsCheckDigit(nine);
    if (check !== undefined) return `${nine}${check}`;
  }
}
