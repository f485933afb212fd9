/**
 * bench:precis — the précis for a child with 200 records across five agencies (40 each), with the
 * agencies answering from memory, so the figures are the gateway's own: the draft (one audited
 * disclosure step, chronology, indicators, drafting), a save, a read (re-check of every citation)
 * and the PDF and DOCX exports (re-check, render, hash, audit). Embedded PGlite, in memory.
 * Prints JSON lines: p50 and p95 per operation.
 *
 * Options (environment): BENCH_ITERATIONS (default 30).
 */
import { canonicalJson, createAuditLog, type AuditSettings } from '../gateway/audit/index.js';
import { createKnownActors, type Actor } from '../gateway/auth/index.js';
import { createAccess } from '../gateway/disclosure/index.js';
import { createEnquiryRepository, createEnquiryService, createReviewRepository, createSearchShownRepository } from '../gateway/enquiries/index.js';
import { createFederation } from '../gateway/federation/index.js';
import { createMatcher } from '../gateway/identity/search.js';
import { silentLogger } from '../gateway/log.js';
import { openStore } from '../gateway/store/index.js';
import { createIndicatorSnapshotRepository, loadIndicatorFile } from '../gateway/workspace/indicators/index.js';
import { createPrecisService, type ShownContent } from '../gateway/workspace/precis/index.js';
import type { Connector, SourceRecord } from '../connectors/sdk/index.js';
import { createAbilityCache, loadPolicyFile } from '../policies/index.js';

const iterations = Number(process.env.BENCH_ITERATIONS ?? 30);
const RECORDS_PER_AGENCY = 40;
const AGENCIES: readonly [string, string][] = [
  ['health', 'health.summary'],
  ['police', 'police.flags'],
  ['education', 'education.record'],
  ['housing', 'housing.record'],
  ['social-care', 'social-care.status'],
];

/** An agency answering from memory: one child, 40 dated records with a short narrative each. */
function memoryAgency(agency: string, category: string): Connector {
  const personId = `${agency}-child`;
  const records: SourceRecord[] = Array.from({ length: RECORDS_PER_AGENCY }, (_, i) => ({
    kind: 'event',
    agency,
    category,
    tier: 'T1',
    personId,
    provenance: { system: `https://${agency}.bench/`, recordId: `${agency}-${i}`, asOf: '2026-11-01T00:00:00Z' },
    fields: {
      type: `${agency}-event`,
      title: `${agency} event ${i}`,
      start: new Date(Date.UTC(2025, 0, 1) + i * 9 * 86_400_000).toISOString().slice(0, 10),
      status: 'finished',
      narrative: `Recorded by ${agency}: contact with the family about the child, visit ${i}, concerns noted and followed up.`,
      contactName: 'Duty officer',
      contactPhone: '01632 960000',
    },
  }));
  return {
    manifest: {
      agency,
      name: `${agency} (bench)`,
      version: '1',
      protocol: 'rest',
      identifierSystems: [`https://${agency}.bench/id`],
      categories: [{ id: category, tier: 'T1', kinds: ['event'], fields: ['type', 'title', 'start', 'status', 'narrative', 'contactName', 'contactPhone'], description: category }],
      contact: { name: `${agency} safeguarding`, phone: '01632 960000' },
    },
    searchPersons: async () => [],
    fetchRecords: async (ids) => new Map(ids.map((id) => [id, id === personId ? records : []])),
  };
}

const researcher: Actor = { id: 'bench', name: 'Bench Researcher', agency: 'social-care', roles: ['mash-researcher'], issuer: 'bench' };
const store = await openStore();
const policy = loadPolicyFile();
const audit = createAuditLog(store, { logger: silentLogger });
const federation = createFederation(
  AGENCIES.map(([agency, category]) => memoryAgency(agency, category)),
  { timeoutMs: 5000, logger: silentLogger },
);
const reviews = createReviewRepository(store);
const shown = createSearchShownRepository(store);
const enquiries = createEnquiryService({ repository: createEnquiryRepository(store), reviews, shown, policy, agencies: () => AGENCIES.map(([a]) => a), knownActors: createKnownActors(store) });
const base = { enquiries, reviews, shown, policy, store, auditSettings: {} as AuditSettings, audit, abilities: createAbilityCache(policy), federation, matcher: createMatcher(), logger: silentLogger, now: () => new Date() };
const precis = createPrecisService({ ...base, access: createAccess(base), indicators: { definitions: loadIndicatorFile(), snapshots: createIndicatorSnapshotRepository(store) } });

const enquiry = await enquiries.open(researcher, { referralReference: 'BENCH-1', purpose: 's47', consentRecorded: false, rag: 'AMBER' }, new Date());
await shown.record(enquiry.id, AGENCIES.map(([agency]) => ({ agency, personId: `${agency}-child` })), { auditEventId: '00000000-0000-4000-8000-000000000000', actorId: researcher.id, issuer: researcher.issuer }, new Date());
let subjectId: string | undefined;
for (const [agency] of AGENCIES) {
  subjectId = (await enquiries.linkSubject(researcher, { enquiryId: enquiry.id, ...(subjectId ? { subjectId } : {}), agency, personId: `${agency}-child`, label: 'Child' }, new Date())).subject.id;
}

let request = 0;
const scope = () => ({ requestId: `bench-${++request}`, actor: researcher, federation: federation.forRequest(`bench-${request}`) });

async function measure(operation: string, run: () => Promise<unknown>): Promise<void> {
  await run(); // warm-up
  const times: number[] = [];
  for (let i = 0; i < iterations; i++) {
    const started = performance.now();
    await run();
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  const at = (q: number) => Math.round(times[Math.min(times.length - 1, Math.ceil(q * times.length) - 1)]! * 10) / 10;
  process.stdout.write(`${JSON.stringify({ bench: 'precis', operation, iterations, records: RECORDS_PER_AGENCY * AGENCIES.length, agencies: AGENCIES.length, p50Ms: at(0.5), p95Ms: at(0.95) })}\n`);
}

const asInput = (content: ShownContent) => ({ title: content.title, sections: content.sections.map((s) => ({ ...s, statements: s.statements.map(({ available: _a, ...st }) => st) })) });

const first = await precis.draft(scope(), enquiry.id);
const input = asInput(first.content);
process.stdout.write(`${JSON.stringify({ bench: 'precis', draft: { sections: input.sections.length, statements: input.sections.reduce((n, s) => n + s.statements.length, 0), contentChars: canonicalJson(input).length } })}\n`);
await measure('precis (draft)', () => precis.draft(scope(), enquiry.id));
let version = 0;
await measure('savePrecis', async () => {
  await precis.save(scope(), enquiry.id, version, input);
  version++;
});
await measure('precisVersion (re-check)', () => precis.read(scope(), enquiry.id, 1));
await measure('exportPrecis PDF', () => precis.export(scope(), enquiry.id, 1, 'PDF'));
await measure('exportPrecis DOCX', () => precis.export(scope(), enquiry.id, 1, 'DOCX'));

await audit.close();
await federation.close();
await store.close();
