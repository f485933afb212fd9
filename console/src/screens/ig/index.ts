import type { ScreenDefinition } from '../registry';

/** The ig screens. */
export const igScreens: ScreenDefinition[] = [];
