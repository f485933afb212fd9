/**
 * Search passes: the person searches sent to each agency for one researcher's search. Agency
 * systems match a name exactly or by prefix, so a record with a nickname, a typing slip in one
 * name, names the other way round or a day/month swap would never come back to be scored. As
 * NHS PDS does, the gateway asks again with one field relaxed at a time; the matcher then scores
 * everything that came back against what the researcher actually asked.
 */
import type { PersonQuery } from '../../connectors/sdk/index.js';

function swappedDate(iso: string): string | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso);
  if (!m) return null;
  const [, y, mm, dd] = m as unknown as [string, string, string, string];
  if (mm === dd || Number(dd) > 12) return null;
  return `${y}-${dd}-${mm}`;
}

const key = (q: PersonQuery) => JSON.stringify([q.identifiers ?? [], q.family ?? '', q.given ?? '', q.birthDate ?? '', q.postalCode ?? '']);

/** The query as asked first, then relaxed variants; none repeats another. */
export function searchPasses(query: PersonQuery): PersonQuery[] {
  const passes: PersonQuery[] = [query];
  const { family, given, birthDate } = query;
  if (birthDate) {
    // One name wrong (a nickname, a slip, a new family name): keep the other name and the date.
    if (family && given) {
      passes.push({ family, birthDate });
      passes.push({ given, birthDate });
    }
    // Day and month the other way round.
    const swapped = swappedDate(birthDate);
    if (swapped && family) passes.push({ family, ...(given ? { given } : {}), birthDate: swapped });
  }
  // Given and family names recorded the other way round.
  if (family && given) passes.push({ family: given, given: family, ...(birthDate ? { birthDate } : {}) });
  const seen = new Set<string>();
  return passes.filter((q) => {
    const k = key(q);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}
