import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createAuditLog,
  loadAuditSigner,
  readEvents,
  runAuditCommand,
  verifyProof,
  type AuditSigner,
  type CommittedEvent,
  type ExportedEvent,
} from '../../../gateway/audit/index.js';
import type { Store } from '../../../gateway/store/index.js';
import { storeKinds } from '../../helpers/stores.js';
import { accessEventInput, tamper, testSigner } from './fixtures.js';

interface Run {
  code: number;
  stdout: string[];
  stderr: string[];
}

describe.each(storeKinds())('mash-gateway audit (CLI) on $name', (kind) => {
  let store: Store;
  let dataDir: string;
  let signer: AuditSigner;
  let committed: CommittedEvent[];

  async function run(...argv: string[]): Promise<Run> {
    const stdout: string[] = [];
    const stderr: string[] = [];
    const code = await runAuditCommand(argv, {
      store,
      dataDir,
      stdout: (s) => stdout.push(s),
      stderr: (s) => stderr.push(s),
      actor: { id: 'ig-7', name: 'Ira Governance', agency: 'local-authority', roles: ['ig-officer'] },
    });
    return { code, stdout, stderr };
  }

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'mash-audit-cli-'));
    store = await kind.open();
    signer = await loadAuditSigner({ dataDir });
    const log = createAuditLog(store, { checkpoints: { signer, everyEvents: 5, everyMs: 3_600_000 }, now: () => new Date('2024-05-01T12:00:00Z') });
    committed = [];
    for (let i = 0; i < 12; i += 1) committed.push(await log.append(accessEventInput({ requestId: `r${i}` })));
    await log.close();
  });
  afterAll(async () => {
    await store.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('verify: exit 0 and one line when the log is intact, using the key in the data directory', async () => {
    const { code, stdout, stderr } = await run('verify');
    expect({ code, stderr }).toEqual({ code: 0, stderr: [] });
    expect(stdout).toHaveLength(1);
    expect(stdout[0]).toMatch(/^Audit log intact: seq 1 to 12, 12 events re-hashed; \d+ signed checkpoints? verified, the newest at seq 12 /);
  });

  it('verify --from SEQ --json: the result as JSON', async () => {
    const { code, stdout } = await run('audit', 'verify', '--from', '10', '--json');
    expect(code).toBe(0);
    expect(JSON.parse(stdout[0]!)).toMatchObject({ ok: true, fromSeq: 10, checked: 3 });
  });

  it('prove: prints an inclusion proof an agency checks with the public key file alone, and records the request', async () => {
    const { code, stdout } = await run('prove', committed[6]!.id);
    expect(code).toBe(0);
    const proof = JSON.parse(stdout.join('\n'));
    const publicJwk = JSON.parse(readFileSync(join(dataDir, 'audit-signing', 'public-key.jwk.json'), 'utf8'));
    expect(await verifyProof(proof, publicJwk)).toMatchObject({ ok: true, seq: 7, eventId: committed[6]!.id });

    const [last] = (await readEvents(store, { afterSeq: 0, limit: 1000 })).slice(-1);
    expect(last).toMatchObject({ operation: 'auditProve', outcome: 'success', actor: { id: 'ig-7' }, reason: expect.stringContaining(committed[6]!.id) });
  });

  it('export: JSON lines or FHIR AuditEvents in a date range, recorded before anything is printed', async () => {
    const jsonl = await run('export', '--format', 'jsonl', '--from', '2024-05-01', '--to', '2024-05-01');
    expect(jsonl.code).toBe(0);
    expect(jsonl.stdout.map((l) => (JSON.parse(l) as ExportedEvent).seq)).toEqual(committed.map((c) => c.seq));

    const fhir = await run('export', '--format', 'fhir');
    expect(fhir.code).toBe(0);
    const resources = fhir.stdout.map((l) => JSON.parse(l) as { resourceType: string; subtype: { code: string }[] });
    expect(resources.every((r) => r.resourceType === 'AuditEvent')).toBe(true);
    // The export itself is in the log it exported (recorded before the first line was printed).
    expect(resources.at(-1)!.subtype[0]!.code).toBe('auditExport');
  });

  it.each([
    [['prove', '00000000-0000-4000-8000-000000000000'], 'No audit event has id 00000000-0000-4000-8000-000000000000.'],
    [['prove', 'seq-7'], 'is not an audit event id'],
    [['prove'], 'give the id of the event to prove'],
    [['export', '--format', 'csv'], '--format "csv" is not known; use jsonl or fhir.'],
    [['export', '--from', '2024-06-01', '--to', '2024-05-01'], 'The range is the wrong way round'],
    [['export', '--from', 'last tuesday'], 'is not an ISO 8601 date'],
    [['export', '--since', '2024-05-01'], "Unknown option '--since'"],
    [['verify', '--from', 'abc'], '--from "abc" is not a seq'],
    [['verify', 'extra'], "Unexpected argument 'extra'"],
    [['verify', '--key', '/nonexistent/key.json'], 'could not be read (ENOENT)'],
    [['rewrite'], 'unknown command "rewrite"'],
    [[], 'Usage: mash-gateway audit <command>'],
  ])('bad input %j: exit 2 and a clear message', async (argv, message) => {
    const { code, stdout, stderr } = await run(...argv);
    expect(code).toBe(2);
    expect(stdout).toEqual([]);
    expect(stderr.join('\n')).toContain(message);
  });

  it('help: prints the usage', async () => {
    const { code, stdout } = await run('help');
    expect(code).toBe(0);
    expect(stdout[0]).toContain('verify [--from SEQ] [--key FILE]... [--json]');
  });

  it('verify: trusts a key given with --key as well (a rotated-out key)', async () => {
    const old = await testSigner();
    const keyFile = join(dataDir, 'old-key.json');
    writeFileSync(keyFile, JSON.stringify({ keys: [old.publicJwk] }));
    expect((await run('verify', '--key', keyFile)).code).toBe(0);
  });

  it('verify: exit 1 naming the first bad seq and what is wrong (runs last: it tampers)', async () => {
    await tamper(store, async (tx) => {
      await tx.query(`UPDATE audit_event SET body = jsonb_set(body, '{reason}', '"edited"') WHERE seq = 3`);
    });
    const { code, stdout, stderr } = await run('verify');
    expect(code).toBe(1);
    expect(stdout).toEqual([]);
    expect(stderr).toEqual(['Audit log NOT intact at seq 3 (altered): Event 3 does not match its hash: its content or prev hash was changed.']);
  });
});
