// WebServer: what every connection thread of the web server shares — its settings (checked once,
// from the program's parameters), the routes to web apps, the small-file cache, the Date header
// cache, and the counts the accept loop decides by.
// Rules for callers: construct once in main (throws WebConfigError naming the parameter); `live`
// counts connections being served and is changed only by the accept loop (up) and a connection
// thread's end (down).
// Invariants: nothing here holds an exchange-heap block or an endpoint (the app pools keep theirs
// in EndpointMaps, apps.ts), so any thread may use it between awaits.
import type { Abi } from 'sing/runtime';
import { DateCache } from './http-response.ts';
import type { Limits } from './http-request.ts';
import { AppRoutes } from './apps.ts';
import { FileCache } from './static-files.ts';

export class WebConfigError extends Error {
  readonly code = 'E_WEB_CONFIG';
}

export interface WebParams {
  readonly root: string;
  readonly apps: string;
  readonly maxConnections: number;
  readonly headerTimeoutMs: number;
  readonly idleTimeoutMs: number;
  readonly bodyTimeoutMs: number;
  readonly maxHeaderBytes: number;
  readonly maxBodyBytes: number;
  readonly cacheMs: number;
}

/** Bytes a connection reads at once: a request head fits (most are under 1 KiB), and 2,000 idle
 * connections cost 8 MiB of exchange heap. */
export const READ_BYTES = 4096;
/** A connection's own write buffer: small answers go out through it; 2,000 connections cost
 * 16 MiB. */
export const CONNECTION_WRITE_BYTES = 8192;
/** The largest single write, through a block taken for one answer: a 64 KiB file and its head go
 * out in one Write. */
export const WRITE_BYTES = 64 * 1024 + 1024;
/** Connections that may keep a WRITE_BYTES buffer once an answer needed one (16 MiB in all). */
export const MAX_GROWN = 256;
/** Exchange heap kept free for new connections' buffers: a large answer that would eat into it
 * goes out through the connection's own small buffer instead (slower, never refused). */
const HEAP_RESERVE = 4 * 1024 * 1024;

function positive(name: string, v: number, fallback: number, max: number): number {
  if (v === 0) return fallback;
  if (!Number.isInteger(v) || v < 0 || v > max) throw new WebConfigError(`parameter ${name}: ${v} is not between 1 and ${max} (0 takes the default, ${fallback})`);
  return v;
}

export class WebServer {
  readonly root: string;
  readonly routes: AppRoutes;
  readonly limits: Limits;
  readonly maxConnections: number;
  readonly headerTimeoutMs: number;
  readonly idleTimeoutMs: number;
  readonly bodyTimeoutMs: number;
  readonly files: FileCache;
  readonly dates = new DateCache();
  /** One array every thread writes heads into and reads into, between awaits only. */
  readonly scratch = new Uint8Array(WRITE_BYTES);
  /** Connections being served now, and accepted since start. */
  live = 0;
  accepted = 0;
  /** Requests answered, by kind (for the status line a test or the shell prints). */
  served = 0;
  readonly abi: Abi;

  constructor(p: WebParams, abi: Abi) {
    this.abi = abi;
    const root = p.root === '' ? '/fs/www' : p.root.replace(/\/+$/, '');
    if (!root.startsWith('/') || root.includes('//')) throw new WebConfigError(`parameter root: ${JSON.stringify(p.root)} is not an absolute name`);
    this.root = root;
    this.routes = AppRoutes.parse(p.apps);
    this.maxConnections = positive('maxConnections', p.maxConnections, 4096, 1 << 20);
    this.headerTimeoutMs = positive('headerTimeoutMs', p.headerTimeoutMs, 10_000, 3_600_000);
    this.idleTimeoutMs = positive('idleTimeoutMs', p.idleTimeoutMs, 5_000, 3_600_000);
    this.bodyTimeoutMs = positive('bodyTimeoutMs', p.bodyTimeoutMs, 30_000, 3_600_000);
    this.limits = {
      maxHeaderBytes: positive('maxHeaderBytes', p.maxHeaderBytes, 16 * 1024, 1 << 20),
      maxBodyBytes: positive('maxBodyBytes', p.maxBodyBytes, 1024 * 1024, 64 * 1024 * 1024),
    };
    if (!Number.isInteger(p.cacheMs) || p.cacheMs < 0) throw new WebConfigError(`parameter cacheMs: ${p.cacheMs} is not a whole number of milliseconds`);
    this.files = new FileCache(p.cacheMs);
  }

  /** Connections holding a grown (WRITE_BYTES) write buffer. */
  grown = 0;

  /** True when a block of `bytes` leaves the reserve for new connections intact. */
  room(bytes: number): boolean {
    const u = this.abi.heapUsage();
    return u.bytes + bytes + HEAP_RESERVE <= u.quota;
  }

  /** The Date header's value for now. */
  date(): string { return this.dates.get(this.abi.time()); }
}
