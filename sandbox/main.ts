/**
 * The sandbox county in its own process (`sandbox.process: separate`): forked by the gateway with
 * an IPC channel, it is sent a `start` message (ServeSandboxOptions), starts every agency system
 * and answers `ready` with their addresses and the county's few public facts, or `failed`.
 *
 * It stops when told (`stop`), on SIGTERM, or when the channel to the gateway closes (the gateway
 * exited or was killed), so it never outlives the gateway. Ctrl-C reaches the whole terminal's
 * process group: SIGINT is ignored here so the agencies keep answering while the gateway
 * finishes its in-flight requests, and the gateway then stops this process.
 */
import { serveSandbox, type ServeSandboxOptions, type ServedSandbox } from './serve.js';
import type { SandboxChildMessage, SandboxParentMessage } from './process-protocol.js';

if (!process.send) {
  process.stderr.write('sandbox/main.ts is started by the gateway (sandbox.process: separate), with an IPC channel\n');
  process.exit(2);
}

const send = (message: SandboxChildMessage): void => {
  if (process.connected) process.send!(message);
};

let served: ServedSandbox | undefined;
let starting: Promise<void> | undefined;
let stopping = false;

async function stop(code: number): Promise<void> {
  if (stopping) return;
  stopping = true;
  // A start in progress finishes (or fails) first, so nothing it opened is left behind.
  await starting?.catch(() => undefined);
  await served?.close().catch(() => undefined);
  process.exit(code);
}

async function start(options: ServeSandboxOptions): Promise<void> {
  try {
    served = await serveSandbox(options);
    send({ type: 'ready', addresses: served.addresses, facts: served.facts });
  } catch (error) {
    // The message only: a stack or query text adds nothing the operator can act on.
    send({ type: 'failed', message: (error as Error).message.split('\n')[0] ?? 'unknown error' });
    void stop(1);
  }
}

process.on('message', (message: SandboxParentMessage) => {
  if (message.type === 'start' && !starting && !stopping) starting = start(message.options);
  else if (message.type === 'stop') void stop(0);
});
process.on('disconnect', () => void stop(0));
process.on('SIGTERM', () => void stop(0));
process.on('SIGINT', () => undefined);
