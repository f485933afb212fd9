import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createAuditLog,
  hashEvent,
  proveEvent,
  verifyProof,
  writeCheckpoint,
  type AuditSigner,
  type CommittedEvent,
  type InclusionProof,
} from '../../../gateway/audit/index.js';
import type { Store } from '../../../gateway/store/index.js';
import { storeKinds } from '../../helpers/stores.js';
import { accessEventInput, tamper, testSigner } from './fixtures.js';

/** What an agency holds: the proof as JSON, and the public key as JSON. Nothing else. */
const asReceived = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

describe.each(storeKinds())('inclusion proofs on $name', (kind) => {
  let store: Store;
  let signer: AuditSigner;
  let committed: CommittedEvent[];
  const proofs = new Map<number, InclusionProof>();

  beforeAll(async () => {
    signer = await testSigner();
    store = await kind.open();
    const log = createAuditLog(store);
    // 300 events: past one cached 256-event subtree, so proofs use the cache and the leaves.
    committed = await Promise.all(Array.from({ length: 300 }, (_, i) => log.append(accessEventInput({ requestId: `r${i + 1}` }))));
    await log.close();
    await writeCheckpoint(store, signer);
    for (const seq of [1, 2, 150, 256, 257, 299, 300]) proofs.set(seq, await proveEvent(store, committed[seq - 1]!.id));
  });
  afterAll(async () => {
    await store.close();
  });

  it('proves an event against the newest signed checkpoint with an RFC 6962 audit path', () => {
    const proof = proofs.get(150)!;
    expect(proof).toMatchObject({ v: 1, seq: 150, leafIndex: 149, treeSize: 300, checkpoint: { seq: 300, keyId: signer.keyId } });
    expect(proof.event.id).toBe(committed[149]!.id);
    expect(hashEvent(proof.prevHash, proof.event)).toBe(committed[149]!.hash);
    expect(proof.path).toHaveLength(9); // ceil(log2 300)
  });

  it('is checked with nothing but the public key (after the store is gone, from JSON)', async () => {
    const publicJwk = asReceived(signer.publicJwk);
    for (const [seq, proof] of proofs) {
      expect(await verifyProof(asReceived(proof), publicJwk), `seq ${seq}`).toMatchObject({
        ok: true,
        seq,
        eventId: committed[seq - 1]!.id,
        checkpoint: { seq: 300, keyId: signer.keyId },
      });
    }
  });

  it('is checked by a separate process that has only the proof and the key', () => {
    const script = fileURLToPath(new URL('./verify-proof-cli.ts', import.meta.url));
    const output = execFileSync(process.execPath, ['--import', 'tsx', script], {
      input: JSON.stringify({ proof: proofs.get(257), publicJwk: signer.publicJwk }),
      encoding: 'utf8',
      env: { PATH: process.env.PATH ?? '' },
    });
    expect(JSON.parse(output)).toMatchObject({ ok: true, seq: 257 });
  });

  it('fails when the event, the path, the checkpoint or the key is not the one logged', async () => {
    const proof = asReceived(proofs.get(150)!);
    const other = await testSigner();
    const checks: [string, unknown, unknown][] = [
      ['event changed', { ...proof, event: { ...proof.event, outcome: 'refused' } }, 'event-mismatch'],
      ['prev hash changed', { ...proof, prevHash: 'a'.repeat(64) }, 'event-mismatch'],
      ['path changed', { ...proof, path: proof.path.map((h, i) => (i === 3 ? 'b'.repeat(64) : h)) }, 'not-included'],
      ['path reordered', { ...proof, path: [...proof.path].reverse() }, 'not-included'],
      ['another leaf index', { ...proof, seq: 151, leafIndex: 150 }, 'not-included'],
      ['leaf index not seq - 1', { ...proof, leafIndex: 10 }, 'malformed'],
      ['tree size not the signed one', { ...proof, treeSize: 299 }, 'malformed'],
      ['signature changed', { ...proof, checkpoint: { ...proof.checkpoint, jws: `${proof.checkpoint.jws.slice(0, -4)}AAAA` } }, 'bad-signature'],
      ['not a proof', { hello: 'world' }, 'malformed'],
    ];
    for (const [what, tampered, problem] of checks) {
      expect(await verifyProof(tampered, signer.publicJwk), what).toMatchObject({ ok: false, problem });
    }
    expect(await verifyProof(proof, other.publicJwk)).toMatchObject({ ok: false, problem: 'bad-signature' });
    expect(await verifyProof(proof, [other.publicJwk, signer.publicJwk])).toMatchObject({ ok: true });
  });

  it('refuses an unknown or malformed event id as bad input', async () => {
    await expect(proveEvent(store, '00000000-0000-4000-8000-000000000000')).rejects.toMatchObject({
      code: 'BAD_INPUT',
      message: 'No audit event has id 00000000-0000-4000-8000-000000000000.',
    });
    await expect(proveEvent(store, 'not-an-id')).rejects.toMatchObject({ code: 'BAD_INPUT', message: expect.stringContaining('is not an audit event id') });
  });

  it('signs a checkpoint for an event newer than the last one when it has the key, and otherwise says not yet', async () => {
    const log = createAuditLog(store);
    const newer = await log.append(accessEventInput({ requestId: 'newer' }));
    await log.close();
    await expect(proveEvent(store, newer.id)).rejects.toMatchObject({ code: 'NOT_FOUND', message: expect.stringContaining('not yet covered') });
    const proof = await proveEvent(store, newer.id, { signer });
    expect(proof).toMatchObject({ seq: 301, treeSize: 301 });
    expect(await verifyProof(asReceived(proof), signer.publicJwk)).toMatchObject({ ok: true, seq: 301 });
    // An old proof stays valid against its own, older checkpoint.
    expect(await verifyProof(asReceived(proofs.get(2)!), signer.publicJwk)).toMatchObject({ ok: true, checkpoint: { seq: 300 } });
  });

  it('still gives a valid proof when the subtree cache is damaged', async () => {
    await tamper(
      store,
      async (tx) => {
        await tx.query('UPDATE audit_merkle_node SET hash = $1 WHERE level = 8 AND idx = 0', ['c'.repeat(64)]);
      },
      ['audit_merkle_node'],
    );
    const proof = await proveEvent(store, committed[279]!.id);
    expect(await verifyProof(asReceived(proof), signer.publicJwk)).toMatchObject({ ok: true, seq: 280 });
  });

  it('gives no proof once the log no longer matches its checkpoint', async () => {
    await tamper(store, async (tx) => {
      const { rows } = await tx.query<{ body: Record<string, unknown>; prev_hash: string }>('SELECT body, prev_hash FROM audit_event WHERE seq = 10');
      const body = { ...rows[0]!.body, reason: 'rewritten' };
      await tx.query('UPDATE audit_event SET body = $1::jsonb, hash = $2 WHERE seq = 10', [JSON.stringify(body), hashEvent(rows[0]!.prev_hash, body)]);
    });
    await expect(proveEvent(store, committed[9]!.id)).rejects.toMatchObject({
      code: 'INTERNAL_ERROR',
      message: expect.stringContaining('does not match its checkpoint signed at seq 301'),
    });
  });
});
