/**
 * The county's education data hub as a directory of files: each school's CTF export and
 * attendance extract, the LA registers and the schools directory, written at start. The
 * connector reads the directory through `files` (the directory as seen through the fault knobs)
 * or straight from disk at `dir`.
 *
 * Faults, settable at runtime with `setFaults` (replaces the set; `{}` clears):
 * - `latencyMs`: every directory listing and file read is delayed (a slow network share);
 * - `hang`: listings and reads never finish (until the caller's signal aborts);
 * - `unreadable`: listings and reads fail with EACCES (permission lost on the share);
 * - `malformedFile`: a broken CTF lands in the directory as a newer export of one school
 *   (`'truncated'`: cut off mid-file; `'not-xml'`: not XML at all; `'wrong-shape'`: well-formed
 *   XML that is not a CTF). Clearing the fault removes the file.
 */
import { renameSync, rmSync, writeFileSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rename, rm, stat, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { County } from '../county/index.js';
import type { EducationSchool } from '../county/views/education.js';
import { ctfFileName, renderCtf, renderEducationExport } from './render.js';

export interface EducationFaults {
  latencyMs?: number;
  hang?: boolean;
  unreadable?: boolean;
  malformedFile?: false | 'truncated' | 'not-xml' | 'wrong-shape';
}

export interface EducationFileEntry {
  name: string;
  size: number;
  mtimeMs: number;
  /** Inode (0 where the platform has none): a file replaced by rename is a new file. */
  ino: number;
}

/** A directory of agency files, as the education connector reads it. */
export interface EducationFiles {
  /** Where the files are (a `file:` URL): the provenance system of the records. */
  readonly location: string;
  /** Regular files in the directory. */
  list(signal: AbortSignal): Promise<EducationFileEntry[]>;
  /** A file's text (UTF-8). */
  read(name: string, signal: AbortSignal): Promise<string>;
}

export interface EducationSystemOptions {
  county: County;
  /** Directory to write into (created if missing). Default: a new temporary directory, removed on close. */
  dir?: string;
  faults?: EducationFaults;
}

export interface EducationSystem {
  dir: string;
  /** The directory through the fault knobs. */
  files: EducationFiles;
  /** Names of the files written at start. */
  exported: readonly string[];
  setFaults(faults: EducationFaults): void;
  /** The broken file the `malformedFile` fault wrote, while it is set. */
  malformedFileName(): string | undefined;
  /** Drops a file into the directory atomically (written aside, then renamed into place). */
  dropFile(name: string, content: string): Promise<void>;
  removeFile(name: string): Promise<void>;
  close(): Promise<void>;
}

function validateFaults(faults: EducationFaults): EducationFaults {
  if (faults.latencyMs !== undefined && !(Number.isFinite(faults.latencyMs) && faults.latencyMs >= 0)) {
    throw new RangeError('faults.latencyMs must be a non-negative number');
  }
  return { ...faults };
}

function abortError(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : Object.assign(new Error('The operation was aborted'), { name: 'AbortError' });
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(abortError(signal));
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(abortError(signal));
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

function safeName(name: string): string {
  if (name !== basename(name) || name === '' || name === '.' || name === '..') throw new RangeError('file names must not contain a path');
  return name;
}

async function writeAtomically(dir: string, name: string, content: string): Promise<void> {
  const aside = join(dir, `.${safeName(name)}.tmp`);
  await writeFile(aside, content, 'utf8');
  await rename(aside, join(dir, name));
}

export async function startEducationSystem(options: EducationSystemOptions): Promise<EducationSystem> {
  const { county } = options;
  const view = county.views.education;
  const ownsDir = options.dir === undefined;
  const dir = options.dir ?? (await mkdtemp(join(tmpdir(), 'mash-education-')));
  if (!ownsDir) await mkdir(dir, { recursive: true });
  let faults = validateFaults(options.faults ?? {});
  let malformedName: string | undefined;

  const files = renderEducationExport(view);
  for (const [name, content] of files) await writeAtomically(dir, name, content);

  const gate = async (signal: AbortSignal): Promise<void> => {
    const current = faults;
    if (signal.aborted) throw abortError(signal);
    if (current.hang) {
      await new Promise<never>((_, reject) => signal.addEventListener('abort', () => reject(abortError(signal)), { once: true }));
    }
    if (current.latencyMs) await sleep(current.latencyMs, signal);
    if (current.unreadable) throw Object.assign(new Error('permission denied (injected fault)'), { code: 'EACCES' });
  };

  const filesView: EducationFiles = {
    location: pathToFileURL(dir).href,
    async list(signal) {
      await gate(signal);
      const entries = await readdir(dir, { withFileTypes: true });
      const out: EducationFileEntry[] = [];
      for (const entry of entries) {
        if (!entry.isFile()) continue;
        try {
          const s = await stat(join(dir, entry.name));
          out.push({ name: entry.name, size: s.size, mtimeMs: s.mtimeMs, ino: s.ino });
        } catch {
          // Gone between the listing and the stat: not there.
        }
      }
      return out;
    },
    async read(name, signal) {
      await gate(signal);
      return readFile(join(dir, safeName(name)), { encoding: 'utf8', signal });
    },
  };

  /** The school with the most pupils: its broken newer export hides the most if mishandled. */
  const busiestSchool = (): EducationSchool => {
    const counts = new Map<string, number>();
    for (const p of view.pupils) counts.set(p.schoolId, (counts.get(p.schoolId) ?? 0) + 1);
    let best = view.schools[0] as EducationSchool;
    for (const s of view.schools) if ((counts.get(s.schoolId) ?? 0) > (counts.get(best.schoolId) ?? 0)) best = s;
    return best;
  };

  const writeMalformed = (mode: NonNullable<EducationFaults['malformedFile']>): void => {
    const school = busiestSchool();
    const name = ctfFileName(school, 2);
    const later = `${view.exportedAt.slice(0, 10)}T07:00:00`;
    let content: string;
    if (mode === 'truncated') {
      const whole = renderCtf(view, school, view.pupils.filter((p) => p.schoolId === school.schoolId), { dateTime: later, sequence: 2 });
      content = whole.slice(0, Math.floor(whole.length * 0.6));
    } else if (mode === 'not-xml') {
      content = 'PK\u0003\u0004 this is a zip archive, not a Common Transfer File';
    } else {
      content = '<?xml version="1.0" encoding="UTF-8"?>\n<CTfile>\n  <Header>\n    <DocumentName>Common Transfer File</DocumentName>\n  </Header>\n  <CTFpupilData>\n    <Pupil><UPN>unknown</UPN></Pupil>\n  </CTFpupilData>\n</CTfile>\n';
    }
    const aside = join(dir, `.${name}.tmp`);
    writeFileSync(aside, content, 'utf8');
    renameSync(aside, join(dir, name));
    malformedName = name;
  };

  const clearMalformed = (): void => {
    if (malformedName) rmSync(join(dir, malformedName), { force: true });
    malformedName = undefined;
  };

  let closed = false;
  const system: EducationSystem = {
    dir,
    files: filesView,
    exported: [...files.keys()],
    setFaults(next) {
      const validated = validateFaults(next);
      clearMalformed();
      faults = validated;
      if (validated.malformedFile) writeMalformed(validated.malformedFile);
    },
    malformedFileName: () => malformedName,
    dropFile: (name, content) => writeAtomically(dir, name, content),
    async removeFile(name) {
      await unlink(join(dir, safeName(name))).catch((error: unknown) => {
        if ((error as { code?: string }).code !== 'ENOENT') throw error;
      });
    },
    async close() {
      if (closed) return;
      closed = true;
      faults = {};
      if (ownsDir) await rm(dir, { recursive: true, force: true });
      else clearMalformed();
    },
  };
  if (faults.malformedFile) writeMalformed(faults.malformedFile);
  return system;
}

