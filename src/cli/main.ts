/**
 * `meridian` entry point: builds the command tree and turns every failure into one line on
 * stderr and an exit code (0 ok, 1 failed check or infrastructure, 2 bad usage or input).
 */
import { Command, CommanderError } from 'commander';
import { CheckFailed, InputError, describeError } from '../common/errors.ts';
import { registerSpecCommands } from './commands/spec.ts';
import { registerOptionalCommands } from './commands/registry.ts';
import { trustLabApiCa } from './lab-api-ca.ts';

export function buildProgram(): Command {
  const program = new Command('meridian')
    .description('Multi-region HA control plane: topology, regional GSLB agents, quorum-fenced failover, drills.')
    .version('0.1.0')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  registerSpecCommands(program);
  registerOptionalCommands(program);
  for (const sub of program.commands) applyExitOverride(sub);
  return program;
}

function applyExitOverride(cmd: Command): void {
  cmd.exitOverride();
  for (const sub of cmd.commands) applyExitOverride(sub);
}

export function exitCodeFor(err: unknown): number {
  if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : 2;
  if (err instanceof InputError) return 2;
  if (err instanceof CheckFailed) return 1;
  return 1;
}

async function main(argv: string[]): Promise<number> {
  // A running lab's https agents are verified against its CA, as its tokens are found (lab-api-ca.ts).
  trustLabApiCa();
  try {
    await buildProgram().parseAsync(argv);
    return process.exitCode === undefined ? 0 : Number(process.exitCode);
  } catch (err) {
    // Commander already printed its own message for usage errors and --help/--version.
    if (!(err instanceof CommanderError)) process.stderr.write(`meridian: ${describeError(err)}\n`);
    if (process.env.MERIDIAN_DEBUG && err instanceof Error) process.stderr.write(`${err.stack}\n`);
    return exitCodeFor(err);
  }
}

process.exitCode = await main(process.argv);
