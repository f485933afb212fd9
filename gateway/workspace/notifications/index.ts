import { MANAGER_ROLES, type ReviewRequest } from '../../enquiries/index.js';
import { GatewayError } from '../../errors.js';
import type { Logger } from '../../log.js';
import type { Queryable, Store } from '../../store/index.js';
import { emailChannel, webhookChannel, type DeliveryChannel } from './channels.js';
import type { NotificationsConfig } from './config.js';
import { createInbox, type Inbox } from './inbox.js';
import { createOutboxWorker, type OutboxWorker } from './outbox.js';
import { notificationText, type SubjectMention } from './texts.js';

export { notificationsConfigSchema, defaultNotificationsConfig, type NotificationsConfig } from './config.js';
export { createInbox, MAX_MARK, MAX_PAGE, seqPage, type Inbox, type NewNotification, type Notification, type NotificationPage, type Reader, type Recipient } from './inbox.js';
export { createOutboxWorker, backoff, type DeliverySettings, type OutboxWorker, type PassResult } from './outbox.js';
export { emailChannel, webhookChannel, webhookSignature, DELIVERY_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER, type DeliveryChannel, type OutboundMessage } from './channels.js';
export { notificationText, NOTIFICATION_KINDS, subjectWords, type NotificationKind, type SubjectMention } from './texts.js';

/**
 * Notifications: the inbox, the events that raise them, the outbox's delivery worker and the
 * deadline-near scan. The state change that causes a notification passes its transaction, so the
 * notification and its outbox rows commit with it or not at all.
 */
export interface Notifications {
  inbox: Inbox;
  worker: OutboxWorker;
  /** ORIG: the owning agency's reviewers are told a review waits (a team inbox per reviewer role). */
  reviewRequested(tx: Queryable, request: ReviewRequest, now: Date): Promise<void>;
  /** The researcher who asked is told the owning agency's decision. */
  reviewDecided(tx: Queryable, request: ReviewRequest, now: Date): Promise<void>;
  /**
   * EMER: information governance is told a break-glass enquiry awaits its review, and the owning
   * team's MASH managers (a team inbox per manager role of the owning agency) that one of them
   * must review it. Pass the opening's transaction.
   */
  breakGlassOpened(tx: Queryable, enquiry: { id: string; referralReference: string; ownerAgency: string | null }, now: Date): Promise<void>;
  /** The assignee is told an enquiry is theirs (in the assignment's transaction). */
  enquiryAssigned(tx: Queryable, enquiryId: string, assignee: { issuer: string; id: string }, now: Date): Promise<void>;
  /** One deadline-near scan now (the scheduler runs it every deadlineNear.scanEverySeconds). */
  scanDeadlines(now?: Date): Promise<number>;
  start(): void;
  close(): Promise<void>;
}

/** How a review's subject is mentioned (Child 1, Adult 2), read in the request's transaction. */
async function subjectMention(tx: Queryable, request: Pick<ReviewRequest, 'enquiryId' | 'subjectId'>): Promise<SubjectMention> {
  const { rows } = await tx.query<{ relation: string; ordinal: string | number }>(
    `SELECT s.relation, (SELECT count(*) FROM enquiry_subject o WHERE o.enquiry_id = s.enquiry_id AND o.relation = s.relation AND o.seq <= s.seq) AS ordinal
     FROM enquiry_subject s WHERE s.id = $1 AND s.enquiry_id = $2`,
    [request.subjectId, request.enquiryId],
  );
  const row = rows[0];
  if (!row) throw new GatewayError('INTERNAL_ERROR', 'A review request names a subject its enquiry does not have.');
  return { relation: row.relation === 'adult' ? 'adult' : 'child', ordinal: Number(row.ordinal) };
}

/** Delivery channels from configuration; secrets from the environment variables it names. */
export function channelsFromConfig(config: NotificationsConfig, env: NodeJS.ProcessEnv, now: () => Date): DeliveryChannel[] {
  const channels: DeliveryChannel[] = [];
  if (config.webhook) {
    const secret = env[config.webhook.secretEnv];
    if (secret === undefined || secret.length < 32) {
      throw new GatewayError('CONFIG_INVALID', `notifications.webhook.secretEnv: environment variable ${config.webhook.secretEnv} must hold the webhook signing secret (at least 32 characters).`);
    }
    channels.push(webhookChannel({ url: config.webhook.url, secret, timeoutMs: config.webhook.timeoutMs, now }));
  }
  if (config.email) {
    const e = config.email;
    let password: string | undefined;
    if (e.passwordEnv !== undefined) {
      password = env[e.passwordEnv];
      if (password === undefined || password === '') throw new GatewayError('CONFIG_INVALID', `notifications.email.passwordEnv: environment variable ${e.passwordEnv} is not set.`);
    }
    channels.push(emailChannel({ host: e.host, port: e.port, secure: e.secure, requireTLS: e.requireTLS, user: e.user, password, from: e.from, to: e.to, timeoutMs: e.timeoutMs }));
  }
  return channels;
}

export function createNotifications(deps: {
  store: Store;
  config: NotificationsConfig;
  channels: readonly DeliveryChannel[];
  /** The roles that decide an agency's originator reviews (policy crossCutting.originatorReview.roles). */
  reviewerRoles: readonly string[];
  /** The role told of break-glass enquiries. */
  igRole?: string;
  /** The roles that review the owning team's break-glass enquiries (default MANAGER_ROLES). */
  managerRoles?: readonly string[];
  now: () => Date;
  logger: Logger;
}): Notifications {
  const names = deps.channels.map((c) => c.name);
  const inbox = createInbox(deps.store, () => names);
  const worker = createOutboxWorker({ store: deps.store, channels: deps.channels, settings: deps.config.delivery, now: deps.now, logger: deps.logger });
  const leadMs = deps.config.deadlineNear.leadMinutes * 60_000;
  let scanTimer: NodeJS.Timeout | undefined;
  let scanning: Promise<unknown> | undefined;

  const scanDeadlines = (now?: Date) => inbox.scanDeadlines(now ?? deps.now(), leadMs);

  return {
    inbox,
    worker,
    async reviewRequested(tx, request, now) {
      const subject = await subjectMention(tx, request);
      for (const role of deps.reviewerRoles) {
        await inbox.raise(
          tx,
          {
            kind: 'review-requested',
            recipient: { team: { role, agency: request.agency } },
            enquiryId: request.enquiryId,
            referralReference: request.referralReference,
            reviewRequestId: request.id,
            body: notificationText.reviewRequested(request.referralReference, request.category, subject),
          },
          now,
        );
      }
    },
    async reviewDecided(tx, request, now) {
      const subject = await subjectMention(tx, request);
      await inbox.raise(
        tx,
        {
          kind: 'review-decided',
          recipient: { actor: { issuer: request.requestedByIssuer, id: request.requestedBy } },
          enquiryId: request.enquiryId,
          referralReference: request.referralReference,
          reviewRequestId: request.id,
          body: notificationText.reviewDecided(request.referralReference, request.category, subject, request.status === 'approved'),
        },
        now,
      );
    },
    async breakGlassOpened(tx, enquiry, now) {
      await inbox.raise(
        tx,
        {
          kind: 'break-glass',
          recipient: { team: { role: deps.igRole ?? 'ig-officer', agency: null } },
          enquiryId: enquiry.id,
          referralReference: enquiry.referralReference,
          body: notificationText.breakGlass(enquiry.referralReference),
          idempotencyKey: `break-glass|${enquiry.id}`,
        },
        now,
      );
      // The review is the owning team's managers' to record (reviewBreakGlass): tell their team
      // inbox, so whoever holds the role there when they read it sees it, and no other team does.
      if (enquiry.ownerAgency === null) return;
      for (const role of deps.managerRoles ?? MANAGER_ROLES) {
        await inbox.raise(
          tx,
          {
            kind: 'break-glass-review-due',
            recipient: { team: { role, agency: enquiry.ownerAgency } },
            enquiryId: enquiry.id,
            referralReference: enquiry.referralReference,
            body: notificationText.breakGlassReviewDue(enquiry.referralReference),
            idempotencyKey: `break-glass-review-due|${enquiry.id}|${role}`,
          },
          now,
        );
      }
    },
    async enquiryAssigned(tx, enquiryId, assignee, now) {
      const { rows } = await tx.query<{ referral_reference: string }>('SELECT referral_reference FROM enquiry WHERE id = $1', [enquiryId]);
      const enquiry = { id: enquiryId, referralReference: String(rows[0]?.referral_reference ?? '') };
      await inbox.raise(
        tx,
        {
          kind: 'enquiry-assigned',
          recipient: { actor: assignee },
          enquiryId: enquiry.id,
          referralReference: enquiry.referralReference,
          body: notificationText.enquiryAssigned(enquiry.referralReference),
        },
        now,
      );
    },
    scanDeadlines,
    start() {
      worker.start();
      const every = deps.config.deadlineNear.scanEverySeconds;
      if (every > 0 && scanTimer === undefined) {
        scanTimer = setInterval(() => {
          if (scanning) return;
          scanning = scanDeadlines()
            .catch((error: Error) => deps.logger.warn({ err: error.name }, 'deadline-near scan failed'))
            .finally(() => {
              scanning = undefined;
            });
        }, every * 1000);
        scanTimer.unref();
      }
    },
    async close() {
      if (scanTimer) clearInterval(scanTimer);
      scanTimer = undefined;
      await scanning;
      await worker.stop();
    },
  };
}
