import { MASH_ROLES, type ScreenDefinition } from '../registry';
import { enquiryScreens } from './enquiry-screens';
import { QueueScreen } from './queue';
import { workScreens } from './work-screens';

/** The MASH researcher's screens (managers and out-of-hours practitioners work enquiries too). */
export const researcherScreens: ScreenDefinition[] = [
  { path: '/queue', title: 'Triage queue', roles: MASH_ROLES, nav: 'Triage queue', Component: QueueScreen },
  ...enquiryScreens,
  ...workScreens,
];
