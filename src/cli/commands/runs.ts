/**
 * Approval of failovers (stores[].failover.approval: manual), and the runs of every store:
 *   meridian approve ID [--reason TEXT]   let a pending failover run start (the coordinator runs it on its next tick)
 *   meridian reject ID [--reason TEXT]    close it: nothing changes, the same situation asks again only after the expiry
 *   meridian runs [--store S] [--json]    pending and past runs, with their steps and outcome
 * A run's id names its store (`<store>-<base 36>`), so approve and reject need no --store. Both
 * are an operator's request to the failover coordinator, recorded with who asked; `runs` is a
 * viewer's read from any agent.
 */
import type { Command } from 'commander';
import { InputError } from '../../common/errors.ts';
import type { Topology } from '../../spec/index.ts';
import { askCoordinator } from './store.ts';
import { principal } from './principal.ts';

/** `<store>-<base 36 milliseconds>`; store names are the topology's (letters, digits, '-'). */
const RUN_ID = /^([a-z][a-z0-9-]{0,30}[a-z0-9])-([0-9a-z]{1,12})$/;

export function registerRunCommands(program: Command): void {
  for (const kind of ['approve', 'reject'] as const) {
    program
      .command(`${kind} <id>`)
      .description(kind === 'approve'
        ? 'approve a pending failover run (approval: manual): the coordinator runs it on its next tick if the store still needs it'
        : 'reject a pending failover run: nothing changes; the same situation raises no new run before the expiry')
      .option('--reason <text>', 'why, kept with the run and in the audit')
      .option('-f, --file <path>', "topology file (default: the running lab's)")
      .option('--json', "print the coordinator's answer as JSON")
      .action(async (id: string, opts: { reason?: string; file?: string; json?: boolean }) => {
        const store = storeOfRun(id);
        const { loadTopologyOrLab } = await import('../topology-source.ts');
        const topology = loadTopologyOrLab(opts.file);
        checkStore(topology, store, `run ${id}`);
        await askCoordinator(topology, store, { kind, id, by: principal(), ...(opts.reason ? { reason: opts.reason } : {}) }, opts.json ?? false, opts.file);
      });
  }

  program
    .command('runs')
    .description('failover runs of each store: the pending one (steps, why, expiry, how to answer) and past ones, with the runbooks and their outcome')
    .option('--store <name>', 'only this store (stores[].name)')
    .option('-f, --file <path>', "topology file (default: the running lab's)")
    .option('--json', 'print the agents\' answers as JSON')
    .action(async (opts: { store?: string; file?: string; json?: boolean }) => {
      const { loadTopologyOrLab } = await import('../topology-source.ts');
      const topology = loadTopologyOrLab(opts.file);
      if (opts.store !== undefined) checkStore(topology, opts.store, '--store');
      const { showRuns } = await import('../runs-client.ts');
      await showRuns(topology, opts.store, opts.json ?? false, opts.file);
    });
}

/** The store a run id names; a malformed id is bad input (exit 2). */
export function storeOfRun(id: string): string {
  const match = RUN_ID.exec(id);
  if (!match) throw new InputError(`'${id}' is not a run id (expected <store>-<id>, e.g. orders-m3k9x2a; meridian runs lists them)`);
  return match[1]!;
}

function checkStore(topology: Topology, store: string, what: string): void {
  if (!topology.stores.some((s) => s.name === store)) {
    throw new InputError(`${what}: no store '${store}' in the topology (stores: ${topology.stores.map((s) => s.name).join(', ') || 'none'})`);
  }
}
