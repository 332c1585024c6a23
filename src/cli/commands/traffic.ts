/**
 * The operator's traffic controls, stored in etcd and applied by every agent (any agent serves
 * the request; the first that answers does):
 *   meridian traffic drain --region R [--service S] [--reason TEXT] [--force]   out of the answers, while healthy
 *   meridian traffic undrain --region R [--service S]                            back in
 *   meridian traffic weight --service S --region R (N | --reset)                 a weighted service's weight
 *   meridian traffic status [--json]                                             the controls in force
 * A change that would leave a service fewer healthy, undrained regions than its minHealthyRegions
 * (default 1) is refused, naming the rule, unless --force. Exit 0 done or nothing to do, 1 refused
 * or no agent could do it, 2 bad usage or names the topology does not have. Each request names who
 * asked (MERIDIAN_OPERATOR, else user@host).
 */
import type { Command } from 'commander';
import { InputError, UsageError } from '../../common/errors.ts';
import type { TrafficRequest } from '../../gslb/index.ts';
import { principal } from './principal.ts';

interface Common {
  readonly file?: string;
  readonly json?: boolean;
}

export function registerTrafficCommands(program: Command): void {
  const traffic = program
    .command('traffic')
    .description("operators' traffic controls: drain a region, change a weight; stored in etcd, applied by every agent, guarded by safety rules");

  traffic.command('drain')
    .description("take a region out of a service's DNS answers (every service without --service) while it stays healthy, e.g. for maintenance")
    .requiredOption('--region <region>', 'the region to drain')
    .option('--service <name>', 'only this service (default: every service)')
    .option('--reason <text>', 'why, shown on /status, the dashboard, the timeline and the audit')
    .option('--force', 'do it even if a safety rule refuses it (the refusal names the rule)')
    .option('-f, --file <path>', "topology file (default: the running lab's)")
    .option('--json', "print the agent's answer as JSON")
    .action(async (opts: Common & { region: string; service?: string; reason?: string; force?: boolean }) => {
      await send(opts, { kind: 'drain', region: opts.region, by: principal(), ...optional(opts, ['service', 'reason', 'force']) });
    });

  traffic.command('undrain')
    .description('put a drained region back in the answers (every drain of the region without --service)')
    .requiredOption('--region <region>', 'the region to put back')
    .option('--service <name>', "only this service's drain")
    .option('-f, --file <path>', "topology file (default: the running lab's)")
    .option('--json', "print the agent's answer as JSON")
    .action(async (opts: Common & { region: string; service?: string }) => {
      await send(opts, { kind: 'undrain', region: opts.region, by: principal(), ...optional(opts, ['service']) });
    });

  traffic.command('weight')
    .description("change a weighted service's weight for a region (0 takes it out); --reset goes back to the topology's weight")
    .argument('[weight]', 'the new weight, an integer from 0 to 1000')
    .requiredOption('--service <name>', 'a service with policy type weighted')
    .requiredOption('--region <region>', 'the region whose weight changes')
    .option('--reset', "drop the override: the topology's weight applies again")
    .option('--reason <text>', 'why, shown on /status, the timeline and the audit')
    .option('--force', 'do it even if a safety rule refuses it (weight 0 on the last healthy region)')
    .option('-f, --file <path>', "topology file (default: the running lab's)")
    .option('--json', "print the agent's answer as JSON")
    .action(async (text: string | undefined, opts: Common & { service: string; region: string; reset?: boolean; reason?: string; force?: boolean }) => {
      const weight = parseWeight(text, opts.reset ?? false);
      await send(opts, { kind: 'weight', service: opts.service, region: opts.region, weight, by: principal(), ...optional(opts, ['reason', 'force']) });
    });

  traffic.command('status')
    .description('the traffic controls in force, as the agents read them from etcd')
    .option('-f, --file <path>', "topology file (default: the running lab's)")
    .option('--json', 'print as JSON')
    .action(async (opts: Common) => {
      const { showTrafficStatus } = await import('../traffic-client.ts');
      await showTrafficStatus(opts.file, opts.json ?? false);
    });
}

async function send(opts: Common, request: TrafficRequest): Promise<void> {
  const { sendTrafficRequest } = await import('../traffic-client.ts');
  await sendTrafficRequest(opts.file, request, opts.json ?? false);
}

function parseWeight(text: string | undefined, reset: boolean): number | null {
  if (reset && text !== undefined) throw new UsageError('give a weight or --reset, not both');
  if (reset) return null;
  if (text === undefined) throw new UsageError('missing the weight: meridian traffic weight --service S --region R N (or --reset)');
  if (!/^\d{1,4}$/.test(text) || Number(text) > 1000) throw new InputError(`the weight must be an integer from 0 to 1000, not '${text}'`);
  return Number(text);
}

/** The options that were given, and only those (the API refuses unknown and undefined fields alike). */
function optional<T extends object, K extends keyof T>(opts: T, keys: readonly K[]): Partial<Pick<T, K>> {
  return Object.fromEntries(keys.filter((k) => opts[k] !== undefined).map((k) => [k, opts[k]])) as Partial<Pick<T, K>>;
}
