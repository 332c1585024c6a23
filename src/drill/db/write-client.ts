/**
 * The write load client of the database drills: at a fixed rate it writes one row with a fresh,
 * unique id through a WriteTransport and records every attempt as a history op (sent, acked,
 * outcome, which server answered). It never retries: a retry would hide exactly what a drill
 * measures (a write the client believed lost, or one applied twice). Nothing is summarised here.
 */
import { systemClock, type Clock } from '../clock.ts';
import { RateLoop } from '../rate-loop.ts';
import type { WriteOp, WriteResult, WriteTransport } from './types.ts';

export interface WriteClientOptions {
  readonly transport: WriteTransport;
  /** Prefix of every id; unique per drill run and client, e.g. `d1718000000000-main`. */
  readonly idPrefix: string;
  /** Name recorded on every op. @default 'main' */
  readonly client?: string;
  /** Writes started per second. @default 50 */
  readonly rate?: number;
  /** Writes in flight at most; a tick that finds this many is counted in `skipped`. @default 32 */
  readonly maxConcurrency?: number;
  /** The client stops on its own after this long, whatever happens to its caller. @default 600000 */
  readonly maxDurationMs?: number;
  readonly clock?: Clock;
  /** Called with every finished op (the in-namespace writer streams them out). */
  readonly onOp?: (op: WriteOp) => void;
}

export class WriteClient {
  readonly ops: WriteOp[] = [];
  private seq = 0;
  private readonly loop: RateLoop;
  private readonly clock: Clock;
  private readonly client: string;

  constructor(private readonly options: WriteClientOptions) {
    if (!/^[A-Za-z0-9_.-]+$/.test(options.idPrefix)) throw new Error(`write id prefix must be letters, digits, '.', '_' or '-': '${options.idPrefix}'`);
    this.clock = options.clock ?? systemClock;
    this.client = options.client ?? 'main';
    this.loop = new RateLoop(() => this.write(), {
      rate: options.rate ?? 50,
      maxInFlight: options.maxConcurrency ?? 32,
      maxDurationMs: options.maxDurationMs ?? 600_000,
      clock: this.clock,
    });
  }

  /** Ticks that found maxConcurrency writes in flight: client saturation, not store errors. */
  get skipped(): number {
    return this.loop.skipped;
  }

  get inFlightCount(): number {
    return this.loop.inFlightCount;
  }

  start(): void {
    this.loop.start();
  }

  /** Stops starting writes and waits for the ones in flight (each is bounded by its transport's timeout). */
  stop(): Promise<void> {
    return this.loop.stop();
  }

  /** Writes one id now, outside the schedule (tests, and a drill's probe write); counts as in flight. */
  writeOnce(): Promise<WriteOp> {
    return this.loop.track(this.write());
  }

  /** One write, recorded; never rejects. */
  private async write(): Promise<WriteOp> {
    const id = this.nextId();
    const sentAtMs = this.clock.nowMs();
    const result = await this.options.transport
      .write(id)
      .catch((err: unknown): WriteResult => ({ outcome: 'unknown', error: `transport threw: ${String(err)}` }));
    const record = toOp(id, this.client, sentAtMs, this.clock.nowMs(), result);
    this.ops.push(record);
    this.options.onOp?.(record);
    return record;
  }

  private nextId(): string {
    this.seq += 1;
    // Zero-padded so ids sort in send order as strings too.
    return `${this.options.idPrefix}-${String(this.seq).padStart(6, '0')}`;
  }
}

/** The history record of one attempt. `ackedAtMs` only for `ok`: the checker's contract. */
export function toOp(id: string, client: string, sentAtMs: number, endedAtMs: number, r: WriteResult): WriteOp {
  const server = r.server ? { server: r.server } : {};
  if (r.outcome === 'ok') return { id, kind: 'write', client, sentAtMs, ackedAtMs: endedAtMs, outcome: 'ok', ...server };
  return { id, kind: 'write', client, sentAtMs, outcome: r.outcome, endedAtMs, error: r.error, ...server };
}
