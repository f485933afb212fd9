import type { Logger } from '../../log.js';
import type { Store } from '../../store/index.js';
import type { DeliveryChannel, OutboundMessage } from './channels.js';

/**
 * The outbox's delivery worker: at-least-once. A pass claims due rows with SELECT ... FOR UPDATE
 * SKIP LOCKED and, in the same statement, pushes their next attempt out by a lease, so two workers
 * (two gateway processes on one PostgreSQL) never claim the same row at once, and the row of a
 * worker that died comes back when its lease ends. Each row is then sent outside any transaction
 * and marked delivered, due again after a backoff (doubling up to a ceiling), or dead after the
 * last attempt. A receiver can see a message twice (a crash after sending, before marking): the
 * message carries its id for that.
 */
export interface DeliverySettings {
  pollMs: number;
  batch: number;
  maxAttempts: number;
  backoffMs: number;
  maxBackoffMs: number;
  leaseMs: number;
}

export interface PassResult {
  delivered: number;
  retried: number;
  dead: number;
}

export interface OutboxWorker {
  /** One pass over the due rows (what the background loop runs; tests call it with their own clock). */
  runOnce(now?: Date): Promise<PassResult>;
  start(): void;
  /** Stops the loop and waits for the pass in progress to finish. */
  stop(): Promise<void>;
}

type Row = Record<string, unknown>;
const iso = (v: unknown) => (v instanceof Date ? v : new Date(String(v))).toISOString();

export function backoff(settings: Pick<DeliverySettings, 'backoffMs' | 'maxBackoffMs'>, attempts: number): number {
  return Math.min(settings.maxBackoffMs, settings.backoffMs * 2 ** Math.max(0, attempts - 1));
}

export function createOutboxWorker(deps: { store: Store; channels: readonly DeliveryChannel[]; settings: DeliverySettings; now: () => Date; logger: Logger }): OutboxWorker {
  const { store, settings, logger } = deps;
  const byName = new Map(deps.channels.map((c) => [c.name, c]));
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> | undefined;
  let stopped = true;

  async function claim(now: Date): Promise<Row[]> {
    const { rows } = await store.query<Row>(
      `UPDATE notification_outbox o SET attempts = o.attempts + 1, next_attempt_at = $3
       FROM notification n
       WHERE n.id = o.notification_id AND o.id IN (
         SELECT id FROM notification_outbox WHERE status = 'pending' AND next_attempt_at <= $1 AND channel = ANY($4::text[])
         ORDER BY next_attempt_at, id LIMIT $2 FOR UPDATE SKIP LOCKED)
       RETURNING o.id AS delivery_id, o.channel, o.attempts, n.id AS notification_id, n.kind, n.referral_reference, n.body,
                 n.recipient_issuer, n.recipient_subject, n.recipient_role, n.recipient_agency, n.recipient_email, n.created_at`,
      [now.toISOString(), settings.batch, new Date(now.getTime() + settings.leaseMs).toISOString(), [...byName.keys()]],
    );
    return rows;
  }

  function messageOf(row: Row): OutboundMessage {
    return {
      id: String(row.notification_id),
      deliveryId: String(row.delivery_id),
      kind: String(row.kind),
      enquiryReference: row.referral_reference == null ? null : String(row.referral_reference),
      text: String(row.body),
      recipient:
        row.recipient_role == null
          ? { issuer: String(row.recipient_issuer), subject: String(row.recipient_subject) }
          : { role: String(row.recipient_role), agency: row.recipient_agency == null ? null : String(row.recipient_agency) },
      createdAt: iso(row.created_at),
      ...(row.recipient_email != null ? { email: String(row.recipient_email) } : {}),
    };
  }

  async function runOnce(at?: Date): Promise<PassResult> {
    const result: PassResult = { delivered: 0, retried: 0, dead: 0 };
    if (byName.size === 0) return result;
    const now = at ?? deps.now();
    const rows = await claim(now);
    await Promise.all(
      rows.map(async (row) => {
        const channel = byName.get(String(row.channel))!;
        const attempts = Number(row.attempts);
        try {
          await channel.send(messageOf(row));
          await store.query(`UPDATE notification_outbox SET status = 'delivered', delivered_at = $2, last_error = NULL WHERE id = $1`, [row.delivery_id, (at ?? deps.now()).toISOString()]);
          result.delivered += 1;
        } catch (error) {
          const why = (error as Error).message.slice(0, 200);
          if (attempts >= settings.maxAttempts) {
            await store.query(`UPDATE notification_outbox SET status = 'dead', last_error = $2 WHERE id = $1`, [row.delivery_id, why]);
            result.dead += 1;
            logger.warn({ delivery: row.delivery_id, channel: channel.name, attempts }, 'notification delivery dead-lettered');
          } else {
            const next = new Date(now.getTime() + backoff(settings, attempts));
            await store.query(`UPDATE notification_outbox SET next_attempt_at = $2, last_error = $3 WHERE id = $1`, [row.delivery_id, next.toISOString(), why]);
            result.retried += 1;
            logger.info({ delivery: row.delivery_id, channel: channel.name, attempts }, 'notification delivery failed; will retry');
          }
        }
      }),
    );
    return result;
  }

  function schedule(): void {
    if (stopped) return;
    timer = setTimeout(() => {
      running = runOnce()
        .catch((error: Error) => logger.warn({ err: error.name }, 'notification delivery pass failed'))
        .finally(() => {
          running = undefined;
          schedule();
        });
    }, settings.pollMs);
    timer.unref();
  }

  return {
    runOnce,
    start() {
      if (!stopped || byName.size === 0) return;
      stopped = false;
      schedule();
    },
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running;
      for (const channel of deps.channels) await channel.close?.();
    },
  };
}
