/**
 * The concern categories a referral is recorded under: the one controlled vocabulary, kept as data
 * here (the GraphQL field `referralConcernCategories` lists it; the store keeps the ids). The ids
 * follow the factors recorded at the end of a children-in-need assessment (DfE CIN census), in
 * words a MASH uses at the front door.
 */
export interface ConcernCategory {
  readonly id: string;
  readonly label: string;
}

export const CONCERN_CATEGORIES: readonly ConcernCategory[] = Object.freeze([
  { id: 'neglect', label: 'Neglect' },
  { id: 'physical-abuse', label: 'Physical abuse' },
  { id: 'sexual-abuse', label: 'Sexual abuse' },
  { id: 'emotional-abuse', label: 'Emotional abuse' },
  { id: 'domestic-abuse', label: 'Domestic abuse' },
  { id: 'child-sexual-exploitation', label: 'Child sexual exploitation (CSE)' },
  { id: 'child-criminal-exploitation', label: 'Child criminal exploitation (CCE)' },
  { id: 'missing', label: 'Missing (going or reported missing)' },
  { id: 'mental-health', label: 'Mental health (child or parent/carer)' },
  { id: 'substance-misuse', label: 'Substance misuse (alcohol or drugs; child or parent/carer)' },
  { id: 'radicalisation', label: 'Radicalisation' },
  { id: 'fgm', label: 'Female genital mutilation (FGM)' },
  { id: 'self-harm', label: 'Self-harm' },
  { id: 'homelessness', label: 'Homelessness or housing need' },
  { id: 'trafficking', label: 'Trafficking or modern slavery' },
  { id: 'gangs', label: 'Gangs or serious youth violence' },
  { id: 'disability', label: 'Disability or illness of the child' },
  { id: 'parental-learning-disability', label: 'Learning disability of a parent or carer' },
  { id: 'young-carer', label: 'Young carer' },
  { id: 'private-fostering', label: 'Private fostering' },
  { id: 'other', label: 'Other' },
].map((c) => Object.freeze(c)));

const BY_ID = new Map(CONCERN_CATEGORIES.map((c) => [c.id, c]));

export const concernCategory = (id: string): ConcernCategory | undefined => BY_ID.get(id);
