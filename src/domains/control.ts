// The control protocol between a domain host and the kernel inside the domain, and the MessagePort
// adapter links use. Rules: requests and replies are plain structured-clone data; a cross-domain
// channel is a MessagePort handed over in a request's transfer list.
import type { MessagePort } from 'node:worker_threads';
import type { ConsoleSink } from '../kernel/console.ts';
import type { ExitStatus } from '../runtime/abi.ts';
import type { Port, Wire } from './link.ts';

export type DomainRequest =
  | { readonly op: 'spawn'; readonly id: number; readonly program: string; readonly params: Record<string, unknown>; readonly ports: Record<string, MessagePort> }
  | { readonly op: 'stop' };

export type DomainReply =
  | { readonly op: 'ready' }
  | { readonly op: 'spawned'; readonly id: number; readonly pid?: number; readonly error?: { readonly code: string; readonly message: string } }
  | { readonly op: 'exit'; readonly id: number; readonly status: ExitStatus }
  | { readonly op: 'console'; readonly line: Parameters<ConsoleSink>[0] }
  | { readonly op: 'stopped' };

export function portOf(p: MessagePort): Port {
  return {
    post: (m: Wire) => { p.postMessage(m); },
    listen: (onMessage, onGone) => { p.on('message', onMessage); p.on('close', onGone); },
    close: () => { p.close(); },
  };
}
