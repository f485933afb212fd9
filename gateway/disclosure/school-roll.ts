import { ORGANISATION_SYSTEMS, type OrganisationIdentifier, type SourceRecord } from '../../connectors/sdk/index.js';
import type { PolicyDocument } from '../../policies/index.js';
import type { Actor } from '../auth/index.js';
import { GatewayError } from '../errors.js';
import type { RequestFederation, SubjectLinkRef } from '../federation/index.js';
import { candidateKey, type PersonAnswer, type SearchRanking } from './gate.js';

/**
 * ENC: a school's designated safeguarding lead is told about a child on that school's roll and
 * about no other child. The school is the LAESTAB in the DSL's token (`Actor.school`); the roll
 * is what the education connector says: a pupil's `provenance.organisation` is the school whose
 * roll they are on, and an active involvement (enrolment) carries the school it is with.
 */

export const EDUCATION_AGENCY = 'education';

export type SchoolRollRule = NonNullable<PolicyDocument['crossCutting']['schoolRoll']>;

const isSchool = (organisation: OrganisationIdentifier | undefined, school: string): boolean =>
  organisation?.system === ORGANISATION_SYSTEMS.laestab && organisation.value === school;

/**
 * The school whose roll bounds what the actor reads, or undefined when the rule does not bind
 * them. An actor the rule binds whose token names no school is refused: without a school there
 * is no roll, and so no child they may read about.
 */
export function schoolOf(rule: SchoolRollRule | undefined, actor: Actor): string | undefined {
  if (!rule) return undefined;
  const bound = actor.roles.find((role) => rule.roles.includes(role));
  if (bound === undefined) return undefined;
  if (actor.school === undefined) {
    throw new GatewayError(
      'FORBIDDEN_NO_SCHOOL',
      `As ${bound} you may read only about children on your school's roll, and your token names no school; ask your identity provider to include the "school" claim (your school's DfE LAESTAB, 7 digits).`,
      { details: { rule: rule.id } },
    );
  }
  return actor.school;
}

/** The education records show the pupil on the school's roll: an active involvement with that school. */
export function onRoll(records: readonly SourceRecord[], school: string): boolean {
  return records.some((r) => r.agency === EDUCATION_AGENCY && r.kind === 'involvement' && r.fields.status === 'active' && isSchool(r.provenance.organisation, school));
}

/**
 * Asks the education connector whether the subject is on the school's roll, through the request's
 * federation (its per-request loader answers the profile's own education fetch from the same call).
 * Refuses with FORBIDDEN_NOT_ON_ROLL unless the roll shows the child; if education cannot answer,
 * the roll cannot be confirmed and nothing is read (AGENCY_UNAVAILABLE).
 */
export async function requireOnRoll(federation: RequestFederation, links: readonly SubjectLinkRef[], school: string, rule: SchoolRollRule): Promise<void> {
  const notOnRoll = (why: string): GatewayError =>
    new GatewayError('FORBIDDEN_NOT_ON_ROLL', `${why} A school's designated safeguarding lead reads only about children on that school's roll, so nothing is disclosed; if the child has joined your school, ask the MASH to check the education record.`, {
      details: { rule: rule.id, school },
    });
  const educationLinks = links.filter((link) => link.agency === EDUCATION_AGENCY);
  if (educationLinks.length === 0) {
    throw notOnRoll(`This child has no education record linked in the enquiry, so the gateway cannot see them on the roll of your school (${school}).`);
  }
  const education = (await federation.fetchRecords(educationLinks)).find((answer) => answer.agency === EDUCATION_AGENCY);
  if (education?.status === 'unavailable') {
    throw new GatewayError('AGENCY_UNAVAILABLE', `Your school's roll cannot be checked because education is unavailable (${education.reason}); nothing is disclosed. Try again shortly.`, {
      details: { rule: rule.id },
    });
  }
  if (education?.status !== 'answered' || !onRoll(education.records, school)) {
    throw notOnRoll(`The education records do not show this child on the roll of your school (${school}).`);
  }
}

/**
 * A school DSL's person search, narrowed to the school's pupils: only the likely people that
 * include an education record of a pupil on the school's roll are kept, and every other
 * candidate is dropped before the gate, so nothing (not even a count) says anyone else was found.
 * Returns how many candidates were left out, for the audit event.
 */
export function narrowSearchToRoll(answers: readonly PersonAnswer[], ranking: SearchRanking, school: string): { answers: PersonAnswer[]; ranking: SearchRanking; leftOut: number } {
  const education = answers.find((answer) => answer.agency === EDUCATION_AGENCY);
  if (education?.status === 'unavailable') {
    throw new GatewayError('AGENCY_UNAVAILABLE', `Your school's roll cannot be checked because education is unavailable (${education.reason}); try the search again shortly.`);
  }
  const pupils = new Set(
    education?.status === 'answered' ? education.persons.filter((p) => isSchool(p.provenance.organisation, school)).map((p) => candidateKey(EDUCATION_AGENCY, p.personId)) : [],
  );
  const groups = ranking.groups.filter((group) => group.members.some((member) => pupils.has(candidateKey(member.agency, member.personId))));
  const kept = new Set(groups.flatMap((group) => group.members.map((member) => candidateKey(member.agency, member.personId))));
  let leftOut = 0;
  const narrowed = answers.map((answer): PersonAnswer => {
    if (answer.status !== 'answered') return answer;
    const persons = answer.persons.filter((p) => kept.has(candidateKey(answer.agency, p.personId)));
    leftOut += answer.persons.length - persons.length;
    return { ...answer, persons };
  });
  return { answers: narrowed, ranking: { groups, belowThreshold: [], queryProblems: ranking.queryProblems }, leftOut };
}
