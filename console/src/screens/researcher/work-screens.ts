import type { ScreenDefinition } from '../registry';

/** The researcher's work products: chronology, indicators, conflicts, contact log, précis, decision. */
export const workScreens: ScreenDefinition[] = [];
