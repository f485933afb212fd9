/**
 * In-memory PGlite databases started from an image: the files of a database built once, loaded
 * instead of built again.
 *
 * Creating a PGlite database runs initdb in WebAssembly (seconds); loading the files of one made
 * earlier (`loadDataDir`) skips initdb and whatever was run after it (migrations, a sandbox
 * agency's tables and rows). An image is named by a key that hashes everything that went into it,
 * so a change to any of it (a migration, the county generator, a loader) names a new image and a
 * stale one is never loaded. Images are kept in memory for the process and on disk (written
 * atomically by rename) for the processes after it: every test worker, every `npm start`.
 *
 * The compiled WebAssembly modules and the file-system bundle are also made once per process and
 * handed to every database it starts.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { readFile, rename, rm, utimes, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { gunzip as gunzipCallback, gzip as gzipCallback } from 'node:zlib';
import { PGlite, type PGliteOptions } from '@electric-sql/pglite';

const gzip = promisify(gzipCallback);
const gunzip = promisify(gunzipCallback);
const require = createRequire(import.meta.url);
const PGLITE_DIST = dirname(require.resolve('@electric-sql/pglite'));
// dist/ sits next to the package's package.json (not in its exports map, so read by path).
const PGLITE_VERSION = (JSON.parse(readFileSync(join(PGLITE_DIST, '..', 'package.json'), 'utf8')) as { version: string }).version;

/**
 * Images up to this size are also kept in memory for the process (a test county's are tens of MB);
 * a large county's is read from disk when next needed rather than held for the process's life.
 */
const IN_MEMORY_BYTES = 96 * 1024 * 1024;

/** Images not used for this long are removed when the cache is next written to. */
const UNUSED_IMAGE_MS = 7 * 24 * 60 * 60 * 1000;

interface Binaries {
  pgliteWasmModule: WebAssembly.Module;
  initdbWasmModule: WebAssembly.Module;
  fsBundle: Blob;
}

let binaries: Promise<Binaries> | undefined;

/** PGlite compiles its WebAssembly and reads its file-system bundle on every create unless given them. */
function loadBinaries(): Promise<Binaries> {
  binaries ??= (async () => {
    const [pglite, initdb, bundle] = await Promise.all([
      readFile(join(PGLITE_DIST, 'pglite.wasm')),
      readFile(join(PGLITE_DIST, 'initdb.wasm')),
      readFile(join(PGLITE_DIST, 'pglite.data')),
    ]);
    const [pgliteWasmModule, initdbWasmModule] = await Promise.all([WebAssembly.compile(pglite), WebAssembly.compile(initdb)]);
    return { pgliteWasmModule, initdbWasmModule, fsBundle: new Blob([bundle]) };
  })().catch((error: unknown) => {
    binaries = undefined;
    throw error;
  });
  return binaries;
}

/** `PGlite.create` with the process's compiled modules and bundle. */
export async function createPglite(options: Omit<PGliteOptions, 'pgliteWasmModule' | 'initdbWasmModule' | 'fsBundle'> = {}): Promise<PGlite> {
  return PGlite.create({ ...(await loadBinaries()), ...options });
}

/**
 * The key of an image: a hash of the parts given (what built it) and of the PGlite version (whose
 * files it holds).
 */
export function imageKey(name: string, ...parts: readonly (string | Uint8Array)[]): string {
  const hash = createHash('sha256').update(`pglite ${PGLITE_VERSION}\0${name}\0`);
  for (const part of parts) hash.update(part).update('\0');
  return `${name}-${hash.digest('hex').slice(0, 32)}`;
}

/**
 * What a loader sends to a database, hashed instead of run: a loader that runs the same
 * statements with the same parameters makes the same database, so the hash of what it sends is
 * the key of the image it would build. For loaders that do not read what their statements return.
 */
export class StatementHash {
  private readonly hash = createHash('sha256');

  /** Records one statement and its parameters; returns an empty result. */
  run = async (sql: string, params?: unknown[]): Promise<{ rows: never[] }> => {
    this.hash.update(sql).update('\0').update(params === undefined ? '-' : JSON.stringify(params)).update('\0');
    return { rows: [] };
  };

  digest(): string {
    return this.hash.digest('hex');
  }
}

/** Where images are kept: the project's node_modules/.cache, or the system's temporary directory. */
function cacheDirectory(): string | undefined {
  const projectRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
  for (const dir of [join(projectRoot, 'node_modules', '.cache', 'mash-gateway', 'pglite'), join(tmpdir(), 'mash-gateway-pglite')]) {
    try {
      mkdirSync(dir, { recursive: true });
      return dir;
    } catch {
      // Not writable here (a read-only install): try the next place.
    }
  }
  return undefined;
}

let directory: string | undefined | null = null;
function defaultDirectory(): string | undefined {
  if (directory === null) directory = cacheDirectory();
  return directory;
}

const images = new Map<string, Promise<Blob>>();

/** Forget the images held in memory, as a new process starts without them (for tests). */
export function forgetImagesInMemory(): void {
  images.clear();
}

async function readImage(path: string): Promise<Blob | undefined> {
  try {
    const bytes = await gunzip(await readFile(path));
    // Mark it used, so pruning keeps it.
    const now = new Date();
    await utimes(path, now, now).catch(() => undefined);
    return new Blob([bytes]);
  } catch {
    return undefined;
  }
}

/**
 * Write the image under a temporary name and rename it into place, so a reader in another process
 * sees the whole file or none. A cache that cannot be written only costs the next process the
 * build, so failures are ignored.
 */
async function writeImage(dir: string, key: string, image: Blob): Promise<void> {
  const path = join(dir, `${key}.tar.gz`);
  const temporary = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    // Compressed on disk: a database's files are mostly empty pages (40 MB to about 5).
    await writeFile(temporary, await gzip(new Uint8Array(await image.arrayBuffer()), { level: 1 }));
    await rename(temporary, path);
  } catch {
    await rm(temporary, { force: true }).catch(() => undefined);
  }
  pruneImages(dir);
}

function pruneImages(dir: string): void {
  try {
    const now = Date.now();
    for (const file of readdirSync(dir)) {
      const path = join(dir, file);
      try {
        if (now - statSync(path).mtimeMs > UNUSED_IMAGE_MS) void rm(path, { force: true }).catch(() => undefined);
      } catch {
        // Removed by another process meanwhile.
      }
    }
  } catch {
    // The directory went away: nothing to prune.
  }
}

/**
 * A new in-memory database with the contents `build` makes: built (and its image kept) the first
 * time `key` is asked for, loaded from the image after that. Each database is its own: nothing
 * written to one is seen by another or changes the image.
 *
 * `key` must change whenever what `build` does changes (see imageKey and StatementHash).
 */
export async function pgliteFromImage(key: string, build: (db: PGlite) => Promise<void>, options: { directory?: string } = {}): Promise<PGlite> {
  const imageDirectory = (): string | undefined => options.directory ?? defaultDirectory();
  let image = images.get(key);
  if (image === undefined) {
    const dir = imageDirectory();
    const onDisk = dir === undefined ? undefined : await readImage(join(dir, `${key}.tar.gz`));
    // Another caller in this process may have started building it meanwhile.
    image = images.get(key) ?? (onDisk === undefined ? undefined : Promise.resolve(onDisk));
    if (image !== undefined && onDisk !== undefined && onDisk.size <= IN_MEMORY_BYTES) images.set(key, image);
  }
  if (image !== undefined) {
    let loaded: Blob | undefined;
    try {
      loaded = await image;
    } catch {
      // Its build failed in another caller: build it here (below).
    }
    if (loaded !== undefined) {
      try {
        return await createPglite({ loadDataDir: loaded });
      } catch {
        // A damaged image (a file cut short by a full disk): forget it and build it again. An
        // error that is not the image's will come back from the build, to the caller.
        if (images.get(key) === image) images.delete(key);
        const dir = imageDirectory();
        if (dir !== undefined) await rm(join(dir, `${key}.tar.gz`), { force: true }).catch(() => undefined);
      }
    }
  }

  // Built here: the database itself is returned and its image kept; callers asking for the same
  // key meanwhile wait for the image rather than building it too.
  let settle!: { resolve: (image: Blob) => void; reject: (error: unknown) => void };
  const building = new Promise<Blob>((resolve, reject) => {
    settle = { resolve, reject };
  });
  building.catch(() => undefined);
  images.set(key, building);
  let db: PGlite | undefined;
  try {
    db = await createPglite();
    await build(db);
    const dumped = await db.dumpDataDir('none');
    const blob = new Blob([dumped]);
    settle.resolve(blob);
    const dir = imageDirectory();
    if (dir !== undefined) await writeImage(dir, key, blob);
    if (blob.size > IN_MEMORY_BYTES && images.get(key) === building) images.delete(key);
    return db;
  } catch (error) {
    if (images.get(key) === building) images.delete(key);
    settle.reject(error);
    await db?.close().catch(() => undefined);
    throw error;
  }
}
