/**
 * `meridian lab up|status|down|cut|heal|kill` (regions in network namespaces on this machine)
 * and `meridian demo-app` (the demo service the lab runs in each region).
 */
import { Option, type Command } from 'commander';
import { CheckFailed, UsageError } from '../../common/errors.ts';
import type { OrdersCliOptions } from '../../demo/index.ts';
// Both run while the command line is parsed (choices, an option's parser): small, no dependencies.
import { parseListen, type ListenAddress } from '../../demo/listen.ts';
import { LAB_ADDONS, type LabAddon } from '../../lab/addons.ts';
import type { LiveLabStatus, ProcessStatus } from '../../lab/index.ts';
import { formatStoreSection } from './db.ts';
import { formatTable, printJson } from '../output.ts';

const NO_LAB = 'no lab is running (start one with: meridian lab up)';

export function registerLabCommands(program: Command): void {
  const lab = program
    .command('lab')
    .description('several regions on this machine in network namespaces (Linux, root): a test bed for drills');

  lab
    .command('up')
    .description('build the lab (idempotent) and print where everything is')
    .option('-f, --file <path>', 'topology file (default: the built-in topology)')
    .option('--json', 'print the status as JSON')
    .option('--no-agents', 'do not start the regional agents (debugging)')
    .addOption(new Option('--with <extras...>', 'also start: prometheus (one per region, a global one federating them)').choices([...LAB_ADDONS]))
    .action(async (opts: { file?: string; json?: boolean; agents: boolean; with?: LabAddon[] }) => {
      const { labUp } = await import('../../lab/index.ts');
      const { outcome, status } = await labUp({ topologyFile: opts.file, agents: opts.agents, with: opts.with });
      if (opts.json) return printJson(status);
      const headline = { created: 'lab is up', rebuilt: 'lab is up (rebuilt: the previous one was incomplete or different)', alreadyUp: 'lab was already up' }[outcome];
      process.stdout.write(`${headline}\n\n${formatStatus(status)}`);
    });

  lab
    .command('status')
    .description('where everything is, and whether each process is alive')
    .option('--json', 'print the status as JSON')
    .action(async (opts: { json?: boolean }) => {
      const { readLiveLabStatus } = await import('../../lab/live-status.ts');
      const status = await readLiveLabStatus();
      if (!status) throw new CheckFailed(NO_LAB);
      if (opts.json) return printJson(status);
      process.stdout.write(formatStatus(status));
    });

  lab
    .command('down')
    .description('stop every lab process and remove every mrd-* namespace and link (also after a crash)')
    .action(async () => {
      const { labDown } = await import('../../lab/down.ts');
      const result = await labDown();
      process.stdout.write(`lab is down: stopped ${result.stoppedProcesses} processes, removed ${result.namespaces.length} namespaces\n`);
    });

  lab
    .command('cut')
    .description("partition a region: its bridge port goes down, processes keep running")
    .argument('<region>')
    .action(async (region: string) => {
      // faults.ts alone: a drill times its cut from this command, so it must act at once.
      const { cutRegion } = await import('../../lab/faults.ts');
      const outcome = cutRegion(region);
      process.stdout.write(outcome === 'cut' ? `${region} is cut off\n` : `${region} was already cut off\n`);
    });

  lab
    .command('heal')
    .description('reconnect a cut region')
    .argument('<region>')
    .action(async (region: string) => {
      const { healRegion } = await import('../../lab/faults.ts');
      const outcome = healRegion(region);
      process.stdout.write(outcome === 'healed' ? `${region} is reconnected\n` : `${region} was not cut (link brought up anyway)\n`);
    });

  lab
    .command('kill')
    .description("stop a region's agent or demo instances (by PID)")
    .argument('<region>')
    .addOption(new Option('--what <kind>', 'what to stop').choices(['agent', 'app', 'postgres', 'etcd']).makeOptionMandatory())
    .action(async (region: string, opts: { what: 'agent' | 'app' | 'postgres' | 'etcd' }) => {
      const { killInRegion } = await import('../../lab/faults.ts');
      const stopped = await killInRegion(region, opts.what);
      const list = stopped.map((p) => `${p.name} (pid ${p.pid})`).join(', ');
      process.stdout.write(stopped.length > 0 ? `stopped ${list}\n` : `no running ${opts.what} in ${region}\n`);
    });

  program
    .command('demo-app')
    .description('run the demo web service (the lab starts one per instance): GET /, GET /healthz, and with --db-host POST/GET /orders')
    .requiredOption('--region <name>', 'region it runs in')
    .requiredOption('--service <name>', 'service it is an instance of')
    .requiredOption('--instance <n>', 'instance number (1-based)', parseInstance)
    .option('--listen <ip:port>', 'address to listen on; repeat for several ([ipv6]:port for IPv6)', collectListen, [])
    .option('--db-host <name>', "the store primary's DNS name (or address) for /orders; login from MERIDIAN_DB_APP_USER/_PASSWORD")
    .option('--db-port <port>', 'its port (default 5432)')
    .option('--db-name <database>', 'its database (default app)')
    .option('--db-fallback <ips>', 'comma-separated member addresses to try while the name does not resolve')
    .option('--db-deadline <duration>', 'bound on one request, retries included (default 5s)')
    .action(async (opts: { region: string; service: string; instance: number; listen: ListenAddress[] } & OrdersCliOptions) => {
      if (opts.listen.length === 0) throw new UsageError('demo-app needs at least one --listen ip:port');
      const [{ createPgOrdersStore, DEFAULT_ROUTES, formatListen, orderRoutes, ordersConfigFrom, startDemoApp }, { DB_CREDENTIAL_ENV }, { createLogger }] = await Promise.all([
        import('../../demo/index.ts'),
        import('../../lab/credentials.ts'),
        import('../../common/log.ts'),
      ]);
      const db = ordersConfigFrom(opts, { user: process.env[DB_CREDENTIAL_ENV.appUser], password: process.env[DB_CREDENTIAL_ENV.appPassword] });
      const store = db && createPgOrdersStore(db);
      const routes = store ? { ...DEFAULT_ROUTES, ...orderRoutes(store) } : DEFAULT_ROUTES;
      const app = await startDemoApp({ identity: { region: opts.region, service: opts.service, instance: opts.instance }, listen: opts.listen, routes });
      const log = createLogger('demo-app', { region: opts.region, service: opts.service, instance: opts.instance });
      log.info({ listen: app.addresses.map(formatListen), db: db && { host: db.host, port: db.port, database: db.database } }, 'serving');
      await new Promise<void>((resolve) => {
        const stop = () => void app.close().then(() => store?.close()).then(resolve);
        process.once('SIGTERM', stop);
        process.once('SIGINT', stop);
      });
    });
}

function parseInstance(text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`--instance '${text}': expected a positive integer`);
  return n;
}

function collectListen(text: string, previous: ListenAddress[]): ListenAddress[] {
  return [...previous, parseListen(text)];
}

function formatStatus(s: LiveLabStatus): string {
  const lines = [
    `zone ${s.zone}: ${s.services.map((svc) => `${svc.fqdn} (port ${svc.port})`).join(', ') || 'no services'}`,
    '',
    formatTable(
      ['REGION', 'NAMESPACE', 'DNS', 'API', 'INSTANCES', 'CUT', 'PROCESSES'],
      s.regions.map((r) => [r.name, r.namespace, r.dns, r.api, r.instances.join(' '), r.cut ? 'CUT' : 'no', summarize(r.processes)]),
    ),
    `IPv6: the same hosts at fd77:231::<region>:<host> (e.g. ${s.regions[0]?.instances6[0] ?? '-'})`,
    ...s.clients.map((c) => `clients: ${c.namespace} at ${c.address} and ${c.address6}`),
    `bridge: ${s.bridge.name} (${s.bridge.address}, ${s.bridge.address6}) in the root namespace${s.agents ? '' : '; agents NOT started (--no-agents)'}`,
    `state: ${s.stateDir}  topology: ${s.topologyFile}`,
    ...(s.apiCa ? [`agents' API over https, certificates signed by ${s.apiCa} (meridian trusts it by itself; curl: --cacert ${s.apiCa})`] : []),
    ...(s.prometheus
      ? ['', `prometheus: global ${s.prometheus.global} (in ${s.clients[0]?.namespace ?? 'mrd-client'}); ${Object.entries(s.prometheus.regions).map(([r, url]) => `${r} ${url}`).join(', ')}`]
      : []),
    ...(s.etcd.length > 0 ? ['', `etcd: ${s.etcd.map((e) => `${e.region} ${e.client} ${e.healthy ? 'healthy' : 'UNHEALTHY'}`).join(', ')}`] : []),
    ...s.stores.flatMap((store) => ['', formatStoreSection(store).trimEnd()]),
    ...(s.stores.length > 0 ? [`database passwords: ${s.stateDir}/secrets.json (root only)`] : []),
    '',
    `try: ip netns exec ${s.clients[0]?.namespace ?? 'mrd-client'} curl -s http://${s.regions[0]?.instances[0] ?? ''}/`,
    ...(s.agents && s.services[0] ? [`     dig @${s.regions[0]?.dns.split(':')[0]} ${s.services[0].fqdn} A +short`] : []),
    ...(s.stores.length > 0 && s.regions[0]?.instances[0]
      ? [`     ip netns exec ${s.clients[0]?.namespace ?? 'mrd-client'} curl -s -X POST -d '{"id":"o-1"}' http://${s.regions.at(-1)?.instances[0]}/orders`]
      : []),
  ];
  return `${lines.join('\n')}\n`;
}

/** `agent 1/1, app 2/2` alive per kind. */
function summarize(processes: readonly ProcessStatus[]): string {
  const kinds = [...new Set(processes.map((p) => p.kind))];
  return kinds
    .map((kind) => {
      const of = processes.filter((p) => p.kind === kind);
      return `${kind} ${of.filter((p) => p.alive).length}/${of.length}`;
    })
    .join(', ') || '-';
}
