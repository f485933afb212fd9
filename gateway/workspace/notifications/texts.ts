/**
 * What a notification says. Each text names the enquiry's reference and what happened (a review
 * names the category and which of the enquiry's subjects, as Child 1 or Adult 2), and
 * nothing about the people concerned (no names, dates of birth, identifiers, record content):
 * the receiver reads the detail through the API, under its own checks and audit. No links: the
 * text may leave the system by email or webhook, and a link would say where the detail lives.
 */
export type NotificationKind =
  | 'review-requested'
  | 'review-decided'
  | 'enquiry-assigned'
  | 'deadline-near'
  | 'break-glass'
  | 'break-glass-review-due'
  | 'encompass-notification'
  | 'encompass-exception';

export const NOTIFICATION_KINDS: readonly NotificationKind[] = [
  'review-requested',
  'review-decided',
  'enquiry-assigned',
  'deadline-near',
  'break-glass',
  'break-glass-review-due',
  'encompass-notification',
  'encompass-exception',
];

/** "Tuesday 4 May 2027" and "08:30" in London, for an instant. */
function londonWhen(at: Date): { day: string; time: string } {
  const day = new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/London', weekday: 'long', day: 'numeric', month: 'long', year: 'numeric' }).format(at).replace(',', '');
  const time = new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/London', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(at);
  return { day, time };
}

/**
 * Which subject of the enquiry a notification is about: their relation and their place among the
 * enquiry's subjects of that relation, in the order they joined ("Child 1", "Adult 2", as the
 * console labels them). Never the label a researcher typed, which may hold a name, nor anything an
 * agency holds: the text may leave the system by email or webhook.
 */
export interface SubjectMention {
  relation: 'child' | 'adult';
  /** 1 for the enquiry's first subject of this relation. */
  ordinal: number;
}

/** "Child 1", "Adult 2". */
export const subjectWords = (subject: SubjectMention): string => `${subject.relation === 'adult' ? 'Adult' : 'Child'} ${subject.ordinal}`;

export const notificationText = {
  reviewRequested: (reference: string, category: string, subject: SubjectMention) => `A review of ${category} about ${subjectWords(subject)} in enquiry ${reference} is waiting.`,
  reviewDecided: (reference: string, category: string, subject: SubjectMention, approved: boolean) =>
    `Your review request for ${category} about ${subjectWords(subject)} in enquiry ${reference} was ${approved ? 'approved' : 'refused'}.`,
  enquiryAssigned: (reference: string) => `Enquiry ${reference} has been assigned to you.`,
  deadlineNear: (reference: string, deadline: string) => `Enquiry ${reference} reaches its deadline at ${deadline}.`,
  breakGlass: (reference: string) => `Break-glass enquiry ${reference} was opened and is waiting for information-governance review.`,
  breakGlassReviewDue: (reference: string) => `Break-glass enquiry ${reference} was opened by your team and is waiting for a manager's review.`,
  /** To the school's DSLs: the school's name (not personal data) and by when; never the child. */
  encompassNotification: (schoolName: string, dueBy: Date) => {
    const { day, time } = londonWhen(dueBy);
    return `An Operation Encompass notification for ${schoolName} is waiting: sign in to read and acknowledge it before ${time} on ${day}.`;
  },
  /** To the MASH: what kind of exception, the school where known; never the child. */
  encompassException: (reason: string, schoolName: string | null) =>
    `An Operation Encompass exception (${reason.toLowerCase().replace(/_/g, ' ')}${schoolName ? `, ${schoolName}` : ''}) is on the exceptions list: sign in to act on it.`,
};
