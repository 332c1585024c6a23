/**
 * The agent's tokens file, read at start and again when it changes, without a restart
 * (common/polled-files.ts). At start a missing or invalid file is an error (the agent refuses to
 * start). Later, a file that does not read or parse keeps the last good entries and is logged
 * (a half-written file must not lock operators out, nor let anyone in).
 */
import { readFileSync } from 'node:fs';
import type { Logger } from 'pino';
import { PolledFiles } from '../../common/polled-files.ts';
import { parseTokens, type TokenEntry } from './tokens.ts';

export interface TokenSource {
  /** The entries in force now. */
  entries(): readonly TokenEntry[];
}

export class TokensFile implements TokenSource {
  private readonly file: PolledFiles<readonly TokenEntry[]>;

  constructor(
    readonly path: string,
    logger: Logger,
    checkEveryMs = 1_000,
    now: () => number = Date.now,
  ) {
    this.file = new PolledFiles<readonly TokenEntry[]>({
      paths: [path],
      load: () => parseTokens(readFileSync(path, 'utf8'), path),
      onReload: (entries) => logger.info({ event: 'auth.tokens.reloaded', file: path, entries: entries.length }, `tokens file reloaded: ${entries.length} entries`),
      onInvalid: (problem, kept) => logger.error({ event: 'auth.tokens.invalid', file: path, problem }, `tokens file ${path}: ${problem}; the last good entries (${kept.length}) stay in force`),
      checkEveryMs,
      now,
    });
  }

  entries(): readonly TokenEntry[] {
    return this.file.current();
  }
}
