/**
 * Households for the daily meeting: incidents that share a person (the same agency person id,
 * whatever their role) are one household, and so are incidents connected through a chain of such
 * shared persons. Pure; the order of the incidents given is kept within each household, and
 * households come in the order of their first incident.
 */
export interface HouseholdIncident {
  id: string;
  agency: string;
  persons: readonly { personId: string }[];
}

export function groupHouseholds<T extends HouseholdIncident>(incidents: readonly T[]): T[][] {
  const parent = incidents.map((_, index) => index);
  const find = (i: number): number => {
    while (parent[i] !== i) {
      parent[i] = parent[parent[i]!]!;
      i = parent[i]!;
    }
    return i;
  };
  const union = (a: number, b: number): void => {
    const [ra, rb] = [find(a), find(b)];
    if (ra !== rb) parent[Math.max(ra, rb)] = Math.min(ra, rb);
  };
  const firstWith = new Map<string, number>();
  for (const [index, incident] of incidents.entries()) {
    for (const person of incident.persons) {
      const key = `${incident.agency}\u0000${person.personId}`;
      const seen = firstWith.get(key);
      if (seen === undefined) firstWith.set(key, index);
      else union(seen, index);
    }
  }
  const groups = new Map<number, T[]>();
  for (const [index, incident] of incidents.entries()) {
    const root = find(index);
    groups.set(root, [...(groups.get(root) ?? []), incident]);
  }
  return [...groups.entries()].sort(([a], [b]) => a - b).map(([, group]) => group);
}
