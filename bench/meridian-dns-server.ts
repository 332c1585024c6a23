/**
 * Meridian's authoritative DNS server alone in its own process, for the DNS benchmark:
 * `node --import tsx bench/meridian-dns-server.ts --topology FILE --port PORT [--transport native|dgram]`.
 * Loads the topology, builds the answer table with every endpoint healthy (an empty endpoint map
 * means all up), serves it on 127.0.0.1:PORT, prints "ready udp=… tcp=… transport=…", runs until
 * SIGTERM/SIGINT. Every query is counted by the agent's own metrics hook (AgentMetrics'
 * recordDnsAnswer as onQuery), so the figure is the agent's real query path.
 */
import { parseArgs } from 'node:util';
import { describeError } from '../src/common/errors.ts';
import { createLogger } from '../src/common/log.ts';
import { buildAnswerTable, chooseUdpTransport, rateLimitOf, startDnsServer, UDP_TRANSPORT_ENV } from '../src/gslb/index.ts';
import type { HealthSnapshot } from '../src/health/types.ts';
import { AgentMetrics } from '../src/observe/index.ts';
import { loadTopologyFile } from '../src/spec/index.ts';

const BENCH_SERIAL = 2026112500;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      topology: { type: 'string' },
      port: { type: 'string' },
      host: { type: 'string', default: '127.0.0.1' },
      transport: { type: 'string', default: 'native' },
    },
  });
  if (!values.topology || !values.port) throw new Error('usage: meridian-dns-server.ts --topology FILE --port PORT [--transport native|dgram]');
  const topology = loadTopologyFile(values.topology);
  const allHealthy: HealthSnapshot = { atMs: Date.now(), endpoints: new Map(), reachablePeers: [] };
  // A fixed serial: the Meridian processes of one run (native and dgram) must send the same bytes.
  const table = buildAnswerTable(topology, allHealthy, { serial: BENCH_SERIAL });
  const logger = createLogger('bench-dns');
  // The agent's chooser, told which one: `native` fails rather than quietly measure dgram.
  const udp = chooseUdpTransport({ logger, env: { [UDP_TRANSPORT_ENV]: values.transport } });
  const region = topology.regions[0]?.name ?? 'bench';
  const metrics = new AgentMetrics({ topology, region, bootId: 'bench', defaultMetrics: false, state: () => { throw new Error('no /metrics in the bench server'); } });
  // The agent's rate limiting too (loopback is exempt by default, so dnsperf is not throttled; the check is on the path).
  const rateLimit = rateLimitOf(topology);
  const server = await startDnsServer({
    host: values.host, port: Number(values.port), table: () => table, logger, udpTransport: udp.factory, onQuery: metrics.recordDnsAnswer,
    ...(rateLimit ? { rateLimit } : {}),
  });
  process.stdout.write(`ready udp=${server.udpPort} tcp=${server.tcpPort} transport=${udp.name}\n`);
  const stop = () => void server.close().finally(() => process.exit(0));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main().catch((err: unknown) => {
  process.stderr.write(`meridian-dns-server: ${describeError(err)}\n`);
  process.exit(1);
});
