/**
 * The load client: what a real user of the service sees during a drill. At a fixed rate it
 * resolves the service name through the caching stub resolver (so DNS TTLs are honoured exactly
 * as a client host would), picks one of the answered addresses at random, and sends GET / with
 * a short timeout. Every request becomes a LoadOp record; nothing is summarised here.
 *
 * Each request opens a fresh connection (no keep-alive pool): the point is to measure where
 * name resolution sends new requests, not how long a pooled socket to a dead host survives.
 */
import { request } from 'node:http';
import { systemClock, type Clock } from './clock.ts';
import { RateLoop } from './rate-loop.ts';
import type { Resolution } from './stub-resolver.ts';
import type { LoadOp } from './types.ts';

export interface NameResolver {
  resolve(name: string): Promise<Resolution>;
}

export interface LoadClientOptions {
  readonly fqdn: string;
  readonly port: number;
  readonly resolver: NameResolver;
  /** Requests started per second. @default 20 */
  readonly rate?: number;
  /** Requests in flight at most; a tick that finds this many is counted in `skipped`. @default 64 */
  readonly maxConcurrency?: number;
  /** @default 1000 */
  readonly requestTimeoutMs?: number;
  /** The client stops on its own after this long, whatever happens to its caller. @default 600000 */
  readonly maxDurationMs?: number;
  readonly clock?: Clock;
  /** Picks an answer address; injectable for tests. @default Math.random */
  readonly random?: () => number;
}

interface HttpResult {
  readonly status?: number;
  readonly region?: string;
  readonly error?: string;
}

const MAX_BODY_BYTES = 64 * 1024;

export class LoadClient {
  readonly ops: LoadOp[] = [];
  private nextId = 1;
  private readonly loop: RateLoop;
  private readonly clock: Clock;
  private readonly random: () => number;

  constructor(private readonly options: LoadClientOptions) {
    this.clock = options.clock ?? systemClock;
    this.random = options.random ?? Math.random;
    this.loop = new RateLoop(() => this.request(), {
      rate: options.rate ?? 20,
      maxInFlight: options.maxConcurrency ?? 64,
      maxDurationMs: options.maxDurationMs ?? 600_000,
      clock: this.clock,
    });
  }

  /** Ticks that found maxConcurrency requests in flight: client saturation, not service errors. */
  get skipped(): number {
    return this.loop.skipped;
  }

  start(): void {
    this.loop.start();
  }

  /** Stops starting requests and waits for the ones in flight (each is bounded by its timeout). */
  stop(): Promise<void> {
    return this.loop.stop();
  }

  /** One request, recorded; never rejects. */
  private async request(): Promise<void> {
    const id = this.nextId++;
    const startMs = this.clock.now();
    const record = await this.runOp(id, startMs)
      .catch((err: unknown): LoadOp => ({ id, startMs, endMs: this.clock.now(), ok: false, error: String(err) }));
    this.ops.push(record);
  }

  private async runOp(id: number, startMs: number): Promise<LoadOp> {
    const resolution = await this.options.resolver.resolve(this.options.fqdn);
    if (resolution.kind === 'failed' || resolution.addresses.length === 0) {
      const error = resolution.kind === 'failed' ? `dns: ${resolution.reason}` : 'dns: no addresses in the answer';
      return { id, startMs, endMs: this.clock.now(), ok: false, error };
    }
    const addresses = resolution.addresses;
    const address = addresses[Math.floor(this.random() * addresses.length)] ?? addresses[0]!;
    const result = await httpGet(address, this.options.port, this.options.requestTimeoutMs ?? 1000);
    const ok = result.status !== undefined && result.status >= 200 && result.status < 300;
    return { id, startMs, endMs: this.clock.now(), ok, address, ...result };
  }
}

/** GET / on a fresh connection; never rejects. The region comes from the demo app's JSON body. */
function httpGet(address: string, port: number, timeoutMs: number): Promise<HttpResult> {
  return new Promise((resolve) => {
    let settled = false;
    const settle = (result: HttpResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.destroy();
      resolve(result);
    };
    const req = request({ host: address, port, path: '/', method: 'GET', agent: false, headers: { connection: 'close' } });
    const timer = setTimeout(() => settle({ error: `timeout after ${timeoutMs} ms` }), timeoutMs);
    req.on('error', (err: NodeJS.ErrnoException) => settle({ error: err.code ?? err.message }));
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size <= MAX_BODY_BYTES) chunks.push(chunk);
      });
      res.on('error', (err) => settle({ status: res.statusCode, error: err.message }));
      res.on('end', () => {
        const status = res.statusCode;
        const region = regionOf(Buffer.concat(chunks).toString('utf8'));
        const httpError = status !== undefined && (status < 200 || status >= 300) ? { error: `HTTP ${status}` } : {};
        settle({ ...(status === undefined ? {} : { status }), ...(region ? { region } : {}), ...httpError });
      });
    });
    req.end();
  });
}

function regionOf(body: string): string | undefined {
  try {
    const parsed: unknown = JSON.parse(body);
    if (parsed && typeof parsed === 'object' && 'region' in parsed && typeof parsed.region === 'string') {
      return parsed.region;
    }
  } catch {
    // Not the demo app's JSON: the op still counts, just without a region.
  }
  return undefined;
}
