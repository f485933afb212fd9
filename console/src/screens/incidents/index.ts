import { ROLES, type ScreenDefinition } from '../registry';
import { DaMeetingScreen } from './da-meeting';
import { EncompassListScreen, EncompassNotificationScreen } from './encompass';
import { EncompassExceptionsScreen } from './encompass-exceptions';
import { EncompassHistoryScreen } from './ig-encompass';

/** The MASH's researchers and managers: the gateway answers the meeting and the exceptions to them only. */
const MASH_TEAM = [ROLES.researcher, ROLES.manager] as const;

/**
 * Incident-driven work: the daily domestic-abuse meeting and the Operation Encompass exceptions
 * (MASH), a school DSL's Operation Encompass notifications, and information governance's history
 * of what was sent. Nothing about a child is in a path: a notification is opened by its id in memory.
 */
export const incidentScreens: ScreenDefinition[] = [
  { path: '/da-meeting', title: 'Daily domestic-abuse meeting', roles: MASH_TEAM, nav: 'Daily DA meeting', Component: DaMeetingScreen },
  { path: '/encompass-exceptions', title: 'Operation Encompass exceptions', roles: MASH_TEAM, nav: 'Encompass exceptions', Component: EncompassExceptionsScreen },
  { path: '/encompass', title: 'Operation Encompass notifications', roles: [ROLES.schoolDsl], nav: 'Operation Encompass', Component: EncompassListScreen },
  { path: '/encompass-notification', title: 'Operation Encompass notification', roles: [ROLES.schoolDsl], Component: EncompassNotificationScreen },
  { path: '/ig/encompass', title: 'Operation Encompass history', roles: [ROLES.ig], nav: 'Encompass history', Component: EncompassHistoryScreen },
];
