/**
 * The work on one enquiry, as the enquiry page lists it (a GOV.UK task list): each task opens a
 * screen by path, with the enquiry (and, for tasks about one person, the subject) kept in memory.
 * `perSubject` tasks are listed under each subject of the enquiry.
 */
export interface EnquiryTask {
  path: string;
  label: string;
  hint: string;
  perSubject: boolean;
}

export const ENQUIRY_TASKS: readonly EnquiryTask[] = [
  { path: '/search', label: 'Find people in every agency', hint: 'Search, see likely people with the reasons, confirm a person in one click.', perSubject: false },
  { path: '/profile', label: 'What each agency holds', hint: 'Records, no record or unavailable, agency by agency, with withheld markers.', perSubject: true },
  { path: '/household', label: 'Household', hint: 'Adults and children at the same address or known together; confirm them and record relevance.', perSubject: true },
  { path: '/chronology', label: 'Chronology', hint: 'Every agency’s events in date order, with incidents grouped.', perSubject: true },
  { path: '/indicators', label: 'Risk indicators', hint: 'Which indicators fired, with the records each one counts.', perSubject: true },
  { path: '/conflicts', label: 'Conflicting details', hint: 'Where agencies disagree (name, date of birth, address).', perSubject: true },
  { path: '/contact-log', label: 'Contact log', hint: 'Calls and emails outside the agencies’ systems.', perSubject: false },
  { path: '/precis', label: 'Précis', hint: 'Write, cite and export the précis for the strategy discussion.', perSubject: false },
  { path: '/decision', label: 'MASH decision', hint: 'Threshold level, outcome, rationale and next steps, for a manager to sign off.', perSubject: false },
];
