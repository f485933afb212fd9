/**
 * How the members of one true household are related, seen from one of them: the ground truth
 * the agency views draw their related-person records and person links from (health
 * RelatedPerson, police person links). Households are 1-2 adults (partners) and their children;
 * a partner who is not a child's parent is that child's step-parent.
 */
import type { CountyCore, Person } from './model.js';

export type HouseholdRelation =
  | 'parent'
  | 'step-parent'
  | 'sibling'
  | 'half-sibling'
  | 'step-sibling'
  | 'partner'
  | 'child'
  | 'step-child';

export interface RelatedMember {
  /** The other household member. */
  other: Person;
  /** What `other` is to the person asked about (`parent`: other is their parent). */
  relation: HouseholdRelation;
}

/** Every other member of the person's household and what they are to the person. */
export function householdRelations(county: Pick<CountyCore, 'householdsById' | 'personsById'>, person: Person): RelatedMember[] {
  const household = county.householdsById.get(person.householdId);
  if (!household) return [];
  const out: RelatedMember[] = [];
  for (const id of household.memberIds) {
    if (id === person.id) continue;
    const other = county.personsById.get(id);
    if (!other) continue;
    out.push({ other, relation: relationOf(person, other) });
  }
  return out;
}

/** What `other` is to `person`, both of one household. */
export function relationOf(person: Person, other: Person): HouseholdRelation {
  if (person.parentIds.includes(other.id)) return 'parent';
  if (person.childIds.includes(other.id)) return 'child';
  if (person.role === 'adult' && other.role === 'adult') return 'partner';
  if (person.role === 'child' && other.role === 'adult') return 'step-parent';
  if (person.role === 'adult' && other.role === 'child') return 'step-child';
  const shared = person.parentIds.filter((p) => other.parentIds.includes(p));
  if (shared.length === 0) return 'step-sibling';
  return shared.length === person.parentIds.length && shared.length === other.parentIds.length ? 'sibling' : 'half-sibling';
}
