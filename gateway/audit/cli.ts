import { randomUUID } from 'node:crypto';
import { userInfo } from 'node:os';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { JWK } from 'jose';
import { badInput, ERROR_CODES, isGatewayError } from '../errors.js';
import type { Store } from '../store/index.js';
import { exportEvents, exportOptions } from './export.js';
import { createAuditLog, type AuditLog } from './log.js';
import { proveEvent } from './proof.js';
import { loadAuditSigner, readDataDirPublicKeys, readPublicKeyFile, type AuditSigner } from './signing.js';
import type { AccessEventInput, AuditActor } from './types.js';
import { describeVerification, verifyAudit } from './verify-audit.js';

export interface AuditCommandIo {
  store: Store;
  dataDir: string;
  stdout: (s: string) => void;
  stderr: (s: string) => void;
  /** Signs a checkpoint when `prove` is asked about an event newer than the last one. Default: the data directory's key. */
  signer?: AuditSigner;
  /** Keys `verify` trusts besides the data directory's own (configuration audit.trustedKeys). */
  publicKeys?: JWK[];
  /** Origin written into a checkpoint `prove` makes (configuration audit.origin). */
  origin?: string;
  /** Records `prove` and `export` (they read the log). Default: a log opened on `store` for the command. */
  auditLog?: AuditLog;
  /** Who runs the command, as recorded. Default: `cli:<os user>`. */
  actor?: AuditActor;
}

export const AUDIT_USAGE = `Usage: mash-gateway audit <command>

Commands:
  verify [--from SEQ] [--key FILE]... [--json]
        Recompute the hash chain and Merkle tree and check every signed checkpoint. Exit 0 and a
        one-line summary when intact; exit 1 naming the first bad seq and what is wrong otherwise.
        --from SEQ   re-hash events from SEQ on, trusting the stored hashes before it
        --key FILE   also trust this public key (JWK or JWKS file), e.g. a rotated-out key
        --json       print the result as JSON
  prove EVENT_ID
        Print an inclusion proof (JSON) of one event against the newest signed checkpoint; an
        agency checks it with the checkpoint key's public half alone.
  export [--format jsonl|fhir] [--from DATE] [--to DATE]
        Print events recorded in the range (inclusive) as JSON lines: {seq, prevHash, hash, event},
        or FHIR R4 AuditEvent resources (IHE BALP). DATE: 2024-05-01 or 2024-05-01T09:30:00Z; a
        --to date means the end of that day. Default format: jsonl.

Exit codes: 0 ok, 1 the log is not intact, 2 bad input, 5 not found, 7 store or audit unavailable, or the
embedded store held by another process such as the running gateway (STORE_LOCKED; nothing is read or recorded).`;

const BAD_INPUT_EXIT = ERROR_CODES.BAD_INPUT.exit;
const NOT_INTACT_EXIT = 1;

type Command = 'verify' | 'prove' | 'export';

/**
 * `mash-gateway audit ...`: `argv` is the arguments after `audit` (a leading `audit` is skipped).
 * Returns the exit code. `prove` and `export` print audit content, so they are recorded in the
 * audit log first, and print nothing if that fails (fail closed).
 */
export async function runAuditCommand(argv: string[], io: AuditCommandIo): Promise<number> {
  const [command, ...args] = argv[0] === 'audit' ? argv.slice(1) : argv;
  switch (command) {
    case 'verify':
    case 'prove':
    case 'export':
      break;
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      (command === undefined ? io.stderr : io.stdout)(AUDIT_USAGE);
      return command === undefined ? BAD_INPUT_EXIT : 0;
    default:
      io.stderr(`mash-gateway audit: unknown command "${command.slice(0, 40)}".\n${AUDIT_USAGE}`);
      return BAD_INPUT_EXIT;
  }
  try {
    if (command === 'verify') return await verifyCommand(args, io);
    if (command === 'prove') return await proveCommand(args, io);
    return await exportCommand(args, io);
  } catch (error) {
    return report(command, error, io);
  }
}

function report(command: Command, error: unknown, io: AuditCommandIo): number {
  if (isGatewayError(error)) {
    io.stderr(`mash-gateway audit ${command}: ${error.message}`);
    return error.exitCode;
  }
  // Never a stack or a driver message (it may quote SQL or values): the error's kind only.
  const code = (error as { code?: unknown } | null)?.code;
  io.stderr(`mash-gateway audit ${command}: failed unexpectedly (${typeof code === 'string' ? code : (error as Error)?.name ?? 'error'}).`);
  return ERROR_CODES.INTERNAL_ERROR.exit;
}

/** parseArgs, with its complaints as BAD_INPUT and at most `maxPositionals` arguments. */
function parse<T extends ParseArgsConfig>(config: T, maxPositionals: number): ReturnType<typeof parseArgs<T>> {
  let parsed: ReturnType<typeof parseArgs<T>>;
  try {
    parsed = parseArgs(config);
  } catch (error) {
    throw badInput(`${error instanceof Error ? error.message : String(error)}. See "mash-gateway audit help".`);
  }
  const positionals = parsed.positionals as string[];
  if (positionals.length > maxPositionals) {
    throw badInput(`unexpected argument "${String(positionals[maxPositionals]).slice(0, 40)}". See "mash-gateway audit help".`);
  }
  return parsed;
}

async function verifyCommand(args: string[], io: AuditCommandIo): Promise<number> {
  const { values } = parse(
    {
      args,
      options: { from: { type: 'string' }, key: { type: 'string', multiple: true }, json: { type: 'boolean' } },
      strict: true,
      allowPositionals: false,
    } as const,
    0,
  );
  let fromSeq: number | undefined;
  if (values.from !== undefined) {
    fromSeq = /^\d{1,15}$/.test(values.from) ? Number(values.from) : Number.NaN;
    if (!(fromSeq >= 1)) throw badInput(`--from "${values.from.slice(0, 20)}" is not a seq: give a whole number of at least 1.`);
  }
  const publicKeys: JWK[] = [
    ...(io.publicKeys ?? []),
    ...(io.signer === undefined ? [] : [io.signer.publicJwk]),
    ...(await readDataDirPublicKeys(io.dataDir)),
  ];
  for (const file of values.key ?? []) publicKeys.push(...(await readPublicKeyFile(file)));
  if (publicKeys.length === 0) {
    io.stderr('mash-gateway audit verify: no audit public key was found (data directory, configuration or --key); signed checkpoints cannot be trusted.');
  }

  const result = await verifyAudit(io.store, { publicKeys, ...(fromSeq === undefined ? {} : { fromSeq }) });
  if (values.json === true) io.stdout(JSON.stringify(result));
  else (result.ok ? io.stdout : io.stderr)(describeVerification(result));
  return result.ok ? 0 : NOT_INTACT_EXIT;
}

async function proveCommand(args: string[], io: AuditCommandIo): Promise<number> {
  const { positionals } = parse({ args, options: {}, strict: true, allowPositionals: true } as const, 1);
  const eventId = positionals[0];
  if (eventId === undefined) throw badInput('give the id of the event to prove: mash-gateway audit prove EVENT_ID.');
  const signer = io.signer ?? (await loadAuditSigner({ dataDir: io.dataDir }));
  const proof = await proveEvent(io.store, eventId, { signer, ...(io.origin === undefined ? {} : { origin: io.origin }) });
  await record(io, { operation: 'auditProve', reason: `inclusion proof of audit event ${proof.event.id} (seq ${proof.seq})` });
  io.stdout(JSON.stringify(proof, null, 2));
  return 0;
}

async function exportCommand(args: string[], io: AuditCommandIo): Promise<number> {
  const { values } = parse(
    {
      args,
      options: { format: { type: 'string' }, from: { type: 'string' }, to: { type: 'string' } },
      strict: true,
      allowPositionals: false,
    } as const,
    0,
  );
  const options = exportOptions(values);
  const range = `${options.from?.toISOString() ?? 'the start'} to ${options.to?.toISOString() ?? 'now'}`;
  await record(io, { operation: 'auditExport', reason: `export of the audit log as ${options.format}, ${range}` });
  for await (const line of exportEvents(io.store, options)) io.stdout(line);
  return 0;
}

/** Record the command in the audit log before it prints anything (IG's own reads are audited too). */
async function record(io: AuditCommandIo, what: { operation: string; reason: string }): Promise<void> {
  const event: AccessEventInput = {
    requestId: `cli-${randomUUID()}`,
    operation: what.operation,
    outcome: 'success',
    reason: what.reason,
    actor: io.actor ?? cliActor(),
  };
  if (io.auditLog !== undefined) {
    await io.auditLog.append(event);
    return;
  }
  const log = createAuditLog(io.store);
  try {
    await log.append(event);
  } finally {
    await log.close();
  }
}

function cliActor(): AuditActor {
  let user = 'unknown';
  try {
    user = userInfo().username;
  } catch {
    // No passwd entry (some containers): still recorded, as an unknown operating-system user.
  }
  return { id: `cli:${user}`, roles: ['audit-cli'] };
}
