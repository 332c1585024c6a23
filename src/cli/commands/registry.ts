/** Command groups beyond the topology ones; each lives in its own file. */
import type { Command } from 'commander';
import { registerAgentCommands } from './agent.ts';
import { registerLabCommands } from './lab.ts';
import { registerDrillCommands } from './drill.ts';
import { registerDbCommands } from './db.ts';
import { registerStoreCommands } from './store.ts';
import { registerObserveCommands } from './observe.ts';
import { registerExportCommands } from './export.ts';

export function registerOptionalCommands(program: Command): void {
  registerAgentCommands(program);
  registerLabCommands(program);
  registerDrillCommands(program);
  registerDbCommands(program);
  registerStoreCommands(program);
  registerObserveCommands(program);
  registerExportCommands(program);
}
