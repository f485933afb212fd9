import type { Connector } from '../connectors/sdk/index.js';
import { createAbilityCache, loadPolicyFile, PolicyError } from '../policies/index.js';
import { startSandbox, type Sandbox } from '../sandbox/index.js';
import { countyFacts, type SandboxFacts } from '../sandbox/serve.js';
import { createAuditLog, loadAuditSettings, type AuditLog, type AuditSettings } from './audit/index.js';
import { checkIssuerRoles, createAuthenticator, createKnownActors, DEMO_SCHOOL, demoPermits, demoUsers, loadDemoIssuer, parseTtl, rememberingAuthenticator, type DemoIssuer, type IssuerConfig } from './auth/index.js';
import type { GatewayConfig } from './config.js';
import { buildConnectors, inlineSandboxAgencies, type SandboxAgencies } from './connectors.js';
import { createAccess } from './disclosure/index.js';
import { createTriageService } from './incidents/triage/index.js';
import { createIndicatorSnapshotRepository, IndicatorDefinitionsError, loadIndicatorFile } from './workspace/indicators/index.js';
import { createEnquiryRepository, createEnquiryService, createReviewRepository, createSearchShownRepository } from './enquiries/index.js';
import { GatewayError } from './errors.js';
import { createFederation, type Federation } from './federation/index.js';
import { createIncidents, type Incidents } from './incidents/index.js';
import { createLoadMonitor, type LoadMonitor } from './limits/index.js';
import { createConsoleHandler } from './http/console.js';
import { startHttpServer, type HttpHandle } from './http/server.js';
import { loadModelFile } from './identity/default-model.js';
import { createMatcher } from './identity/search.js';
import { silentLogger, type Logger } from './log.js';
import { ensureOwnerOnlyDirectory, tightenOwnerOnly } from './owner-only.js';
import { createQueueRepository, createQueueService, createReferralIntake } from './workspace/queue/index.js';
import { openStore, type Store } from './store/index.js';
import { forkSandbox, type SandboxProcess } from './sandbox-process.js';
import { createContactLogRepository, createContactLogService } from './workspace/contacts/index.js';
import { createDecisionRepository, createDecisionService } from './workspace/decision/index.js';
import { channelsFromConfig, createNotifications, type Notifications } from './workspace/notifications/index.js';
import { createEncompass, encompassStatusFor, type Encompass } from './incidents/encompass/index.js';

export interface Gateway {
  /** development or production (see config.ts). */
  mode: GatewayConfig['mode'];
  url: string;
  http: HttpHandle;
  store: Store;
  audit: AuditLog;
  federation: Federation;
  /** The sandbox running in the gateway's process (`sandbox.process: inline`), with its county and fault knobs. */
  sandbox: Sandbox | undefined;
  /** The sandbox's own process (`sandbox.process: separate`). */
  sandboxProcess: SandboxProcess | undefined;
  /** The synthetic county's public facts (featured child, front door), in either mode. */
  sandboxFacts: SandboxFacts | undefined;
  demoIssuer: DemoIssuer | undefined;
  auditSettings: AuditSettings;
  /** The notification inbox, its outbox worker and the deadline-near scan. */
  notifications: Notifications;
  /** The incident store and the agencies' incident feeds (docs/incidents.md); add afterSave hooks to `hooks`. */
  incidents: Incidents;
  /** Operation Encompass: `runOnce(now?)` works the notifications once; its `afterSave` is among `incidents.hooks`. */
  encompass: Encompass;
  /** The gateway's own load: shedding and own timeouts (also in /readyz). */
  load: LoadMonitor;
  /** Finishes in-flight requests, flushes the audit log, then closes agencies, store and sandbox. */
  close(): Promise<void>;
}

export interface GatewayOverrides {
  logger?: Logger;
  /** Use this store instead of opening one (tests inject faults this way). */
  store?: Store;
  /** Use these connectors instead of the configured ones. */
  connectors?: Connector[];
  /** Connect these as well as the configured ones. */
  extraConnectors?: Connector[];
  now?: () => Date;
  /** PGlite in memory instead of the data directory (tests). */
  inMemoryStore?: boolean;
}

/** Assembles the gateway from configuration: the one place the parts are wired together. */
export async function startGateway(config: GatewayConfig, overrides: GatewayOverrides = {}): Promise<Gateway> {
  const logger = overrides.logger ?? silentLogger;
  const now = overrides.now ?? (() => new Date());
  const opened: { close(): Promise<void> }[] = [];
  let forking: Promise<SandboxProcess> | undefined;
  try {
    // The data directory (embedded store, keys) is the gateway user's alone, in every mode.
    try {
      await ensureOwnerOnlyDirectory(config.dataDir);
    } catch (error) {
      throw new GatewayError('CONFIG_INVALID', `DATA_DIR: the data directory ${config.dataDir} cannot be created or made owner-only (${(error as NodeJS.ErrnoException).code ?? 'error'}); choose a directory the gateway's user owns.`);
    }
    let policy;
    try {
      policy = loadPolicyFile(config.policyPath);
    } catch (error) {
      if (error instanceof PolicyError) throw new GatewayError('CONFIG_INVALID', error.message);
      throw error;
    }
    let definitions;
    try {
      definitions = loadIndicatorFile(config.riskIndicatorsPath);
    } catch (error) {
      if (error instanceof IndicatorDefinitionsError) throw new GatewayError('CONFIG_INVALID', `riskIndicators: ${error.message}`);
      throw error;
    }

    // Each issuer's roles must be ones the policy knows: checked before anything else starts.
    const knownRoles = Object.keys(policy.document.roles);
    checkIssuerRoles(config.issuers, knownRoles);

    const sandbox = config.sandbox.enabled && config.sandbox.process === 'inline'
      ? await startSandbox({ seed: config.sandbox.seed, households: config.sandbox.households, host: '127.0.0.1', healthPort: config.sandbox.healthPort, policePort: config.sandbox.policePort, agencies: config.connectors.map((entry) => entry.kind), ...(config.sandbox.overnightIncidents ? { overnightIncidents: { now: now() } } : {}) })
      : undefined;
    if (sandbox) opened.push(sandbox);
    // The sandbox process generates the county and loads the agencies while the gateway opens its store.
    forking =
      config.sandbox.enabled && config.sandbox.process === 'separate'
        ? forkSandbox(
            {
              seed: config.sandbox.seed,
              households: config.sandbox.households,
              host: '127.0.0.1',
              healthPort: config.sandbox.healthPort,
              policePort: config.sandbox.policePort,
              agencies: config.connectors.map((entry) => entry.kind),
              ...(config.databaseUrl ? { databaseUrl: config.databaseUrl } : {}),
              ...(config.sandbox.overnightIncidents ? { overnightIncidentsBefore: now().toISOString() } : {}),
            },
            { logger },
          )
        : undefined;
    forking?.catch(() => undefined); // awaited below; a failure while the store opens is not unhandled

    const store =
      overrides.store ??
      (await openStore({
        ...(config.databaseUrl ? { databaseUrl: config.databaseUrl } : overrides.inMemoryStore ? {} : { dataDir: `${config.dataDir}/pglite` }),
        logger,
        command: 'gateway',
      }));
    if (!overrides.store) opened.push(store);
    const sandboxProcess = await forking;
    if (sandboxProcess) opened.push(sandboxProcess);
    forking = undefined;
    const sandboxAgencies: SandboxAgencies | undefined = sandbox
      ? inlineSandboxAgencies(sandbox)
      : sandboxProcess
        ? {
            health: { baseUrl: sandboxProcess.addresses.health },
            police: { baseUrl: sandboxProcess.addresses.police },
            education: { dir: sandboxProcess.addresses.educationDir },
            ...(sandboxProcess.addresses.housing ? { housing: { databaseUrl: sandboxProcess.addresses.housing } } : {}),
            ...(sandboxProcess.addresses.socialCare ? { socialCare: { databaseUrl: sandboxProcess.addresses.socialCare } } : {}),
            ...(sandboxProcess.facts.childrensServices ? { childrensServices: sandboxProcess.facts.childrensServices } : {}),
          }
        : undefined;
    const sandboxFacts = sandbox ? countyFacts(sandbox.county) : sandboxProcess?.facts;

    const demoIssuer = config.demoIssuer ? await loadDemoIssuer(config.dataDir, demoPermits(policy)) : undefined;
    const issuers: IssuerConfig[] = [...config.issuers, ...(demoIssuer ? [demoIssuer.config] : [])];
    if (issuers.length === 0) {
      throw new GatewayError('CONFIG_INVALID', 'auth: no token issuer is configured; register an agency issuer (auth.issuers) or enable auth.demoIssuer.');
    }
    const knownActors = createKnownActors(store);

    const configured = overrides.connectors ?? (await buildConnectors(config.connectors, sandboxAgencies, config.baseDir));
    const connectors = [...configured, ...(overrides.extraConnectors ?? [])];
    // Each configured agency keeps its own time budget, retries and breaker (one entry, one connector).
    const resilience = overrides.connectors
      ? undefined
      : Object.fromEntries(
          configured.map((connector, index) => {
            const entry = config.connectors[index]!;
            return [connector.manifest.agency, { timeoutMs: entry.timeoutMs, ...(entry.retries !== undefined ? { retries: entry.retries } : {}), ...(entry.breaker ? { breaker: entry.breaker } : {}) }];
          }),
        );
    const timeoutMs = Math.max(...config.connectors.map((c) => c.timeoutMs));
    // The gateway's own load: sheds new requests when saturated, and tells federation when an
    // agency call ran out of time on the gateway's busy loop rather than at the agency.
    const load = createLoadMonitor(config.limits.overload);
    opened.push({ close: async () => load.close() });
    const federation = createFederation(connectors, { timeoutMs, logger, load, ...(resilience ? { resilience } : {}) });
    // Incident feeds: each page saved with its cursor in one transaction, running `incidents.hooks` (docs/incidents.md).
    const incidents = createIncidents({ store, source: federation, config: config.incidents, now, logger });
    const auditSettings = await loadAuditSettings(config.audit, { dataDir: config.dataDir, baseDir: config.baseDir });
    const audit = createAuditLog(store, { logger, checkpoints: auditSettings.checkpoints });
    const deliveryChannels = channelsFromConfig(config.notifications, process.env, now);
    const notifications = createNotifications({
      store,
      config: config.notifications,
      channels: deliveryChannels,
      reviewerRoles: policy.document.crossCutting.originatorReview.roles,
      now,
      logger,
    });
    // ORIG: opening and deciding a review notify, in the same transaction as the state change.
    const reviews = createReviewRepository(store, { requested: notifications.reviewRequested, decided: notifications.reviewDecided });
    const shown = createSearchShownRepository(store);
    // EMER: a break-glass opening notifies in the same transaction as the enquiry it opens.
    const enquiryRepository = createEnquiryRepository(store, { breakGlassOpened: notifications.breakGlassOpened });
    const intake = createReferralIntake(config.queue);
    const enquiries = createEnquiryService({ repository: enquiryRepository, reviews, shown, policy, agencies: () => federation.agencies(), knownActors, intake });
    const queue = createQueueService({ enquiries: enquiryRepository, repository: createQueueRepository(store, { assigned: notifications.enquiryAssigned }), knownActors, settings: config.queue });
    // One matcher for the gateway's life: the model and band thresholds are fixed at start.
    // A model file that is missing or malformed stops the start, naming the file and what is wrong.
    let model;
    try {
      model = config.identity.model ? loadModelFile(config.identity.model) : undefined;
    } catch (error) {
      throw new GatewayError('CONFIG_INVALID', `identity.model: ${(error as Error).message}`);
    }
    const matcher = createMatcher({ bands: config.identity.bands, ...(model ? { model } : {}) });
    const services = { enquiries, reviews, shown, policy, store, auditSettings, audit, abilities: createAbilityCache(policy), federation, matcher, logger, now, queue };
    const access = createAccess(services);
    // The daily domestic-abuse meeting: its list, outcomes and enquiries opened from incidents.
    const triage = createTriageService({ ...services, meetingTime: config.incidents.meeting.time, calendar: config.queue.calendar, referralMaxAgeMs: config.queue.referralMaxAgeMs, encompass: (ids) => encompassStatusFor(store, ids) });
    // Operation Encompass: the worker (find the school, send through the gate, escalate) and its API.
    const encompass = createEncompass({
      store,
      config: config.encompass,
      policy,
      abilities: services.abilities,
      federation,
      matcher,
      audit,
      inbox: notifications.inbox,
      channels: () => deliveryChannels.map((c) => c.name),
      logger,
      now,
    });
    // Each stored page of a feed plans its children's notifications, in the page's transaction.
    incidents.hooks.push(encompass.afterSave);
    const decisions = createDecisionService({ repository: createDecisionRepository(store), enquiries: enquiryRepository, levels: config.decision.levels });
    const contactLog = createContactLogService(services, createContactLogRepository(store));

    // PGlite gives its files mode 0666 whatever the umask: take group and other access off
    // everything the store and the key files put in the data directory.
    await tightenOwnerOnly(config.dataDir).catch((error: NodeJS.ErrnoException) => {
      throw new GatewayError('CONFIG_INVALID', `DATA_DIR: files in ${config.dataDir} cannot be made owner-only (${error.code ?? 'error'}); the data directory and its files must belong to the gateway's user.`);
    });
    const http = await startHttpServer({
      host: config.host,
      port: config.port,
      authenticator: rememberingAuthenticator(createAuthenticator(issuers, { knownRoles }), knownActors, { now, logger }),
      services: { ...services, access, triage, decisions, contactLog, indicators: { definitions, snapshots: createIndicatorSnapshotRepository(store) }, notifications, incidents, encompass: encompass.api },
      logger,
      shutdownGraceMs: config.shutdownGraceMs,
      mode: config.mode,
      transport: config.http,
      limits: config.limits,
      load,
      ...(config.console.enabled ? { console: createConsoleHandler(consoleOptions(config, demoIssuer, sandboxFacts)) } : {}),
    });

    notifications.start();
    incidents.start();
    encompass.start();
    return {
      mode: config.mode,
      url: http.url,
      http,
      store,
      audit,
      federation,
      sandbox,
      sandboxProcess,
      sandboxFacts,
      demoIssuer,
      auditSettings,
      notifications,
      incidents,
      encompass,
      load,
      async close() {
        logger.debug('closing http');
        await http.close();
        // The feed poller stops (a poll in progress finishes its page) before the store closes.
        await incidents.close();
        // The Operation Encompass pass in progress finishes before the store closes.
        await encompass.close();
        // Delivery and the deadline scan stop (a pass in progress finishes) before the store closes.
        await notifications.close();
        logger.debug('closing audit');
        await audit.close();
        logger.debug('closing connectors');
        await federation.close();
        for (const resource of opened.reverse()) {
          logger.debug('closing resource');
          await resource.close();
        }
        // Files the store created while running (new tables, WAL segments) are made owner-only too.
        await tightenOwnerOnly(config.dataDir).catch((error: NodeJS.ErrnoException) => logger.warn({ code: error.code }, 'data directory could not be made owner-only'));
        logger.debug('closed');
      },
    };
  } catch (error) {
    for (const resource of opened.reverse()) await resource.close().catch(() => undefined);
    // A sandbox process still starting when the start failed is stopped too.
    await forking?.then((started) => started.close(), () => undefined);
    throw error;
  }
}

/** Demo sign-in tokens last the working session the console allows, within the demo issuer's limit. */
const DEMO_SIGN_IN_TTL = '8h';

/** The console's options: its build, session timeout, production sign-in and (development) demo users. */
function consoleOptions(config: GatewayConfig, demoIssuer: DemoIssuer | undefined, sandbox: SandboxFacts | undefined) {
  const school = sandbox?.featuredChild.schoolLaestab;
  return {
    mode: config.mode,
    ...(config.console.dist ? { distDir: config.console.dist } : {}),
    session: config.console.session,
    ...(config.console.oidc ? { oidc: { ...config.console.oidc, audience: config.issuers.find((issuer) => issuer.issuer === config.console.oidc!.issuer)?.audience } } : {}),
    ...(demoIssuer
      ? {
          demo: {
            users: demoUsers(school ?? DEMO_SCHOOL),
            async sign(user: ReturnType<typeof demoUsers>[number]) {
              const token = await demoIssuer.sign({ sub: user.sub, name: user.name, agency: user.agency, roles: user.roles, ...(user.school ? { school: user.school } : {}), ttl: DEMO_SIGN_IN_TTL });
              return { token, expiresInSeconds: parseTtl(DEMO_SIGN_IN_TTL) };
            },
          },
        }
      : {}),
  };
}
