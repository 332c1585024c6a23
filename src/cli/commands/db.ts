/** `meridian db` commands. (Placeholder: registers nothing yet.) */
import type { Command } from 'commander';

export function registerDbCommands(_program: Command): void {}
