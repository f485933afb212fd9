import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { resolve } from 'node:path';
import lockfile from 'proper-lockfile';
import { GatewayError } from '../errors.js';

/**
 * One process at a time on an embedded (PGlite) data directory. PGlite is a single-process
 * database: a second process opening the same directory works on its own copy of the pages and
 * what it writes (an audit event of `audit export`, say) is lost when the first one writes back.
 * So the gateway and the CLI both take an exclusive lock, `<dataDir>.lock` (proper-lockfile: a
 * directory created atomically, its mtime refreshed while held, stale after STALE_MS), and name
 * themselves in `<dataDir>.owner.json`; the second one is refused with STORE_LOCKED naming the first.
 * PostgreSQL needs none of this: it is multi-process.
 */

export const STALE_MS = 20_000;

export interface DataDirOwner {
  pid: number;
  host: string;
  startedAt: string;
  /** What holds the store, e.g. "gateway" or "audit export". */
  command: string;
}

export interface DataDirLock {
  readonly owner: DataDirOwner;
  release(): Promise<void>;
}

const ownerPath = (dataDir: string) => `${resolve(dataDir)}.owner.json`;
const lockPath = (dataDir: string) => `${resolve(dataDir)}.lock`;

export function readOwner(dataDir: string): DataDirOwner | undefined {
  try {
    const owner = JSON.parse(readFileSync(ownerPath(dataDir), 'utf8')) as Partial<DataDirOwner>;
    if (typeof owner.pid !== 'number' || typeof owner.command !== 'string') return undefined;
    return { pid: owner.pid, host: String(owner.host ?? ''), startedAt: String(owner.startedAt ?? ''), command: owner.command };
  } catch {
    return undefined;
  }
}

/** Whether a process of this host with this pid is running (a signal-0 probe; EPERM means it is). */
function running(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function lockedError(dataDir: string, owner: DataDirOwner | undefined): GatewayError {
  const who = owner
    ? `${owner.command === 'gateway' ? 'the running gateway' : `"mash-gateway ${owner.command}"`} (pid ${owner.pid}${owner.host && owner.host !== hostname() ? ` on ${owner.host}` : ''}, started ${owner.startedAt})`
    : 'another process';
  return new GatewayError(
    'STORE_LOCKED',
    `The embedded store ${resolve(dataDir)} is in use by ${who}; PGlite serves one process at a time, so nothing was read or recorded. ` +
      `Stop that process first (or, while the gateway runs, use its GraphQL API: accessLog, auditProof), or point both at PostgreSQL (DATABASE_URL).`,
    { details: { reason: 'STORE_LOCKED', ...(owner ? { pid: owner.pid } : {}) } },
  );
}

/**
 * Takes the data directory's lock or refuses with STORE_LOCKED. A lock left by a process of this
 * host that is no longer running is taken over at once; any other is stale only after STALE_MS
 * without a refresh.
 */
export async function lockDataDir(dataDir: string, options: { command: string; onCompromised?: (error: Error) => void }): Promise<DataDirLock> {
  const target = resolve(dataDir);
  const lockOptions = {
    realpath: false,
    lockfilePath: lockPath(target),
    stale: STALE_MS,
    update: STALE_MS / 4,
    onCompromised: options.onCompromised ?? (() => undefined),
  };
  let release: () => Promise<void>;
  try {
    release = await lockfile.lock(target, lockOptions);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ELOCKED') throw error;
    const owner = readOwner(target);
    if (owner === undefined || owner.host !== hostname() || running(owner.pid) || owner.pid === process.pid) throw lockedError(target, owner);
    // Its holder died without letting go (killed, or the machine stopped): take it over.
    rmSync(lockPath(target), { recursive: true, force: true });
    try {
      release = await lockfile.lock(target, lockOptions);
    } catch (again) {
      if ((again as NodeJS.ErrnoException).code === 'ELOCKED') throw lockedError(target, readOwner(target));
      throw again;
    }
  }
  const owner: DataDirOwner = { pid: process.pid, host: hostname(), startedAt: new Date().toISOString(), command: options.command };
  writeFileSync(ownerPath(target), `${JSON.stringify(owner)}\n`, { mode: 0o600 });
  let released = false;
  return {
    owner,
    async release() {
      if (released) return;
      released = true;
      rmSync(ownerPath(target), { force: true });
      await release().catch(() => undefined);
    },
  };
}
