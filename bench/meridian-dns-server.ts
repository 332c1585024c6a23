/**
 * Meridian's authoritative DNS server alone in its own process, for the DNS benchmark:
 * `node --import tsx bench/meridian-dns-server.ts --topology FILE --port PORT`.
 * Loads the topology, builds the answer table with every endpoint healthy (an empty endpoint map
 * means all up), serves it on 127.0.0.1:PORT, prints "ready udp=… tcp=…", runs until SIGTERM/SIGINT.
 */
import { parseArgs } from 'node:util';
import { describeError } from '../src/common/errors.ts';
import { createLogger } from '../src/common/log.ts';
import { buildAnswerTable, startDnsServer } from '../src/gslb/index.ts';
import type { HealthSnapshot } from '../src/health/types.ts';
import { loadTopologyFile } from '../src/spec/index.ts';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { topology: { type: 'string' }, port: { type: 'string' }, host: { type: 'string', default: '127.0.0.1' } },
  });
  if (!values.topology || !values.port) throw new Error('usage: meridian-dns-server.ts --topology FILE --port PORT');
  const topology = loadTopologyFile(values.topology);
  const allHealthy: HealthSnapshot = { atMs: Date.now(), endpoints: new Map(), reachablePeers: [] };
  const table = buildAnswerTable(topology, allHealthy);
  const server = await startDnsServer({ host: values.host, port: Number(values.port), table: () => table, logger: createLogger('bench-dns') });
  process.stdout.write(`ready udp=${server.udpPort} tcp=${server.tcpPort}\n`);
  const stop = () => void server.close().finally(() => process.exit(0));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main().catch((err: unknown) => {
  process.stderr.write(`meridian-dns-server: ${describeError(err)}\n`);
  process.exit(1);
});
