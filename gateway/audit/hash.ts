import { hash } from 'node:crypto';
import { canonicalJson } from './canonical.js';

/** The prev hash of the first event of a chain. */
export const GENESIS_HASH = '0'.repeat(64);

/**
 * The chain link: SHA-256 (hex) of the previous event's hash, a newline, and the event's canonical
 * JSON. Changing, removing or reordering any event changes every hash after it.
 */
export function hashEvent(prevHash: string, event: unknown): string {
  return hashCanonicalEvent(prevHash, canonicalJson(event));
}

/** hashEvent for an event already in canonical JSON (the appender makes it once, off the commit path). */
export function hashCanonicalEvent(prevHash: string, canonicalEvent: string): string {
  return hash('sha256', `${prevHash}\n${canonicalEvent}`, 'hex');
}
