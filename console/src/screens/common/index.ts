import type { ScreenDefinition } from '../registry';
import { HomeScreen } from './home';

/** Screens for everyone signed in. */
export const commonScreens: ScreenDefinition[] = [{ path: '/', title: 'Home', roles: 'any', nav: 'Home', Component: HomeScreen }];
