import { MASH_ROLES, type ScreenDefinition } from '../registry';
import { EnquiryScreen } from './enquiry';
import { HouseholdScreen } from './household';
import { NewEnquiryScreen } from './new-enquiry';
import { ProfileScreen } from './profile';
import { SearchScreen } from './search';

/** The enquiry and the people in it: new enquiry, enquiry page, search, profile, household. */
export const enquiryScreens: ScreenDefinition[] = [
  { path: '/new-enquiry', title: 'Open an enquiry', roles: MASH_ROLES, Component: NewEnquiryScreen },
  { path: '/enquiry', title: 'Enquiry', roles: MASH_ROLES, Component: EnquiryScreen },
  { path: '/search', title: 'Find people', roles: MASH_ROLES, Component: SearchScreen },
  { path: '/profile', title: 'What each agency holds', roles: MASH_ROLES, Component: ProfileScreen },
  { path: '/household', title: 'Household', roles: MASH_ROLES, Component: HouseholdScreen },
];
