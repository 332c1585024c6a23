/**
 * Keeps the traffic controls in force on this agent: read from etcd at start, on every change the
 * watch reports (within a round trip of the write) and once per probe interval (a watch can stall
 * on a bad link; the timer bounds how late a change can be). Reads are linearizable, one at a time.
 *
 * Static stability: when etcd cannot be read, the agent keeps the controls it last read and says
 * so on /status; DNS never waits for a read. A document that does not parse is reported and the
 * last good controls are kept (there is no safe reading of a drain one cannot read).
 */
import { describeError } from '../../common/errors.ts';
import type { Logger } from '../../common/log.ts';
import { KEY_PREFIX, type CoordinationStore } from '../../coord/index.ts';
import { NO_CONTROLS, type TrafficControls } from '../../gslb/index.ts';
import { readControls } from './etcd-controls.ts';
import type { TrafficStatus } from './status.ts';

export interface TrafficReaderOptions {
  readonly coord: CoordinationStore;
  readonly periodMs: number;
  readonly log: Logger;
  /** Called with the new controls whenever what is read differs from what is in force. */
  readonly onChange: (controls: TrafficControls) => void;
  /** Watch through this etcd member only: this region's own (see CoordinationStore.watchPrefix). */
  readonly via?: string;
}

export class TrafficReader {
  private controls: TrafficControls = NO_CONTROLS;
  private revision: bigint | null = null;
  private readAt: string | null = null;
  private problem: string | undefined = 'not read yet';
  private reading = false;
  private again = false;
  private closed = false;
  private timer: NodeJS.Timeout | undefined;
  private watch: { close(): void } | undefined;

  constructor(private readonly o: TrafficReaderOptions) {}

  async start(): Promise<void> {
    this.watch = this.o.coord.watchPrefix?.(`${KEY_PREFIX}traffic/`, () => void this.refresh(), this.o.via ? { via: this.o.via } : {});
    await this.refresh();
    this.timer = setInterval(() => void this.refresh(), this.o.periodMs);
  }

  current(): TrafficControls {
    return this.controls;
  }

  status(): TrafficStatus {
    return {
      source: 'etcd',
      ok: this.problem === undefined,
      ...(this.problem ? { reason: this.problem } : {}),
      controls: this.controls,
      revision: this.revision === null ? null : this.revision.toString(),
      readAt: this.readAt,
    };
  }

  /** Reads now; a read asked for while one runs is done right after it (never two at once). */
  async refresh(): Promise<void> {
    if (this.closed) return;
    if (this.reading) {
      this.again = true;
      return;
    }
    this.reading = true;
    try {
      await this.readOnce();
    } catch (err) {
      this.problem = `traffic controls not read: ${describeError(err)}`;
    } finally {
      this.reading = false;
    }
    if (this.again) {
      this.again = false;
      await this.refresh();
    }
  }

  private async readOnce(): Promise<void> {
    const read = await readControls(this.o.coord);
    if (read.kind === 'unavailable') {
      this.problem = `etcd not read (${read.reason}): keeping the controls last read${this.readAt ? ` at ${this.readAt}` : ' (none yet)'}`;
      return;
    }
    if (read.kind === 'unreadable') {
      const problem = `the stored traffic controls (revision ${read.revision}) do not parse: keeping the controls last read`;
      if (problem !== this.problem) this.o.log.error({ event: 'traffic.unreadable', revision: read.revision.toString() }, problem);
      this.problem = problem;
      return;
    }
    this.problem = undefined;
    this.readAt = new Date().toISOString();
    const changed = this.revision === null ? read.revision !== 0n : read.revision !== this.revision;
    this.revision = read.revision;
    if (!changed) return;
    this.controls = read.controls;
    this.o.log.info({ event: 'traffic.controls', revision: read.revision.toString(), controls: read.controls }, 'traffic controls changed');
    this.o.onChange(read.controls);
  }

  close(): void {
    this.closed = true;
    clearInterval(this.timer);
    this.watch?.close();
  }
}
