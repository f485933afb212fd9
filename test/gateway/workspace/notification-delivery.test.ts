import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Actor } from '../../../gateway/auth/index.js';
import { createKnownActors } from '../../../gateway/auth/index.js';
import { createEnquiryRepository, createEnquiryService, createReviewRepository, createSearchShownRepository } from '../../../gateway/enquiries/index.js';
import { silentLogger } from '../../../gateway/log.js';
import type { Store } from '../../../gateway/store/index.js';
import {
  createNotifications,
  defaultNotificationsConfig,
  DELIVERY_HEADER,
  emailChannel,
  SIGNATURE_HEADER,
  TIMESTAMP_HEADER,
  webhookChannel,
  type DeliveryChannel,
  type Notifications,
} from '../../../gateway/workspace/notifications/index.js';
import { loadPolicyFile } from '../../../policies/index.js';
import { storeKinds } from '../../helpers/stores.js';

const policy = loadPolicyFile();
const SECRET = 'a-webhook-secret-of-at-least-32-characters!';
const researcher: Actor = { id: 'researcher-1', name: 'Riley Researcher', agency: 'social-care', roles: ['mash-researcher'], issuer: 'https://idp.county.example' };
const at = (seconds: number) => new Date(Date.UTC(2026, 10, 26, 9, 0) + seconds * 1000);
// What the notification is about, which must never leave in a delivery.
const CHILD_LABEL = 'Jamie Featherstone-Smith';
const CHILD_RELEVANCE = 'Mother reports bruising to the arm';
const HEALTH_PERSON = 'pat-4471';

interface Received {
  headers: IncomingHttpHeaders;
  body: string;
}

/** A webhook receiver: records each POST; answers 500 while `failing` is above zero. */
async function startReceiver() {
  const received: Received[] = [];
  const state = { failing: 0 };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      if (state.failing > 0) {
        state.failing -= 1;
        res.writeHead(500).end('down');
      } else res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/mash-hook`;
  return { url, received, state, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

/** A local SMTP receiver: keeps each message; refuses messages while `refusing` is above zero. */
async function startSmtp() {
  const messages: { from: string; to: string[]; raw: string }[] = [];
  const state = { refusing: 0 };
  const server = new SMTPServer({
    disabledCommands: ['STARTTLS', 'AUTH'],
    authOptional: true,
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        if (state.refusing > 0) {
          state.refusing -= 1;
          const error = new Error('mailbox busy') as Error & { responseCode: number };
          error.responseCode = 451;
          callback(error);
          return;
        }
        messages.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          raw: Buffer.concat(chunks).toString('utf8'),
        });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.server.address() as AddressInfo).port;
  return { port, messages, state, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

function verifies(received: Received): boolean {
  const timestamp = String(received.headers[TIMESTAMP_HEADER]);
  const expected = `sha256=${createHmac('sha256', SECRET).update(`${timestamp}.${received.body}`).digest('hex')}`;
  const given = String(received.headers[SIGNATURE_HEADER]);
  return given.length === expected.length && timingSafeEqual(Buffer.from(given), Buffer.from(expected));
}

describe.each(storeKinds())('notification outbox delivery on $name', (kind) => {
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let smtp: Awaited<ReturnType<typeof startSmtp>>;
  let store: Store;
  let notifications: Notifications;
  let channels: DeliveryChannel[];

  beforeAll(async () => {
    receiver = await startReceiver();
    smtp = await startSmtp();
  });
  afterAll(async () => {
    await receiver.close();
    await smtp.close();
  });

  function makeNotifications(maxAttempts = 3): Notifications {
    channels = [
      webhookChannel({ url: receiver.url, secret: SECRET, timeoutMs: 2000, now: () => at(0) }),
      emailChannel({ host: '127.0.0.1', port: smtp.port, secure: false, requireTLS: false, from: 'mash@county.example', to: ['mash-team@county.example'], timeoutMs: 2000 }),
    ];
    const config = defaultNotificationsConfig();
    return createNotifications({
      store,
      config: { ...config, delivery: { ...config.delivery, maxAttempts, backoffMs: 10_000, maxBackoffMs: 60_000, leaseMs: 120_000 } },
      channels,
      reviewerRoles: ['agency-reviewer'],
      now: () => at(0),
      logger: silentLogger,
    });
  }

  beforeEach(async () => {
    receiver.received.length = 0;
    receiver.state.failing = 0;
    smtp.messages.length = 0;
    smtp.state.refusing = 0;
    store = await kind.open();
    notifications = makeNotifications();
    // A review request about a child: the state change that raises the notification and its outbox rows.
    const repository = createEnquiryRepository(store);
    const reviews = createReviewRepository(store, { requested: notifications.reviewRequested, decided: notifications.reviewDecided });
    const enquiries = createEnquiryService({ repository, reviews, shown: createSearchShownRepository(store), policy, agencies: () => ['health', 'police'], knownActors: createKnownActors(store) });
    const enquiry = await enquiries.open(researcher, { referralReference: 'REF-0012', purpose: 's47', consentRecorded: false, rag: 'RED', referralText: `${CHILD_LABEL} came to school with bruising to the arm.` }, at(0));
    const subjectId = await repository.addSubject(enquiry.id, { relation: 'child', label: CHILD_LABEL, relevance: CHILD_RELEVANCE }, researcher, at(0));
    await repository.link(subjectId, 'health', HEALTH_PERSON, researcher, at(0));
    await reviews.ensurePending({ enquiryId: enquiry.id, subjectId, agency: 'police', category: 'police.detail', purpose: 's47', requestedBy: researcher }, at(0));
  });
  afterEach(async () => {
    await notifications.close();
    await store.close();
  });

  const outbox = async () => (await store.query<{ channel: string; status: string; attempts: number; last_error: string | null }>('SELECT channel, status, attempts, last_error FROM notification_outbox ORDER BY channel')).rows;

  it('delivers once to the webhook (signed) and by email, with no personal data, and never again', async () => {
    expect(await notifications.worker.runOnce(at(0))).toEqual({ delivered: 2, retried: 0, dead: 0 });
    expect(await notifications.worker.runOnce(at(600))).toEqual({ delivered: 0, retried: 0, dead: 0 });
    expect(receiver.received).toHaveLength(1);
    expect(smtp.messages).toHaveLength(1);

    const hook = receiver.received[0]!;
    expect(verifies(hook)).toBe(true);
    expect(verifies({ ...hook, body: hook.body.replace('REF-0012', 'REF-0013') })).toBe(false);
    const payload = JSON.parse(hook.body);
    expect(payload).toMatchObject({ kind: 'review-requested', enquiryReference: 'REF-0012', text: 'A review of police.detail about Child 1 in enquiry REF-0012 is waiting.', recipient: { role: 'agency-reviewer', agency: 'police' } });
    expect(hook.headers[DELIVERY_HEADER]).toBe(payload.deliveryId);

    const mail = smtp.messages[0]!;
    expect(mail.to).toEqual(['mash-team@county.example']);
    expect(mail.raw).toContain('A review of police.detail about Child 1 in enquiry REF-0012 is waiting.');
    for (const sent of [hook.body, mail.raw]) {
      for (const personal of [CHILD_LABEL, 'Jamie', 'bruising', HEALTH_PERSON, researcher.name]) expect(sent).not.toContain(personal);
      expect(sent).not.toMatch(/https?:\/\/(?!idp)/); // link-free
    }
    expect((await outbox()).map((r) => r.status)).toEqual(['delivered', 'delivered']);
  });

  it('retries after a receiver failure, with backoff, and then delivers', async () => {
    receiver.state.failing = 1;
    smtp.state.refusing = 1;
    expect(await notifications.worker.runOnce(at(0))).toEqual({ delivered: 0, retried: 2, dead: 0 });
    expect((await outbox()).map((r) => [r.status, r.attempts])).toEqual([['pending', 1], ['pending', 1]]);
    expect((await outbox())[1]!.last_error).toBe('webhook answered HTTP 500');
    // Not due again before the backoff has passed.
    expect(await notifications.worker.runOnce(at(5))).toEqual({ delivered: 0, retried: 0, dead: 0 });
    expect(await notifications.worker.runOnce(at(10))).toEqual({ delivered: 2, retried: 0, dead: 0 });
    expect(receiver.received).toHaveLength(2);
    expect(receiver.received[0]!.body).toBe(receiver.received[1]!.body);
    expect(smtp.messages).toHaveLength(1);
    expect((await outbox()).map((r) => r.status)).toEqual(['delivered', 'delivered']);
  });

  it('dead-letters after the last attempt and tries no more', async () => {
    receiver.state.failing = 100;
    const times = [0, 10, 30]; // backoff 10 s, then 20 s
    const results = [];
    for (const t of times) results.push(await notifications.worker.runOnce(at(t)));
    expect(results.map((r) => r.dead)).toEqual([0, 0, 1]);
    const webhook = (await outbox()).find((r) => r.channel === 'webhook')!;
    expect(webhook).toMatchObject({ status: 'dead', attempts: 3, last_error: 'webhook answered HTTP 500' });
    expect(await notifications.worker.runOnce(at(3600))).toEqual({ delivered: 0, retried: 0, dead: 0 });
    expect(receiver.received).toHaveLength(3);
  });

  it('two workers on one store deliver each row once: a claimed row is leased to its worker', async () => {
    const other = makeNotifications();
    const [a, b] = await Promise.all([notifications.worker.runOnce(at(0)), other.worker.runOnce(at(0))]);
    expect(a.delivered + b.delivered).toBe(2);
    expect(receiver.received).toHaveLength(1);
    expect(smtp.messages).toHaveLength(1);
    await other.close();
  });

  it('gives a crashed worker’s claimed row to another once its lease ends (at least once)', async () => {
    // A worker claims the rows and dies before sending: the lease keeps them from others meanwhile.
    await store.query(`UPDATE notification_outbox SET attempts = attempts + 1, next_attempt_at = $1`, [at(120).toISOString()]);
    expect(await notifications.worker.runOnce(at(60))).toEqual({ delivered: 0, retried: 0, dead: 0 });
    expect(await notifications.worker.runOnce(at(120))).toEqual({ delivered: 2, retried: 0, dead: 0 });
  });

  it('stops cleanly: closing waits for the delivery in progress, which is marked delivered, not cut off', async () => {
    let release!: () => void;
    let started!: () => void;
    const sending = new Promise<void>((resolve) => (started = resolve));
    const blocked = new Promise<void>((resolve) => (release = resolve));
    const slow: DeliveryChannel = {
      name: 'webhook',
      async send() {
        started();
        await blocked;
      },
    };
    const config = defaultNotificationsConfig();
    const looping = createNotifications({ store, config: { ...config, deadlineNear: { ...config.deadlineNear, scanEverySeconds: 0 }, delivery: { ...config.delivery, pollMs: 50 } }, channels: [slow], reviewerRoles: ['agency-reviewer'], now: () => at(0), logger: silentLogger });
    looping.start();
    await sending;
    let closed = false;
    const closing = looping.close().then(() => (closed = true));
    await new Promise((resolve) => setImmediate(resolve));
    expect(closed).toBe(false);
    release();
    await closing;
    expect((await outbox()).find((r) => r.channel === 'webhook')!.status).toBe('delivered');
  });
});
