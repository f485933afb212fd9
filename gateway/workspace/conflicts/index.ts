/**
 * Conflicts between agencies about one linked person (issue 12, item 6). The identity each
 * linked record holds now is read with the household capability's fetchPersons, passes the gate
 * as the subject's `<agency>.identity` (relation and recorded relevance as for their profile), and
 * only what the gate disclosed is compared (compare.ts). Audited like `profile`: one event, every
 * gate decision, committed before the answer is returned.
 */
import { audited, auditDecisions, auditEnquiry, auditSubject, disclosePersons, isDisclosed, outcomeOf, policyAbility, type AccessServices, type DisclosedPerson, type PersonAnswer, type RequestScope, type WithheldMarker } from '../../disclosure/index.js';
import { requireOnRoll, schoolOf } from '../../disclosure/school-roll.js';
import type { Enquiry, EnquirySubject } from '../../enquiries/index.js';
import { GatewayError } from '../../errors.js';
import { compareIdentities, type FieldConflict } from './compare.js';

export { compareIdentities, WITHHELD_BY_POLICY, type ConflictField, type ConflictKind, type ConflictSide, type FieldConflict, type IdentityView } from './compare.js';

/** What one agency answered about the linked person: the four statuses of invariant 6, and "not supported". */
export type WorkspaceAgencyStatus = 'RECORDS' | 'NO_RECORD' | 'UNAVAILABLE' | 'NOT_SUPPORTED';

export interface WorkspaceAgencyAnswer {
  agency: string;
  status: WorkspaceAgencyStatus;
  detail?: string;
  /** The identity category's marker where the policy withholds it whole. */
  withheld: readonly WithheldMarker[];
}

export interface ConflictsAnswer {
  enquiry: Enquiry;
  subject: EnquirySubject;
  agencies: WorkspaceAgencyAnswer[];
  conflicts: FieldConflict[];
  /** The records compared: each agency record of the subject the gate disclosed. */
  compared: number;
  auditEventId: string;
  policyVersion: string;
}

/** Only gate output is compared: a value the gate did not make is refused (invariant 2 at run time). */
function gated(person: DisclosedPerson): DisclosedPerson {
  if (!isDisclosed(person)) throw new GatewayError('INTERNAL_ERROR', 'Refused to compare a value that did not pass the disclosure gate.');
  return person;
}

const countOf = (n: number, noun: string) => `${n} ${noun}${n === 1 ? '' : 's'}`;

export function createConflicts(services: AccessServices) {
  return {
    async conflicts(scope: RequestScope, enquiryId: string, subjectId: string): Promise<ConflictsAnswer> {
      const { value, eventId } = await audited(services, scope, 'conflicts', { enquiry: { id: enquiryId }, subjects: [{ subjectId, links: [] }] }, async () => {
        const rollRule = services.policy.document.crossCutting.schoolRoll;
        const school = schoolOf(rollRule, scope.actor);
        const { enquiry, subject } = await services.enquiries.authoriseRead(scope.actor, enquiryId, subjectId, services.now());
        // ENC: a school DSL reads only about a child on their school's roll, here as in profile.
        if (school !== undefined && rollRule) await requireOnRoll(scope.federation, subject.links, school, rollRule);
        const compiled = policyAbility(services, scope.actor, enquiry, subject);
        const answers = await scope.federation.fetchPersons(subject.links);
        const asked: PersonAnswer[] = [];
        const agencies = new Map<string, WorkspaceAgencyAnswer>();
        for (const answer of answers) {
          if (answer.status === 'not-linked') continue;
          if (answer.status === 'not-supported') agencies.set(answer.agency, { agency: answer.agency, status: 'NOT_SUPPORTED', detail: answer.reason, withheld: [] });
          else asked.push(answer);
        }
        const disclosure = disclosePersons(compiled, asked);
        for (const result of disclosure.agencies) {
          agencies.set(result.agency, {
            agency: result.agency,
            status: result.status,
            ...(result.detail !== undefined ? { detail: result.detail } : {}),
            withheld: result.withheld,
          });
        }
        const views = disclosure.agencies.flatMap((a) => a.persons.map(gated));
        const conflicts = compareIdentities(views);
        const order = answers.map((a) => a.agency);
        return {
          value: {
            enquiry,
            subject,
            agencies: [...agencies.values()].sort((a, b) => order.indexOf(a.agency) - order.indexOf(b.agency)),
            conflicts,
            compared: views.length,
            policyVersion: disclosure.policy.version,
          },
          event: {
            outcome: outcomeOf(disclosure),
            reason: `${countOf(views.length, 'agency record')} compared; ${countOf(conflicts.length, 'difference')} found${conflicts.length > 0 ? ` (${conflicts.map((c) => `${c.field}: ${c.kind}`).join(', ')})` : ''}.`,
            enquiry: auditEnquiry(enquiry),
            subjects: [auditSubject(subject)],
            policy: disclosure.policy,
            decisions: auditDecisions(disclosure),
            ...(enquiry.breakGlassJustification !== null ? { breakGlass: true } : {}),
          },
        };
      });
      return { ...value, auditEventId: eventId };
    },
  };
}

export type Conflicts = ReturnType<typeof createConflicts>;
