/**
 * The agent's tokens file, read at start and again when it changes, without a restart: each
 * check looks at the file's identity (inode, size, mtime) at most once per `checkEveryMs`, and
 * reads it again when that changed. Polling rather than fs.watch: a watch is lost when an editor
 * or a Kubernetes Secret update replaces the file by a rename, a stat is not.
 *
 * At start a missing or invalid file is an error (the agent refuses to start). Later, a file that
 * does not read or parse keeps the last good entries and is logged (a half-written file must not
 * lock operators out, nor let anyone in); the next good version replaces them.
 */
import { readFileSync, statSync, type Stats } from 'node:fs';
import type { Logger } from 'pino';
import { parseTokens, type TokenEntry } from './tokens.ts';

export interface TokenSource {
  /** The entries in force now. */
  entries(): readonly TokenEntry[];
}

export class TokensFile implements TokenSource {
  private current: readonly TokenEntry[];
  private identity: string;
  private checkedAtMs: number;

  constructor(
    readonly path: string,
    private readonly logger: Logger,
    private readonly checkEveryMs = 1_000,
    private readonly now: () => number = Date.now,
  ) {
    const stats = statSync(path);
    this.current = parseTokens(readFileSync(path, 'utf8'), path);
    this.identity = identityOf(stats);
    this.checkedAtMs = this.now();
  }

  entries(): readonly TokenEntry[] {
    if (this.now() - this.checkedAtMs >= this.checkEveryMs) this.maybeReload();
    return this.current;
  }

  private maybeReload(): void {
    this.checkedAtMs = this.now();
    let identity: string;
    try {
      identity = identityOf(statSync(this.path));
    } catch (err) {
      return this.keep(`cannot read it (${(err as NodeJS.ErrnoException).code ?? String(err)})`, 'gone');
    }
    if (identity === this.identity) return;
    try {
      this.current = parseTokens(readFileSync(this.path, 'utf8'), this.path);
      this.identity = identity;
      this.logger.info({ event: 'auth.tokens.reloaded', file: this.path, entries: this.current.length }, `tokens file reloaded: ${this.current.length} entries`);
    } catch (err) {
      this.keep((err as Error).message, identity);
    }
  }

  /** Logged once per version of the file, not once per request. */
  private keep(problem: string, identity: string): void {
    if (identity === this.identity) return;
    this.identity = identity;
    this.logger.error({ event: 'auth.tokens.invalid', file: this.path, problem }, `tokens file ${this.path}: ${problem}; the last good entries (${this.current.length}) stay in force`);
  }
}

function identityOf(stats: Stats): string {
  return `${stats.ino}:${stats.size}:${stats.mtimeMs}`;
}
