/** `meridian agent` (run one region's agent until SIGTERM/SIGINT) and `meridian status`. */
import type { Command } from 'commander';
import { CheckFailed, UsageError } from '../../common/errors.ts';
import type { Table } from '../../agent/index.ts';
import { formatTable, printJson } from '../output.ts';

export function registerAgentCommands(program: Command): void {
  program
    .command('agent')
    .description("run a region's agent: probes every endpoint, exchanges views with peers, serves GSLB DNS and /status")
    .requiredOption('-f, --file <path>', 'topology file (every region needs agent addresses, every service endpoints)')
    .requiredOption('--region <name>', 'the region this agent runs in')
    .option('--dns <ip:port>', 'listen for DNS here instead of regions[].agent.dns')
    .option('--api <ip:port>', 'serve the HTTP API here instead of the host:port of regions[].agent.api')
    .option('--siblings <host:port,...>', "the other agents of this region, to relay peer views to (a DNS name lists them all, e.g. a headless Service); for a region running more than one agent; with a peer listener, their peer listeners")
    .option('--state-dir <dir>', 'where the failover audit (JSON lines) is kept (default /var/lib/meridian/<region>)')
    .option('--pg-data <store=dir>', "data directory of this region's member of a store, for demote and rejoin (repeatable)", pairsOf('--pg-data', 'DIR'), {})
    .option('--pg-log <store=file>', "log file of this region's member of a store when the agent starts it (default: beside its data directory, DIR.log) (repeatable)", pairsOf('--pg-log', 'FILE'), {})
    .option('--tokens <file>', 'bearer tokens (name, role, SHA-256) the API accepts, reread when it changes (meridian token create); without it the API serves reads to loopback only and refuses every operator action')
    .option('--peer-tls <dir>', "mutual TLS between agents: DIR holds ca.crt, tls.crt (naming spiffe://meridian/region/<region>) and tls.key, reread when they change; with the region's agent.peer, the peer routes are served there only")
    .option('--peer <ip:port>', 'serve the peer listener here instead of regions[].agent.peer (needs --peer-tls)')
    .option('--api-tls <dir>', "serve the API over https only: DIR holds tls.crt (naming the address of regions[].agent.api, which must be https://) and tls.key, reread when they change; ca.crt, if there, is trusted to call the other agents' APIs")
    .option('--pg-tls <dir>', "PostgreSQL over TLS: DIR holds ca.crt (the CA of every member's server certificate), tls.crt (this region's member's, naming its address: an IP SAN for an IP) and tls.key, readable by the postgres OS user; read at start. Meridian's sessions, streaming and pg_rewind/pg_basebackup then verify the server (verify-full)")
    .option('--etcd-tls <dir>', "TLS to etcd with a client certificate: DIR holds ca.crt (etcd's CA), tls.crt (whose CN is the etcd user) and tls.key, read at start; the topology's etcd client URLs must be https://")
    .action(async (opts: {
      file: string; region: string; dns?: string; api?: string; siblings?: string; stateDir?: string; pgData: Record<string, string>; pgLog: Record<string, string>;
      tokens?: string; peerTls?: string; peer?: string; etcdTls?: string; pgTls?: string; apiTls?: string;
    }) => {
      const [{ loadTopologyFile }, { runAgent }, { loadPgTlsDir }] = await Promise.all([
        import('../../spec/index.ts'), import('../../agent/index.ts'), import('../../data/index.ts'),
      ]);
      const topology = loadTopologyFile(opts.file);
      // Checked before anything starts: bad material is one line naming the file, exit 2 (InputError).
      const pgTls = opts.pgTls !== undefined ? loadPgTlsDir(opts.pgTls) : undefined;
      // Listen for signals first: a SIGTERM during start-up still ends in a clean close.
      const signalled = untilSignal();
      const stores = { ...(opts.stateDir ? { stateDir: opts.stateDir } : {}), dataDirs: opts.pgData, logFiles: opts.pgLog, ...(pgTls ? { pgTls } : {}) };
      const agent = await runAgent({
        topology, region: opts.region, dnsListen: opts.dns, apiListen: opts.api, siblings: opts.siblings, stores, ...(opts.tokens ? { tokensFile: opts.tokens } : {}),
        ...(opts.peerTls ? { peerTlsDir: opts.peerTls } : {}), ...(opts.peer ? { peerListen: opts.peer } : {}),
        ...(opts.etcdTls ? { etcdTlsDir: opts.etcdTls } : {}), ...(opts.apiTls ? { apiTlsDir: opts.apiTls } : {}),
      });
      await signalled;
      await agent.close();
    });

  program
    .command('status')
    .description("ask every region's agent what it sees: health per vantage point, routed verdict, current answers")
    .option('-f, --file <path>', 'topology file with regions[].agent.api (default: the running lab\'s)')
    .option('--json', 'print the raw /status of every agent')
    .action(async (opts: { file?: string; json?: boolean }) => {
      // The status client and tables only: importing the agent itself would load etcd, pg and prom-client.
      const [{ statusAgents }, { readStatusesOf }, { agentsTable, answersTable, healthTable }, { authHeaders }] = await Promise.all([
        import('../status-agents.ts'),
        import('../../agent/status-client.ts'),
        import('../../agent/status-report.ts'),
        import('../credentials.ts'),
      ]);
      const readings = await readStatusesOf(await statusAgents(opts.file), 2_000, authHeaders('viewer', opts.file));
      const answering = readings.flatMap((r) => (r.kind === 'ok' ? [r] : []));
      if (opts.json) printJson(readings);
      else {
        const print = (t: Table) => process.stdout.write(formatTable(t.header, t.rows));
        print(agentsTable(readings));
        const first = answering[0];
        if (first) {
          process.stdout.write('\n');
          print(healthTable(readings));
          process.stdout.write(`\nanswers (from ${first.region}):\n`);
          print(answersTable(first.status));
        }
      }
      if (answering.length === 0) throw new CheckFailed('no agent answered');
    });
}

/** `--pg-data orders=/srv/pg/orders` (repeatable) → { orders: '/srv/pg/orders' }. */
function pairsOf(flag: string, what: string): (value: string, previous: Record<string, string>) => Record<string, string> {
  return (value, previous) => {
    const at = value.indexOf('=');
    if (at <= 0 || at === value.length - 1) throw new UsageError(`${flag}: '${value}' is not STORE=${what}`);
    return { ...previous, [value.slice(0, at)]: value.slice(at + 1) };
  };
}

/** Resolves on the first SIGTERM or SIGINT; the handlers are removed so a second signal kills. */
function untilSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const on = (signal: NodeJS.Signals) => {
      process.off('SIGTERM', on);
      process.off('SIGINT', on);
      resolve(signal);
    };
    process.on('SIGTERM', on);
    process.on('SIGINT', on);
  });
}
