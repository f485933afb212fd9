/** The messages between the gateway and the sandbox process (sandbox/main.ts) over IPC. */
import type { SandboxAddresses, SandboxFacts, ServeSandboxOptions } from './serve.js';

export type SandboxParentMessage = { type: 'start'; options: ServeSandboxOptions } | { type: 'stop' };

export type SandboxChildMessage = { type: 'ready'; addresses: SandboxAddresses; facts: SandboxFacts } | { type: 'failed'; message: string };
