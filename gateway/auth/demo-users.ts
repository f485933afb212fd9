import { LOCAL_AUTHORITY } from './demo-issuer.js';

/**
 * The people of the sandbox's "sign in as" page: one for each kind of user the console serves,
 * each a synthetic actor of the demo issuer. Development only; production signs in with an
 * agency's identity provider.
 */
export interface DemoUser {
  /** Stable id the console posts back to sign in; not the token subject. */
  id: string;
  /** What the person does, as the sign-in page shows it. */
  label: string;
  description: string;
  sub: string;
  name: string;
  agency: string;
  roles: string[];
  /** The school (LAESTAB) a school DSL acts for. */
  school?: string;
}

/** A LAESTAB for the DSL when there is no sandbox county to take a school from. */
export const DEMO_SCHOOL = '9991234';

/** The demo users; the school DSL acts for `school` (the featured child's school in the sandbox). */
export function demoUsers(school: string = DEMO_SCHOOL): DemoUser[] {
  return [
    {
      id: 'researcher',
      label: 'MASH researcher',
      description: 'Works the triage queue: searches agencies, confirms the child and household, writes the précis.',
      sub: 'demo-researcher',
      name: 'Demo Researcher',
      agency: 'social-care',
      roles: ['mash-researcher'],
    },
    {
      id: 'manager',
      label: 'MASH manager',
      description: 'Assigns referrals, extends deadlines, signs off decisions and reviews break-glass.',
      sub: 'demo-manager',
      name: 'Demo Manager',
      agency: 'social-care',
      roles: ['mash-manager'],
    },
    {
      id: 'out-of-hours',
      label: 'Out-of-hours practitioner',
      description: 'Emergency duty team: urgent enquiries outside office hours.',
      sub: 'demo-out-of-hours',
      name: 'Demo Duty Worker',
      agency: 'social-care',
      roles: ['out-of-hours'],
    },
    {
      id: 'school-dsl',
      label: 'School designated safeguarding lead',
      description: 'Told about children on their own school roll (Operation Encompass).',
      sub: 'demo-school-dsl',
      name: 'Demo School Lead',
      agency: 'education',
      roles: ['school-dsl'],
      school,
    },
    {
      id: 'police-reviewer',
      label: 'Police reviewer',
      description: 'Approves or refuses the release of police detail held for originator review.',
      sub: 'demo-police-reviewer',
      name: 'Demo Police Reviewer',
      agency: 'police',
      roles: ['agency-reviewer'],
    },
    {
      id: 'ig-officer',
      label: 'Information governance officer',
      description: 'Reviews the access log and anomalies, answers subject access requests, verifies the audit log.',
      sub: 'demo-ig-officer',
      name: 'Demo IG Officer',
      agency: LOCAL_AUTHORITY,
      roles: ['ig-officer'],
    },
  ];
}
