import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const WORKER = fileURLToPath(new URL('./append-worker.ts', import.meta.url));

export interface Worker {
  child: ChildProcess;
  /** `<id> <seq>` pairs the worker reported as committed, in the order it reported them. */
  committed: { id: string; seq: number }[];
  /** Resolves when the worker has printed `ready` (its store is open). */
  ready: Promise<void>;
  /** Resolves once `n` events have been reported. */
  reported(n: number): Promise<void>;
  /** Resolves with the exit code, or the signal that ended it. */
  exited: Promise<number | NodeJS.Signals>;
  stderr(): string;
  /** AuditLog.stats() the worker printed when it finished. */
  stats(): Record<string, number> | undefined;
  /** Tell a worker started with AUDIT_WORKER_WAIT_FOR_GO=1 to begin. */
  go(): void;
}

/** Start test/gateway/audit/append-worker.ts as a separate Node process. */
export function startWorker(env: Record<string, string>): Worker {
  const child = spawn(process.execPath, ['--import', 'tsx', WORKER], {
    env: { ...process.env, ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const committed: { id: string; seq: number }[] = [];
  const waiting: { n: number; resolve: () => void }[] = [];
  let errors = '';
  let stats: Record<string, number> | undefined;
  child.stderr!.on('data', (chunk: Buffer) => {
    errors += chunk.toString();
  });
  let markReady: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => {
    markReady = resolve;
  });
  createInterface({ input: child.stdout! }).on('line', (line) => {
    if (line === 'ready') return markReady();
    if (line.startsWith('stats ')) {
      stats = JSON.parse(line.slice('stats '.length)) as Record<string, number>;
      return;
    }
    const [id, seq] = line.split(' ');
    if (id === undefined || seq === undefined) return;
    committed.push({ id, seq: Number(seq) });
    for (const waiter of waiting.splice(0)) {
      if (committed.length >= waiter.n) waiter.resolve();
      else waiting.push(waiter);
    }
  });
  const exited = new Promise<number | NodeJS.Signals>((resolve) => {
    child.on('exit', (code, signal) => resolve(signal ?? code ?? -1));
  });
  return {
    child,
    committed,
    ready,
    reported(n) {
      if (committed.length >= n) return Promise.resolve();
      return new Promise((resolve, reject) => {
        waiting.push({ n, resolve });
        void exited.then((how) => reject(new Error(`worker exited (${how}) after ${committed.length} events: ${errors.slice(-2000)}`)));
      });
    },
    exited,
    stderr: () => errors,
    stats: () => stats,
    go() {
      child.stdin!.write('go\n');
    },
  };
}
