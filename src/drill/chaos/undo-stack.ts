/**
 * The undo of every fault a round injected. A fault's own script undoes it at the planned moment
 * (`undo`); whatever is still on the stack when the round ends, also on error and Ctrl-C, is
 * undone by `undoRest` (newest first, each retried three times: db/faults.ts's undoAll). The end
 * of the last undo is the fault's end, from which convergence is measured.
 */
import type { Clock } from '../clock.ts';
import { undoAll, type Undo } from '../db/faults.ts';

export class UndoStack {
  private readonly stack: Undo[] = [];
  /** When the last undo finished. */
  lastUndoneAtMs: number | undefined;

  constructor(
    private readonly clock: Clock,
    private readonly onUndone: (what: string, atMs: number) => void,
  ) {}

  push(undo: Undo): Undo {
    this.stack.push(undo);
    return undo;
  }

  /** Undoes this one fault now (it leaves the stack first, so it is never undone twice). */
  async undo(undo: Undo): Promise<void> {
    const i = this.stack.indexOf(undo);
    if (i < 0) return;
    this.stack.splice(i, 1);
    await undoAll([undo], this.clock, (what) => this.done(what));
  }

  async undoRest(): Promise<void> {
    await undoAll(this.stack, this.clock, (what) => this.done(what));
  }

  private done(what: string): void {
    this.lastUndoneAtMs = this.clock.nowMs();
    this.onUndone(what, this.lastUndoneAtMs);
  }
}
