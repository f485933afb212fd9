import type { ScreenDefinition } from '../registry';
import { HomeScreen } from './home';
import { NotificationsScreen } from './notifications';

/** Screens for everyone signed in. */
export const commonScreens: ScreenDefinition[] = [
  { path: '/', title: 'Home', roles: 'any', nav: 'Home', Component: HomeScreen },
  { path: '/notifications', title: 'Notifications', roles: 'any', nav: 'Notifications', Component: NotificationsScreen },
];
