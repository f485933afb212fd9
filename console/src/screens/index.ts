import { commonScreens } from './common';
import { igScreens } from './ig';
import { incidentScreens } from './incidents';
import { managerScreens } from './manager';
import { researcherScreens } from './researcher';
import { reviewerScreens } from './reviewer';
import type { ScreenDefinition } from './registry';

/** Every screen of the console, in service-navigation order. */
export const SCREENS: readonly ScreenDefinition[] = [...commonScreens, ...researcherScreens, ...managerScreens, ...reviewerScreens, ...igScreens, ...incidentScreens];
