import { CompactSign, exportJWK, generateKeyPair, importJWK, type JWK } from 'jose';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  CHECKPOINT_TYP,
  canonicalJson,
  createAuditLog,
  createAuditSigner,
  decodeCheckpoint,
  describeVerification,
  hashEvent,
  verifyAudit,
  verifyChain,
  writeCheckpoint,
  type AuditSigner,
} from '../../../gateway/audit/index.js';
import type { Queryable, Store } from '../../../gateway/store/index.js';
import { storeKinds } from '../../helpers/stores.js';
import { accessEventInput, tamper, testSigner } from './fixtures.js';

/** Rewrite event `seq`'s body and re-hash the chain from it to the head, as a careful attacker would. */
async function rewriteAndRehash(tx: Queryable, seq: number, change: Record<string, unknown>): Promise<void> {
  const { rows } = await tx.query<{ seq: number; prev_hash: string; body: Record<string, unknown> }>(
    'SELECT seq, prev_hash, body FROM audit_event WHERE seq >= $1 ORDER BY seq',
    [seq],
  );
  let prev = rows[0]!.prev_hash;
  for (const row of rows) {
    const body = Number(row.seq) === seq ? { ...row.body, ...change } : row.body;
    const hash = hashEvent(prev, body);
    await tx.query('UPDATE audit_event SET body = $1::jsonb, prev_hash = $2, hash = $3, outcome = $4 WHERE seq = $5', [
      JSON.stringify(body),
      prev,
      hash,
      body.outcome,
      row.seq,
    ]);
    prev = hash;
  }
}

describe.each(storeKinds())('verifyAudit on $name', (kind) => {
  let store: Store;
  let privateJwk: JWK;
  let signer: AuditSigner;
  let publicKeys: JWK[];

  beforeAll(async () => {
    privateJwk = await exportJWK((await generateKeyPair('ES256', { extractable: true })).privateKey);
    signer = await createAuditSigner(privateJwk);
    publicKeys = [signer.publicJwk];
  });

  // Events 1-12; checkpoints signed at seq 5 and seq 10; 11 and 12 not yet signed.
  beforeEach(async () => {
    store = await kind.open();
    const log = createAuditLog(store);
    for (let i = 1; i <= 12; i += 1) {
      await log.append(accessEventInput({ requestId: `r${i}` }));
      if (i === 5 || i === 10) await writeCheckpoint(store, signer);
    }
    await log.close();
  });
  afterEach(async () => {
    await store.close();
  });

  it('accepts an untouched log, counting what it checked and what is not yet signed', async () => {
    const result = await verifyAudit(store, { publicKeys });
    expect(result).toMatchObject({
      ok: true,
      fromSeq: 1,
      checked: 12,
      headSeq: 12,
      checkpoints: 2,
      lastCheckpoint: { seq: 10, keyId: signer.keyId },
      unsigned: 2,
    });
    expect(describeVerification(result)).toMatch(/^Audit log intact: seq 1 to 12, 12 events re-hashed; 2 signed checkpoints verified, the newest at seq 10 .*; 2 newer events await the next checkpoint\.$/);
  });

  it('re-hashes only from --from, still checking every checkpoint', async () => {
    expect(await verifyAudit(store, { publicKeys, fromSeq: 8 })).toMatchObject({ ok: true, fromSeq: 8, checked: 5, checkpoints: 2 });
    await expect(verifyAudit(store, { publicKeys, fromSeq: 0 })).rejects.toMatchObject({ code: 'BAD_INPUT' });
  });

  it('altered: names an event whose content was changed', async () => {
    await tamper(store, async (tx) => {
      await tx.query(`UPDATE audit_event SET body = jsonb_set(body, '{outcome}', '"refused"'), outcome = 'refused' WHERE seq = 4`);
    });
    expect(await verifyAudit(store, { publicKeys })).toMatchObject({ ok: false, seq: 4, problem: 'altered' });
  });

  it('altered: catches a chain rewritten and re-hashed after an event, which the chain alone cannot see', async () => {
    await tamper(store, (tx) => rewriteAndRehash(tx, 7, { outcome: 'refused' }));
    expect(await verifyChain(store)).toMatchObject({ ok: true });
    const result = await verifyAudit(store, { publicKeys });
    expect(result).toMatchObject({ ok: false, seq: 6, problem: 'altered', checkpointSeq: 10 });
    expect(describeVerification(result)).toContain('Events 6 to 10 do not match the checkpoint signed at seq 10');
  });

  it('missing: names the first event deleted', async () => {
    await tamper(store, async (tx) => {
      await tx.query('DELETE FROM audit_event WHERE seq IN (7, 8)');
    });
    expect(await verifyAudit(store, { publicKeys })).toMatchObject({ ok: false, seq: 7, problem: 'missing' });
  });

  it('reordered: names the seq where two events were swapped', async () => {
    await tamper(store, async (tx) => {
      await tx.query('UPDATE audit_event SET seq = seq + 1000 WHERE seq IN (3, 4)');
      await tx.query('UPDATE audit_event SET seq = 4 WHERE seq = 1003');
      await tx.query('UPDATE audit_event SET seq = 3 WHERE seq = 1004');
    });
    expect(await verifyAudit(store, { publicKeys })).toMatchObject({ ok: false, seq: 3, problem: 'reordered' });
  });

  it('truncated: catches events removed from the end when a checkpoint had signed them', async () => {
    await tamper(store, async (tx) => {
      await tx.query('DELETE FROM audit_event WHERE seq >= 9');
    });
    expect(await verifyChain(store)).toMatchObject({ ok: true, headSeq: 8 });
    const result = await verifyAudit(store, { publicKeys });
    expect(result).toMatchObject({ ok: false, seq: 9, problem: 'truncated', checkpointSeq: 10 });
    expect(describeVerification(result)).toContain('events 9 to 10 were removed');
  });

  it('cannot see the removal of events newer than the last checkpoint (the next one bounds that window)', async () => {
    await tamper(store, async (tx) => {
      await tx.query('DELETE FROM audit_event WHERE seq > 10');
    });
    expect(await verifyAudit(store, { publicKeys })).toMatchObject({ ok: true, headSeq: 10, unsigned: 0 });
  });

  it('bad signature: names a checkpoint whose signature was tampered with', async () => {
    await tamper(
      store,
      async (tx) => {
        const { rows } = await tx.query<{ jws: string }>('SELECT jws FROM audit_checkpoint WHERE seq = 5');
        const jws = rows[0]!.jws;
        const flipped = `${jws.slice(0, -2)}${jws.endsWith('AA') ? 'BB' : 'AA'}`;
        await tx.query('UPDATE audit_checkpoint SET jws = $1 WHERE seq = 5', [flipped]);
      },
      ['audit_checkpoint'],
    );
    const result = await verifyAudit(store, { publicKeys });
    expect(result).toMatchObject({ ok: false, seq: 5, problem: 'bad-signature', checkpointSeq: 5 });
    expect(describeVerification(result)).toContain('signature does not verify');
  });

  it('bad signature: refuses a checkpoint forged with another key over a rewritten chain', async () => {
    const attacker = await testSigner();
    await tamper(
      store,
      async (tx) => {
        await rewriteAndRehash(tx, 7, { outcome: 'refused' });
        const { rows } = await tx.query<{ hash: string; jws: string }>(
          'SELECT e.hash, c.jws FROM audit_event e JOIN audit_checkpoint c ON c.seq = e.seq WHERE e.seq = 10',
        );
        const original = decodeCheckpoint(rows[0]!.jws)!.payload;
        const forged = await attacker.sign(canonicalJson({ ...original, hash: rows[0]!.hash }), CHECKPOINT_TYP);
        await tx.query('UPDATE audit_checkpoint SET jws = $1, hash = $2, key_id = $3 WHERE seq = 10', [forged, rows[0]!.hash, attacker.keyId]);
      },
      ['audit_event', 'audit_checkpoint'],
    );
    const result = await verifyAudit(store, { publicKeys });
    expect(result).toMatchObject({ ok: false, seq: 10, problem: 'bad-signature' });
    expect(describeVerification(result)).toContain(`signed with key ${attacker.keyId}, which is not a trusted audit key`);
  });

  it('bad signature: refuses something else signed with the audit key passed off as a checkpoint', async () => {
    await tamper(
      store,
      async (tx) => {
        const { rows } = await tx.query<{ jws: string }>('SELECT jws FROM audit_checkpoint WHERE seq = 5');
        const payload = canonicalJson(decodeCheckpoint(rows[0]!.jws)!.payload);
        const other = await new CompactSign(new TextEncoder().encode(payload))
          .setProtectedHeader({ alg: 'ES256', kid: signer.keyId, typ: 'JWT' })
          .sign(await importJWK(privateJwk, 'ES256'));
        await tx.query('UPDATE audit_checkpoint SET jws = $1 WHERE seq = 5', [other]);
      },
      ['audit_checkpoint'],
    );
    const result = await verifyAudit(store, { publicKeys });
    expect(result).toMatchObject({ ok: false, seq: 5, problem: 'bad-signature' });
    expect(describeVerification(result)).toContain('not an audit checkpoint');
  });

  it('altered: names a checkpoint row whose columns no longer say what was signed', async () => {
    await tamper(
      store,
      async (tx) => {
        await tx.query(`UPDATE audit_checkpoint SET root = $1 WHERE seq = 5`, ['f'.repeat(64)]);
      },
      ['audit_checkpoint'],
    );
    const result = await verifyAudit(store, { publicKeys });
    expect(result).toMatchObject({ ok: false, seq: 5, problem: 'altered', checkpointSeq: 5 });
    expect(describeVerification(result)).toContain('its root column disagrees with what was signed');
  });

  it('missing: notices a checkpoint deleted from between two others', async () => {
    await tamper(
      store,
      async (tx) => {
        await tx.query('DELETE FROM audit_checkpoint WHERE seq = 5');
      },
      ['audit_checkpoint'],
    );
    expect(await verifyAudit(store, { publicKeys })).toMatchObject({ ok: false, seq: 5, problem: 'missing', checkpointSeq: 5 });
  });

  it('reports the earliest problem when there are several', async () => {
    await tamper(
      store,
      async (tx) => {
        await tx.query(`UPDATE audit_checkpoint SET root = $1 WHERE seq = 10`, ['f'.repeat(64)]);
        await tx.query(`UPDATE audit_event SET body = jsonb_set(body, '{operation}', '"searchPeople"'), operation = 'searchPeople' WHERE seq = 2`);
      },
      ['audit_event', 'audit_checkpoint'],
    );
    expect(await verifyAudit(store, { publicKeys })).toMatchObject({ ok: false, seq: 2, problem: 'altered' });
  });

  it('trusts no checkpoint when it is given no key', async () => {
    expect(await verifyAudit(store, { publicKeys: [] })).toMatchObject({ ok: false, seq: 5, problem: 'bad-signature' });
  });

  it('verifies an empty log', async () => {
    const empty = await kind.open();
    try {
      const result = await verifyAudit(empty, { publicKeys });
      expect(result).toMatchObject({ ok: true, headSeq: 0, checkpoints: 0, lastCheckpoint: null, unsigned: 0 });
      expect(describeVerification(result)).toBe('Audit log intact: it is empty.');
    } finally {
      await empty.close();
    }
  });
});
