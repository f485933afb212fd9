/**
 * Keeps the directory indexed without a restart. Each call lists the directory and re-reads only
 * the files that are new or changed (name, size, modification time and inode; a file replaced by
 * a rename is a new file); removed files drop out. Polling on each call rather than fs.watch:
 * watching is unreliable on network shares and across platforms, and a listing is cheap.
 *
 * Robustness:
 * - a file that cannot be parsed is reported (name and reason, no personal data) and skipped, and
 *   re-read as soon as it changes (a file caught half-written is picked up once complete);
 *   hidden files and `*.tmp` / `*.part` files (writes in progress) are ignored;
 * - concurrent calls share one refresh; it is abandoned (and its reads aborted) only when every
 *   caller waiting on it has given up, so one timed-out call does not fail the others;
 * - the directory itself failing is the connector's failure: unreadable or missing is
 *   UNREACHABLE, a caller's abort is TIMEOUT, anything else UPSTREAM_ERROR.
 *
 * In the background (`background` given), the index is kept current apart from the calls: the
 * first index starts at once and runs to completion (or its own deadline) whoever gives up
 * waiting for it, so a large directory is indexed once however short the callers' timeouts; from
 * then on calls answer from the current index at once while a refresh re-reads only new or
 * changed files at most every `minRefreshIntervalMs`. A refresh that fails (the directory gone or
 * unreadable) makes calls fail with its error until one succeeds: a stale index is never served
 * as if the directory were fine.
 */
import { ConnectorError } from '../sdk/index.js';
import { parseCtf } from './ctf.js';
import { parseEducationCsv } from './csv.js';
import type { DirectoryReader, FileEntry } from './directory.js';
import { EMPTY_HOUSEHOLD_INDEX } from './household.js';
import { buildIndex, type EducationIndex, type LoadedFile, type MappingContext } from './mapping.js';

export interface FileProblem {
  file: string;
  reason: string;
  /** `file`: the whole file was skipped; `entry`: one pupil or row was left out, the rest loaded. */
  skipped: 'file' | 'entry';
}

interface CachedFile {
  stamp: string;
  loaded?: LoadedFile;
  problems: FileProblem[];
}

const MAX_FILE_BYTES = 64 * 1024 * 1024;
const READ_CONCURRENCY = 8;
/** Per file, at most this many entry problems are kept (the rest are counted). */
const MAX_ENTRY_PROBLEMS = 20;

const UNREACHABLE_CODES = new Set(['ENOENT', 'ENOTDIR', 'EACCES', 'EPERM', 'ENOTCONN', 'EHOSTDOWN', 'ESTALE', 'ETIMEDOUT', 'EIO']);

function errorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' ? code : undefined;
}

function isAbort(error: unknown, signal: AbortSignal): boolean {
  return signal.aborted || (error as { name?: unknown } | undefined)?.name === 'AbortError';
}

function timeout(): ConnectorError {
  return new ConnectorError('TIMEOUT', 'education directory did not answer in time');
}

function relevant(name: string): 'xml' | 'csv' | undefined {
  if (name.startsWith('.') || /\.(tmp|part|partial|swp)$/i.test(name)) return undefined;
  if (/\.xml$/i.test(name)) return 'xml';
  if (/\.csv$/i.test(name)) return 'csv';
  return undefined;
}

function entryProblems(file: string, reasons: readonly string[]): FileProblem[] {
  const problems: FileProblem[] = reasons.slice(0, MAX_ENTRY_PROBLEMS).map((reason) => ({ file, reason, skipped: 'entry' }));
  if (reasons.length > MAX_ENTRY_PROBLEMS) {
    problems.push({ file, reason: `and ${reasons.length - MAX_ENTRY_PROBLEMS} more entries left out`, skipped: 'entry' });
  }
  return problems;
}

/** Parses one file's text into what the index needs, or the reason it cannot be used. */
export function loadFile(name: string, text: string): { loaded?: LoadedFile; problems: FileProblem[] } {
  const type = relevant(name);
  if (type === 'xml') {
    const parsed = parseCtf(text);
    if (!parsed.ok) return { problems: [{ file: name, reason: parsed.reason, skipped: 'file' }] };
    return { loaded: { name, kind: 'ctf', ctf: parsed.ctf }, problems: entryProblems(name, parsed.pupilProblems) };
  }
  const parsed = parseEducationCsv(text);
  if (!parsed.ok) return { problems: [{ file: name, reason: parsed.reason, skipped: 'file' }] };
  const loaded: LoadedFile =
    parsed.kind === 'attendance'
      ? { name, kind: 'attendance', rows: parsed.rows }
      : parsed.kind === 'register'
        ? { name, kind: 'register', rows: parsed.rows }
        : { name, kind: 'directory', rows: parsed.rows };
  return { loaded, problems: entryProblems(name, parsed.rowProblems) };
}

export interface CatalogueState {
  index: EducationIndex;
  problems: readonly FileProblem[];
  /** CTF files present, and those that loaded. */
  ctfFiles: number;
  validCtfFiles: number;
}

export interface BackgroundIndexing {
  /** A background refresh is abandoned after this long (a hung share). */
  timeoutMs: number;
}

interface Refresh {
  promise: Promise<CatalogueState>;
  controller: AbortController;
  waiters: number;
}

export class FileCatalogue {
  private readonly cache = new Map<string, CachedFile>();
  private state: CatalogueState = {
    index: { persons: new Map(), formerUpns: new Map(), records: new Map(), household: EMPTY_HOUSEHOLD_INDEX },
    problems: [],
    ctfFiles: 0,
    validCtfFiles: 0,
  };
  private refreshed = false;
  /** The cache changed since the index was last built (also after an abandoned refresh). */
  private dirty = true;
  private lastRefresh = -Infinity;
  private inflight: Refresh | undefined;
  /** Background mode: when the last refresh started, and why it failed if it did. */
  private lastStarted = -Infinity;
  private lastFailure: unknown;
  private closed = false;

  constructor(
    private readonly directory: DirectoryReader,
    private readonly mapping: MappingContext,
    private readonly minRefreshIntervalMs: number,
    private readonly background?: BackgroundIndexing,
  ) {}

  /** Background mode: starts the first index now rather than at the first call. */
  warm(): void {
    if (this.background && !this.inflight && !this.closed) this.startBackgroundRefresh();
  }

  /** Background mode: abandons a refresh in progress and starts no more. */
  close(): void {
    this.closed = true;
    this.inflight?.controller.abort();
  }

  private startBackgroundRefresh(): Refresh {
    const controller = new AbortController();
    const deadline = setTimeout(() => controller.abort(), this.background!.timeoutMs);
    deadline.unref();
    this.lastStarted = performance.now();
    const entry: Refresh = {
      controller,
      waiters: 0,
      promise: this.refresh(controller.signal)
        .then(
          (state) => {
            this.lastFailure = undefined;
            return state;
          },
          (error: unknown) => {
            this.lastFailure = error;
            throw error;
          },
        )
        .finally(() => {
          clearTimeout(deadline);
          if (this.inflight === entry) this.inflight = undefined;
        }),
    };
    entry.promise.catch(() => undefined);
    this.inflight = entry;
    return entry;
  }

  private async currentInBackground(signal: AbortSignal): Promise<CatalogueState> {
    if (this.closed) throw new ConnectorError('UNREACHABLE', 'education connector is closed');
    if (!this.inflight && performance.now() - this.lastStarted >= this.minRefreshIntervalMs) this.startBackgroundRefresh();
    if (this.refreshed && this.lastFailure === undefined) return this.state;
    if (!this.inflight) throw this.lastFailure;
    // No index yet, or the last refresh failed: wait (up to the caller's deadline) for the one
    // running, which carries on when the caller gives up.
    const shared = this.inflight;
    return new Promise<CatalogueState>((resolve, reject) => {
      const onAbort = (): void => reject(timeout());
      signal.addEventListener('abort', onAbort, { once: true });
      shared.promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
    });
  }

  /** Problems found at the last refresh. */
  problems(): readonly FileProblem[] {
    return this.state.problems;
  }

  /** The index, brought up to date with the directory first. */
  async current(signal: AbortSignal): Promise<CatalogueState> {
    if (signal.aborted) throw timeout();
    if (this.background) return this.currentInBackground(signal);
    if (this.refreshed && performance.now() - this.lastRefresh < this.minRefreshIntervalMs) return this.state;
    if (!this.inflight) {
      const controller = new AbortController();
      const entry = {
        controller,
        waiters: 0,
        promise: this.refresh(controller.signal).finally(() => {
          if (this.inflight === entry) this.inflight = undefined;
        }),
      };
      // A refresh nobody waits for any more must not surface as an unhandled rejection.
      entry.promise.catch(() => undefined);
      this.inflight = entry;
    }
    const shared = this.inflight;
    shared.waiters++;
    try {
      return await new Promise<CatalogueState>((resolve, reject) => {
        const onAbort = (): void => reject(timeout());
        signal.addEventListener('abort', onAbort, { once: true });
        shared.promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
      });
    } finally {
      shared.waiters--;
      if (shared.waiters === 0 && signal.aborted) shared.controller.abort();
    }
  }

  private async refresh(signal: AbortSignal): Promise<CatalogueState> {
    let entries: FileEntry[];
    try {
      entries = await this.directory.list(signal);
    } catch (error) {
      if (isAbort(error, signal)) throw timeout();
      const code = errorCode(error);
      if (code && UNREACHABLE_CODES.has(code)) throw new ConnectorError('UNREACHABLE', `education directory is unreachable (${code})`);
      throw new ConnectorError('UPSTREAM_ERROR', `education directory could not be listed (${code ?? 'unknown error'})`);
    }

    const present = new Map<string, FileEntry>();
    for (const entry of entries) if (relevant(entry.name)) present.set(entry.name, entry);
    for (const name of [...this.cache.keys()]) {
      if (!present.has(name)) {
        this.cache.delete(name);
        this.dirty = true;
      }
    }
    const stale = [...present.values()].filter((e) => this.cache.get(e.name)?.stamp !== `${e.size}:${e.mtimeMs}:${e.ino}`);

    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < stale.length) {
        const entry = stale[next++] as FileEntry;
        const stamp = `${entry.size}:${entry.mtimeMs}:${entry.ino}`;
        if (entry.size > MAX_FILE_BYTES) {
          this.cache.set(entry.name, { stamp, problems: [{ file: entry.name, reason: 'file too large to index', skipped: 'file' }] });
          this.dirty = true;
          continue;
        }
        let text: string;
        try {
          text = await this.directory.read(entry.name, signal);
        } catch (error) {
          if (isAbort(error, signal)) throw timeout();
          const code = errorCode(error);
          if (code === 'ENOENT') {
            if (this.cache.delete(entry.name)) this.dirty = true; // removed since the listing
            continue;
          }
          // Leave it uncached so the next refresh tries again.
          this.cache.set(entry.name, { stamp: `unreadable:${stamp}`, problems: [{ file: entry.name, reason: `unreadable (${code ?? 'read error'})`, skipped: 'file' }] });
          this.dirty = true;
          continue;
        }
        this.cache.set(entry.name, { stamp, ...loadFile(entry.name, text) });
        this.dirty = true;
      }
    };
    await Promise.all(Array.from({ length: Math.min(READ_CONCURRENCY, stale.length) }, worker));

    if (this.dirty) {
      const cached = [...this.cache.entries()].sort(([a], [b]) => a.localeCompare(b));
      const loaded = cached.map(([, c]) => c.loaded).filter((l): l is LoadedFile => l !== undefined);
      this.state = {
        index: buildIndex(loaded, this.mapping),
        problems: cached.flatMap(([, c]) => c.problems),
        ctfFiles: cached.filter(([name]) => relevant(name) === 'xml').length,
        validCtfFiles: loaded.filter((l) => l.kind === 'ctf').length,
      };
      this.dirty = false;
    }
    this.refreshed = true;
    this.lastRefresh = performance.now();
    return this.state;
  }
}
