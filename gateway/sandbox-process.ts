/**
 * The sandbox county in a child process (`sandbox.process: separate`, the default): the gateway
 * forks sandbox/main.ts, which starts every agency system and reports their addresses; the
 * gateway then connects to them as to real agencies. Its memory and CPU are its own.
 *
 * The child stops when the gateway closes it, and by itself when the gateway's process goes
 * (the IPC channel closes). A child that dies while the gateway runs is logged as an error; its
 * agencies then answer as unreachable, and the education directory it wrote is removed so
 * education does too.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { SandboxChildMessage, SandboxParentMessage } from '../sandbox/process-protocol.js';
import type { SandboxAddresses, SandboxFacts, ServeSandboxOptions } from '../sandbox/serve.js';
import { GatewayError } from './errors.js';
import type { Logger } from './log.js';

export interface SandboxProcess {
  pid: number;
  addresses: SandboxAddresses;
  facts: SandboxFacts;
  /** Resolves when the child has exited, for whatever reason. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Stops the child (SIGKILL if it has not exited within `stopTimeoutMs`). */
  close(): Promise<void>;
}

export interface ForkSandboxOptions {
  logger: Logger;
  /** How long generating the county and starting the agencies may take. Default 300 s. */
  startTimeoutMs?: number;
  /** How long the child has to stop before it is killed. Default 10 s. */
  stopTimeoutMs?: number;
}

const MAIN = fileURLToPath(new URL('../sandbox/main.ts', import.meta.url));

/** tsx as an --import loader, by absolute URL: the child's working directory may be anywhere. */
function tsxLoader(): string {
  return pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
}

export async function forkSandbox(serve: ServeSandboxOptions, options: ForkSandboxOptions): Promise<SandboxProcess> {
  const { logger } = options;
  const startTimeoutMs = options.startTimeoutMs ?? 300_000;
  const stopTimeoutMs = options.stopTimeoutMs ?? 10_000;
  const child: ChildProcess = fork(MAIN, [], {
    execArgv: ['--import', tsxLoader()],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    serialization: 'advanced',
  });
  let closing = false;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
  const send = (message: SandboxParentMessage): void => {
    if (child.connected) child.send(message);
  };

  const ready = await new Promise<Extract<SandboxChildMessage, { type: 'ready' }>>((resolve, reject) => {
    const timer = setTimeout(() => reject(new GatewayError('CONFIG_INVALID', `sandbox: the sandbox process did not start its agencies within ${startTimeoutMs / 1000} s; try fewer sandbox.households.`)), startTimeoutMs);
    const settle = (): void => {
      clearTimeout(timer);
      child.off('message', onMessage);
      child.off('error', onError);
    };
    const onMessage = (message: SandboxChildMessage): void => {
      settle();
      if (message.type === 'ready') resolve(message);
      else reject(new GatewayError('CONFIG_INVALID', `sandbox: the sandbox process could not start its agencies (${message.message}).`));
    };
    const onError = (error: Error): void => {
      settle();
      reject(new GatewayError('CONFIG_INVALID', `sandbox: the sandbox process could not be started (${error.message}).`));
    };
    child.on('message', onMessage);
    child.once('error', onError);
    void exited.then(({ code, signal }) => {
      settle();
      reject(new GatewayError('CONFIG_INVALID', `sandbox: the sandbox process exited before its agencies started (${signal ?? `exit code ${code}`}).`));
    });
    send({ type: 'start', options: serve });
  }).catch(async (error: unknown) => {
    child.kill('SIGKILL');
    await exited;
    throw error;
  });

  void exited.then(async ({ code, signal }) => {
    if (closing) return;
    logger.error({ pid: child.pid, code, signal }, 'the sandbox process exited: the sandbox agencies are unavailable until the gateway restarts');
    await rm(ready.addresses.educationDir, { recursive: true, force: true }).catch(() => undefined);
  });

  return {
    pid: child.pid!,
    addresses: ready.addresses,
    facts: ready.facts,
    exited,
    async close() {
      closing = true;
      if (child.exitCode === null && child.signalCode === null) {
        send({ type: 'stop' });
        const timer = setTimeout(() => child.kill('SIGKILL'), stopTimeoutMs);
        await exited;
        clearTimeout(timer);
      }
      // The child removes its directory when it stops; not when it was killed.
      await rm(ready.addresses.educationDir, { recursive: true, force: true }).catch(() => undefined);
    },
  };
}
