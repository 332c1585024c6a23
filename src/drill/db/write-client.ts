/**
 * The write load client of the database drills: at a fixed rate it writes one row with a fresh,
 * unique id through a WriteTransport and records every attempt as a history op (sent, acked,
 * outcome, which server answered). It never retries: a retry would hide exactly what a drill
 * measures (a write the client believed lost, or one applied twice). Nothing is summarised here.
 */
import { systemClock, type Clock } from '../clock.ts';
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
  /** Ticks that found maxConcurrency writes in flight: client saturation, not store errors. */
  skipped = 0;
  private seq = 0;
  private readonly inFlight = new Set<Promise<void>>();
  private timer: NodeJS.Timeout | undefined;
  private hardStop: NodeJS.Timeout | undefined;
  private running = false;
  private readonly clock: Clock;
  private readonly periodMs: number;
  private readonly client: string;

  constructor(private readonly options: WriteClientOptions) {
    const rate = options.rate ?? 50;
    if (!(rate > 0 && rate <= 1000)) throw new Error(`write client rate must be in (0, 1000], got ${rate}`);
    if (!/^[A-Za-z0-9_.-]+$/.test(options.idPrefix)) throw new Error(`write id prefix must be letters, digits, '.', '_' or '-': '${options.idPrefix}'`);
    this.periodMs = 1000 / rate;
    this.clock = options.clock ?? systemClock;
    this.client = options.client ?? 'main';
  }

  get inFlightCount(): number {
    return this.inFlight.size;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.hardStop = setTimeout(() => void this.stop(), this.options.maxDurationMs ?? 600_000);
    this.schedule(this.clock.now(), 0);
  }

  /** Stops starting writes and waits for the ones in flight (each is bounded by its transport's timeout). */
  async stop(): Promise<void> {
    this.running = false;
    clearTimeout(this.timer);
    clearTimeout(this.hardStop);
    await Promise.all([...this.inFlight]);
  }

  /** Writes one id now, outside the schedule (tests, and a drill's probe write). */
  writeOnce(): Promise<WriteOp> {
    const id = this.nextId();
    const sentAtMs = this.clock.now();
    let done!: (op: WriteOp) => void;
    const result = new Promise<WriteOp>((resolve) => (done = resolve));
    const op = this.options.transport
      .write(id)
      .catch((err: unknown): WriteResult => ({ outcome: 'unknown', error: `transport threw: ${String(err)}` }))
      .then((r) => {
        const record = toOp(id, this.client, sentAtMs, this.clock.now(), r);
        this.ops.push(record);
        this.options.onOp?.(record);
        done(record);
      });
    this.inFlight.add(op);
    void op.finally(() => this.inFlight.delete(op));
    return result;
  }

  /** Tick n is due at startedAt + n·period, so timer lateness does not lower the rate. */
  private schedule(startedAt: number, tick: number): void {
    if (!this.running) return;
    const delay = Math.max(0, startedAt + tick * this.periodMs - this.clock.now());
    this.timer = setTimeout(() => {
      this.fire();
      this.schedule(startedAt, tick + 1);
    }, delay);
  }

  private fire(): void {
    if (this.inFlight.size >= (this.options.maxConcurrency ?? 32)) {
      this.skipped += 1;
      return;
    }
    void this.writeOnce();
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
