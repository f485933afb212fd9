import { Writable } from 'node:stream';
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  createAuditLog,
  decodeCheckpoint,
  readCheckpoints,
  verifyAudit,
  writeCheckpoint,
  type AuditSigner,
} from '../../../gateway/audit/index.js';
import { trustedKeys, verifyCheckpointJws } from '../../../gateway/audit/checkpoint-jws.js';
import { leafHash, MerkleFrontier } from '../../../gateway/audit/merkle.js';
import { treeRoot } from '../../../gateway/audit/tree.js';
import { createLogger } from '../../../gateway/log.js';
import type { Store } from '../../../gateway/store/index.js';
import { storeKinds } from '../../helpers/stores.js';
import { accessEventInput, tamper, testSigner } from './fixtures.js';

const fixedClock = () => new Date('2024-05-01T09:30:00.000Z');

async function appendMany(store: Store, count: number, prefix = 'r'): Promise<void> {
  const log = createAuditLog(store);
  await Promise.all(Array.from({ length: count }, (_, i) => log.append(accessEventInput({ requestId: `${prefix}${i}` }))));
  await log.close();
}

/** The Merkle root of the first `size` chain hashes, computed here from the events alone. */
async function expectedRoot(store: Store, size: number): Promise<string> {
  const { rows } = await store.query<{ hash: string }>('SELECT hash FROM audit_event WHERE seq <= $1 ORDER BY seq', [size]);
  const frontier = new MerkleFrontier();
  for (const row of rows) frontier.pushLeaf(leafHash(row.hash));
  return frontier.root();
}

describe.each(storeKinds())('signed checkpoints on $name', (kind) => {
  let store: Store;
  let signer: AuditSigner;
  beforeAll(async () => {
    signer = await testSigner();
  });
  beforeEach(async () => {
    store = await kind.open();
  });
  afterEach(async () => {
    await store.close();
  });

  it('signs the chain head (seq, hash) and the Merkle root as an ES256 JWS, and stores it', async () => {
    expect(await writeCheckpoint(store, signer)).toBeUndefined(); // nothing to sign yet
    await appendMany(store, 3);
    const record = await writeCheckpoint(store, signer, { now: fixedClock, origin: 'test-log' });
    const { rows: head } = await store.query<{ hash: string }>('SELECT hash FROM audit_event WHERE seq = 3');
    expect(record).toMatchObject({
      seq: 3,
      prevSeq: 0,
      hash: head[0]!.hash,
      root: await expectedRoot(store, 3),
      at: '2024-05-01T09:30:00.000Z',
      origin: 'test-log',
      keyId: signer.keyId,
    });

    const checked = await verifyCheckpointJws(record!.jws, await trustedKeys([signer.publicJwk]));
    expect(checked).toEqual({
      ok: true,
      keyId: signer.keyId,
      payload: { v: 1, origin: 'test-log', seq: 3, hash: record!.hash, root: record!.root, at: record!.at, prevSeq: 0 },
    });
    expect(await readCheckpoints(store, { limit: 10 })).toEqual([record]);
  });

  it('signs nothing when the head is already signed, and links each checkpoint to the one before', async () => {
    await appendMany(store, 2);
    const first = await writeCheckpoint(store, signer);
    expect(await writeCheckpoint(store, signer)).toBeUndefined();
    await appendMany(store, 4);
    const second = await writeCheckpoint(store, signer);
    expect(second).toMatchObject({ seq: 6, prevSeq: first!.seq });
    expect(decodeCheckpoint(second!.jws)?.payload.prevSeq).toBe(2);
  });

  it('writes one checkpoint when several writers race for the same head', async () => {
    await appendMany(store, 5);
    const results = await Promise.all([writeCheckpoint(store, signer), writeCheckpoint(store, signer), writeCheckpoint(store, signer)]);
    expect(results.filter((r) => r !== undefined)).toHaveLength(1);
    expect(await readCheckpoints(store, { limit: 10 })).toHaveLength(1);
  });

  it('checkpoints every N events from the audit log itself, in the background, and once more on close', async () => {
    const log = createAuditLog(store, { checkpoints: { signer, everyEvents: 50, everyMs: 3_600_000 } });
    const appendRound = (round: number) =>
      Promise.all(Array.from({ length: 30 }, (_, i) => log.append(accessEventInput({ requestId: `r${round}-${i}` }))));
    const checkpointCount = async () => (await readCheckpoints(store, { limit: 100 })).length;
    await appendRound(1);
    await appendRound(2); // 60 events: past 50
    await vi.waitFor(async () => expect(await checkpointCount()).toBe(1), { timeout: 10_000, interval: 20 });
    await appendRound(3);
    await appendRound(4); // 60 more
    await vi.waitFor(async () => expect(await checkpointCount()).toBe(2), { timeout: 10_000, interval: 20 });
    await log.append(accessEventInput({ requestId: 'last' }));
    await log.close();
    const checkpoints = await readCheckpoints(store, { limit: 100 });
    expect(checkpoints.map((c) => c.seq)).toEqual([expect.any(Number), expect.any(Number), 121]);
    expect(checkpoints[0]!.seq).toBeGreaterThanOrEqual(50);
    expect(log.stats()).toMatchObject({ events: 121, checkpoints: 3, failedCheckpoints: 0 });
    expect(await verifyAudit(store, { publicKeys: [signer.publicJwk] })).toMatchObject({ ok: true, headSeq: 121, unsigned: 0 });
  });

  it('signs on demand with log.checkpoint(), after the queued events are written', async () => {
    const log = createAuditLog(store, { checkpoints: { signer, everyEvents: 1_000_000, everyMs: 3_600_000 } });
    const pending = Array.from({ length: 7 }, () => log.append(accessEventInput()));
    const record = await log.checkpoint();
    await Promise.all(pending);
    expect(record).toMatchObject({ seq: 7 });
    await log.close();
  });

  it('caches the roots of complete 256-event subtrees and gets the same root with or without them', async () => {
    await appendMany(store, 600);
    const record = await writeCheckpoint(store, signer);
    const { rows } = await store.query<{ level: number; n: number }>(
      'SELECT level, count(*)::int AS n FROM audit_merkle_node GROUP BY level ORDER BY level',
    );
    expect(rows).toEqual([{ level: 8, n: 2 }]);
    const root = await expectedRoot(store, 600);
    expect(record!.root).toBe(root);
    expect(await treeRoot(store, 600, { useCache: false })).toBe(root);
    for (const size of [1, 255, 256, 257, 511, 512, 513]) {
      expect(await treeRoot(store, size), `size ${size}`).toBe(await expectedRoot(store, size));
    }
  });

  it('does not build on a damaged subtree cache: it signs the root computed from the events', async () => {
    const lines: string[] = [];
    const logger = createLogger({
      level: 'error',
      destination: new Writable({
        write(chunk: Buffer, _encoding, done) {
          lines.push(chunk.toString());
          done();
        },
      }),
    });
    await appendMany(store, 300);
    await writeCheckpoint(store, signer);
    await tamper(
      store,
      async (tx) => {
        await tx.query('UPDATE audit_merkle_node SET hash = $1 WHERE level = 8 AND idx = 0', ['e'.repeat(64)]);
      },
      ['audit_merkle_node'],
    );
    await appendMany(store, 10, 'later');
    const record = await writeCheckpoint(store, signer, { logger });
    expect(record!.root).toBe(await expectedRoot(store, 310));
    expect(lines.join('')).toContain('audit merkle cache disagrees with the last checkpoint');
    expect(await verifyAudit(store, { publicKeys: [signer.publicJwk] })).toMatchObject({ ok: true, checkpoints: 2 });
  });

  it.each([
    ['UPDATE', 'UPDATE audit_checkpoint SET at = now()'],
    ['DELETE', 'DELETE FROM audit_checkpoint'],
    ['TRUNCATE', 'TRUNCATE audit_checkpoint'],
    ['UPDATE of the subtree cache', `UPDATE audit_merkle_node SET hash = repeat('0', 64)`],
    ['DELETE from the subtree cache', 'DELETE FROM audit_merkle_node'],
  ])('refuses %s in the database itself', async (_what, sql) => {
    await appendMany(store, 260);
    await writeCheckpoint(store, signer);
    await expect(store.query(sql)).rejects.toThrow(/is append-only/);
    expect(await readCheckpoints(store, { limit: 10 })).toHaveLength(1);
  });
});
