import { ROLES, type ScreenDefinition } from '../registry';
import { ReviewsScreen } from './reviews';

/** The agency reviewer's screens: originator review requests for their agency. */
export const reviewerScreens: ScreenDefinition[] = [{ path: '/reviews', title: 'Review requests', roles: [ROLES.reviewer], nav: 'Review requests', Component: ReviewsScreen }];
