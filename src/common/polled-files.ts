/**
 * A value loaded from files, loaded again when they change, without a restart: at most once per
 * `checkEveryMs` it compares the files' identity (inode, size, mtime) and reloads when it moved.
 * Polling rather than fs.watch: a watch is lost when an editor or a Kubernetes Secret update
 * replaces a file by a rename, a stat is not. The agent's tokens file and its peer certificates
 * both reload this way.
 *
 * At start a file that does not load is the caller's error (`load` throws). Later, a version that
 * does not load keeps the last good value and is reported once per version (a half-written file
 * or half of a rotation must not lock anyone out, nor let anyone in); the next good one replaces it.
 */
import { statSync } from 'node:fs';

export interface PolledFilesOptions<T> {
  /** The files whose identity is watched; `load` reads them. */
  readonly paths: readonly string[];
  /** Reads and checks the files; throws an Error saying what is wrong. */
  readonly load: () => T;
  /** A new good value is in force. */
  readonly onReload: (value: T) => void;
  /** This version of the files does not load; `kept` stays in force. */
  readonly onInvalid: (problem: string, kept: T) => void;
  readonly checkEveryMs?: number;
  readonly now?: () => number;
}

export class PolledFiles<T> {
  private value: T;
  private identity: string;
  private checkedAtMs: number;
  private timer: NodeJS.Timeout | undefined;
  private readonly checkEveryMs: number;
  private readonly now: () => number;
  private readonly listeners: ((value: T) => void)[] = [];

  /** Loads at once: whatever `load` throws, the constructor throws. */
  constructor(private readonly o: PolledFilesOptions<T>) {
    this.checkEveryMs = o.checkEveryMs ?? 1_000;
    this.now = o.now ?? Date.now;
    // Identity before content, so a change in between is seen at the next check; a file that
    // cannot be stat'ed is reported by `load`, which names it the caller's way.
    this.identity = identityOrLoadError(o);
    this.value = o.load();
    this.checkedAtMs = this.now();
  }

  /** The value in force now (rechecked at most once per `checkEveryMs`). */
  current(): T {
    if (this.now() - this.checkedAtMs >= this.checkEveryMs) this.maybeReload();
    return this.value;
  }

  /** Called with each new good value. */
  onChange(listener: (value: T) => void): void {
    this.listeners.push(listener);
  }

  /** Polls on a timer, for users with no request to check on (a server's certificates): until close(). */
  start(): void {
    this.timer ??= setInterval(() => this.current(), this.checkEveryMs);
    this.timer.unref();
  }

  close(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private maybeReload(): void {
    this.checkedAtMs = this.now();
    let identity: string;
    try {
      identity = identityOf(this.o.paths);
    } catch (err) {
      return this.keep(`cannot read ${(err as NodeJS.ErrnoException).path ?? 'it'} (${(err as NodeJS.ErrnoException).code ?? String(err)})`, 'gone');
    }
    if (identity === this.identity) return;
    try {
      this.value = this.o.load();
      this.identity = identity;
    } catch (err) {
      return this.keep((err as Error).message, identity);
    }
    this.o.onReload(this.value);
    for (const listener of this.listeners) listener(this.value);
  }

  /** Reported once per version of the files, not once per use. */
  private keep(problem: string, identity: string): void {
    if (identity === this.identity) return;
    this.identity = identity;
    this.o.onInvalid(problem, this.value);
  }
}

function identityOrLoadError<T>(o: PolledFilesOptions<T>): string {
  try {
    return identityOf(o.paths);
  } catch (err) {
    o.load();
    throw err;
  }
}

function identityOf(paths: readonly string[]): string {
  return paths.map((path) => {
    const stats = statSync(path);
    return `${stats.ino}:${stats.size}:${stats.mtimeMs}`;
  }).join('|');
}
