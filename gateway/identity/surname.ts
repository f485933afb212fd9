/**
 * Does the person asking share a family name with the person asked about? A researcher looking up
 * a relative, a neighbour or an ex-partner is one of the misuses information governance reviews;
 * sharing a family name is a cheap, imperfect signal of it. Only a yes/no leaves here: no name is
 * put in the audit log for it.
 */
import { normaliseName } from './normalise.js';
import type { PersonRecord } from './types.js';

/** The family-name parts of a display name ("Sam O'Brien-Hale" -> obrienhale, obrien, hale). */
function actorFamily(displayName: string | null | undefined): Set<string> {
  const words = (displayName ?? '').trim().split(/\s+/).filter(Boolean);
  if (words.length < 2) return new Set();
  const name = normaliseName(words.slice(0, -1).join(' '), words.at(-1));
  return new Set([name.family, ...name.familyParts].filter((f): f is string => f !== null && f.length > 1));
}

/** True when the actor's family name (the last word of their display name) is a family name of any of the people. */
export function sharesFamilyName(actorName: string | null | undefined, people: readonly PersonRecord[]): boolean {
  const mine = actorFamily(actorName);
  if (mine.size === 0) return false;
  for (const person of people) {
    for (const { family } of [{ family: person.family }, ...(person.otherNames ?? [])]) {
      if (!family) continue;
      const theirs = normaliseName(undefined, family);
      for (const part of [theirs.family, ...theirs.familyParts]) if (part !== null && mine.has(part)) return true;
    }
  }
  return false;
}
