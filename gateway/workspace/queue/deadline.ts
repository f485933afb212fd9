import { GatewayError, badInput } from '../../errors.js';
import type { QueueSettings } from './config.js';
import { addWorkingDays, addWorkingTime } from './working-time.js';

/**
 * Deadlines. The deadline is when the MASH decision is due: by default the RAG timescale from the
 * referral's receipt (RED 4 working hours, AMBER 24 h, GREEN 72 h). Access is separate: it ends a
 * grace after the deadline (default 5 working days) or at closure, so an overdue enquiry is still
 * worked on and shows as overdue in the queue instead of locking its researcher out. Pure.
 */

export type RagLevel = 'RED' | 'AMBER' | 'GREEN';

export interface DeadlinePlan {
  deadline: Date;
  /** The RAG timescale's deadline from receipt, whatever was set. */
  computedDeadline: Date;
  /** When reads end unless the enquiry closes first. */
  accessEndsAt: Date;
}

/** The deadline the RAG timescale gives from the referral's receipt. */
export function computedDeadline(rag: RagLevel, receivedAt: Date, settings: QueueSettings): Date {
  const t = settings.timescales[rag];
  return t.working ? addWorkingTime(receivedAt, t.amountMs, settings.calendar) : new Date(receivedAt.getTime() + t.amountMs);
}

/** The latest deadline anyone may set: the computed one plus the configured maximum extension. */
export const latestDeadline = (computed: Date, settings: QueueSettings): Date => addWorkingDays(computed, settings.maxExtensionWorkingDays, settings.calendar);

/**
 * Access ends the grace after the deadline; a deadline already past when the enquiry opens (an
 * old referral) counts from the opening, so the enquiry is overdue but can still be worked on.
 */
export function accessEnd(deadline: Date, now: Date, settings: QueueSettings): Date {
  const from = deadline.getTime() > now.getTime() ? deadline : now;
  return addWorkingDays(from, settings.accessGraceWorkingDays, settings.calendar);
}

const describe = (rag: RagLevel, settings: QueueSettings) => `${rag} (${settings.timescales[rag].description} from receipt)`;

/**
 * The deadline of a new enquiry. Without one asked for, the RAG's. A deadline asked for must be in
 * the future; a researcher may bring it forward but not push it past the RAG's; a manager may
 * push it up to the configured maximum extension beyond the RAG's, and no further (a RED due in
 * three years is a mistake, not a decision).
 */
export function planDeadline(input: { rag: RagLevel; receivedAt: Date; requested?: Date | undefined; manager: boolean; now: Date }, settings: QueueSettings): DeadlinePlan {
  const computed = computedDeadline(input.rag, input.receivedAt, settings);
  if (input.requested === undefined) return { deadline: computed, computedDeadline: computed, accessEndsAt: accessEnd(computed, input.now, settings) };
  const requested = input.requested;
  if (requested.getTime() <= input.now.getTime()) {
    throw badInput(`deadline ${requested.toISOString()} is in the past; give the RAG decision deadline, or leave it out to use the ${describe(input.rag, settings)} deadline.`, { field: 'deadline' });
  }
  checkWithinExtension(input.rag, computed, requested, settings);
  if (requested.getTime() > computed.getTime() && !input.manager) {
    throw new GatewayError(
      'FORBIDDEN',
      `deadline ${requested.toISOString()} is later than the ${describe(input.rag, settings)} deadline ${computed.toISOString()}; only a MASH manager may set a later one. Leave deadline out to use it, or give an earlier one.`,
      { details: { field: 'deadline' } },
    );
  }
  return { deadline: requested, computedDeadline: computed, accessEndsAt: accessEnd(requested, input.now, settings) };
}

/** BAD_INPUT when `requested` is beyond what the RAG timescale and the maximum extension allow. */
export function checkWithinExtension(rag: RagLevel, computed: Date, requested: Date, settings: QueueSettings): void {
  const latest = latestDeadline(computed, settings);
  if (requested.getTime() > latest.getTime()) {
    throw badInput(
      `deadline ${requested.toISOString()} is further out than a ${describe(rag, settings)} referral allows: its deadline is ${computed.toISOString()} and it may be extended by at most ${settings.maxExtensionWorkingDays} working days, to ${latest.toISOString()}.`,
      { field: 'deadline' },
    );
  }
}
