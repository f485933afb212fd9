import { createHash } from 'node:crypto';
import { canonicalJson } from './canonical.js';

/** The prev hash of the first event of a chain. */
export const GENESIS_HASH = '0'.repeat(64);

/**
 * The chain link: SHA-256 (hex) of the previous event's hash, a newline, and the event's canonical
 * JSON. Changing, removing or reordering any event changes every hash after it.
 */
export function hashEvent(prevHash: string, event: unknown): string {
  return createHash('sha256').update(`${prevHash}\n${canonicalJson(event)}`).digest('hex');
}
