import { createHash } from 'node:crypto';
import type { AuditDecision } from '../../audit/index.js';
import type { Actor } from '../../auth/index.js';
import {
  audited,
  auditDecisions,
  auditEnquiry,
  auditSubject,
  candidateKey,
  discloseCitations,
  type Access,
  type AccessServices,
  type CitationCheck,
  type CitationSubject,
  type RequestScope,
} from '../../disclosure/index.js';
import { decide } from '../../../policies/index.js';
import { createEnquiryRepository, enquiryStatus, MANAGER_ROLES, sameActor, type Enquiry } from '../../enquiries/index.js';
import { GatewayError, badInput } from '../../errors.js';
import { canonicalJson } from '../../audit/index.js';
import { PRECIS_LIMITS, contentHash, parseContent, sectionChanges, splitRef, type PrecisContent, type PrecisReference, type PrecisSection, type PrecisStatement } from './content.js';
import { createQueueRepository } from '../queue/index.js';
import { chronologyOf, CONTACT_ORIGIN } from '../chronology/index.js';
import { computeIndicators, type IndicatorServices } from '../indicators/index.js';
import { CHANNEL_LABELS, channelOfType, createContactLogRepository, createContactLogService, type ContactLogService } from '../contacts/index.js';
import { buildDraft } from './draft.js';
import { MEDIA_TYPES, renderDocx, renderPdf, UNAVAILABLE_TEXT, type ContactSource, type ExportFormat, type PrecisDocument, type RenderedReference } from './render.js';
import { createPrecisRepository, type PrecisVersionInfo, type StoredPrecisVersion } from './repository.js';

/**
 * The access path, and the risk indicator definitions when configured (the draft lists those that
 * fired); the contact log whose entries a précis may cite (made from the store when not given).
 */
export type PrecisServices = AccessServices & { access: Access; indicators?: IndicatorServices; contactLog?: Pick<ContactLogService, 'discloseFor'> };

/** A statement as a reader sees it: `available` false when its sources no longer resolve for them. */
export interface ShownStatement extends PrecisStatement {
  available: boolean;
}
export interface ShownSection extends Omit<PrecisSection, 'statements'> {
  statements: ShownStatement[];
}
export interface ShownContent {
  title: string;
  sections: ShownSection[];
}

export interface PrecisDraft {
  enquiry: Enquiry;
  content: ShownContent;
  /** The newest saved version (0: none yet): the baseVersion for saving this draft. */
  latestVersion: number;
  /** The disclosure event the draft's statements were disclosed under (null when no subject is linked). */
  disclosureEventId: string | null;
  auditEventId: string;
}

export interface PrecisRead {
  version: PrecisVersionInfo;
  content: ShownContent;
  /** Statements shown as no longer available to this reader. */
  unavailable: number;
  auditEventId: string;
}

export interface PrecisExport {
  version: number;
  format: ExportFormat;
  mediaType: string;
  fileName: string;
  /** The exact bytes, base64. */
  base64: string;
  sha256: string;
  bytes: number;
  unavailable: number;
  auditEventId: string;
}

/** Operations whose events disclose agency records a précis may cite. */
const CITABLE_OPERATIONS = new Set(['profile', 'precis', 'chronology', 'riskIndicators']);
/** Operations whose events disclose contact-log entries: the log itself, and the chronology and indicators merging it. */
const CONTACT_CITABLE_OPERATIONS = new Set(['contactLog', 'chronology', 'riskIndicators']);

/**
 * Whether an audit entry is a contact-log decision: the contact log's own event decides nothing
 * else, and a step merging it names it as the source of its decisions (gateway/disclosure/access.ts).
 */
const fromContactLog = (operation: string, decision: AuditDecision): boolean =>
  operation === 'contactLog' || decision.reason === CONTACT_ORIGIN || (decision.reason ?? '').startsWith(`${CONTACT_ORIGIN}: `);

type ContactLog = Pick<ContactLogService, 'discloseFor'>;

/** The re-check of one contact-log citation (the gate's decision for its entry, for the reader now). */
interface ContactCheck {
  key: string;
  recordId: string;
  agency: string;
  category: string;
  resolves: boolean;
  decision: string;
  ruleId: string;
  /** The entry's fields this use shows: those cited, and for an export those naming the source. */
  fields: string[];
  reason: string;
}

/** The fields of a contact-log entry an export names in its reference: when, how, with whom, where. */
const CONTACT_SOURCE_FIELDS = ['start', 'type', 'contactName', 'contactRole', 'service'] as const;

const shownAll = (content: PrecisContent): ShownContent => ({ ...content, sections: content.sections.map((s) => ({ ...s, statements: s.statements.map((st) => ({ ...st, available: true })) })) });

/**
 * The précis of an enquiry: a draft made through the one access path, saved versions with
 * optimistic concurrency, reads and exports that re-check every cited source against what the
 * reader may see now. Every operation is audited (refusals too); free text the researcher typed
 * never goes into an audit reason.
 */
export function createPrecisService(services: PrecisServices) {
  const repository = createPrecisRepository(services.store);
  const enquiryRows = createEnquiryRepository(services.store);
  const contactLog: ContactLog = services.contactLog ?? createContactLogService(services, createContactLogRepository(services.store));
  const now = () => services.now();

  /**
   * Who may read saved versions: the enquiry's members, whatever its status; once it is closed
   * or past its deadline, also a MASH manager of the owning team (the précis is the record behind
   * the decision), read-only.
   */
  async function authoriseReader(actor: Actor, enquiryId: string): Promise<{ enquiry: Enquiry; managerRead: boolean }> {
    const enquiry = await enquiryRows.get(enquiryId);
    if (!enquiry) throw new GatewayError('FORBIDDEN_NO_ENQUIRY', `No enquiry ${enquiryId} exists. Open an enquiry for the referral first.`, { details: { enquiryId } });
    if (enquiry.members.some((m) => sameActor({ issuer: m.issuer, id: m.actorId }, actor))) return { enquiry, managerRead: false };
    const owningManager = MANAGER_ROLES.some((role) => actor.roles.includes(role)) && enquiry.ownerAgency !== null && enquiry.ownerAgency === actor.agency;
    if (owningManager && enquiryStatus(enquiry, now()) !== 'OPEN') return { enquiry, managerRead: true };
    throw new GatewayError('FORBIDDEN_NOT_MEMBER', `You are not a member of enquiry ${enquiryId}. Ask a member to add you.`, { details: { enquiryId } });
  }

  function requireVersion(version: number, name = 'version', min = 1): number {
    if (!Number.isSafeInteger(version) || version < min) throw badInput(`${name} must be a whole number of at least ${min} (got ${version}).`, { field: name });
    return version;
  }

  async function storedVersion(enquiryId: string, version: number): Promise<StoredPrecisVersion> {
    const stored = await repository.get(enquiryId, version);
    if (!stored) throw new GatewayError('NOT_FOUND', `Enquiry ${enquiryId} has no précis version ${version}; list them with precisVersions.`, { details: { enquiryId, version } });
    return stored;
  }

  /** The ability, links in force and originator reviews of every subject, for this reader now. */
  async function citationSubjects(actor: Actor, enquiry: Enquiry): Promise<Map<string, CitationSubject>> {
    const { effective, id, version } = services.policy.document;
    const today = now().toISOString().slice(0, 10);
    if (today < effective.from || (effective.to !== undefined && today > effective.to)) {
      throw new GatewayError('FORBIDDEN', `Policy ${id} ${version} is not in effect on ${today}: no agency information can be shown until a current policy is loaded.`);
    }
    const subjects = new Map<string, CitationSubject>();
    for (const subject of enquiry.subjects) {
      const reviews = await services.reviews.statesFor(enquiry.id, subject.id);
      subjects.set(subject.id, {
        compiled: services.abilities({ roles: actor.roles, purpose: enquiry.purpose, consent: enquiry.consentRecorded, relation: subject.relation, relevance: subject.relevance !== null }),
        linkedAgencies: new Set(subject.links.map((l) => l.agency)),
        linkedPersons: new Set(subject.links.map((l) => candidateKey(l.agency, l.personId))),
        reviews: (agency, category) => reviews.get(`${agency}|${category}`),
      });
    }
    return subjects;
  }

  /**
   * The rule for re-disclosure: on every read and export, each cited source is re-checked against
   * what the reader may see now. An agency record through discloseCitations; a contact-log entry
   * through the contact log's own gate step for its subject (as the contactLog operation would show
   * it to this reader now), which reads only the store. A statement is shown only if all its
   * sources resolve; otherwise its text, relevance and references are replaced by UNAVAILABLE_TEXT.
   * A contact-log source that resolves comes back as gate output (when, how, with whom, where) for
   * the export to name it.
   */
  async function recheck(actor: Actor, enquiry: Enquiry, content: PrecisContent): Promise<{ shown: ShownContent; checks: CitationCheck[]; contactChecks: ContactCheck[]; contactSources: Map<string, ContactSource>; unavailable: number }> {
    const subjects = await citationSubjects(actor, enquiry);
    const citations: Parameters<typeof discloseCitations>[1][number][] = [];
    const contactCitations: { key: string; id: string; reference: PrecisReference }[] = [];
    for (const section of content.sections) {
      for (const statement of section.statements) {
        statement.references.forEach((reference, i) => {
          const { source, id } = splitRef(reference.ref);
          if (source === CONTACT_ORIGIN) contactCitations.push({ key: `${statement.id}#${i}`, id, reference });
          else citations.push({ key: `${statement.id}#${i}`, agency: source, recordId: id, category: reference.category, subjectId: reference.subjectId, fields: reference.fields, personId: reference.personId });
        });
        if (statement.withheld) citations.push({ key: `${statement.id}#withheld`, ...statement.withheld, recordId: '', fields: [], marker: true });
      }
    }
    const checks = discloseCitations(subjects, citations);
    const { contactChecks, contactSources } = await recheckContacts(enquiry, subjects, contactCitations);
    const failed = new Set([...checks, ...contactChecks].filter((c) => !c.resolves).map((c) => c.key.slice(0, c.key.lastIndexOf('#'))));
    let unavailable = 0;
    const shown: ShownContent = {
      title: content.title,
      sections: content.sections.map((section) => ({
        ...section,
        statements: section.statements.map((statement): ShownStatement => {
          if (!failed.has(statement.id)) return { ...statement, available: true };
          unavailable++;
          return { id: statement.id, kind: statement.kind, text: UNAVAILABLE_TEXT, relevance: null, references: [], withheld: null, available: false };
        }),
      })),
    };
    return { shown, checks, contactChecks, contactSources, unavailable };
  }

  /**
   * Contact-log citations re-checked: each subject's entries pass the gate with the reader's
   * ability and the originator reviews as they are now (no review is requested from here). A
   * citation resolves when its entry is shown to the reader, of the cited category, with every cited field.
   */
  async function recheckContacts(
    enquiry: Enquiry,
    subjects: ReadonlyMap<string, CitationSubject>,
    citations: readonly { key: string; id: string; reference: PrecisReference }[],
  ): Promise<{ contactChecks: ContactCheck[]; contactSources: Map<string, ContactSource> }> {
    const contactChecks: ContactCheck[] = [];
    const contactSources = new Map<string, ContactSource>();
    if (citations.length === 0) return { contactChecks, contactSources };
    const read = new Map<string, Awaited<ReturnType<ContactLog['discloseFor']>>>();
    for (const subjectId of new Set(citations.map((c) => c.reference.subjectId))) {
      const subject = enquiry.subjects.find((s) => s.id === subjectId);
      const ability = subjects.get(subjectId);
      if (subject && ability) read.set(subjectId, await contactLog.discloseFor(enquiry, subject, ability.compiled, ability.reviews));
    }
    for (const { key, id, reference } of citations) {
      const refused = (reason: string, agency = CONTACT_ORIGIN, decision: AuditDecision['decision'] = 'deny', ruleId = 'precis/recheck'): ContactCheck =>
        ({ key, recordId: id, agency, category: reference.category, resolves: false, decision, ruleId, fields: [], reason });
      const disclosed = read.get(reference.subjectId);
      if (!disclosed) {
        contactChecks.push(refused('The subject is no longer part of the enquiry.'));
        continue;
      }
      const entry = disclosed.entries.find((e) => e.id === id);
      const decided = disclosed.disclosure.decisions.find((d) => d.recordIds.includes(id));
      if (!entry || !decided || (decided.decision !== 'disclose' && decided.decision !== 'summarise' && decided.decision !== 'review')) {
        contactChecks.push(refused(decided ? `The contact-log entry is not shown now (${decided.reason}).` : 'The contact-log entry is not shown now.', decided?.agency, decided?.decision, decided?.ruleId));
        continue;
      }
      const permitted = new Set<string>(decided.fields);
      const missing = reference.fields.filter((f) => !permitted.has(f));
      if (entry.record.category !== reference.category || missing.length > 0) {
        contactChecks.push(refused(missing.length > 0 ? `Not disclosed now: ${missing.join(', ')} (${decided.reason})` : 'The category is not the entry\'s.', decided.agency, decided.decision, decided.ruleId));
        continue;
      }
      const f = entry.record.fields;
      const channel = channelOfType(f.type);
      contactSources.set(key, {
        occurredAt: f.start ?? null,
        channel: channel ? CHANNEL_LABELS[channel] : null,
        contactName: f.contactName ?? null,
        contactRole: f.contactRole ?? null,
        agency: entry.record.agency,
        organisation: f.service ?? null,
      });
      const shownFields = new Set<string>(reference.fields);
      for (const field of CONTACT_SOURCE_FIELDS) if (f[field] !== undefined) shownFields.add(field);
      contactChecks.push({ key, recordId: id, agency: decided.agency, category: decided.category, resolves: true, decision: entry.record.decision, ruleId: decided.ruleId, fields: [...shownFields], reason: CONTACT_ORIGIN });
    }
    return { contactChecks, contactSources };
  }

  /**
   * The audit entries of a re-check: per agency and category, the records shown again and those
   * not. Contact-log entries name their source (reason `contact`), as a step merging the log does;
   * with `named` (an export) their fields include those the document names them by.
   */
  function recheckDecisions(content: PrecisContent, checks: readonly CitationCheck[], contactChecks: readonly ContactCheck[], named: boolean): AuditDecision[] {
    const refs = new Map<string, { recordId: string; fields: string[] }>();
    for (const section of content.sections) {
      for (const statement of section.statements) statement.references.forEach((r, i) => refs.set(`${statement.id}#${i}`, { recordId: splitRef(r.ref).id, fields: r.fields }));
    }
    const groups = new Map<string, AuditDecision>();
    for (const check of checks) {
      const marker = check.key.endsWith('#withheld');
      const decision: AuditDecision['decision'] = !check.resolves ? 'deny' : marker ? 'withhold' : check.decision === 'review' ? 'summarise' : (check.decision as AuditDecision['decision']);
      const groupKey = `${check.agency}|${check.category}|${decision}`;
      const group = groups.get(groupKey) ?? { agency: check.agency, category: check.category, decision, ruleId: check.ruleId, fields: [], recordIds: [], markers: 0, ...(check.resolves ? {} : { reason: `Cited in the précis; not shown again: ${check.reason}` }) };
      if (marker) {
        if (check.resolves) group.markers++;
      } else {
        const ref = refs.get(check.key);
        if (ref && !group.recordIds.includes(ref.recordId)) group.recordIds.push(ref.recordId);
        if (ref && check.resolves) for (const f of ref.fields) if (!group.fields.includes(f)) group.fields.push(f);
      }
      groups.set(groupKey, group);
    }
    for (const check of contactChecks) {
      const decision: AuditDecision['decision'] = check.resolves ? (check.decision as AuditDecision['decision']) : 'deny';
      const groupKey = `${CONTACT_ORIGIN}|${check.agency}|${check.category}|${decision}`;
      const group = groups.get(groupKey) ?? {
        agency: check.agency,
        category: check.category,
        decision,
        ruleId: check.ruleId,
        fields: [],
        recordIds: [],
        markers: 0,
        reason: check.resolves ? CONTACT_ORIGIN : `${CONTACT_ORIGIN}: Cited in the précis; not shown again: ${check.reason}`,
      };
      if (!group.recordIds.includes(check.recordId)) group.recordIds.push(check.recordId);
      const fields = named ? check.fields : (refs.get(check.key)?.fields ?? []);
      if (check.resolves) for (const f of fields) if (!group.fields.includes(f)) group.fields.push(f);
      groups.set(groupKey, group);
    }
    return [...groups.values()];
  }

  const closedNote = (enquiry: Enquiry, managerRead: boolean): Record<string, unknown> => (managerRead ? { managerJoin: true } : {});

  return {
    /**
     * A fresh draft from what the gate discloses now: one audited disclosure step (`precis`) over
     * every subject with links in force, then the chronology and risk indicators assembled from
     * it, drafted purely. The draft itself is recorded too (`precisDraft`: the step it rests on,
     * whether the referral text was read, the newest saved version), committed before it is returned.
     */
    async draft(scope: RequestScope, enquiryId: string): Promise<PrecisDraft> {
      const { value, eventId } = await audited(services, scope, 'precisDraft', { enquiry: { id: enquiryId } }, async () => {
        const open = await services.enquiries.authoriseSearch(scope.actor, enquiryId, now());
        const linked = open.subjects.filter((s) => s.links.length > 0);
        const focus = linked.find((s) => s.relation === 'child') ?? linked[0];
        // Every linked subject's records pass the one gate in one step, audited before they are drafted.
        const answer = focus ? await services.access.discloseSubjects(scope, 'precis', enquiryId, focus.id, { household: true }) : null;
        const enquiry = answer?.enquiry ?? open;
        const at = now();
        const chronology = answer ? chronologyOf(answer, at) : null;
        const indicators = answer && services.indicators ? computeIndicators(services.indicators.definitions, chronology!.entries, at) : null;
        // The referral is read under the same check as Enquiry.referral (a member of the open enquiry).
        const referral = await createQueueRepository(services.store).referral(enquiryId);
        const content = buildDraft({ enquiry, disclosed: answer, chronology: chronology?.entries ?? [], groups: chronology?.groups ?? [], indicators, referral });
        // A draft larger than a précis may be saved says so at the top (proportionate: rarely a whole record).
        const size = canonicalJson(content).length;
        if (size > PRECIS_LIMITS.contentChars) {
          content.sections[0]!.statements.unshift({ id: 's0', kind: 'note', text: `This draft has ${size} characters; a précis may be saved with at most ${PRECIS_LIMITS.contentChars}. Remove or shorten statements before saving.`, relevance: null, references: [], withheld: null });
        }
        const latestVersion = await repository.latest(enquiryId);
        return {
          value: { enquiry, content, latestVersion, disclosureEventId: answer?.auditEventId ?? null },
          event: {
            // Partial when an agency could not answer: the draft says so, and so does its event.
            outcome: answer?.subjects.some((a) => a.disclosure.failures.length > 0) ? 'partial' : 'success',
            enquiry: auditEnquiry(enquiry),
            subjects: (answer?.subjects ?? []).map((a) => auditSubject(a.subject)),
            reason: `Précis draft from ${answer ? `disclosure event ${answer.auditEventId} (${answer.subjects.length} ${answer.subjects.length === 1 ? 'subject' : 'subjects'}, ${indicators?.fired.length ?? 0} ${indicators?.fired.length === 1 ? 'indicator' : 'indicators'} fired)` : 'no linked subject'}; ${referral?.text ? 'referral text read; ' : ''}newest saved version ${latestVersion}.`,
            ...(enquiry.breakGlassJustification !== null ? { breakGlass: true } : {}),
          },
        };
      });
      return { ...value, content: shownAll(value.content), auditEventId: eventId };
    },

    /**
     * Stores a new version if baseVersion is still the newest (else CONFLICT naming the newest,
     * to read and merge). Members of an open enquiry only. Every cited agency record must be one
     * the named audit event of this enquiry disclosed, with every cited field.
     */
    async save(scope: RequestScope, enquiryId: string, baseVersion: number, input: unknown): Promise<{ version: PrecisVersionInfo; auditEventId: string }> {
      const { value, eventId } = await audited(services, scope, 'savePrecis', { enquiry: { id: enquiryId } }, async () => {
        const enquiry = await services.enquiries.authoriseSearch(scope.actor, enquiryId, now());
        requireVersion(baseVersion, 'baseVersion', 0);
        const content = parseContent(input);
        await checkCitations(scope, enquiry, content);
        const current = await repository.latest(enquiryId);
        const conflict = async () => {
          const newest = (await repository.list(enquiryId)).at(-1);
          return new GatewayError(
            'CONFLICT',
            `Version ${baseVersion} is no longer the newest précis of enquiry ${enquiryId}: version ${newest?.version ?? current} was saved at ${newest?.savedAt ?? 'an unknown time'}. Nothing was saved: read version ${newest?.version ?? current} (precisVersion), merge your changes into it and save with baseVersion ${newest?.version ?? current}.`,
            { details: { enquiryId, baseVersion, currentVersion: newest?.version ?? current } },
          );
        };
        if (baseVersion !== current) throw await conflict();
        const before = current > 0 ? (await storedVersion(enquiryId, current)).content : null;
        const changes = sectionChanges(before, content);
        const sha = contentHash(content);
        const stored = await repository.save(enquiryId, baseVersion, { content, contentSha256: sha, changes, by: { issuer: scope.actor.issuer, id: scope.actor.id, name: scope.actor.name ?? null } }, now());
        if (!stored) throw await conflict();
        const version = (await repository.list(enquiryId)).find((v) => v.version === baseVersion + 1)!;
        const counts = (['added', 'changed', 'removed'] as const).map((c) => `${changes.filter((x) => x.change === c).length} ${c}`).join(', ');
        return {
          value: version,
          event: { outcome: 'success', enquiry: auditEnquiry(enquiry), reason: `Saved précis version ${version.version} on version ${baseVersion}; content sha256 ${sha}; sections ${counts}.` },
        };
      });
      return { version: value, auditEventId: eventId };
    },

    async versions(scope: RequestScope, enquiryId: string): Promise<PrecisVersionInfo[]> {
      const { value } = await audited(services, scope, 'precisVersions', { enquiry: { id: enquiryId } }, async () => {
        const { enquiry, managerRead } = await authoriseReader(scope.actor, enquiryId);
        const versions = await repository.list(enquiryId);
        return { value: versions, event: { outcome: 'success', enquiry: auditEnquiry(enquiry), reason: `Listed ${versions.length} précis versions.`, ...closedNote(enquiry, managerRead) } };
      });
      return value;
    },

    /** One saved version, as this reader may see it now (see recheck). */
    async read(scope: RequestScope, enquiryId: string, version: number): Promise<PrecisRead> {
      const { value, eventId } = await audited(services, scope, 'precisVersion', { enquiry: { id: enquiryId } }, async () => {
        const { enquiry, managerRead } = await authoriseReader(scope.actor, enquiryId);
        const stored = await storedVersion(enquiryId, requireVersion(version));
        const { shown, checks, contactChecks, unavailable } = await recheck(scope.actor, enquiry, stored.content);
        const { content: _content, ...info } = stored;
        return {
          value: { version: info, content: shown, unavailable },
          event: {
            outcome: 'success',
            enquiry: auditEnquiry(enquiry),
            subjects: enquiry.subjects.map(auditSubject),
            decisions: recheckDecisions(stored.content, checks, contactChecks, false),
            reason: `Read précis version ${stored.version} (content sha256 ${stored.contentSha256}); ${unavailable} ${unavailable === 1 ? 'statement' : 'statements'} no longer available to the reader.`,
            ...closedNote(enquiry, managerRead),
          },
        };
      });
      return { ...value, auditEventId: eventId };
    },

    /**
     * One saved version as a PDF or DOCX file, re-checked for this reader like a read. The event
     * naming the file's SHA-256 is committed before the bytes are returned; if it cannot be,
     * nothing is returned (AUDIT_UNAVAILABLE). Allowed after the enquiry closes (read-only).
     */
    async export(scope: RequestScope, enquiryId: string, version: number, format: ExportFormat): Promise<PrecisExport> {
      const { value, eventId } = await audited(services, scope, 'exportPrecis', { enquiry: { id: enquiryId } }, async () => {
        if (format !== 'PDF' && format !== 'DOCX') throw badInput(`format must be PDF or DOCX (got "${String(format).slice(0, 20)}").`, { field: 'format' });
        const { enquiry, managerRead } = await authoriseReader(scope.actor, enquiryId);
        const stored = await storedVersion(enquiryId, requireVersion(version));
        const { shown, checks, contactChecks, contactSources, unavailable } = await recheck(scope.actor, enquiry, stored.content);
        // A contact-log source is named by what the gate shows of it now (date, channel, who, where).
        const named = (statement: ShownStatement): RenderedReference[] => statement.references.map((r, i) => {
          const contact = contactSources.get(`${statement.id}#${i}`);
          return contact ? { ...r, contact } : r;
        });
        const document: PrecisDocument = {
          title: shown.title,
          enquiryId: enquiry.id,
          referralReference: enquiry.referralReference,
          purpose: enquiry.purpose,
          legalBasis: enquiry.legalBasis,
          version: stored.version,
          savedAt: stored.savedAt,
          savedBy: stored.savedByName ?? stored.savedBy,
          generatedAt: now().toISOString(),
          generatedBy: `${scope.actor.name ?? scope.actor.id}${scope.actor.agency ? ` (${scope.actor.agency})` : ''}`,
          closedAt: enquiryStatus(enquiry, now()) === 'OPEN' ? null : (enquiry.closedAt ?? enquiry.accessEndsAt),
          sections: shown.sections.map((s) => ({ heading: s.heading, analysis: s.analysis, statements: s.statements.map((st) => ({ ...st, references: named(st) })) })),
        };
        const bytes = format === 'PDF' ? await renderPdf(document) : await renderDocx(document);
        const sha256 = createHash('sha256').update(bytes).digest('hex');
        // No personal data in the file name: the enquiry's id and the version only.
        const fileName = `precis-${enquiry.id.replace(/[^A-Za-z0-9-]/g, '-')}-v${stored.version}.${format.toLowerCase()}`;
        const mediaType = MEDIA_TYPES[format];
        return {
          value: { version: stored.version, format, mediaType, fileName, base64: bytes.toString('base64'), sha256, bytes: bytes.length, unavailable },
          event: {
            outcome: 'success',
            enquiry: auditEnquiry(enquiry),
            subjects: enquiry.subjects.map(auditSubject),
            decisions: recheckDecisions(stored.content, checks, contactChecks, true),
            document: { kind: 'precis', version: stored.version, format, mediaType, fileName, bytes: bytes.length, sha256 },
            reason: `Exported précis version ${stored.version} as ${format}, sha256 ${sha256}; ${unavailable} ${unavailable === 1 ? 'statement' : 'statements'} no longer available to the reader.`,
            ...closedNote(enquiry, managerRead),
          },
        };
      });
      return { ...value, auditEventId: eventId };
    },
  };

  /**
   * A citation must name what the enquiry actually disclosed: a committed event of this enquiry
   * (profile, précis or chronology) whose decision for that agency and category disclosed or
   * summarised the record with every cited field. A guessed or copied reference is refused.
   * A contact-log entry (`contact:<id>`) must be an entry of this enquiry's log about the cited
   * subject, of the cited category, disclosed with every cited field by a committed event of this
   * enquiry that read the log (contactLog, or a chronology or indicators step merging it).
   */
  async function checkCitations(scope: RequestScope, enquiry: Enquiry, content: PrecisContent): Promise<void> {
    const subjects = new Set(enquiry.subjects.map((s) => s.id));
    const eventIds = new Set<string>();
    const contactIds = new Set<string>();
    content.sections.forEach((section, s) => {
      if (section.subjectId !== null && !subjects.has(section.subjectId)) throw badInput(`content.sections[${s}].subjectId: not a subject of enquiry ${enquiry.id}.`, { field: `content.sections[${s}].subjectId` });
      section.statements.forEach((statement, i) => {
        const at = `content.sections[${s}].statements[${i}]`;
        if (statement.withheld) {
          if (!subjects.has(statement.withheld.subjectId)) throw badInput(`${at}.withheld.subjectId: not a subject of enquiry ${enquiry.id}.`, { field: `${at}.withheld.subjectId` });
        }
        statement.references.forEach((reference, r) => {
          const field = `${at}.references[${r}]`;
          if (!subjects.has(reference.subjectId)) throw badInput(`${field}.subjectId: not a subject of enquiry ${enquiry.id}.`, { field: `${field}.subjectId` });
          const { source, id } = splitRef(reference.ref);
          if (source === CONTACT_ORIGIN) contactIds.add(id);
          eventIds.add(reference.auditEventId);
        });
      });
    });
    if (eventIds.size === 0) return;
    const { rows } = await services.store.query<{ id: string; enquiry_id: string | null; operation: string; outcome: string; body: { decisions?: AuditDecision[]; subjects?: { subjectId: string; links?: { agency: string; personId: string }[] }[] } }>(
      'SELECT id, enquiry_id, operation, outcome, body FROM audit_event WHERE id = ANY($1::uuid[])',
      [[...eventIds]],
    );
    const events = new Map(rows.map((row) => [String(row.id), row]));
    // Only this enquiry's entries are looked up: another enquiry's entry and an unknown id read alike.
    const contactRows =
      contactIds.size === 0
        ? []
        : (
            await services.store.query<{ id: string; subject_id: string; agency: string; category: string }>(
              'SELECT id, subject_id, agency, category FROM contact_log_entry WHERE enquiry_id = $1 AND id = ANY($2::text[])',
              [enquiry.id, [...contactIds]],
            )
          ).rows;
    const contactEntries = new Map(contactRows.map((row) => [String(row.id), { subjectId: String(row.subject_id), agency: String(row.agency), category: String(row.category) }]));
    // A `review` decision's audit entry names its records but not the fallback fields shown
    // meanwhile (a summary): those are the policy's fallback fields for the saver now.
    const abilities = await citationSubjects(scope.actor, enquiry);
    const fallback = (subjectId: string, category: string): readonly string[] => {
      const subject = abilities.get(subjectId);
      return subject ? decide(subject.compiled, category).fields : [];
    };
    const covers = (d: AuditDecision, reference: PrecisReference): boolean =>
      d.decision === 'disclose' || d.decision === 'summarise'
        ? reference.fields.every((f) => d.fields.includes(f))
        : d.decision === 'review' && reference.fields.every((f) => fallback(reference.subjectId, reference.category).includes(f));
    content.sections.forEach((section, s) =>
      section.statements.forEach((statement, i) =>
        statement.references.forEach((reference, r) => {
          const field = `content.sections[${s}].statements[${i}].references[${r}]`;
          const event = events.get(reference.auditEventId);
          const { source, id } = splitRef(reference.ref);
          const committed = event !== undefined && event.enquiry_id === enquiry.id && (event.outcome === 'success' || event.outcome === 'partial');
          if (source === CONTACT_ORIGIN) {
            const entry = contactEntries.get(id);
            if (!entry || entry.subjectId !== reference.subjectId) {
              throw badInput(`${field}.ref: ${reference.ref} is not an entry of the contact log of enquiry ${enquiry.id} about subject ${reference.subjectId}; cite an entry as the contact log gave it.`, { field: `${field}.ref` });
            }
            if (entry.category !== reference.category) {
              throw badInput(`${field}.category: ${reference.ref} is recorded as ${entry.category}, not ${reference.category}.`, { field: `${field}.category` });
            }
            if (reference.personId !== null && reference.personId !== reference.subjectId) {
              throw badInput(`${field}.personId: a contact-log entry is about the enquiry subject itself; leave personId empty (or the subject's id).`, { field: `${field}.personId` });
            }
            const disclosed =
              committed &&
              CONTACT_CITABLE_OPERATIONS.has(event.operation) &&
              (event.body.subjects ?? []).some((x) => x.subjectId === reference.subjectId) &&
              (event.body.decisions ?? []).some(
                (d) => fromContactLog(event.operation, d) && (d.subjectId === undefined || d.subjectId === reference.subjectId) && d.agency === entry.agency && d.category === entry.category && d.recordIds.includes(id) && covers(d, reference),
              );
            if (!disclosed) {
              throw badInput(`${field}: ${reference.ref} was not disclosed with those fields (${reference.fields.join(', ')}) for that subject under audit event ${reference.auditEventId} of this enquiry; cite the entry as the contact log or the chronology gave it.`, { field });
            }
            return;
          }
          const valid =
            committed &&
            CITABLE_OPERATIONS.has(event.operation) &&
            (event.body.subjects ?? []).some(
              (x) => x.subjectId === reference.subjectId && (reference.personId === null || (x.links ?? []).some((l) => l.agency === source && l.personId === reference.personId)),
            ) &&
            (event.body.decisions ?? []).some(
              (d) =>
                // A contact-log entry decided as an agency's category is not that agency's record.
                !fromContactLog(event.operation, d) &&
                (d.subjectId === undefined || d.subjectId === reference.subjectId) &&
                d.agency === source &&
                d.category === reference.category &&
                d.recordIds.includes(id) &&
                covers(d, reference),
            );
          if (!valid) {
            throw badInput(`${field}: ${reference.ref} was not disclosed with those fields (${reference.fields.join(', ')}) for that subject under audit event ${reference.auditEventId} of this enquiry; cite the record as a draft or the chronology gave it.`, { field });
          }
        }),
      ),
    );
  }
}

export type PrecisService = ReturnType<typeof createPrecisService>;
