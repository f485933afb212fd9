/**
 * Unique Pupil Number (UPN): 13 characters, a check letter then twelve characters (LA code,
 * establishment number, year of allocation, serial; the last may be a letter in a temporary
 * UPN). The check letter is the sum of each character's value times its position (2..13),
 * modulus 23, as a letter of the 23-letter alphabet without I, O and S (DfE UPN guide; CIN
 * validation rule 1510).
 */
const ALPHABET = 'ABCDEFGHJKLMNPQRTUVWXYZ';
/** A check letter, eleven digits, and a digit or (temporary UPN) a letter. */
export const UPN_SHAPE = /^[A-HJ-NP-RT-Z]\d{11}[0-9A-HJ-NP-RT-Z]$/;

export function upnCheckLetter(twelve: string): string | undefined {
  if (!/^\d{11}[0-9A-HJ-NP-RT-Z]$/.test(twelve)) return undefined;
  let sum = 0;
  for (let i = 0; i < 12; i++) {
    const ch = twelve[i] as string;
    sum += (ch >= '0' && ch <= '9' ? ch.charCodeAt(0) - 48 : ALPHABET.indexOf(ch)) * (i + 2);
  }
  return ALPHABET[sum % 23];
}

export function normaliseUpn(value: string): string {
  return value.replace(/\s+/g, '').toUpperCase();
}

export function isValidUpn(value: string): boolean {
  return UPN_SHAPE.test(value) && upnCheckLetter(value.slice(1)) === value[0];
}
