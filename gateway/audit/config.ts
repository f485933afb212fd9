import { resolve } from 'node:path';
import type { JWK } from 'jose';
import { z } from 'zod';
import { DEFAULT_CHECKPOINT_EVERY_EVENTS, DEFAULT_CHECKPOINT_EVERY_MS, DEFAULT_ORIGIN, type CheckpointPolicy } from './checkpoint.js';
import { loadAuditSigner, readPublicKeyFile, type AuditSigner } from './signing.js';

/**
 * The `audit:` section of mash-gateway.config.yaml. Everything has a default, so the section may be
 * left out:
 *
 *   audit:
 *     signingKey: secrets/audit-signing.jwk.json   # ES256 private JWK; default <DATA_DIR>/audit-signing/ (created)
 *     trustedKeys: [keys/audit-2024.jwk.json]      # older public keys `audit verify` also accepts
 *     origin: mash-gateway/audit                   # names this log in every checkpoint
 *     checkpoint: { everyEvents: 10000, everySeconds: 30 }  # sign the head after N events or T seconds
 */
export const auditConfigSchema = z
  .object({
    signingKey: z.string().min(1).optional(),
    trustedKeys: z.array(z.string().min(1)).default([]),
    origin: z.string().min(1).max(200).default(DEFAULT_ORIGIN),
    checkpoint: z
      .object({
        everyEvents: z.number().int().min(1).max(10_000_000).default(DEFAULT_CHECKPOINT_EVERY_EVENTS),
        everySeconds: z.number().min(0.1).max(86_400).default(DEFAULT_CHECKPOINT_EVERY_MS / 1000),
      })
      .strict()
      .default({ everyEvents: DEFAULT_CHECKPOINT_EVERY_EVENTS, everySeconds: DEFAULT_CHECKPOINT_EVERY_MS / 1000 }),
  })
  .strict()
  .default({
    trustedKeys: [],
    origin: DEFAULT_ORIGIN,
    checkpoint: { everyEvents: DEFAULT_CHECKPOINT_EVERY_EVENTS, everySeconds: DEFAULT_CHECKPOINT_EVERY_MS / 1000 },
  });

export type AuditConfig = z.infer<typeof auditConfigSchema>;

export interface AuditSettings {
  signer: AuditSigner;
  /** For createAuditLog({ checkpoints }). */
  checkpoints: CheckpointPolicy;
  /** Keys `audit verify` trusts: the signer's own and the configured trustedKeys. */
  publicKeys: JWK[];
  origin: string;
}

/**
 * Load the signing key and trusted keys named by the configuration (paths relative to `baseDir`,
 * the configuration file's folder). Throws CONFIG_INVALID / BAD_INPUT naming the file on a bad key.
 */
export async function loadAuditSettings(config: AuditConfig, paths: { dataDir: string; baseDir: string }): Promise<AuditSettings> {
  const signer = await loadAuditSigner(
    config.signingKey === undefined ? { dataDir: paths.dataDir } : { keyFile: resolve(paths.baseDir, config.signingKey) },
  );
  const publicKeys: JWK[] = [signer.publicJwk];
  for (const file of config.trustedKeys) publicKeys.push(...(await readPublicKeyFile(resolve(paths.baseDir, file))));
  return {
    signer,
    checkpoints: {
      signer,
      everyEvents: config.checkpoint.everyEvents,
      everyMs: Math.round(config.checkpoint.everySeconds * 1000),
      origin: config.origin,
    },
    publicKeys,
    origin: config.origin,
  };
}
