import { badInput } from '../../errors.js';

/**
 * Free text a user typed (a rationale, a note, what was said): trimmed, required unless `optional`,
 * bounded. The error names the field and the limit, never the text itself.
 */
export function boundedText(field: string, value: string | null | undefined, max: number, options: { optional: true }): string | undefined;
export function boundedText(field: string, value: string | null | undefined, max: number, options?: { optional?: false }): string;
export function boundedText(field: string, value: string | null | undefined, max: number, options: { optional?: boolean } = {}): string | undefined {
  const trimmed = (value ?? '').trim();
  if (trimmed.length === 0) {
    if (options.optional) return undefined;
    throw badInput(`${field} is required and must not be empty.`, { field });
  }
  if (trimmed.length > max) throw badInput(`${field} must be at most ${max} characters (got ${trimmed.length}).`, { field });
  // Control characters (other than line breaks and tabs) have no place in a record people read.
  if (/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/.test(trimmed)) throw badInput(`${field} contains control characters.`, { field });
  return trimmed;
}

/** A calendar date YYYY-MM-DD that exists (2026-02-30 does not). */
export function isCalendarDate(value: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) return false;
  const parsed = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(parsed.getTime()) && parsed.toISOString().slice(0, 10) === value;
}
