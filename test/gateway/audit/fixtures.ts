import { exportJWK, generateKeyPair } from 'jose';
import { createAuditSigner, type AccessEventInput, type AuditSigner } from '../../../gateway/audit/index.js';
import type { Queryable, Store } from '../../../gateway/store/index.js';

/** A plausible access event: a social worker reading a child's profile under an open enquiry. */
export function accessEventInput(overrides: Partial<AccessEventInput> = {}): AccessEventInput {
  return {
    requestId: 'req-0001',
    operation: 'profile',
    outcome: 'success',
    actor: { id: 'sw-114', name: 'Alex Example', agency: 'childrens-social-care', roles: ['social-worker'] },
    enquiry: { id: 'enq-2024-0042', purpose: 'strategy-discussion', legalBasis: 'children-act-1989-s47' },
    subjects: [{ subjectId: 'subj-1', links: [{ agency: 'health', personId: 'nhs-p-77' }] }],
    policy: { id: 'mash-default', version: '3' },
    decisions: [
      {
        agency: 'health',
        category: 'attendances',
        decision: 'disclose',
        ruleId: 'H4',
        fields: ['date', 'setting'],
        recordIds: ['att-1', 'att-2'],
        markers: 0,
      },
    ],
    ...overrides,
  };
}

/**
 * Change audit rows the way an attacker with database rights could: with the append-only triggers
 * disabled for the length of one transaction (works in PGlite and for a PostgreSQL table owner).
 */
export async function tamper(
  store: Store,
  change: (tx: Queryable) => Promise<void>,
  tables: readonly string[] = ['audit_event'],
): Promise<void> {
  await store.transaction(async (tx) => {
    for (const table of tables) await tx.query(`ALTER TABLE ${table} DISABLE TRIGGER ALL`);
    await change(tx);
    for (const table of tables) await tx.query(`ALTER TABLE ${table} ENABLE TRIGGER ALL`);
  });
}

/** A checkpoint signer with a fresh in-memory ES256 key (no files). */
export async function testSigner(): Promise<AuditSigner> {
  const { privateKey } = await generateKeyPair('ES256', { extractable: true });
  return createAuditSigner(await exportJWK(privateKey));
}
