import { audited, discloseForReview, type AccessServices, type RequestScope, type ReviewDisclosure } from '../../disclosure/index.js';
import { enquiryStatus, type ReviewRequest } from '../../enquiries/index.js';
import { GatewayError, badInput } from '../../errors.js';

export interface ReviewSummaryAnswer {
  request: ReviewRequest;
  disclosure: ReviewDisclosure;
  auditEventId: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * ORIG, usable: what an agency's reviewer is asked to approve. Only a reviewer of the request's
 * own agency, only while the request is pending and its enquiry open. The agency's own records of
 * the category under review, for that subject's links at that agency only, are fetched through
 * the gate (discloseForReview: summary fields, never the narrative, never another agency's data
 * or the subject's other categories) and the read is audited like a profile, before the answer.
 */
export async function reviewRequestSummary(services: AccessServices, scope: RequestScope, id: string): Promise<ReviewSummaryAnswer> {
  const rules = services.policy.document.crossCutting.originatorReview;
  const { value, eventId } = await audited(services, scope, 'reviewRequestSummary', { reason: `review request ${id.slice(0, 100)}` }, async () => {
    if (!rules.roles.some((role) => scope.actor.roles.includes(role))) {
      throw new GatewayError('FORBIDDEN', `Review requests are for an agency's reviewers (${rules.roles.join(', ')}).`);
    }
    if (!UUID.test(id)) throw badInput('id must be a review request id (from reviewRequests).', { field: 'id' });
    const request = await services.reviews.get(id);
    // Another agency's reviewer learns nothing about the request, not even that it exists.
    if (!request || request.agency !== scope.actor.agency) throw new GatewayError('NOT_FOUND', `Your agency has no review request ${id}.`);
    if (request.status !== 'pending') throw new GatewayError('CONFLICT', `Review request ${id} was already ${request.status}; there is nothing left to review.`);
    const now = services.now();
    if (enquiryStatus({ closedAt: request.enquiryClosedAt, accessEndsAt: request.enquiryAccessEndsAt }, now) !== 'OPEN') {
      throw new GatewayError('FORBIDDEN_ENQUIRY_CLOSED', `The enquiry of review request ${id} is no longer open; nothing is released under it.`);
    }
    const category = services.policy.document.categories[request.category];
    if (!category) throw new GatewayError('CONFLICT', `The policy no longer has the category ${request.category}.`);
    const links = request.personIds.map((personId) => ({ agency: request.agency, personId }));
    const answers = links.length === 0 ? [] : await scope.federation.fetchRecords(links);
    const policy = { id: services.policy.document.id, version: services.policy.document.version };
    const { disclosure, decisions, failures } = discloseForReview(
      { agency: request.agency, category: request.category, label: category.label, summaryFields: category.summary, ruleId: `${rules.id}/reviewer-summary`, sources: rules.sources, policy },
      answers,
    );
    return {
      value: { request, disclosure },
      event: {
        outcome: failures.length > 0 ? 'partial' : 'success',
        enquiry: { id: request.enquiryId, purpose: request.purpose, legalBasis: request.legalBasis },
        subjects: [{ subjectId: request.subjectId, links }],
        policy,
        decisions: [...decisions, ...failures],
        reason: `originator review ${request.id}: ${request.agency} ${request.category}`,
      },
    };
  });
  return { ...value, auditEventId: eventId };
}
