import { z } from 'zod';

/**
 * Notifications (configuration `notifications:`): when "deadline near" is raised, and where the
 * outbox delivers. Delivery is off unless a channel is configured (webhook, email). Secrets are
 * never in the file: the webhook's signing secret and the SMTP password are read from the
 * environment variables the file names.
 */
const envName = z.string().regex(/^[A-Z_][A-Z0-9_]*$/, 'must name an environment variable (A-Z, 0-9, _)');

export const notificationsConfigSchema = z
  .object({
    deadlineNear: z
      .object({
        /** Scan open enquiries every so often (0: never; the gateway raises no deadline-near notifications). */
        scanEverySeconds: z.number().int().min(0).max(86_400).default(300),
        /** How long before its deadline an enquiry counts as near it. */
        leadMinutes: z.number().int().min(1).max(7 * 24 * 60).default(120),
      })
      .strict()
      .prefault({}),
    delivery: z
      .object({
        /** How often the delivery worker looks for due outbox rows. */
        pollMs: z.number().int().min(50).max(600_000).default(2000),
        /** Most rows one worker claims at a time. */
        batch: z.number().int().min(1).max(500).default(20),
        /** Attempts before a row is dead-lettered. */
        maxAttempts: z.number().int().min(1).max(50).default(8),
        /** The first retry's delay; each later one doubles, up to maxBackoffMs. */
        backoffMs: z.number().int().min(10).max(3_600_000).default(5000),
        maxBackoffMs: z.number().int().min(10).max(86_400_000).default(3_600_000),
        /** How long a claimed row is left to its worker before another may claim it (a crashed worker's rows come back). */
        leaseMs: z.number().int().min(1000).max(3_600_000).default(120_000),
      })
      .strict()
      .prefault({}),
    webhook: z
      .object({
        url: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }),
        /** The environment variable holding the HMAC-SHA256 signing secret (at least 32 characters). */
        secretEnv: envName,
        timeoutMs: z.number().int().min(100).max(60_000).default(5000),
      })
      .strict()
      .optional(),
    email: z
      .object({
        host: z.string().min(1),
        port: z.number().int().min(1).max(65535).default(587),
        /** true: TLS from the start (port 465); false: plain, upgraded with STARTTLS when offered. */
        secure: z.boolean().default(false),
        /** Refuse to send unless STARTTLS succeeds. */
        requireTLS: z.boolean().default(false),
        user: z.string().min(1).optional(),
        /** The environment variable holding the SMTP password (with `user`). */
        passwordEnv: envName.optional(),
        from: z.email(),
        /** The mailboxes told (e.g. the MASH team mailbox): the message says what happened, never about whom. */
        to: z.array(z.email()).min(1),
        timeoutMs: z.number().int().min(100).max(120_000).default(10_000),
      })
      .strict()
      .optional(),
  })
  .strict()
  .prefault({});

export type NotificationsConfig = z.infer<typeof notificationsConfigSchema>;

export const defaultNotificationsConfig = (): NotificationsConfig => notificationsConfigSchema.parse(undefined);
