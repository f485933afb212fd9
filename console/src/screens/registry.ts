import type { ComponentType } from 'react';

/** The roles of the gateway's policy, as the console groups them. */
export const ROLES = {
  researcher: 'mash-researcher',
  manager: 'mash-manager',
  outOfHours: 'out-of-hours',
  schoolDsl: 'school-dsl',
  reviewer: 'agency-reviewer',
  ig: 'ig-officer',
} as const;

/** Everyone who works enquiries in the MASH. */
export const MASH_ROLES = [ROLES.researcher, ROLES.manager, ROLES.outOfHours] as const;

/**
 * One screen: its path (a name, never an id or anything about a person), the roles that may open
 * it (the console refuses others before asking the gateway, which would refuse them too), and,
 * for screens in the service navigation, its label there.
 */
export interface ScreenDefinition {
  path: string;
  title: string;
  roles: readonly string[] | 'any';
  nav?: string;
  Component: ComponentType;
}
