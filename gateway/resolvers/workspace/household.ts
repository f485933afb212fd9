/** Household and conflicts between agencies: the researcher's workspace resolvers for this area (fields in schema.graphql's section). */
import { type DisclosedPerson, type HouseholdCandidate, type HouseholdEvidence, type HouseholdRecord } from '../../disclosure/index.js';
import type { EnquirySubject } from '../../enquiries/index.js';
import { createConflicts, type WorkspaceAgencyAnswer } from '../../workspace/conflicts/index.js';
import { createHousehold } from '../../workspace/household/index.js';
import type { GatewayContext } from '../context.js';
import { gateOutput, shapeMarker } from '../shape.js';


const shapeSubject = (subject: EnquirySubject) => ({ ...subject, relation: subject.relation.toUpperCase() });
const shapeAgency = (answer: WorkspaceAgencyAnswer) => ({ agency: answer.agency, status: answer.status, detail: answer.detail ?? null, withheld: answer.withheld.map(shapeMarker) });
const enumName = (kind: string) => kind.toUpperCase().replaceAll('-', '_');

function shapePerson(person: DisclosedPerson) {
  gateOutput(person);
  return {
    agency: person.agency,
    personId: person.personId,
    decision: person.decision === 'disclose' ? 'DISCLOSED' : 'SUMMARISED',
    names: person.names ?? null,
    birthDate: person.birthDate ?? null,
    gender: person.gender ?? null,
    identifiers: person.identifiers ?? null,
    addresses: person.addresses ?? null,
    contact: person.contact ?? null,
    withheldFields: person.withheldFields,
  };
}

const shapeEvidence = (evidence: HouseholdEvidence) => ({
  agency: gateOutput(evidence).agency,
  basis: enumName(evidence.basis),
  relationship: evidence.relationship ?? null,
  agencyRelationship: evidence.agencyRelationship ?? null,
  address: evidence.address ?? null,
  provenance: evidence.provenance,
});

const shapeHouseholdRecord = (record: HouseholdRecord) => ({
  agency: gateOutput(record).agency,
  personId: record.personId,
  match: record.match ? { band: enumName(record.match.band), score: record.match.score, reasons: record.match.reasons, caution: record.match.caution ?? null } : null,
  person: shapePerson(record.person),
  evidence: record.evidence.map(shapeEvidence),
});

const shapeCandidate = (candidate: HouseholdCandidate) => ({
  key: gateOutput(candidate).key,
  band: enumName(candidate.band),
  identityBand: enumName(candidate.identityBand),
  householdBand: enumName(candidate.householdBand),
  relation: enumName(candidate.relation),
  records: candidate.records.map(shapeHouseholdRecord),
});

export const householdResolvers = {
  Query: {
    household: async (_: unknown, args: { enquiryId: string; subjectId: string }, ctx: GatewayContext) => {
      const answer = await createHousehold(ctx.services).household(ctx, args.enquiryId, args.subjectId);
      return {
        enquiryId: answer.enquiry.id,
        subject: shapeSubject(answer.subject),
        agencies: answer.agencies.map(shapeAgency),
        candidates: answer.candidates.map(shapeCandidate),
        addressesSearched: answer.addressesSearched,
        childRecordsSetAside: answer.childRecordsSetAside,
        auditEventId: answer.auditEventId,
        policyVersion: answer.policyVersion,
      };
    },
    conflicts: async (_: unknown, args: { enquiryId: string; subjectId: string }, ctx: GatewayContext) => {
      const answer = await createConflicts(ctx.services).conflicts(ctx, args.enquiryId, args.subjectId);
      return {
        enquiryId: answer.enquiry.id,
        subject: shapeSubject(answer.subject),
        agencies: answer.agencies.map(shapeAgency),
        compared: answer.compared,
        conflicts: answer.conflicts.map((c) => ({ ...c, kind: enumName(c.kind), sides: c.sides.map((s) => ({ ...s, value: s.value ?? null })) })),
        auditEventId: answer.auditEventId,
        policyVersion: answer.policyVersion,
      };
    },
  },
  Mutation: {},
};
