/**
 * Command groups beyond the topology ones; each lives in its own file.
 *
 * The pattern, so that `meridian --version`, `--help` and every small command start in a
 * fraction of a second (a test checks it: test/unit/cli/lazy-imports.test.ts):
 *   - A command file (commands/<group>.ts) exports `register<Group>Commands(program)`, which
 *     declares the commands: names, options, help texts. Add yours to the list below.
 *   - At its top it imports only commander, node: built-ins, ../../common/errors.ts, ../output.ts,
 *     sibling command files, types (`import type`), and the few small modules an option parser or
 *     `.choices()` needs while the command line is parsed. ESLint rejects anything else there
 *     (eslint.config.js lists what is allowed).
 *   - Everything an action runs is loaded inside the action:
 *       .action(async (region: string) => {
 *         const { cutRegion } = await import('../../lab/faults.ts');
 *         ...
 *       });
 *     Import the narrowest module that has what the action needs (lab/faults.ts, not the lab
 *     barrel; agent/status-client.ts, not the agent): `lab cut` and `status` are timed.
 */
import type { Command } from 'commander';
import { registerAgentCommands } from './agent.ts';
import { registerLabCommands } from './lab.ts';
import { registerDrillCommands } from './drill.ts';
import { registerDbCommands } from './db.ts';
import { registerStoreCommands } from './store.ts';
import { registerRunCommands } from './runs.ts';
import { registerTrafficCommands } from './traffic.ts';
import { registerPlanCommands } from './plan.ts';
import { registerObserveCommands } from './observe.ts';
import { registerExportCommands } from './export.ts';
import { registerTokenCommands } from './token.ts';
import { registerFailbackCommands } from './failback.ts';

export function registerOptionalCommands(program: Command): void {
  registerAgentCommands(program);
  registerLabCommands(program);
  registerDrillCommands(program);
  registerDbCommands(program);
  registerStoreCommands(program);
  registerRunCommands(program);
  registerTrafficCommands(program);
  registerPlanCommands(program);
  registerObserveCommands(program);
  registerExportCommands(program);
  registerTokenCommands(program);
  registerFailbackCommands(program);
}
