import { createHmac } from 'node:crypto';
import nodemailer from 'nodemailer';

/**
 * Delivery channels of the outbox. A channel is a plain object with a name and `send`; it throws
 * when the receiver did not take the message (the worker retries). The message is the
 * notification as it may leave the system: kind, the enquiry's reference, the link-free text,
 * whom it is for (an actor's issuer and subject, or a team's role and agency) and when.
 */
export interface OutboundMessage {
  /** The notification's id: a receiver that sees it twice (at-least-once delivery) keeps one. */
  id: string;
  /** This delivery's outbox row (one per notification and channel). */
  deliveryId: string;
  kind: string;
  enquiryReference: string | null;
  text: string;
  recipient: { issuer: string; subject: string } | { role: string; agency: string | null };
  createdAt: string;
  /** Where the email channel sends this one instead of its configured mailboxes (an Operation Encompass key adult); no other channel carries it. */
  email?: string;
}

export interface DeliveryChannel {
  readonly name: string;
  send(message: OutboundMessage): Promise<void>;
  close?(): Promise<void>;
}

export const SIGNATURE_HEADER = 'x-mash-signature';
export const TIMESTAMP_HEADER = 'x-mash-timestamp';
export const DELIVERY_HEADER = 'x-mash-delivery';

/** The signature a receiver recomputes: HMAC-SHA256 over `<timestamp>.<body>` with the shared secret, hex. */
export function webhookSignature(secret: string, timestamp: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

/** POST JSON to the receiver, signed; any 2xx is taken, anything else (or no answer in time) is retried. */
export function webhookChannel(options: { url: string; secret: string; timeoutMs: number; now?: () => Date }): DeliveryChannel {
  const now = options.now ?? (() => new Date());
  return {
    name: 'webhook',
    async send(message) {
      // The address is the email channel's alone: a webhook receiver is not told it.
      const { email: _email, ...rest } = message;
      const body = JSON.stringify(rest);
      const timestamp = String(Math.floor(now().getTime() / 1000));
      let response: Response;
      try {
        response = await fetch(options.url, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            [TIMESTAMP_HEADER]: timestamp,
            [SIGNATURE_HEADER]: webhookSignature(options.secret, timestamp, body),
            [DELIVERY_HEADER]: message.deliveryId,
          },
          body,
          redirect: 'error',
          signal: AbortSignal.timeout(options.timeoutMs),
        });
      } catch (error) {
        throw new Error(`webhook unreachable (${(error as Error).name})`);
      }
      // The receiver's body is not kept: it is not ours to log.
      await response.body?.cancel().catch(() => undefined);
      if (response.status < 200 || response.status > 299) throw new Error(`webhook answered HTTP ${response.status}`);
    },
  };
}

/** SMTP (nodemailer): one plain-text message to the configured mailboxes. */
export function emailChannel(options: {
  host: string;
  port: number;
  secure: boolean;
  requireTLS: boolean;
  user?: string | undefined;
  password?: string | undefined;
  from: string;
  to: readonly string[];
  timeoutMs: number;
}): DeliveryChannel {
  const transport = nodemailer.createTransport({
    host: options.host,
    port: options.port,
    secure: options.secure,
    requireTLS: options.requireTLS,
    ...(options.user !== undefined ? { auth: { user: options.user, pass: options.password ?? '' } } : {}),
    connectionTimeout: options.timeoutMs,
    greetingTimeout: options.timeoutMs,
    socketTimeout: options.timeoutMs,
  });
  return {
    name: 'email',
    async send(message) {
      try {
        await transport.sendMail({
          from: options.from,
          to: message.email !== undefined ? [message.email] : [...options.to],
          subject: `MASH notification: ${message.kind}${message.enquiryReference ? ` (${message.enquiryReference})` : ''}`,
          text: `${message.text}\n\nRead the detail in the MASH gateway.\n`,
          headers: { [DELIVERY_HEADER]: message.deliveryId },
        });
      } catch (error) {
        const code = (error as { responseCode?: number; code?: string }).responseCode ?? (error as { code?: string }).code ?? 'error';
        throw new Error(`email not accepted (${code})`);
      }
    },
    async close() {
      transport.close();
    },
  };
}
