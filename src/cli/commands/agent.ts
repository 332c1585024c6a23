/** `meridian agent` commands. (Placeholder: registers nothing yet.) */
import type { Command } from 'commander';

export function registerAgentCommands(_program: Command): void {}
