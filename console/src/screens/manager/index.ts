import { ROLES, type ScreenDefinition } from '../registry';
import { BreakGlassScreen } from './break-glass';
import { ManageEnquiryScreen } from './manage-enquiry';
import { TeamQueueScreen } from './team-queue';

/** The MASH manager's screens: the team queue with assignment, one enquiry's purpose and sign-off, break-glass reviews. */
export const managerScreens: ScreenDefinition[] = [
  { path: '/team-queue', title: 'Team queue', roles: [ROLES.manager], nav: 'Team queue', Component: TeamQueueScreen },
  { path: '/manage-enquiry', title: 'Manage enquiry', roles: [ROLES.manager], Component: ManageEnquiryScreen },
  { path: '/break-glass', title: 'Break-glass reviews', roles: [ROLES.manager], nav: 'Break-glass reviews', Component: BreakGlassScreen },
];
