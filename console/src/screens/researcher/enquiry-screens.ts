import type { ScreenDefinition } from '../registry';

/** The enquiry and the people in it: new enquiry, enquiry page, search, profile, household. */
export const enquiryScreens: ScreenDefinition[] = [];
