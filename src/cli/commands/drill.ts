/** `meridian drill` commands. (Placeholder: registers nothing yet.) */
import type { Command } from 'commander';

export function registerDrillCommands(_program: Command): void {}
