import { MASH_ROLES, type ScreenDefinition } from '../registry';
import { ChronologyScreen } from './chronology';
import { ConflictsScreen } from './conflicts';
import { ContactLogScreen } from './contact-log';
import { DecisionScreen } from './decision';
import { IndicatorsScreen } from './indicators';
import { MyEnquiriesScreen } from './my-enquiries';
import { PrecisScreen } from './precis';

/** The researcher's work products: chronology, indicators, conflicts, contact log, précis, decision. */
export const workScreens: ScreenDefinition[] = [
  { path: '/enquiries', title: 'My enquiries', roles: MASH_ROLES, nav: 'My enquiries', Component: MyEnquiriesScreen },
  { path: '/chronology', title: 'Chronology', roles: MASH_ROLES, Component: ChronologyScreen },
  { path: '/indicators', title: 'Risk indicators', roles: MASH_ROLES, Component: IndicatorsScreen },
  { path: '/conflicts', title: 'Conflicting details', roles: MASH_ROLES, Component: ConflictsScreen },
  { path: '/contact-log', title: 'Contact log', roles: MASH_ROLES, Component: ContactLogScreen },
  { path: '/precis', title: 'Précis', roles: MASH_ROLES, Component: PrecisScreen },
  { path: '/decision', title: 'MASH decision', roles: MASH_ROLES, Component: DecisionScreen },
];
