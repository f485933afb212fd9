import type { Actor } from '../../auth/index.js';
import { enquiryStatus, isOverdue, MANAGER_ROLES, sameActor, type ActorRef, type Enquiry, type EnquiryRepository, type Rag, type SeenActorLookup } from '../../enquiries/index.js';
import { GatewayError, badInput } from '../../errors.js';
import type { QueueSettings } from './config.js';
import { accessEnd, checkWithinExtension } from './deadline.js';
import type { ReferralRecord } from './intake.js';
import type { Assignment, DeadlineChange, QueueRepository, QueueRow } from './repository.js';

/**
 * The triage queue and the work on it: who may see a team's queue, assign and hand over an
 * enquiry, extend its deadline, remove a member, and read the referral. Decisions only; the
 * resolvers audit every call (success and refusal). Every method takes `now`. A manager of the
 * owning team acts without being a member; `managerNotMember` says so, and the event is flagged
 * for IG review (managerJoin), as a manager's join is.
 */

/** Roles that work a team's queue. */
export const QUEUE_ROLES: readonly string[] = ['mash-researcher', ...MANAGER_ROLES];

export interface QueueFilter {
  rag?: Rag | null;
  /** `mine` or `unassigned`. */
  assignment?: 'mine' | 'unassigned' | null;
  overdue?: boolean | null;
  purpose?: string | null;
}

export interface QueueEntry extends QueueRow {
  /** Seconds to the deadline; negative when overdue. */
  timeLeftSeconds: number;
  overdue: boolean;
}

export interface QueuePage {
  team: string;
  entries: QueueEntry[];
  totalCount: number;
  /** Pass as `after` for the next page; null on the last. */
  nextCursor: string | null;
}

function text(field: string, value: string | null | undefined, max: number): string | null {
  if (value === null || value === undefined || value.trim() === '') return null;
  const trimmed = value.trim();
  if (trimmed.length > max) throw badInput(`${field} must be at most ${max} characters (got ${trimmed.length}).`, { field });
  return trimmed;
}

const cursorOf = (offset: number): string => Buffer.from(`queue:${offset}`).toString('base64url');
function offsetOf(after: string | null | undefined): number {
  if (after === null || after === undefined || after === '') return 0;
  const match = /^queue:(\d{1,9})$/.exec(Buffer.from(after, 'base64url').toString('utf8'));
  if (!match) throw badInput('after is not a cursor this queue gave (nextCursor); start again without it.', { field: 'after' });
  return Number(match[1]);
}

/** A MASH manager of the enquiry's owning team (the opener's agency). */
export const isTeamManager = (actor: Actor, enquiry: Pick<Enquiry, 'ownerAgency'>): boolean =>
  MANAGER_ROLES.some((role) => actor.roles.includes(role)) && enquiry.ownerAgency !== null && enquiry.ownerAgency === actor.agency;

const isMember = (actor: ActorRef, enquiry: Enquiry): boolean => enquiry.members.some((m) => sameActor({ issuer: m.issuer, id: m.actorId }, actor));

export function createQueueService(deps: { enquiries: EnquiryRepository; repository: QueueRepository; knownActors: SeenActorLookup; settings: QueueSettings }) {
  const { repository, settings } = deps;

  async function existing(enquiryId: string): Promise<Enquiry> {
    const enquiry = await deps.enquiries.get(enquiryId);
    if (!enquiry) throw new GatewayError('FORBIDDEN_NO_ENQUIRY', `No enquiry ${enquiryId} exists.`, { details: { enquiryId } });
    return enquiry;
  }

  function requireOpen(enquiry: Enquiry, now: Date, what: string): void {
    const status = enquiryStatus(enquiry, now);
    if (status === 'OPEN') return;
    const when = status === 'CLOSED' ? `was closed at ${enquiry.closedAt}` : `ended its access at ${enquiry.accessEndsAt}`;
    throw new GatewayError('FORBIDDEN_ENQUIRY_CLOSED', `Enquiry ${enquiry.id} ${when}; ${what}.`, { details: { enquiryId: enquiry.id, status } });
  }

  return {
    settings,

    /**
     * The team's open enquiries in queue order. The caller must be of the team (their agency is
     * the owning agency) and work its queue (mash-researcher or mash-manager).
     */
    async queue(actor: Actor, team: string, filter: QueueFilter, page: { first?: number | null; after?: string | null }, now: Date): Promise<QueuePage> {
      if (!QUEUE_ROLES.some((role) => actor.roles.includes(role))) {
        throw new GatewayError('FORBIDDEN', `The triage queue is for MASH researchers and managers (${QUEUE_ROLES.join(', ')}).`);
      }
      if (team !== actor.agency) {
        throw new GatewayError('FORBIDDEN', `You may see only your own team's queue (${actor.agency}), not ${JSON.stringify(team.slice(0, 64))}.`);
      }
      const first = page.first ?? settings.pageSize.default;
      if (!Number.isInteger(first) || first < 1 || first > settings.pageSize.max) {
        throw badInput(`first must be between 1 and ${settings.pageSize.max} (got ${first}).`, { field: 'first' });
      }
      const offset = offsetOf(page.after);
      const { rows, total } = await repository.page({
        team,
        caller: actor,
        now,
        rag: filter.rag ?? undefined,
        purpose: filter.purpose ?? undefined,
        assignment: filter.assignment ?? undefined,
        overdue: filter.overdue ?? undefined,
        limit: first,
        offset,
      });
      // Risk indicator counts come from agency information: shown only to those who may see the
      // enquiry's detail (its members and the team's managers), as the referral is.
      const manager = MANAGER_ROLES.some((role) => actor.roles.includes(role));
      const entries = rows.map((row) => {
        const left = Date.parse(row.deadline) - now.getTime();
        return { ...row, riskIndicators: row.member || manager ? row.riskIndicators : null, timeLeftSeconds: Math.trunc(left / 1000), overdue: left <= 0 };
      });
      return { team, entries, totalCount: total, nextCursor: offset + rows.length < total ? cursorOf(offset + rows.length) : null };
    },

    /**
     * The referral (source and text) of an open enquiry: for its members and the owning team's
     * managers (`managerNotMember` flags the latter for IG review, as a manager's join is).
     */
    async readReferral(actor: Actor, enquiryId: string, now: Date): Promise<{ enquiry: Enquiry; referral: ReferralRecord | null; managerNotMember: boolean }> {
      const enquiry = await existing(enquiryId);
      const member = isMember(actor, enquiry);
      if (!member && !isTeamManager(actor, enquiry)) {
        throw new GatewayError('FORBIDDEN_NOT_MEMBER', `Only members of enquiry ${enquiryId} and the owning team's managers may read its referral.`, { details: { enquiryId } });
      }
      requireOpen(enquiry, now, 'its referral can no longer be read');
      return { enquiry, referral: await repository.referral(enquiryId), managerNotMember: !member };
    },

    /**
     * Assigns or reassigns the enquiry: by a manager of the owning team, or by the current
     * assignee handing over. The assignee is someone of the team who has signed in; they become a
     * member if they are not one. A handover (reassignment) needs a note.
     */
    async assign(actor: Actor, enquiryId: string, input: { actorId: string; issuer: string; note?: string | null }, now: Date): Promise<{ enquiry: Enquiry; assignment: Assignment; reassigned: boolean; managerNotMember: boolean }> {
      const enquiry = await existing(enquiryId);
      const current = enquiry.assignee;
      const handingOver = current !== null && sameActor(current, actor);
      if (!isTeamManager(actor, enquiry) && !handingOver) {
        throw new GatewayError('FORBIDDEN', `Only a MASH manager of the owning team (${enquiry.ownerAgency ?? 'unknown'}) or the current assignee may assign enquiry ${enquiryId}.`, { details: { enquiryId } });
      }
      requireOpen(enquiry, now, 'it cannot be assigned');
      const target: ActorRef = { issuer: input.issuer.trim(), id: input.actorId.trim() };
      if (target.issuer === '' || target.id === '') throw badInput('Name the assignee by actorId and issuer.', { field: target.id === '' ? 'actorId' : 'issuer' });
      const seen = await deps.knownActors.find(target);
      if (!seen) {
        throw new GatewayError('UNKNOWN_ACTOR', `No one with that id has signed in through that issuer; ask them to sign in to the gateway once before the enquiry is assigned to them.`, { details: { enquiryId } });
      }
      if (seen.agency !== enquiry.ownerAgency) {
        throw badInput(`The assignee must be of the owning team (${enquiry.ownerAgency ?? 'unknown'}); they are of ${seen.agency}.`, { field: 'actorId' });
      }
      if (current !== null && sameActor(current, target)) throw new GatewayError('CONFLICT', `Enquiry ${enquiryId} is already assigned to them; nothing was changed.`, { details: { enquiryId } });
      const note = text('note', input.note, 2000);
      // A handover (out-of-hours to the day service, one researcher to another) says what the next one needs to know.
      if (current !== null && note === null) {
        throw badInput('Reassigning is a handover: write a handover note (note) saying where the work stands.', { field: 'note' });
      }
      const done = await repository.assign(enquiryId, { expected: current, assignee: { ...target, name: seen.name, agency: seen.agency }, note, by: actor, memberReason: 'Assigned to the enquiry' }, now);
      if (!done) throw new GatewayError('CONFLICT', `Enquiry ${enquiryId} was assigned or closed by someone else meanwhile; reload it and try again.`, { details: { enquiryId } });
      const updated = (await deps.enquiries.get(enquiryId))!;
      const assignment = (await repository.assignments(enquiryId)).at(-1)!;
      return { enquiry: updated, assignment, reassigned: current !== null, managerNotMember: !isMember(actor, enquiry) };
    },

    /**
     * A manager of the owning team moves the deadline later, with a reason, up to the maximum
     * extension beyond the RAG's own deadline; access then ends the grace after the new one.
     */
    async extendDeadline(actor: Actor, enquiryId: string, input: { deadline: string; reason: string }, now: Date): Promise<{ enquiry: Enquiry; change: DeadlineChange; managerNotMember: boolean }> {
      const enquiry = await existing(enquiryId);
      if (!isTeamManager(actor, enquiry)) {
        throw new GatewayError('FORBIDDEN', `Only a MASH manager of the owning team (${enquiry.ownerAgency ?? 'unknown'}) may extend the deadline of enquiry ${enquiryId}.`, { details: { enquiryId } });
      }
      requireOpen(enquiry, now, 'its deadline cannot change');
      const reason = text('reason', input.reason, 2000);
      if (reason === null) throw badInput('Say why the deadline is extended (reason).', { field: 'reason' });
      const to = new Date(input.deadline);
      if (!/^\d{4}-\d{2}-\d{2}T/.test(input.deadline) || Number.isNaN(to.getTime())) throw badInput('deadline must be an ISO 8601 date-time such as 2026-11-26T17:00:00Z.', { field: 'deadline' });
      const from = new Date(enquiry.deadline);
      if (to.getTime() <= from.getTime()) throw badInput(`deadline ${to.toISOString()} is not later than the current deadline ${enquiry.deadline}; an extension moves it later.`, { field: 'deadline' });
      if (to.getTime() <= now.getTime()) throw badInput(`deadline ${to.toISOString()} is in the past.`, { field: 'deadline' });
      checkWithinExtension(enquiry.rag, new Date(enquiry.computedDeadline), to, settings);
      const accessEndsAt = accessEnd(to, now, settings);
      if (!(await repository.changeDeadline(enquiryId, { from, to, accessEndsAt, reason, by: actor }, now))) {
        throw new GatewayError('CONFLICT', `The deadline of enquiry ${enquiryId} was changed by someone else meanwhile; reload it and try again.`, { details: { enquiryId } });
      }
      const updated = (await deps.enquiries.get(enquiryId))!;
      return { enquiry: updated, change: (await repository.deadlineChanges(enquiryId)).at(-1)!, managerNotMember: !isMember(actor, enquiry) };
    },

    /**
     * Removes a member: a manager of the owning team, or the member themselves. Never the last
     * member, and never the assignee (reassign first). Their reads are refused from then on.
     */
    async removeMember(actor: Actor, enquiryId: string, input: { actorId: string; issuer: string; reason: string }, now: Date): Promise<{ enquiry: Enquiry; member: ActorRef; removedAt: string; reason: string; managerNotMember: boolean }> {
      const enquiry = await existing(enquiryId);
      const member: ActorRef = { issuer: input.issuer.trim(), id: input.actorId.trim() };
      if (!isTeamManager(actor, enquiry) && !sameActor(actor, member)) {
        throw new GatewayError('FORBIDDEN', `Only a MASH manager of the owning team (${enquiry.ownerAgency ?? 'unknown'}) or the member themselves may remove a member of enquiry ${enquiryId}.`, { details: { enquiryId } });
      }
      requireOpen(enquiry, now, 'its members cannot change');
      const reason = text('reason', input.reason, 2000);
      if (reason === null) throw badInput('Say why the member leaves the enquiry (reason).', { field: 'reason' });
      const outcome = await repository.removeMember(enquiryId, member, { by: actor, reason }, now);
      switch (outcome) {
        case 'removed':
          return { enquiry: (await deps.enquiries.get(enquiryId))!, member, removedAt: now.toISOString(), reason, managerNotMember: !isMember(actor, enquiry) };
        case 'not-member':
          throw new GatewayError('NOT_FOUND', `That actor is not a member of enquiry ${enquiryId}; nothing was changed.`, { details: { enquiryId } });
        case 'last':
          throw new GatewayError('CONFLICT', `That actor is the only member of enquiry ${enquiryId}; an enquiry always keeps a member. Add another member first, or close the enquiry.`, { details: { enquiryId } });
        case 'assignee':
          throw new GatewayError('CONFLICT', `That actor is the assignee of enquiry ${enquiryId}; reassign the enquiry (assignEnquiry) before removing them.`, { details: { enquiryId } });
        case 'closed':
          throw new GatewayError('FORBIDDEN_ENQUIRY_CLOSED', `Enquiry ${enquiryId} was closed; its members cannot change.`, { details: { enquiryId } });
      }
    },

    overdue: (enquiry: Enquiry, now: Date) => isOverdue(enquiry, now),
    assignments: (enquiryId: string) => repository.assignments(enquiryId),
    deadlineChanges: (enquiryId: string) => repository.deadlineChanges(enquiryId),
    removedMembers: (enquiryId: string) => repository.removedMembers(enquiryId),
  };
}

export type QueueService = ReturnType<typeof createQueueService>;
