import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { startGateway, type Gateway, type GatewayOverrides } from '../../gateway/app.js';
import { configFromDocument, type GatewayConfig } from '../../gateway/config.js';
import { createLogger } from '../../gateway/log.js';

export interface TestGateway {
  gateway: Gateway;
  config: GatewayConfig;
  /** Every operational log line the gateway wrote. */
  logLines: string[];
  token(claims?: Partial<{ sub: string; name: string; agency: string; roles: string[]; school: string; ttl: string }>): Promise<string>;
  /** POST /graphql; returns the HTTP status and parsed body. */
  graphql(query: string, variables?: Record<string, unknown>, token?: string): Promise<{ status: number; body: any; text: string }>;
  close(): Promise<void>;
}

export const RESEARCHER = { sub: 'researcher-1', name: 'Riley Researcher', agency: 'social-care', roles: ['mash-researcher'] };

/** A gateway on loopback with the sandbox county (health on a free port) and a temporary data dir. */
/**
 * Rate limits for tests that are not about them: one test file sends more requests in seconds
 * than a user would in an hour. Nor is load shed: a test process on a busy machine stalls its
 * event loop in ways a production gateway's does not (test/security/overload.test.ts is about
 * shedding). Query-shape and cost limits stay at their defaults.
 */
export const RELAXED_RATE_LIMITS = {
  rate: { actor: { points: 1_000_000, perSeconds: 60 }, address: { points: 1_000_000, perSeconds: 60 }, unauthenticated: { points: 1_000_000, perSeconds: 60 }, inFlightPerActor: 1000 },
  overload: { maxEventLoopDelayMs: 60_000, maxInFlight: 100_000 },
};

/**
 * `limits` is the configuration's `limits:` section (RELAXED_RATE_LIMITS when not given).
 * `document`: further configuration sections (e.g. `incidents`, `encompass`), as in the file.
 * The incident feed has no timer unless `document.incidents` sets one: tests poll with
 * `gateway.incidents.pollOnce()`; nor has the Operation Encompass worker: tests run `gateway.encompass.runOnce(now)`.
 */
export async function startTestGateway(
  overrides: GatewayOverrides & { households?: number; issuers?: unknown[]; agencies?: string[]; limits?: Record<string, unknown>; policy?: string; agencyTimeoutMs?: number; document?: Record<string, unknown> } = {},
): Promise<TestGateway> {
  const dataDir = mkdtempSync(join(tmpdir(), 'mash-gateway-test-'));
  const config = configFromDocument(
    {
      auth: { demoIssuer: true, issuers: overrides.issuers ?? [] },
      sandbox: { enabled: true, seed: 7, households: overrides.households ?? 60, healthPort: 0, policePort: 0, overnightIncidents: false, process: 'inline' },
      connectors: (overrides.agencies ?? ['health']).map((kind) => ({ kind, timeoutMs: overrides.agencyTimeoutMs ?? 1500 })),
      ...(overrides.policy ? { policy: overrides.policy } : {}),
      // A test's own `limits` keep shedding off unless they set `overload` themselves.
      limits: overrides.limits === undefined ? RELAXED_RATE_LIMITS : { overload: RELAXED_RATE_LIMITS.overload, ...overrides.limits },
      incidents: { pollEverySeconds: 0 },
      encompass: { workEverySeconds: 0 },
      ...overrides.document,
    },
    join(process.cwd(), 'mash-gateway.config.yaml'),
    { PORT: 0, HOST: '127.0.0.1', DATA_DIR: dataDir, DATABASE_URL: undefined, LOG_LEVEL: 'debug', MASH_CONFIG: 'unused', SHUTDOWN_GRACE_MS: 5000 },
  );
  const logLines: string[] = [];
  const destination = new Writable({
    write(chunk, _encoding, callback) {
      logLines.push(...String(chunk).split('\n').filter(Boolean));
      callback();
    },
  });
  const logger = overrides.logger ?? createLogger({ level: 'debug', destination });
  const { limits: _limits, agencyTimeoutMs: _agencyTimeoutMs, document: _document, ...gatewayOverrides } = overrides;
  const gateway = await startGateway(config, { inMemoryStore: true, ...gatewayOverrides, logger });
  return {
    gateway,
    config,
    logLines,
    token: (claims = {}) => gateway.demoIssuer!.sign({ ...RESEARCHER, ...claims }),
    async graphql(query, variables = {}, token) {
      const response = await fetch(`${gateway.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
        body: JSON.stringify({ query, variables }),
      });
      const text = await response.text();
      return { status: response.status, body: JSON.parse(text), text };
    },
    async close() {
      await gateway.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export const OPEN_ENQUIRY = /* GraphQL */ `
  mutation Open($input: OpenEnquiryInput!) {
    openEnquiry(input: $input) { id purpose legalBasis status consentRecorded members { actorId } }
  }
`;

export const SEARCH = /* GraphQL */ `
  query Search($enquiryId: ID!, $query: PersonSearchInput!) {
    searchPeople(enquiryId: $enquiryId, query: $query) {
      auditEventId
      agencies { agency status detail people { agency personId decision names { family given } birthDate identifiers { system value } withheldFields } withheld { label reason } }
    }
  }
`;

export const LINK = /* GraphQL */ `
  mutation Link($input: LinkSubjectInput!) {
    linkSubject(input: $input) { id relation links { agency personId } }
  }
`;

const INFORMATION = 'agency category sensitivity decision type title status start end location narrative outcome service contact { name role phone } withheldFields provenance { system recordId asOf }';

export const PROFILE = /* GraphQL */ `
  query Profile($enquiryId: ID!, $subjectId: ID!) {
    profile(enquiryId: $enquiryId, subjectId: $subjectId) {
      enquiryId auditEventId policyVersion
      subject { id relation }
      agencies {
        agency status detail
        involvements { ${INFORMATION} }
        states { ${INFORMATION} }
        events { ${INFORMATION} }
        withheld { agency label reason contact { name phone } awaiting count }
      }
    }
  }
`;

export function enquiryInput(overrides: Record<string, unknown> = {}) {
  return {
    referralReference: 'REF-2026-0001',
    purpose: 's47',
    consentRecorded: false,
    rag: 'RED',
    // No deadline: the RAG timescale's (a researcher may not set a later one).
    ...overrides,
  };
}
