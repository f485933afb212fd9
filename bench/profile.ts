/**
 * bench:profile — the child-profile query through the whole gateway (auth, enquiry check, health
 * FHIR fetch, policy, gate, audit committed on PGlite) against a bare Apollo Server that returns the
 * identical response from memory, in one run. Prints JSON lines.
 *
 * Options (environment): BENCH_REQUESTS (default 2000), BENCH_CONCURRENCY (default 16).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { createHealthConnector } from '../connectors/health/index.js';
import type { Connector } from '../connectors/sdk/index.js';
import { startGateway } from '../gateway/app.js';
import { configFromDocument } from '../gateway/config.js';
import { SCHEMA_PATH } from '../gateway/resolvers/index.js';
import { enquiryInput, LINK, OPEN_ENQUIRY, PROFILE, RELAXED_RATE_LIMITS, SEARCH } from '../test/helpers/gateway.js';
import { runLoad } from './load.js';

const requests = Number(process.env.BENCH_REQUESTS ?? 2000);
const concurrency = Number(process.env.BENCH_CONCURRENCY ?? 16);
const dataDir = mkdtempSync(join(tmpdir(), 'mash-bench-'));

const config = configFromDocument(
  // The gateway's own overhead per request, not its rate limits (bench:abuse measures those): one
  // client here sends far more than a user's budget.
  { auth: { demoIssuer: true }, sandbox: { enabled: true, seed: 1, households: 200, healthPort: 0, policePort: 0, process: 'inline' }, connectors: [{ kind: 'health', timeoutMs: 5000 }], limits: RELAXED_RATE_LIMITS },
  join(process.cwd(), 'mash-gateway.config.yaml'),
  { PORT: 0, HOST: '127.0.0.1', DATA_DIR: dataDir, DATABASE_URL: undefined, LOG_LEVEL: 'silent', MASH_CONFIG: 'unused', SHUTDOWN_GRACE_MS: 5000 },
);
const gateway = await startGateway(config);
const token = await gateway.demoIssuer!.sign({ sub: 'bench', name: 'Bench Researcher', agency: 'social-care', roles: ['mash-researcher'] });
const headers = { 'content-type': 'application/json', authorization: `Bearer ${token}` };
const post = async (query: string, variables: Record<string, unknown>) =>
  (await (await fetch(`${gateway.url}/graphql`, { method: 'POST', headers, body: JSON.stringify({ query, variables }) })).json()) as any;

const enquiryId = (await post(OPEN_ENQUIRY, { input: enquiryInput() })).data.openEnquiry.id;
const search = await post(SEARCH, { enquiryId, query: { nhsNumber: gateway.sandbox!.county.featured.child.nhsNumber } });
const personId = search.data.searchPeople.agencies.find((a: any) => a.agency === 'health').people[0].personId;
const subjectId = (await post(LINK, { input: { enquiryId, agency: 'health', personId } })).data.linkSubject.id;
const body = JSON.stringify({ query: PROFILE, variables: { enquiryId, subjectId } });
const sample = await post(PROFILE, { enquiryId, subjectId });

// The bare server: same schema, the same profile answered from memory, no auth, policy or audit.
const bare = new ApolloServer({
  typeDefs: readFileSync(SCHEMA_PATH, 'utf8'),
  resolvers: {
    Query: { profile: () => sample.data.profile },
    Information: { __resolveType: () => null },
  },
});
const { url: bareUrl } = await startStandaloneServer(bare, { listen: { port: 0, host: '127.0.0.1' } });

const isProfile = (text: string) => text.includes('"auditEventId"') && !text.includes('"errors"');
const warm = Math.min(200, requests);
await runLoad({ url: `${gateway.url}/graphql`, body, headers, concurrency, requests: warm, check: isProfile });
await runLoad({ url: bareUrl, body, headers, concurrency, requests: warm, check: isProfile });

const auditBefore = gateway.audit.stats();
const gatewayResult = await runLoad({ url: `${gateway.url}/graphql`, body, headers, concurrency, requests, check: isProfile });
const auditAfter = gateway.audit.stats();
const bareResult = await runLoad({ url: bareUrl, body, headers, concurrency, requests, check: isProfile });

// The same gateway with the agency answering from memory: what auth, enquiry check, policy, gate
// and the durable audit cost on their own, without the FHIR round trips to the agency.
const health = createHealthConnector({ baseUrl: gateway.sandbox!.health.baseUrl });
const held = await health.fetchRecords([personId], { signal: AbortSignal.timeout(5000), requestId: 'bench' });
const inMemoryHealth: Connector = { manifest: health.manifest, searchPersons: health.searchPersons, fetchRecords: async (ids) => new Map(ids.map((id) => [id, held.get(id) ?? []])) };
const memoryDataDir = mkdtempSync(join(tmpdir(), 'mash-bench-memory-'));
const memoryGateway = await startGateway({ ...config, dataDir: memoryDataDir, sandbox: { ...config.sandbox, enabled: false }, connectors: [{ kind: 'health', baseUrl: 'http://127.0.0.1:9/fhir', timeoutMs: 5000 }] }, { connectors: [inMemoryHealth] });
const memoryToken = await memoryGateway.demoIssuer!.sign({ sub: 'bench', name: 'Bench Researcher', agency: 'social-care', roles: ['mash-researcher'] });
const memoryHeaders = { 'content-type': 'application/json', authorization: `Bearer ${memoryToken}` };
const memoryPost = async (query: string, variables: Record<string, unknown>) =>
  (await (await fetch(`${memoryGateway.url}/graphql`, { method: 'POST', headers: memoryHeaders, body: JSON.stringify({ query, variables }) })).json()) as any;
const memoryEnquiry = (await memoryPost(OPEN_ENQUIRY, { input: enquiryInput() })).data.openEnquiry.id;
// Only a person a search in the enquiry showed may be linked.
await memoryPost(SEARCH, { enquiryId: memoryEnquiry, query: { nhsNumber: gateway.sandbox!.county.featured.child.nhsNumber } });
const memorySubject = (await memoryPost(LINK, { input: { enquiryId: memoryEnquiry, agency: 'health', personId } })).data.linkSubject.id;
const memoryBody = JSON.stringify({ query: PROFILE, variables: { enquiryId: memoryEnquiry, subjectId: memorySubject } });
await runLoad({ url: `${memoryGateway.url}/graphql`, body: memoryBody, headers: memoryHeaders, concurrency, requests: warm, check: isProfile });
const memoryResult = await runLoad({ url: `${memoryGateway.url}/graphql`, body: memoryBody, headers: memoryHeaders, concurrency, requests, check: isProfile });

const line = (o: Record<string, unknown>) => process.stdout.write(`${JSON.stringify(o)}\n`);
const ratio = (a: number, b: number) => Math.round((a / b) * 1000) / 1000;
line({ bench: 'profile', target: 'gateway', agency: 'fhir-sandbox', store: gateway.store.kind, concurrency, ...gatewayResult, auditEvents: auditAfter.events - auditBefore.events, auditTransactions: auditAfter.transactions - auditBefore.transactions });
line({ bench: 'profile', target: 'gateway', agency: 'in-memory', store: memoryGateway.store.kind, concurrency, ...memoryResult });
line({ bench: 'profile', target: 'bare-apollo', concurrency, ...bareResult });
line({ bench: 'profile', metric: 'throughput-ratio', gatewayOverBare: ratio(gatewayResult.rps, bareResult.rps), inMemoryAgencyGatewayOverBare: ratio(memoryResult.rps, bareResult.rps) });

await bare.stop();
await gateway.close();
await memoryGateway.close();
rmSync(dataDir, { recursive: true, force: true });
rmSync(memoryDataDir, { recursive: true, force: true });
