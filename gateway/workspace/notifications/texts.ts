/**
 * What a notification says. Each text names the enquiry's reference and what happened, and
 * nothing about the people concerned (no names, dates of birth, identifiers, record content):
 * the receiver reads the detail through the API, under its own checks and audit. No links: the
 * text may leave the system by email or webhook, and a link would say where the detail lives.
 */
export type NotificationKind = 'review-requested' | 'review-decided' | 'enquiry-assigned' | 'deadline-near' | 'break-glass';

export const NOTIFICATION_KINDS: readonly NotificationKind[] = ['review-requested', 'review-decided', 'enquiry-assigned', 'deadline-near', 'break-glass'];

export const notificationText = {
  reviewRequested: (reference: string, category: string) => `A review of ${category} for enquiry ${reference} is waiting.`,
  reviewDecided: (reference: string, category: string, approved: boolean) =>
    `Your review request for ${category} in enquiry ${reference} was ${approved ? 'approved' : 'refused'}.`,
  enquiryAssigned: (reference: string) => `Enquiry ${reference} has been assigned to you.`,
  deadlineNear: (reference: string, deadline: string) => `Enquiry ${reference} reaches its deadline at ${deadline}.`,
  breakGlass: (reference: string) => `Break-glass enquiry ${reference} was opened and is waiting for information-governance review.`,
};
