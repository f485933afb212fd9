import type { Actor } from '../../gateway/auth/index.js';
import { createEnquiryRepository } from '../../gateway/enquiries/index.js';
import type { Store } from '../../gateway/store/index.js';
import { createDecisionRepository, createDecisionService, DEFAULT_THRESHOLD_LEVELS } from '../../gateway/workspace/decision/index.js';
import type { TestGateway } from './gateway.js';

/**
 * An enquiry closes only on a MASH decision a manager has signed off. These helpers record one
 * (no further action at level 1 by default) and have a MASH manager of the owning team, who did
 * not record it, sign it off, so a test can close the enquiry.
 */

export const RECORD_DECISION = /* GraphQL */ `
  mutation Record($enquiryId: ID!, $input: RecordDecisionInput!) {
    recordDecision(enquiryId: $enquiryId, input: $input) { id sequence level outcome status current supersededBy recordedBy }
  }
`;

export const SIGN_OFF_DECISION = /* GraphQL */ `
  mutation SignOff($enquiryId: ID!, $decisionId: ID!, $comment: String) {
    signOffDecision(enquiryId: $enquiryId, decisionId: $decisionId, comment: $comment) { id status decidedBy signOffComment current }
  }
`;

export const NFA_DECISION = { level: '1', outcome: 'NFA', rationale: 'No safeguarding concern once the agencies were checked.', nextSteps: [] };

/** Over HTTP: `recorder` records the decision; a MASH manager of `ownerAgency` signs it off. Returns its id. */
export async function recordAndSignOff(
  t: TestGateway,
  enquiryId: string,
  recorder: string,
  options: { ownerAgency?: string; input?: Record<string, unknown>; manager?: string } = {},
): Promise<string> {
  const recorded = await t.graphql(RECORD_DECISION, { enquiryId, input: options.input ?? NFA_DECISION }, recorder);
  if (recorded.body.errors) throw new Error(`recordDecision failed: ${JSON.stringify(recorded.body.errors)}`);
  const decisionId = recorded.body.data.recordDecision.id as string;
  const manager = options.manager ?? (await t.token({ sub: 'decision-manager', name: 'Morgan Manager', agency: options.ownerAgency ?? 'social-care', roles: ['mash-manager'] }));
  const signed = await t.graphql(SIGN_OFF_DECISION, { enquiryId, decisionId }, manager);
  if (signed.body.errors) throw new Error(`signOffDecision failed: ${JSON.stringify(signed.body.errors)}`);
  return decisionId;
}

/** On a store: the same, through the decision service. Returns the decision id. */
export async function signedOffDecision(store: Store, enquiryId: string, recorder: Actor, now: Date): Promise<string> {
  const enquiries = createEnquiryRepository(store);
  const decisions = createDecisionService({ repository: createDecisionRepository(store), enquiries, levels: DEFAULT_THRESHOLD_LEVELS });
  const enquiry = await enquiries.get(enquiryId);
  const manager: Actor = { id: 'decision-manager', name: 'Morgan Manager', agency: enquiry?.ownerAgency ?? 'social-care', roles: ['mash-manager'], issuer: recorder.issuer };
  const { decision } = await decisions.record(recorder, enquiryId, { level: '1', outcome: 'nfa', rationale: 'No safeguarding concern once the agencies were checked.' }, now);
  await decisions.signOff(manager, enquiryId, decision.id, null, now);
  return decision.id;
}
