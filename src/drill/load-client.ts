/**
 * The load client: what a real user of the service sees during a drill. At a fixed rate it
 * resolves the service name through the caching stub resolver (so DNS TTLs are honoured exactly
 * as a client host would), picks one of the answered addresses at random, and sends GET / on a
 * fresh connection with a short timeout over the whole exchange. Every request becomes a LoadOp
 * record; nothing is summarised here.
 */
import { systemClock, type Clock } from './clock.ts';
import { httpExchange, pickAddress, type HttpExchange, type NameResolver } from './http-exchange.ts';
import { RateLoop } from './rate-loop.ts';
import type { LoadOp } from './types.ts';

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
    const startMs = this.clock.nowMs();
    const record = await this.runOp(id, startMs)
      .catch((err: unknown): LoadOp => ({ id, startMs, endMs: this.clock.nowMs(), ok: false, error: String(err) }));
    this.ops.push(record);
  }

  private async runOp(id: number, startMs: number): Promise<LoadOp> {
    const o = this.options;
    const pick = await pickAddress(o.resolver, o.fqdn, this.random);
    if ('error' in pick) return { id, startMs, endMs: this.clock.nowMs(), ok: false, error: pick.error };
    const exchange = await httpExchange({ address: pick.address, port: o.port, path: '/', method: 'GET', connectMs: o.requestTimeoutMs ?? 1000 });
    return { id, startMs, endMs: this.clock.nowMs(), address: pick.address, ...resultOf(exchange) };
  }
}

/** What a user sees: a 2xx is ok; the region comes from the demo app's JSON body. */
function resultOf(exchange: HttpExchange): Pick<LoadOp, 'ok' | 'status' | 'region' | 'error'> {
  if (exchange.kind !== 'answer') return { ok: false, error: exchange.error };
  const { status } = exchange;
  const region = regionOf(exchange.body);
  const ok = status >= 200 && status < 300;
  return { ok, status, ...(region ? { region } : {}), ...(ok ? {} : { error: `HTTP ${status}` }) };
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
