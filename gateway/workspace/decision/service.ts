import type { Actor } from '../../auth/index.js';
import { MANAGER_ROLES, sameActor, type Enquiry, type EnquiryRepository } from '../../enquiries/index.js';
import { GatewayError, badInput } from '../../errors.js';
import type { DecisionRepository, MashDecision, NextStep } from './repository.js';
import { boundedText, isCalendarDate } from './text.js';
import { DECISION_OUTCOMES, OUTCOME_LABELS, outcomeFromEnum, type DecisionOutcome, type ThresholdLevel } from './vocabulary.js';

/** Who may record a MASH decision (as a member of the enquiry): the MASH's own practitioners. */
export const DECISION_ROLES: readonly string[] = ['mash-researcher', 'mash-manager', 'out-of-hours'];

export const MAX_RATIONALE = 4000;
export const MAX_NEXT_STEPS = 20;
export const MAX_STEP_ACTION = 500;
export const MAX_OWNER_PART = 200;
export const MAX_NOTE = 2000;
/** A next step falls due within a year: a later date is almost certainly a typing slip. */
export const MAX_DUE_DAYS = 366;

export interface NextStepInput {
  action: string;
  /** `teamName` and `agencyName` as in the GraphQL input (their edge checks are a name's, not a keyword's). */
  owner: { name?: string | null; teamName?: string | null; agencyName?: string | null };
  due: string;
}

export interface RecordDecisionInput {
  level: string;
  /** An outcome of the vocabulary (`nfa`) or its GraphQL name (`NFA`). */
  outcome: string;
  rationale: string;
  nextSteps?: readonly NextStepInput[] | null;
}

const DAY_MS = 24 * 3600 * 1000;

/**
 * The MASH decision: recorded by a member of the enquiry, signed off or returned by a MASH manager
 * of the owning team who did not record it (four eyes). A signed-off decision never changes; a new
 * decision supersedes the current one and the old ones stay as history. Each method takes `now`.
 */
export function createDecisionService(deps: { repository: DecisionRepository; enquiries: Pick<EnquiryRepository, 'get'>; levels: readonly ThresholdLevel[] }) {
  const { repository, levels } = deps;

  async function enquiryOf(enquiryId: string): Promise<Enquiry> {
    const enquiry = await deps.enquiries.get(enquiryId);
    if (!enquiry) throw new GatewayError('FORBIDDEN_NO_ENQUIRY', `No enquiry ${enquiryId} exists.`, { details: { enquiryId } });
    return enquiry;
  }
  const isMember = (enquiry: Enquiry, actor: Actor) => enquiry.members.some((m) => sameActor({ issuer: m.issuer, id: m.actorId }, actor));
  const isOwningManager = (enquiry: Enquiry, actor: Actor) =>
    MANAGER_ROLES.some((role) => actor.roles.includes(role)) && enquiry.ownerAgency !== null && enquiry.ownerAgency === actor.agency;

  function notClosed(enquiry: Enquiry): void {
    if (enquiry.closedAt !== null) {
      throw new GatewayError('FORBIDDEN_ENQUIRY_CLOSED', `Enquiry ${enquiry.id} was closed at ${enquiry.closedAt}; its decision can no longer change.`, { details: { enquiryId: enquiry.id } });
    }
  }

  /** The input checked against the vocabulary, the local levels and the bounds; BAD_INPUT naming the field. */
  function validate(input: RecordDecisionInput, now: Date): { level: ThresholdLevel; outcome: DecisionOutcome; rationale: string; nextSteps: NextStep[] } {
    const level = levels.find((l) => l.id === input.level);
    if (!level) throw badInput(`level must be one of the local threshold levels: ${levels.map((l) => `${l.id} (${l.label})`).join(', ')}.`, { field: 'level' });
    const outcome = outcomeFromEnum(String(input.outcome ?? ''));
    if (!outcome) throw badInput(`outcome must be one of ${DECISION_OUTCOMES.join(', ')}.`, { field: 'outcome' });
    if (!level.outcomes.includes(outcome)) {
      const fitting = levels.filter((l) => l.outcomes.includes(outcome)).map((l) => l.id);
      throw badInput(
        `outcome ${outcome} (${OUTCOME_LABELS[outcome]}) is not consistent with ${level.label}: at that level the outcome is one of ${level.outcomes.join(', ')}${fitting.length > 0 ? `; ${outcome} fits level ${fitting.join(' or ')}` : ''}.`,
        { field: 'outcome', level: level.id, outcome },
      );
    }
    const rationale = boundedText('rationale', input.rationale, MAX_RATIONALE);
    const steps = input.nextSteps ?? [];
    if (steps.length > MAX_NEXT_STEPS) throw badInput(`nextSteps may list at most ${MAX_NEXT_STEPS} steps (got ${steps.length}).`, { field: 'nextSteps' });
    if (outcome !== 'nfa' && steps.length === 0) {
      throw badInput(`A decision of ${outcome} needs at least one next step: what happens, who does it and by when (nextSteps).`, { field: 'nextSteps' });
    }
    const today = now.toISOString().slice(0, 10);
    const latest = new Date(Date.parse(`${today}T00:00:00Z`) + MAX_DUE_DAYS * DAY_MS).toISOString().slice(0, 10);
    const nextSteps = steps.map((step, index): NextStep => {
      const at = `nextSteps[${index}]`;
      const owner = {
        name: boundedText(`${at}.owner.name`, step.owner?.name, MAX_OWNER_PART, { optional: true }) ?? null,
        team: boundedText(`${at}.owner.teamName`, step.owner?.teamName, MAX_OWNER_PART, { optional: true }) ?? null,
        agency: boundedText(`${at}.owner.agencyName`, step.owner?.agencyName, MAX_OWNER_PART, { optional: true }) ?? null,
      };
      if (owner.name === null && owner.team === null && owner.agency === null) throw badInput(`${at}.owner needs a name, a team or an agency: who does it.`, { field: `${at}.owner` });
      const due = String(step.due ?? '').trim();
      if (!isCalendarDate(due)) throw badInput(`${at}.due must be a date as YYYY-MM-DD (got ${JSON.stringify(due.slice(0, 20))}).`, { field: `${at}.due` });
      if (due < today) throw badInput(`${at}.due ${due} is in the past.`, { field: `${at}.due` });
      if (due > latest) throw badInput(`${at}.due ${due} is more than a year ahead (latest ${latest}).`, { field: `${at}.due` });
      return { action: boundedText(`${at}.action`, step.action, MAX_STEP_ACTION), owner, due };
    });
    return { level, outcome, rationale, nextSteps };
  }

  /** The manager's authority over the enquiry's decision: MASH manager of the owning team. */
  function requireOwningManager(enquiry: Enquiry, actor: Actor, what: string): void {
    if (!isOwningManager(enquiry, actor)) {
      throw new GatewayError(
        'FORBIDDEN',
        `Only a MASH manager (role mash-manager) of the team that owns enquiry ${enquiry.id}${enquiry.ownerAgency ? ` (${enquiry.ownerAgency})` : ''} may ${what} its decision.`,
        { details: { enquiryId: enquiry.id } },
      );
    }
  }

  async function decisionToDecide(enquiry: Enquiry, decisionId: string, actor: Actor, what: string): Promise<MashDecision> {
    const decisions = await repository.list(enquiry.id);
    const decision = decisions.find((d) => d.id === decisionId);
    if (!decision) throw new GatewayError('NOT_FOUND', `Enquiry ${enquiry.id} has no decision ${decisionId}.`, { details: { enquiryId: enquiry.id } });
    // Four eyes: whoever recorded the decision cannot also sign it off (nor return it).
    if (sameActor(decision.recordedBy, actor)) {
      throw new GatewayError('FORBIDDEN', `You recorded decision ${decisionId}; another MASH manager of the owning team must ${what} it (four eyes).`, {
        details: { enquiryId: enquiry.id, rule: 'four-eyes' },
      });
    }
    if (decision.supersededBy !== null) {
      throw new GatewayError('CONFLICT', `Decision ${decisionId} was superseded by decision ${decision.supersededBy}; ${what} the current decision instead.`, { details: { enquiryId: enquiry.id } });
    }
    if (decision.status !== 'recorded') {
      throw new GatewayError('CONFLICT', `Decision ${decisionId} was already ${decision.status === 'signed-off' ? 'signed off' : 'returned'}; it cannot change. Record a new decision to supersede it.`, {
        details: { enquiryId: enquiry.id },
      });
    }
    return decision;
  }

  return {
    levels: () => levels,

    /** Records the enquiry's current decision (a member, one of DECISION_ROLES; the enquiry not closed). */
    async record(actor: Actor, enquiryId: string, input: RecordDecisionInput, now: Date): Promise<{ enquiry: Enquiry; decision: MashDecision; supersedes: string | null }> {
      const enquiry = await enquiryOf(enquiryId);
      if (!isMember(enquiry, actor)) throw new GatewayError('FORBIDDEN_NOT_MEMBER', `You are not a member of enquiry ${enquiryId}; only its members record its decision.`, { details: { enquiryId } });
      if (!DECISION_ROLES.some((role) => actor.roles.includes(role))) {
        throw new GatewayError('FORBIDDEN', `Recording the MASH decision needs one of these roles: ${DECISION_ROLES.join(', ')}.`, { details: { enquiryId } });
      }
      notClosed(enquiry);
      const valid = validate(input, now);
      const before = (await repository.list(enquiryId)).at(-1);
      const decision = await repository.insert(
        enquiryId,
        { level: valid.level.id, levelLabel: valid.level.label, outcome: valid.outcome, rationale: valid.rationale, nextSteps: valid.nextSteps },
        { issuer: actor.issuer, id: actor.id, name: actor.name },
        now,
      );
      if (!decision) throw new GatewayError('FORBIDDEN_ENQUIRY_CLOSED', `Enquiry ${enquiryId} was closed; its decision can no longer change.`, { details: { enquiryId } });
      return { enquiry, decision, supersedes: before?.id ?? null };
    },

    /** A MASH manager of the owning team, not the recorder, signs off the current decision. */
    async signOff(actor: Actor, enquiryId: string, decisionId: string, comment: string | null | undefined, now: Date): Promise<{ enquiry: Enquiry; decision: MashDecision }> {
      const enquiry = await enquiryOf(enquiryId);
      requireOwningManager(enquiry, actor, 'sign off');
      notClosed(enquiry);
      await decisionToDecide(enquiry, decisionId, actor, 'sign off');
      const note = boundedText('comment', comment, MAX_NOTE, { optional: true }) ?? null;
      if (!(await repository.decide(enquiryId, decisionId, 'signed-off', { issuer: actor.issuer, id: actor.id, name: actor.name }, note, now))) {
        throw new GatewayError('CONFLICT', `Decision ${decisionId} changed meanwhile (superseded, signed off or returned, or the enquiry closed); read the decisions again.`, { details: { enquiryId } });
      }
      return { enquiry, decision: (await repository.list(enquiryId)).find((d) => d.id === decisionId)! };
    },

    /** ... or sends it back to be recorded again, saying why. */
    async return(actor: Actor, enquiryId: string, decisionId: string, reason: string, now: Date): Promise<{ enquiry: Enquiry; decision: MashDecision }> {
      const enquiry = await enquiryOf(enquiryId);
      requireOwningManager(enquiry, actor, 'return');
      notClosed(enquiry);
      await decisionToDecide(enquiry, decisionId, actor, 'return');
      const why = boundedText('reason', reason, MAX_NOTE);
      if (!(await repository.decide(enquiryId, decisionId, 'returned', { issuer: actor.issuer, id: actor.id, name: actor.name }, why, now))) {
        throw new GatewayError('CONFLICT', `Decision ${decisionId} changed meanwhile (superseded, signed off or returned, or the enquiry closed); read the decisions again.`, { details: { enquiryId } });
      }
      return { enquiry, decision: (await repository.list(enquiryId)).find((d) => d.id === decisionId)! };
    },

    /** The enquiry's decisions, oldest first: for its members and the owning team's MASH managers. */
    async list(actor: Actor, enquiryId: string): Promise<{ enquiry: Enquiry; decisions: MashDecision[] }> {
      const enquiry = await enquiryOf(enquiryId);
      if (!isMember(enquiry, actor) && !isOwningManager(enquiry, actor)) {
        throw new GatewayError('FORBIDDEN_NOT_MEMBER', `Only members of enquiry ${enquiryId} and MASH managers of its owning team may read its decisions.`, { details: { enquiryId } });
      }
      return { enquiry, decisions: await repository.list(enquiryId) };
    },
  };
}

export type DecisionService = ReturnType<typeof createDecisionService>;
