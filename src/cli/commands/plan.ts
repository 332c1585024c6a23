/**
 * Dry runs, read-only: what an action would do, computed by the agents from what they observe now.
 *   meridian plan failover --store S [--to R]     the reconciler's steps if the primary were lost now (or a switchover to R)
 *   meridian plan drain --region R [--service S]  what a drain would take out, and whether a safety rule would refuse it
 * Exit 0: the action would go through; 1: it would wait or be refused (the reason is printed), or no
 * agent answered; 2: bad usage, or a store, region or service the topology does not have.
 */
import type { Command } from 'commander';

export function registerPlanCommands(program: Command): void {
  const plan = program.command('plan').description('dry runs: what a failover, switchover or drain would do now, changing nothing');

  plan.command('failover')
    .description("the steps the reconciler would take if the store's primary were lost now, who would be promoted and why, the data at risk, what would make it wait; with --to, a switchover to R or why R cannot be chosen")
    .requiredOption('--store <name>', 'the store (stores[].name)')
    .option('--to <region>', 'plan a switchover to this region instead')
    .option('-f, --file <path>', "topology file (default: the running lab's)")
    .option('--json', "print the coordinator's answer as JSON")
    .action(async (opts: { store: string; to?: string; file?: string; json?: boolean }) => {
      const { planStore } = await import('../plan-client.ts');
      await planStore(opts.file, opts.store, opts.to, opts.json ?? false);
    });

  plan.command('drain')
    .description('what meridian traffic drain would do: the services that lose the region, the healthy undrained regions each keeps, and whether a safety rule would refuse it (then --force would be needed)')
    .requiredOption('--region <region>', 'the region to drain')
    .option('--service <name>', 'only this service (default: every service)')
    .option('-f, --file <path>', "topology file (default: the running lab's)")
    .option('--json', "print the agent's answer as JSON")
    .action(async (opts: { region: string; service?: string; file?: string; json?: boolean }) => {
      const { planDrain } = await import('../plan-client.ts');
      await planDrain(opts.file, opts.region, opts.service, opts.json ?? false);
    });
}
