import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { auditConfigSchema, type AuditConfig } from './audit/config.js';
import { parseIssuerConfigs, type IssuerConfig } from './auth/index.js';
import { GatewayError } from './errors.js';
import { DEFAULT_BANDS } from './identity/search.js';
import type { BandThresholds } from './identity/types.js';
import { defaultLimits, limitsConfigSchema, type LimitsConfig } from './limits/config.js';
import { defaultQueueSettings, queueConfigSchema, queueSettings, type QueueSettings } from './workspace/queue/config.js';
import { DECISION_OUTCOMES, DEFAULT_THRESHOLD_LEVELS, type ThresholdLevel } from './workspace/decision/vocabulary.js';
import { DEFAULT_INDICATORS_PATH } from './workspace/indicators/definitions.js';
import { notificationsConfigSchema, type NotificationsConfig } from './workspace/notifications/config.js';
import { encompassConfigSchema, incidentsConfigSchema, type EncompassConfig, type IncidentsConfig } from './incidents/config.js';

/**
 * Configuration: environment variables for where the gateway runs, and one YAML file for what it
 * connects to and trusts. Validated once at start; a bad value stops the process with one line
 * naming the key.
 */

const environmentSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(4000),
  HOST: z.string().min(1).default('127.0.0.1'),
  DATA_DIR: z.string().min(1).default('./data'),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL')
    .optional()
    .or(z.literal('').transform(() => undefined)),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  MASH_CONFIG: z.string().min(1).default('mash-gateway.config.yaml'),
  SHUTDOWN_GRACE_MS: z.coerce.number().int().min(0).default(10_000),
  /** `production` selects production mode (as `mode: production` in the file does). */
  NODE_ENV: z.string().optional(),
});

const timeoutMs = z.number().int().min(50).max(60_000).default(3000);
/** Resilience per agency (cockatiel): retries for idempotent reads and a circuit breaker. */
const resilience = {
  retries: z.number().int().min(0).max(5).optional(),
  breaker: z.object({ threshold: z.number().int().min(1).max(100).optional(), halfOpenAfterMs: z.number().int().min(100).max(600_000).optional() }).strict().optional(),
};
const connectorSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('health'), baseUrl: z.url().optional(), timeoutMs, ...resilience }).strict(),
  z.object({ kind: z.literal('police'), baseUrl: z.url().optional(), timeoutMs, ...resilience }).strict(),
  z.object({ kind: z.literal('education'), dir: z.string().min(1).optional(), timeoutMs, ...resilience }).strict(),
  z.object({ kind: z.literal('housing'), databaseUrl: z.string().regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL').optional(), timeoutMs, ...resilience }).strict(),
  z.object({ kind: z.literal('social-care'), databaseUrl: z.string().regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL').optional(), timeoutMs, ...resilience }).strict(),
  z.object({ kind: z.literal('module'), module: z.string().min(1), options: z.record(z.string(), z.unknown()).optional(), timeoutMs, ...resilience }).strict(),
]);

/**
 * Identity matching: the match-probability thresholds of the certain, probable and possible bands
 * (candidates below `possible` are never shown). Each band starts where the one above it ends, so
 * they must descend; one left out keeps the matcher's default, and the check covers the result.
 */
const BAND_NAMES = ['certain', 'probable', 'possible'] as const;
const probability = z.number().gt(0, 'must be a probability above 0 and at most 1').max(1, 'must be a probability above 0 and at most 1');
const identitySchema = z
  .object({
    bands: z
      .object({ certain: probability.optional(), probable: probability.optional(), possible: probability.optional() })
      .strict()
      .superRefine((given, ctx) => {
        const bands: BandThresholds = { ...DEFAULT_BANDS, ...given };
        for (let i = 1; i < BAND_NAMES.length; i++) {
          const higher = BAND_NAMES[i - 1]!;
          const lower = BAND_NAMES[i]!;
          if (bands[lower] > bands[higher]) {
            const which = given[lower] !== undefined ? lower : higher;
            const source = (name: string) => (given[name as keyof BandThresholds] !== undefined ? '' : ' (the default)');
            ctx.addIssue({
              code: 'custom',
              path: [which],
              message: `the bands must descend (certain >= probable >= possible): ${lower} ${bands[lower]}${source(lower)} is above ${higher} ${bands[higher]}${source(higher)}`,
            });
            return;
          }
        }
      })
      .optional(),
    /** A model file trained on the deployment's own records (`identity link --save-model`); relative to this file. */
    model: z.string().min(1).optional(),
  })
  .strict()
  .optional();

/** An IP address as the socket reports it (IPv4, IPv6, or IPv4-mapped IPv6). */
const ipAddress = z.union([z.ipv4(), z.ipv6()], { error: 'must be the IP address of a reverse proxy, e.g. 127.0.0.1 or ::1' });

/**
 * How the gateway is reached. `tls`: the gateway terminates TLS itself (PEM files, relative to this
 * file). `trustProxy`: addresses of reverse proxies whose `x-forwarded-proto` is believed (a request
 * from one saying `https` arrived over TLS), and whose rightmost `x-forwarded-for` hop is the client
 * address for per-address rate limits (limits.rate.address); anyone else's is ignored.
 */
const httpSchema = z
  .object({
    tls: z.object({ cert: z.string().min(1), key: z.string().min(1) }).strict().optional(),
    trustProxy: z.array(ipAddress).default([]),
  })
  .strict()
  .default({ trustProxy: [] });

/**
 * The MASH decision's local threshold levels, each with the outcomes consistent with it (see
 * gateway/workspace/decision/vocabulary.ts for the outcomes and the default Levels 1-4).
 */
/**
 * The web console: served at `/` unless `enabled: false`; the session's idle timeout and the
 * warning before it; in production, the OpenID Connect client the browser signs in with (an
 * authorization code flow with PKCE against one of `auth.issuers`).
 */
const consoleSchema = z
  .object({
    enabled: z.boolean().default(true),
    dist: z.string().min(1).optional(),
    session: z
      .object({
        idleMinutes: z.number().int().min(2).max(12 * 60).default(15),
        warningMinutes: z.number().int().min(1).max(30).default(2),
      })
      .strict()
      .refine((session) => session.warningMinutes < session.idleMinutes, { message: 'warningMinutes must be shorter than idleMinutes', path: ['warningMinutes'] })
      .default({ idleMinutes: 15, warningMinutes: 2 }),
    oidc: z
      .object({
        issuer: z.string().url(),
        clientId: z.string().min(1),
        scope: z.string().min(1).default('openid profile'),
      })
      .strict()
      .optional(),
  })
  .strict()
  .default({ enabled: true, session: { idleMinutes: 15, warningMinutes: 2 } });

const decisionSchema = z
  .object({
    levels: z
      .array(
        z
          .object({
            id: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9.-]{0,19}$/, 'must be a short id of letters, digits, dots and hyphens, e.g. "4"'),
            label: z.string().trim().min(1).max(100),
            outcomes: z.array(z.enum(DECISION_OUTCOMES, { error: `must be one of ${DECISION_OUTCOMES.join(', ')}` })).min(1, 'a level needs at least one outcome'),
          })
          .strict(),
      )
      .min(1, 'at least one threshold level is needed')
      .max(20)
      .superRefine((levels, ctx) => {
        const seen = new Set<string>();
        for (const [index, level] of levels.entries()) {
          if (seen.has(level.id)) ctx.addIssue({ code: 'custom', path: [index, 'id'], message: `level ${level.id} is defined twice` });
          seen.add(level.id);
        }
      }),
  })
  .strict()
  .optional();

export const MODES = ['development', 'production'] as const;
export type GatewayMode = (typeof MODES)[number];

const fileSchema = z
  .object({
    /** `production` turns off schema discovery and refuses the demo issuer and the sandbox. */
    mode: z.enum(MODES, { error: 'must be development or production' }).optional(),
    policy: z.string().min(1).default('policies/mash-disclosure-policy.yaml'),
    /**
     * The risk indicator definitions (gateway/workspace/indicators), validated at start like the
     * policy; by default the definitions shipped with the gateway, wherever the configuration file is.
     */
    riskIndicators: z.string().min(1).optional(),
    auth: z
      .object({
        demoIssuer: z.boolean().default(false),
        issuers: z.array(z.unknown()).default([]),
      })
      .strict()
      .default({ demoIssuer: false, issuers: [] }),
    sandbox: z
      .object({
        enabled: z.boolean().default(false),
        seed: z.number().int().default(1),
        households: z.number().int().min(1).max(50_000).default(200),
        healthPort: z.number().int().min(0).max(65535).default(4101),
        policePort: z.number().int().min(0).max(65535).default(4102),
        /** The sandbox force records a few domestic-abuse incidents the night before the gateway starts (the demo's daily meeting). */
        overnightIncidents: z.boolean().default(true),
        /**
         * `separate`: the agencies run in their own process, reached over their protocols as real
         * agencies are, so the gateway's memory and CPU are its own. `inline`: in the gateway's
         * process, with fault knobs tests can turn.
         */
        process: z.enum(['separate', 'inline'], { error: 'must be separate or inline' }).default('separate'),
      })
      .strict()
      .default({ enabled: false, seed: 1, households: 200, healthPort: 4101, policePort: 4102, overnightIncidents: true, process: 'separate' }),
    connectors: z.array(connectorSchema).min(1, 'at least one connector is needed'),
    audit: auditConfigSchema,
    identity: identitySchema,
    http: httpSchema,
    limits: limitsConfigSchema.optional(),
    /** The triage queue: RAG timescales, working hours, access grace, extensions (workspace/queue/config.ts). */
    queue: queueConfigSchema.optional(),
    decision: decisionSchema,
    notifications: notificationsConfigSchema,
    /** Incident feeds and the daily domestic-abuse meeting (incidents/config.ts). */
    incidents: incidentsConfigSchema,
    /** Operation Encompass: school calendar, key adults, send-by and escalation times (incidents/config.ts). */
    encompass: encompassConfigSchema,
    console: consoleSchema,
  })
  .strict();

export type ConnectorConfig = z.infer<typeof connectorSchema>;

export interface GatewayConfig {
  /** `production`: no introspection or field suggestions, no demo issuer or sandbox, real issuers only. */
  mode: GatewayMode;
  port: number;
  host: string;
  dataDir: string;
  databaseUrl: string | undefined;
  logLevel: string;
  shutdownGraceMs: number;
  policyPath: string;
  riskIndicatorsPath: string;
  /** The configuration file's folder: relative module paths resolve from here. */
  baseDir: string;
  demoIssuer: boolean;
  issuers: IssuerConfig[];
  sandbox: z.infer<typeof fileSchema>['sandbox'];
  connectors: ConnectorConfig[];
  /** Signed checkpoints: key, trusted keys, origin, how often. */
  audit: AuditConfig;
  /** Identity matching: band thresholds (DEFAULT_BANDS where the file says nothing). */
  identity: { bands: BandThresholds; model?: string };
  /** TLS at the gateway (absolute PEM paths) and the reverse proxies whose x-forwarded-proto is believed. */
  http: { tls?: { cert: string; key: string }; trustProxy: string[] };
  /** Bounded work per request and per caller (defaults where the file says nothing). */
  limits: LimitsConfig;
  /** RAG timescales, working hours, the access grace after a deadline, the longest extension. */
  queue: QueueSettings;
  /** The MASH decision's threshold levels (DEFAULT_THRESHOLD_LEVELS where the file says nothing). */
  decision: { levels: readonly ThresholdLevel[] };
  /** The inbox's deadline-near scan and the outbox's delivery channels (off unless configured). */
  notifications: NotificationsConfig;
  /** Incident feeds (polling, backfill) and the daily domestic-abuse meeting's time. */
  incidents: IncidentsConfig;
  /** Operation Encompass: the school calendar, each school's key adult, send-by and escalation. */
  encompass: EncompassConfig;
  /** The web console: whether it is served, its build, session timeout and production sign-in. */
  console: { enabled: boolean; dist?: string; session: { idleMinutes: number; warningMinutes: number }; oidc?: { issuer: string; clientId: string; scope: string } };
}

/**
 * The mode: the file's `mode`, else production when NODE_ENV is `production`, else development.
 * A file saying development where NODE_ENV says production is a mistake that would run a production
 * host with the demo issuer, so it is refused rather than resolved either way.
 */
function resolveMode(fileMode: GatewayMode | undefined, nodeEnv: string | undefined, configPath: string): GatewayMode {
  if (fileMode === 'development' && nodeEnv === 'production') {
    throw new GatewayError(
      'CONFIG_INVALID',
      `Configuration error in ${configPath}: mode: the file says development but NODE_ENV is production; set mode: production (and register real issuers) or unset NODE_ENV.`,
    );
  }
  return fileMode ?? (nodeEnv === 'production' ? 'production' : 'development');
}

/** An OpenID Connect issuer the browser may talk to: https, or plain http on the loopback interface. */
function isBrowserReachableIssuer(issuer: string): boolean {
  let url: URL;
  try {
    url = new URL(issuer);
  } catch {
    return false;
  }
  return url.protocol === 'https:' || (url.protocol === 'http:' && ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname));
}

/** What production mode refuses at start: the first setting found, named, with what to do. */
function productionProblem(file: z.infer<typeof fileSchema>, issuers: readonly IssuerConfig[]): string | undefined {
  if (file.auth.demoIssuer) return 'auth.demoIssuer: the demo issuer signs tokens for anyone who can run the CLI and is refused in production mode; set auth.demoIssuer: false and register the agencies\' issuers under auth.issuers.';
  if (file.sandbox.enabled) return 'sandbox.enabled: the synthetic county is refused in production mode; set sandbox.enabled: false and give each connector its agency system\'s address.';
  if (issuers.length === 0) return 'auth.issuers: production mode needs at least one registered agency issuer; add one under auth.issuers.';
  return undefined;
}

function firstProblem(error: z.ZodError, prefix: string): string {
  const issue = error.issues[0]!;
  const key = [prefix, ...issue.path.map(String)].filter(Boolean).join('.');
  return `${key}: ${issue.message}`;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): GatewayConfig {
  const parsedEnv = environmentSchema.safeParse(env);
  if (!parsedEnv.success) {
    throw new GatewayError('CONFIG_INVALID', `Configuration error in environment variable ${firstProblem(parsedEnv.error, '')}`);
  }
  const configPath = resolve(cwd, parsedEnv.data.MASH_CONFIG);
  let raw: unknown;
  try {
    raw = parseYaml(readFileSync(configPath, 'utf8'));
  } catch (error) {
    const why = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'file not found' : (error as Error).message.split('\n')[0];
    throw new GatewayError('CONFIG_INVALID', `Configuration file ${configPath} cannot be read: ${why}`);
  }
  return configFromDocument(raw, configPath, parsedEnv.data);
}

export function configFromDocument(raw: unknown, configPath: string, env: z.infer<typeof environmentSchema> = environmentSchema.parse({})): GatewayConfig {
  const parsed = fileSchema.safeParse(raw ?? {});
  if (!parsed.success) {
    throw new GatewayError('CONFIG_INVALID', `Configuration error in ${configPath}: ${firstProblem(parsed.error, '')}`);
  }
  const file = parsed.data;
  const issuers = file.auth.issuers.length > 0 ? parseIssuerConfigs(file.auth.issuers, 'auth.issuers') : [];
  const base = dirname(configPath);
  const mode = resolveMode(file.mode, env.NODE_ENV, configPath);
  if (mode === 'production') {
    const problem = productionProblem(file, issuers);
    if (problem) throw new GatewayError('CONFIG_INVALID', `Configuration error in ${configPath} (production mode): ${problem}`);
  }
  if (file.console.oidc && !isBrowserReachableIssuer(file.console.oidc.issuer)) {
    throw new GatewayError('CONFIG_INVALID', `Configuration error in ${configPath}: console.oidc.issuer: ${file.console.oidc.issuer} must be an https URL (plain http only on localhost): the browser fetches the provider's discovery document and exchanges the sign-in code there.`);
  }
  if (file.console.oidc && !issuers.some((issuer) => issuer.issuer === file.console.oidc!.issuer)) {
    throw new GatewayError('CONFIG_INVALID', `Configuration error in ${configPath}: console.oidc.issuer: ${file.console.oidc.issuer} is not one of auth.issuers; the console signs in with a registered issuer, whose tokens the gateway verifies.`);
  }
  for (const [index, connector] of file.connectors.entries()) {
    const address = connector.kind === 'health' || connector.kind === 'police' ? ['baseUrl', connector.baseUrl] : connector.kind === 'education' ? ['dir', connector.dir] : connector.kind === 'module' ? ['module', connector.module] : ['databaseUrl', connector.databaseUrl];
    if (address[1] === undefined && !file.sandbox.enabled) {
      throw new GatewayError('CONFIG_INVALID', `Configuration error in ${configPath}: connectors.${index}.${address[0]} is required when the sandbox is not enabled`);
    }
  }
  return {
    mode,
    port: env.PORT,
    host: env.HOST,
    dataDir: resolve(env.DATA_DIR),
    databaseUrl: env.DATABASE_URL,
    logLevel: env.LOG_LEVEL,
    shutdownGraceMs: env.SHUTDOWN_GRACE_MS,
    policyPath: resolve(base, file.policy),
    riskIndicatorsPath: file.riskIndicators === undefined ? DEFAULT_INDICATORS_PATH : resolve(base, file.riskIndicators),
    baseDir: base,
    demoIssuer: file.auth.demoIssuer,
    issuers,
    sandbox: file.sandbox,
    connectors: file.connectors,
    audit: file.audit,
    identity: { bands: { ...DEFAULT_BANDS, ...file.identity?.bands }, ...(file.identity?.model ? { model: resolve(base, file.identity.model) } : {}) },
    http: {
      ...(file.http.tls ? { tls: { cert: resolve(base, file.http.tls.cert), key: resolve(base, file.http.tls.key) } } : {}),
      trustProxy: file.http.trustProxy,
    },
    limits: file.limits ?? defaultLimits(),
    queue: file.queue ? queueSettings(file.queue) : defaultQueueSettings(),
    decision: { levels: file.decision?.levels ?? DEFAULT_THRESHOLD_LEVELS },
    notifications: file.notifications,
    incidents: file.incidents,
    encompass: file.encompass,
    console: {
      enabled: file.console.enabled,
      ...(file.console.dist ? { dist: resolve(base, file.console.dist) } : {}),
      session: file.console.session,
      ...(file.console.oidc ? { oidc: file.console.oidc } : {}),
    },
  };
}
