import { chmod, lstat, mkdir, readdir } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';

/**
 * The data directory holds the embedded store (enquiries, links, the audit log) and private keys:
 * only the gateway's own user may read or write any of it. Directories are 0700 and files 0600.
 *
 * The process entry points set umask 077, so what Node creates is owner-only from the start; PGlite
 * sets the modes of its own files (0666) whatever the umask, so the tree is tightened again after the
 * store is opened and when it is closed.
 */
export const OWNER_ONLY_DIRECTORY = 0o700;

/** The umask under which everything a process creates is owner-only. */
export const OWNER_ONLY_UMASK = 0o077;

/** Creates `path` (and missing parents) owner-only; an existing directory is made owner-only. */
export async function ensureOwnerOnlyDirectory(path: string): Promise<void> {
  await makeDirectories(path);
  const info = await lstat(path);
  if (info.isDirectory() && (info.mode & 0o777) !== OWNER_ONLY_DIRECTORY) await chmod(path, OWNER_ONLY_DIRECTORY);
}

/**
 * `mkdir -p` one level at a time, each level owner-only: Node's own recursive mkdir never returns
 * for some paths (under /proc, for one).
 */
async function makeDirectories(path: string): Promise<void> {
  try {
    await mkdir(path, { mode: OWNER_ONLY_DIRECTORY });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return;
    const parent = dirname(resolve(path));
    if (code !== 'ENOENT' || parent === resolve(path)) throw error;
    await makeDirectories(parent);
    await mkdir(path, { mode: OWNER_ONLY_DIRECTORY });
  }
}

/**
 * Takes every group and other permission off `root` and everything under it: PGlite's 0666 files
 * become 0600 and 0755 directories 0700 (a file the owner made read-only stays so). Symbolic links are not
 * followed: what they point at is outside the data directory. A file removed while the walk runs
 * is skipped. A missing `root` is nothing to do.
 */
export async function tightenOwnerOnly(root: string): Promise<void> {
  const info = await unlessVanished(lstat(root));
  if (info) await tightenEntry(root, info);
}

async function tightenEntry(path: string, info: { isDirectory(): boolean; isFile(): boolean; mode: number }): Promise<void> {
  if (!info.isDirectory() && !info.isFile()) return;
  if ((info.mode & 0o077) !== 0) await unlessVanished(chmod(path, info.mode & 0o700));
  if (!info.isDirectory()) return;
  for (const name of (await unlessVanished(readdir(path))) ?? []) {
    const child = join(path, name);
    const childInfo = await unlessVanished(lstat(child));
    if (childInfo) await tightenEntry(child, childInfo);
  }
}

/** The result of `work`, or undefined when what it touched was removed meanwhile (ENOENT). */
async function unlessVanished<T>(work: Promise<T>): Promise<T | undefined> {
  try {
    return await work;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}
