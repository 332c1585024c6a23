/** Topology commands: validate, schema, init. */
import { existsSync, writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { InputError } from '../../common/errors.ts';
import { printJson } from '../output.ts';

export function registerSpecCommands(program: Command): void {
  program
    .command('validate')
    .description('check a topology file; prints every problem as file:line:column')
    .requiredOption('-f, --file <path>', 'topology file')
    .option('--json', 'print the normalized topology as JSON')
    .action(async (opts: { file: string; json?: boolean }) => {
      const { fqdn, loadTopologyFile } = await import('../../spec/index.ts');
      const topology = loadTopologyFile(opts.file);
      if (opts.json) return printJson(topology);
      const names = topology.services.map((s) => fqdn(topology, s)).join(', ');
      process.stdout.write(`${opts.file}: ok (${topology.regions.length} regions, ${topology.services.length} services: ${names || 'none'})\n`);
    });

  program
    .command('schema')
    .description('print the JSON Schema of the topology file (for editor completion)')
    .action(async () => {
      const { topologyJsonSchema } = await import('../../spec/index.ts');
      printJson(topologyJsonSchema());
    });

  program
    .command('init')
    .description('write the built-in topology, commented, as a starting point')
    .option('-o, --output <path>', 'file to write (default: print to stdout)')
    .option('--force', 'overwrite an existing file')
    .action(async (opts: { output?: string; force?: boolean }) => {
      const { DEFAULT_TOPOLOGY_YAML } = await import('../../spec/default-topology.ts');
      if (!opts.output) return void process.stdout.write(DEFAULT_TOPOLOGY_YAML);
      if (existsSync(opts.output) && !opts.force) throw new InputError(`${opts.output} exists; pass --force to overwrite`);
      writeFileSync(opts.output, DEFAULT_TOPOLOGY_YAML);
      process.stdout.write(`wrote ${opts.output}\n`);
    });
}
