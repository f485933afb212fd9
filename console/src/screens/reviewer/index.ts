import type { ScreenDefinition } from '../registry';

/** The reviewer screens. */
export const reviewerScreens: ScreenDefinition[] = [];
