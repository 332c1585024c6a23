/** Command groups beyond the topology ones; each lives in its own file and registers itself here. */
import type { Command } from 'commander';

export function registerOptionalCommands(_program: Command): void {}
