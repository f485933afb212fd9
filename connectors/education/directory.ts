/**
 * The directory the education connector indexes, behind a small interface so the files can
 * live on a local disk, a mounted share or a test double. `nodeDirectory` reads a local path.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

export interface FileEntry {
  name: string;
  size: number;
  mtimeMs: number;
  /** Inode, or 0 where the platform has none: a file replaced by a rename is a new file. */
  ino: number;
}

export interface DirectoryReader {
  /** Where the files are, as a URL: the provenance system of every record. */
  readonly location: string;
  /** The regular files in the directory. Rejects when the directory cannot be read. */
  list(signal: AbortSignal): Promise<FileEntry[]>;
  /** One file's text (UTF-8). */
  read(name: string, signal: AbortSignal): Promise<string>;
}

export function nodeDirectory(dir: string): DirectoryReader {
  const root = resolve(dir);
  return {
    location: pathToFileURL(root).href,
    async list(signal) {
      signal.throwIfAborted();
      const entries = await readdir(root, { withFileTypes: true });
      const files: FileEntry[] = [];
      for (const entry of entries) {
        if (!entry.isFile()) continue;
        signal.throwIfAborted();
        try {
          const s = await stat(join(root, entry.name));
          files.push({ name: entry.name, size: s.size, mtimeMs: s.mtimeMs, ino: s.ino });
        } catch {
          // Removed between the listing and the stat: not there any more.
        }
      }
      return files;
    },
    async read(name, signal) {
      if (name !== basename(name)) throw new RangeError('file names must not contain a path');
      return readFile(join(root, name), { encoding: 'utf8', signal });
    },
  };
}
