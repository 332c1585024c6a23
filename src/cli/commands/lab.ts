/** `meridian lab` commands. (Placeholder: registers nothing yet.) */
import type { Command } from 'commander';

export function registerLabCommands(_program: Command): void {}
