import type { LoadedPolicy } from '../../policies/index.js';
import type { Actor } from '../auth/index.js';
import type { Queryable } from '../store/index.js';
import { GatewayError, badInput } from '../errors.js';
import { createReferralIntake, type ReferralIntakeService, type ReferralSourceInput } from '../workspace/queue/intake.js';
import type { EnquiryRepository } from './repository.js';
import type { ReviewRepository, ReviewRequest, ReviewStatus } from './reviews.js';
import type { SearchShownRepository } from './search-shown.js';
import { enquiryStatus, sameActor, type ActorRef, type Enquiry, type EnquirySubject, type Rag, type SubjectRelation, type UnlinkedSubjectLink } from './types.js';

export interface ConsentInput {
  givenBy: string;
  scope: string;
}

export interface OpenEnquiryInput {
  referralReference: string;
  purpose: string;
  legalBasis?: string | null;
  consentRecorded: boolean;
  /** Who gave consent and for what; required when consentRecorded is true. */
  consent?: ConsentInput | null;
  /** Break-glass: the written reason an emergency enquiry is opened without a manager. */
  justification?: string | null;
  rag: string;
  /** When the MASH decision is due; omitted: the RAG timescale from receivedAt (workspace/queue/deadline.ts). */
  deadline?: string | null;
  /** When the MASH received the referral; omitted: now. */
  receivedAt?: string | null;
  /** Who referred (omitted: not recorded). */
  source?: ReferralSourceInput | null;
  /** Ids of the concern-category vocabulary. */
  concernCategories?: readonly string[] | null;
  /** What the referrer said (bounded; read only through the audited Enquiry.referral). */
  referralText?: string | null;
}

export interface LinkSubjectInput {
  enquiryId: string;
  /** Omit to add a new subject to the enquiry. */
  subjectId?: string | null;
  relation?: string | null;
  label?: string | null;
  relevance?: string | null;
  agency: string;
  personId: string;
}

export interface LinkPersonInput {
  enquiryId: string;
  /** The audit event id of the search (searchPeople's auditEventId) that showed the likely person. */
  searchEventId: string;
  /** The likely person's key in that search's answer (P1, P2, ...). */
  key: string;
  relation?: string | null;
  label?: string | null;
  relevance?: string | null;
}

export interface AddMemberInput {
  /** The new member's subject at their issuer. */
  actorId: string;
  /** The registered issuer that authenticates the new member. */
  issuer: string;
  /** Why they join: required, kept with the membership and in the audit event. */
  reason: string;
}

/** Someone a registered issuer has authenticated at least once (gateway/auth/known-actors.ts). */
export interface SeenActorLookup {
  find(actor: ActorRef): Promise<{ name: string; agency: string } | null>;
}

/** The roles that may add members to an enquiry of their own team without being a member. */
export const MANAGER_ROLES: readonly string[] = ['mash-manager'];

export interface UnlinkSubjectInput {
  enquiryId: string;
  subjectId: string;
  agency: string;
  personId: string;
  /** Why the link is undone: required, kept with the link's history. */
  reason: string;
}

/** Free text that names a referral or a reason: bounded, printable, trimmed. */
function text(name: string, value: string | null | undefined, max: number): string | undefined {
  if (value === null || value === undefined) return undefined;
  const trimmed = value.trim();
  if (trimmed.length === 0) throw badInput(`${name} must not be empty.`, { field: name });
  if (trimmed.length > max) throw badInput(`${name} must be at most ${max} characters (got ${trimmed.length}).`, { field: name });
  return trimmed;
}

/** A purpose the policy marks `enquiry: false` (the daily domestic-abuse triage) is no enquiry's. */
const notAnEnquiryPurpose = (id: string, label: string): string =>
  `The purpose ${id} (${label}) is not an enquiry's purpose: no enquiry is opened or held under it. Choose the purpose of the work that follows (e.g. s47, s17, early-help, marac); from the daily meeting, use openEnquiryFromIncident with that purpose.`;

const RAGS: readonly Rag[] = ['RED', 'AMBER', 'GREEN'];
const RELATIONS: readonly SubjectRelation[] = ['child', 'adult'];

/**
 * Enquiries: the legitimate relationship that scopes every read of agency data. Every method
 * takes `now` so that expiry is decided from one clock, passed in.
 */
export function createEnquiryService(deps: {
  repository: EnquiryRepository;
  reviews: ReviewRepository;
  /** The agency persons each search in an enquiry showed: the only ones that may be linked. */
  shown: SearchShownRepository;
  policy: LoadedPolicy;
  agencies: () => readonly string[];
  /** Who registered issuers have authenticated: the only actors that may be added as members. */
  knownActors: SeenActorLookup;
  /** Referral intake and deadlines (the `queue:` configuration); the defaults when not given. */
  intake?: ReferralIntakeService;
}) {
  const { repository, policy, reviews } = deps;
  const intake = deps.intake ?? createReferralIntake();
  const rules = policy.document.crossCutting;

  function consentOf(input: ConsentInput | null | undefined): ConsentInput {
    if (!input) throw badInput('Say who gave consent and what it covers (consent: { givenBy, scope }).', { field: 'consent' });
    return { givenBy: text('consent.givenBy', input.givenBy, 200)!, scope: text('consent.scope', input.scope, 500)! };
  }

  async function memberEnquiry(actor: Actor, enquiryId: string): Promise<Enquiry> {
    const enquiry = await repository.get(enquiryId);
    if (!enquiry) {
      throw new GatewayError('FORBIDDEN_NO_ENQUIRY', `No enquiry ${enquiryId} exists. Open an enquiry for the referral first.`, { details: { enquiryId } });
    }
    // An actor is (issuer, subject): the same subject from another issuer is someone else.
    if (!enquiry.members.some((m) => sameActor({ issuer: m.issuer, id: m.actorId }, actor))) {
      throw new GatewayError('FORBIDDEN_NOT_MEMBER', `You are not a member of enquiry ${enquiryId}. Ask a member to add you.`, { details: { enquiryId } });
    }
    return enquiry;
  }

  async function openEnquiryOf(actor: Actor, enquiryId: string, now: Date): Promise<Enquiry> {
    const enquiry = await memberEnquiry(actor, enquiryId);
    const status = enquiryStatus(enquiry, now);
    if (status !== 'OPEN') {
      const when = status === 'CLOSED' ? `was closed at ${enquiry.closedAt}` : `ended its access at ${enquiry.accessEndsAt} (the grace after its deadline ${enquiry.deadline})`;
      throw new GatewayError('FORBIDDEN_ENQUIRY_CLOSED', `Enquiry ${enquiryId} ${when}; agency records can no longer be read under it.`, {
        details: { enquiryId, status },
      });
    }
    return enquiry;
  }

  /**
   * Only a person a search in this enquiry showed may be linked: a link is what lets records be
   * read, so it must rest on a search that was itself audited, not on a guessed or copied id.
   */
  async function requireShown(enquiryId: string, agency: string, personId: string): Promise<void> {
    if ((await deps.shown.shownBy(enquiryId, agency, personId)).length > 0) return;
    throw new GatewayError(
      'FORBIDDEN_NOT_SHOWN',
      `No search in enquiry ${enquiryId} showed ${agency} person ${personId}, so it cannot be linked. Search for the person in this enquiry (searchPeople) and link one of the records it shows.`,
      { details: { enquiryId, agency } },
    );
  }

  return {
    /**
     * Opens an enquiry. `from` (openEnquiryFromIncident): the incident it is opened from, and what
     * must be written in the opening's transaction (the incident's outcome).
     */
    async open(actor: Actor, input: OpenEnquiryInput, now: Date, from?: { sourceIncidentId: string; alongside: (tx: Queryable, enquiry: Enquiry) => Promise<void> }): Promise<Enquiry> {
      const referralReference = text('referralReference', input.referralReference, 64)!;
      const purpose = policy.document.purposes[input.purpose];
      if (!purpose) {
        const known = Object.keys(policy.document.purposes).join(', ');
        throw badInput(`Unknown purpose "${input.purpose}": use one of ${known}.`, { field: 'purpose' });
      }
      if (!purpose.enquiry) throw badInput(notAnEnquiryPurpose(input.purpose, purpose.label), { field: 'purpose' });
      if (!purpose.roles.some((role) => actor.roles.includes(role))) {
        throw new GatewayError('FORBIDDEN', `Your roles (${actor.roles.join(', ') || 'none'}) may not open a ${input.purpose} enquiry; it needs one of: ${purpose.roles.join(', ')}.`);
      }
      let legalBasis = purpose.legalBasis;
      if (input.legalBasis !== null && input.legalBasis !== undefined) {
        if (!URL.canParse(input.legalBasis) || !/^https?:/.test(input.legalBasis)) {
          throw badInput(`legalBasis must be an http(s) URI of the legislation relied on, such as ${purpose.legalBasis}.`, { field: 'legalBasis' });
        }
        legalBasis = input.legalBasis;
      }
      if (purpose.consent === 'required' && !input.consentRecorded) {
        throw badInput(`A ${input.purpose} enquiry rests on the family's agreement: record consent (consentRecorded: true) or choose another purpose.`, { field: 'consentRecorded' });
      }
      const consent = input.consentRecorded ? consentOf(input.consent) : undefined;
      // Break-glass (EMER): an emergency enquiry needs no manager, but it needs a written
      // justification, and every access under it is flagged for information-governance review.
      let breakGlassJustification: string | undefined;
      if (input.purpose === rules.breakGlass.purpose) {
        const justification = text('justification', input.justification, 4000);
        if (!justification || justification.length < rules.breakGlass.justificationMinLength) {
          throw badInput(
            `An emergency (break-glass) enquiry needs a written justification of at least ${rules.breakGlass.justificationMinLength} characters: why the information is needed now, out of hours.`,
            { field: 'justification' },
          );
        }
        breakGlassJustification = justification;
      }
      const rag = input.rag.toUpperCase() as Rag;
      if (!RAGS.includes(rag)) throw badInput(`rag must be RED, AMBER or GREEN (got "${input.rag}").`, { field: 'rag' });
      // The referral and the deadline: when it was received, who referred, the concern
      // categories, the text; the deadline from the RAG timescale unless one is given.
      const referral = intake.plan({ ...input, rag }, { manager: MANAGER_ROLES.some((role) => actor.roles.includes(role)) }, now);
      return repository.create({
        referralReference,
        purpose: input.purpose,
        legalBasis,
        consentRecorded: input.consentRecorded,
        rag,
        deadline: referral.deadline,
        computedDeadline: referral.computedDeadline,
        accessEndsAt: referral.accessEndsAt,
        receivedAt: referral.receivedAt,
        concernCategories: referral.concernCategories,
        referral: referral.referral,
        openedBy: { issuer: actor.issuer, id: actor.id, name: actor.name, agency: actor.agency },
        breakGlassJustification,
        consent,
        now,
        ...(from ? { sourceIncidentId: from.sourceIncidentId, alongside: from.alongside } : {}),
      });
    },

    async recordConsent(actor: Actor, enquiryId: string, input: ConsentInput, now: Date): Promise<Enquiry> {
      await openEnquiryOf(actor, enquiryId, now);
      await repository.recordConsent(enquiryId, consentOf(input), actor, now);
      return (await repository.get(enquiryId))!;
    },

    async withdrawConsent(actor: Actor, enquiryId: string, reason: string, now: Date): Promise<Enquiry> {
      const enquiry = await openEnquiryOf(actor, enquiryId, now);
      if (!enquiry.consentRecorded) throw new GatewayError('CONFLICT', `Enquiry ${enquiryId} has no consent recorded to withdraw.`);
      await repository.withdrawConsent(enquiryId, text('reason', reason, 1000)!, actor, now);
      return (await repository.get(enquiryId))!;
    },

    /**
     * WT23: early help reaches the s47 row only when a manager changes the purpose, with a reason.
     * The manager must be a member: one who is not joins first (addEnquiryMember), which is audited.
     */
    async changePurpose(actor: Actor, enquiryId: string, to: string, reason: string, now: Date): Promise<Enquiry> {
      const enquiry = await memberEnquiry(actor, enquiryId);
      if (!rules.purposeChange.roles.some((role) => actor.roles.includes(role))) {
        throw new GatewayError('FORBIDDEN', `Changing an enquiry's purpose needs one of these roles: ${rules.purposeChange.roles.join(', ')}.`);
      }
      if (enquiryStatus(enquiry, now) !== 'OPEN') throw new GatewayError('FORBIDDEN_ENQUIRY_CLOSED', `Enquiry ${enquiryId} is no longer open; its purpose cannot change.`);
      const purpose = policy.document.purposes[to];
      if (!purpose) throw badInput(`Unknown purpose "${to}": use one of ${Object.keys(policy.document.purposes).join(', ')}.`, { field: 'purpose' });
      if (!purpose.enquiry) throw badInput(notAnEnquiryPurpose(to, purpose.label), { field: 'purpose' });
      if (to === enquiry.purpose) throw new GatewayError('CONFLICT', `Enquiry ${enquiryId} already has the purpose ${to}.`);
      if (to === rules.breakGlass.purpose) throw badInput('An emergency enquiry is opened as break-glass, not reached by a purpose change.', { field: 'purpose' });
      if (purpose.consent === 'required' && !enquiry.consentRecorded) {
        throw badInput(`A ${to} enquiry rests on the family's agreement: record consent first.`, { field: 'purpose' });
      }
      const why = text('reason', reason, 2000)!;
      await repository.changePurpose(enquiryId, { from: enquiry.purpose, to, legalBasis: purpose.legalBasis, reason: why }, actor, now);
      return (await repository.get(enquiryId))!;
    },

    /** WT23: why a household adult is relevant to the child; needed before their detail is shared. */
    async recordRelevance(actor: Actor, enquiryId: string, subjectId: string, relevance: string, now: Date): Promise<{ enquiry: Enquiry; subject: EnquirySubject }> {
      const enquiry = await openEnquiryOf(actor, enquiryId, now);
      const subject = enquiry.subjects.find((s) => s.id === subjectId);
      if (!subject) throw new GatewayError('FORBIDDEN_SUBJECT_NOT_LINKED', `Subject ${subjectId} is not part of enquiry ${enquiryId}.`);
      if (subject.relation !== 'adult') throw badInput('Relevance is recorded for household adults; this subject is a child.', { field: 'subjectId' });
      await repository.setRelevance(subjectId, text('relevance', relevance, 2000)!);
      const updated = (await repository.get(enquiryId))!;
      return { enquiry: updated, subject: updated.subjects.find((s) => s.id === subjectId)! };
    },

    /** The owning agency's reviewers see their agency's requests. */
    async listReviews(actor: Actor, status: ReviewStatus | undefined): Promise<ReviewRequest[]> {
      if (!rules.originatorReview.roles.some((role) => actor.roles.includes(role))) {
        throw new GatewayError('FORBIDDEN', `Review requests are for an agency's reviewers (${rules.originatorReview.roles.join(', ')}).`);
      }
      return reviews.listForAgency(actor.agency, status);
    },

    async decideReview(actor: Actor, id: string, approve: boolean, reason: string | null | undefined, now: Date): Promise<ReviewRequest> {
      if (!rules.originatorReview.roles.some((role) => actor.roles.includes(role))) {
        throw new GatewayError('FORBIDDEN', `Only an agency's reviewer (${rules.originatorReview.roles.join(', ')}) may decide a review request.`);
      }
      const request = await reviews.get(id);
      if (!request) throw new GatewayError('NOT_FOUND', `No review request ${id} exists.`);
      if (request.agency !== actor.agency) throw new GatewayError('FORBIDDEN', `Review request ${id} belongs to ${request.agency}; only its reviewers may decide it.`);
      const why = approve ? text('reason', reason, 1000) ?? null : text('reason', reason ?? '', 1000);
      if (!approve && !why) throw badInput('Say why the request is refused (reason).', { field: 'reason' });
      if (!(await reviews.decide(id, approve ? 'approved' : 'refused', why ?? null, actor, now))) {
        throw new GatewayError('CONFLICT', `Review request ${id} was already ${request.status}.`);
      }
      return (await reviews.get(id))!;
    },

    /** Members may see their enquiries, open or not. */
    get: (actor: Actor, enquiryId: string) => memberEnquiry(actor, enquiryId),

    list: (actor: Actor) => repository.listForActor(actor),

    /**
     * Joining an enquiry is an explicit act with a reason: by a member, or by a MASH manager of
     * the owning team (the opener's agency) who is not one, which is flagged for IG review
     * (`managerJoin`). Only someone a registered issuer has authenticated can be added.
     */
    async addMember(actor: Actor, enquiryId: string, input: AddMemberInput, now: Date): Promise<{ enquiry: Enquiry; member: ActorRef; managerJoin: boolean }> {
      const enquiry = await repository.get(enquiryId);
      if (!enquiry) {
        throw new GatewayError('FORBIDDEN_NO_ENQUIRY', `No enquiry ${enquiryId} exists. Open an enquiry for the referral first.`, { details: { enquiryId } });
      }
      const isMember = enquiry.members.some((m) => sameActor({ issuer: m.issuer, id: m.actorId }, actor));
      const owningManager = MANAGER_ROLES.some((role) => actor.roles.includes(role)) && enquiry.ownerAgency !== null && enquiry.ownerAgency === actor.agency;
      if (!isMember && !owningManager) {
        throw new GatewayError(
          'FORBIDDEN_NOT_MEMBER',
          `Only a member of enquiry ${enquiryId}, or a MASH manager of its owning team, may add members. Ask a member to add whoever needs access.`,
          { details: { enquiryId } },
        );
      }
      const status = enquiryStatus(enquiry, now);
      if (status !== 'OPEN') {
        throw new GatewayError('FORBIDDEN_ENQUIRY_CLOSED', `Enquiry ${enquiryId} is no longer open; no one can join it.`, { details: { enquiryId, status } });
      }
      if ((input.reason ?? '').trim() === '') {
        throw badInput('Say why the member joins the enquiry (reason), e.g. "Health practitioner for the strategy discussion".', { field: 'reason' });
      }
      const reason = text('reason', input.reason, 2000)!;
      const member: ActorRef = { issuer: text('issuer', input.issuer, 500)!, id: text('actorId', input.actorId, 200)! };
      const seen = await deps.knownActors.find(member);
      if (!seen) {
        throw new GatewayError(
          'UNKNOWN_ACTOR',
          `No one with id ${JSON.stringify(member.id.slice(0, 100))} has ever signed in through issuer ${JSON.stringify(member.issuer.slice(0, 200))}; check both, and ask them to sign in to the gateway once before they are added.`,
          { details: { enquiryId } },
        );
      }
      const already = () => new GatewayError('CONFLICT', `That actor is already a member of enquiry ${enquiryId}; nothing was changed.`, { details: { enquiryId } });
      if (enquiry.members.some((m) => sameActor({ issuer: m.issuer, id: m.actorId }, member))) throw already();
      if (!(await repository.addMember(enquiryId, { ...member, name: seen.name, agency: seen.agency }, actor, reason, now))) throw already();
      return { enquiry: (await repository.get(enquiryId))!, member, managerJoin: !isMember };
    },

    async linkSubject(actor: Actor, input: LinkSubjectInput, now: Date): Promise<{ enquiry: Enquiry; subject: EnquirySubject }> {
      const enquiry = await openEnquiryOf(actor, input.enquiryId, now);
      if (!deps.agencies().includes(input.agency)) {
        throw badInput(`Unknown agency "${input.agency}": use one of ${deps.agencies().join(', ')}.`, { field: 'agency' });
      }
      const personId = text('personId', input.personId, 200)!;
      await requireShown(enquiry.id, input.agency, personId);
      let subjectId = input.subjectId ?? undefined;
      if (subjectId !== undefined) {
        const existing = enquiry.subjects.find((s) => s.id === subjectId);
        if (!existing) {
          throw new GatewayError('FORBIDDEN_SUBJECT_NOT_LINKED', `Subject ${subjectId} is not part of enquiry ${input.enquiryId}.`, { details: { enquiryId: input.enquiryId } });
        }
        // relation, label and relevance describe a new subject: for an existing one they may only
        // repeat what it already has, never silently disagree with it.
        const relation = input.relation == null ? undefined : input.relation.toLowerCase();
        if (relation !== undefined && relation !== existing.relation) {
          throw badInput(`Subject ${subjectId} is ${existing.relation === 'adult' ? 'an adult' : 'a child'}; a record linked to it cannot make it ${relation === 'adult' ? 'an adult' : 'a child'}. Leave relation out, or link the record as a new subject.`, { field: 'relation' });
        }
        if (input.label != null && input.label.trim() !== (existing.label ?? '')) {
          throw badInput(`Subject ${subjectId} is labelled ${JSON.stringify(existing.label ?? '')}; linking a record does not relabel it. Leave label out.`, { field: 'label' });
        }
        if (input.relevance != null && input.relevance.trim() !== (existing.relevance ?? '')) {
          throw badInput(`Linking a record to subject ${subjectId} does not change its relevance; leave relevance out and use recordRelevance.`, { field: 'relevance' });
        }
      } else {
        const relation = (input.relation ?? 'child').toLowerCase() as SubjectRelation;
        if (!RELATIONS.includes(relation)) throw badInput(`relation must be CHILD or ADULT (got "${input.relation}").`, { field: 'relation' });
        subjectId = await repository.addSubject(
          enquiry.id,
          { relation, label: text('label', input.label, 100), relevance: text('relevance', input.relevance, 2000) },
          actor,
          now,
        );
      }
      await repository.link(subjectId, input.agency, personId, actor, now);
      const updated = (await repository.get(enquiry.id))!;
      return { enquiry: updated, subject: updated.subjects.find((s) => s.id === subjectId)! };
    },

    /**
     * Links every record one search showed as one likely person (its `key`, e.g. P1), or one
     * household read showed as one candidate (H1...), as one new subject, all in one transaction:
     * all links or none. Any member of the open enquiry may, as for linkSubject (a search's results
     * are the enquiry's, not the searcher's), but only for a search or household read in this
     * enquiry that showed that key: another enquiry's event, or a key it did not show, is
     * FORBIDDEN_NOT_SHOWN. A record already linked to a subject of the enquiry is CONFLICT. A
     * household candidate needs its relation said (the household answer gives it): defaulting a
     * household adult to CHILD would read them without the relevance WT23 asks for.
     */
    async linkPerson(actor: Actor, input: LinkPersonInput, now: Date): Promise<{ enquiry: Enquiry; subject: EnquirySubject }> {
      const enquiry = await openEnquiryOf(actor, input.enquiryId, now);
      if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(input.searchEventId)) {
        throw badInput('searchEventId must be the auditEventId a searchPeople or household answer gave.', { field: 'searchEventId' });
      }
      if (!/^[PH][1-9][0-9]{0,3}$/.test(input.key)) {
        throw badInput(`key must name a likely person of the search, such as P1, or a candidate of the household read, such as H1 (got "${input.key.slice(0, 20)}").`, { field: 'key' });
      }
      const household = input.key.startsWith('H');
      if (household && input.relation == null) {
        throw badInput(`relation is needed to link household candidate ${input.key}: pass the candidate's relation from the household answer (CHILD or ADULT).`, { field: 'relation' });
      }
      const relation = (input.relation ?? 'child').toLowerCase() as SubjectRelation;
      if (!RELATIONS.includes(relation)) throw badInput(`relation must be CHILD or ADULT (got "${input.relation}").`, { field: 'relation' });
      const label = text('label', input.label, 100);
      const relevance = text('relevance', input.relevance, 2000);
      const persons = await deps.shown.personsOf(enquiry.id, input.searchEventId.toLowerCase(), input.key);
      if (persons.length === 0) {
        throw new GatewayError(
          'FORBIDDEN_NOT_SHOWN',
          household
            ? `No household read ${input.searchEventId} in enquiry ${enquiry.id} showed a candidate ${input.key}, so nothing can be linked from it. Use the auditEventId and a candidate key of a household read made in this enquiry.`
            : `No search ${input.searchEventId} in enquiry ${enquiry.id} showed a likely person ${input.key}, so nothing can be linked from it. Use the auditEventId and a key of a search made in this enquiry.`,
          { details: { enquiryId: enquiry.id } },
        );
      }
      const gone = persons.find((p) => !deps.agencies().includes(p.agency));
      if (gone) throw new GatewayError('CONFLICT', `${gone.agency} is no longer connected; link the other records one by one (linkSubject).`, { details: { enquiryId: enquiry.id } });
      const linked = persons.filter((p) => enquiry.subjects.some((s) => s.links.some((l) => l.agency === p.agency && l.personId === p.personId)));
      if (linked.length > 0) {
        throw new GatewayError(
          'CONFLICT',
          `${linked.map((p) => `${p.agency} person ${p.personId}`).join(', ')} ${linked.length === 1 ? 'is' : 'are'} already linked to a subject of enquiry ${enquiry.id}; nothing was linked. Link the remaining records to that subject with linkSubject, or unlink first.`,
          { details: { enquiryId: enquiry.id } },
        );
      }
      const subjectId = await repository.addSubjectWithLinks(enquiry.id, { relation, label, relevance }, persons, actor, now);
      const updated = (await repository.get(enquiry.id))!;
      return { enquiry: updated, subject: updated.subjects.find((s) => s.id === subjectId)! };
    },

    /**
     * Undoes a confirmed link (the record was someone else, or linked by mistake). The link stays
     * as history; from now on the subject's records are read without it. Members of an open
     * enquiry only, with a reason. An agency no longer connected may still be unlinked.
     */
    async unlinkSubject(actor: Actor, input: UnlinkSubjectInput, now: Date): Promise<{ enquiry: Enquiry; subject: EnquirySubject; link: UnlinkedSubjectLink }> {
      const enquiry = await openEnquiryOf(actor, input.enquiryId, now);
      if (input.reason.trim() === '') {
        throw badInput('Say why the link is undone (reason), e.g. "Different date of birth: not the referred child".', { field: 'reason' });
      }
      const reason = text('reason', input.reason, 2000)!;
      const subject = enquiry.subjects.find((s) => s.id === input.subjectId);
      if (!subject) {
        throw new GatewayError('NOT_FOUND', `Subject ${input.subjectId} is not part of enquiry ${input.enquiryId}; nothing was unlinked.`, {
          details: { enquiryId: input.enquiryId, subjectId: input.subjectId },
        });
      }
      const notLinked = () => {
        const undone = subject.unlinked.some((l) => l.agency === input.agency && l.personId === input.personId);
        return new GatewayError(
          'NOT_FOUND',
          undone
            ? `The link of subject ${subject.id} to ${input.agency} person ${input.personId} was already undone; nothing was unlinked.`
            : `Subject ${subject.id} has no link to ${input.agency} person ${input.personId}; check the agency and person id against Subject.links. Nothing was unlinked.`,
          { details: { enquiryId: enquiry.id, subjectId: subject.id, agency: input.agency } },
        );
      };
      if (!subject.links.some((l) => l.agency === input.agency && l.personId === input.personId)) throw notLinked();
      // Two members undoing the same link at once: one succeeds, the other is told it is gone.
      if (!(await repository.unlink(subject.id, input.agency, input.personId, { by: actor, reason }, now))) throw notLinked();
      const updated = (await repository.get(enquiry.id))!;
      const after = updated.subjects.find((s) => s.id === subject.id)!;
      const link = after.unlinked.filter((l) => l.agency === input.agency && l.personId === input.personId).at(-1)!;
      return { enquiry: updated, subject: after, link };
    },

    /**
     * WT23, POLICY-GUIDANCE: an enquiry closes at its decision. Only on a MASH decision a manager
     * has signed off (gateway/workspace/decision), which the enquiry records; `note` is the
     * closure note. DECISION_REQUIRED when the current decision is missing or not signed off.
     */
    async close(actor: Actor, enquiryId: string, note: string, now: Date): Promise<Enquiry> {
      const enquiry = await memberEnquiry(actor, enquiryId);
      if (enquiry.closedAt !== null) throw new GatewayError('CONFLICT', `Enquiry ${enquiryId} is already closed (at ${enquiry.closedAt}).`);
      const closureNote = text('decision', note, 500)!;
      const closed = await repository.close(enquiryId, actor, closureNote, now);
      if (closed.status === 'already-closed') throw new GatewayError('CONFLICT', `Enquiry ${enquiryId} is already closed.`);
      if (closed.status === 'no-decision') {
        throw new GatewayError(
          'DECISION_REQUIRED',
          `Enquiry ${enquiryId} closes only on a MASH decision a manager has signed off: record the decision (recordDecision) and ask a MASH manager of the owning team to sign it off (signOffDecision) first.`,
          { details: { enquiryId } },
        );
      }
      return (await repository.get(enquiryId))!;
    },

    /** The check before any read of agency data: member of an open, unexpired enquiry. */
    authoriseSearch: (actor: Actor, enquiryId: string, now: Date) => openEnquiryOf(actor, enquiryId, now),

    /** ... and, for records, a subject of that enquiry with at least one confirmed link. */
    async authoriseRead(actor: Actor, enquiryId: string, subjectId: string, now: Date): Promise<{ enquiry: Enquiry; subject: EnquirySubject }> {
      const enquiry = await openEnquiryOf(actor, enquiryId, now);
      const subject = enquiry.subjects.find((s) => s.id === subjectId);
      // Only links in force count: a subject whose every link was undone has none.
      if (!subject || subject.links.length === 0) {
        const undone = subject !== undefined && subject.unlinked.length > 0 ? ' (its links were undone)' : '';
        throw new GatewayError(
          'FORBIDDEN_SUBJECT_NOT_LINKED',
          `Subject ${subjectId} has no confirmed agency link in enquiry ${enquiryId}${undone}. Search for the person and link them first.`,
          { details: { enquiryId, subjectId } },
        );
      }
      return { enquiry, subject };
    },
  };
}

export type EnquiryService = ReturnType<typeof createEnquiryService>;
