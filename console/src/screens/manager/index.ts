import type { ScreenDefinition } from '../registry';

/** The manager screens. */
export const managerScreens: ScreenDefinition[] = [];
