/**
 * The agent's two listeners in one process, as in the agent, for the flood benchmark:
 * `node --import tsx bench/flood/server.ts --dns-port P --api-port Q`. DNS answers the bench
 * zone (every endpoint healthy) with the agent's rate limiting; the API is the agent's
 * (startApiServer: request guard, limits, access control) and takes POST /v1/view like a peer's.
 * A 100 ms timer stands in for a lease renewal: how late it fires is what a renewal would wait.
 * GET /status returns the lateness samples since the last GET and clears them (loopback may read it).
 * Prints "ready" and runs until SIGTERM.
 */
import { parseArgs } from 'node:util';
import { startApiServer } from '../../src/agent/http-api.ts';
import type { AgentStatus } from '../../src/agent/status.ts';
import { describeError } from '../../src/common/errors.ts';
import { createLogger } from '../../src/common/log.ts';
import { buildAnswerTable, rateLimitOf, startDnsServer } from '../../src/gslb/index.ts';
import type { HealthSnapshot, VantageView } from '../../src/health/types.ts';
import { benchTopology } from '../dns/topology.ts';

/** A lease renewal's period is seconds; 100 ms gives enough samples in a 5 s phase. */
const TICK_MS = 100;

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { 'dns-port': { type: 'string' }, 'api-port': { type: 'string' } } });
  const topology = benchTopology();
  const allHealthy: HealthSnapshot = { atMs: Date.now(), endpoints: new Map(), reachablePeers: [] };
  const table = buildAnswerTable(topology, allHealthy, { serial: 1 });
  const logger = createLogger('bench-flood');
  const rateLimit = rateLimitOf(topology);
  const dns = await startDnsServer({ host: '127.0.0.1', port: Number(values['dns-port']), table: () => table, logger, ...(rateLimit ? { rateLimit } : {}) });

  let lateness: number[] = [];
  let last = performance.now();
  setInterval(() => {
    const now = performance.now();
    lateness.push(Math.max(0, now - last - TICK_MS));
    last = now;
  }, TICK_MS);

  const api = await startApiServer({ host: '127.0.0.1', port: Number(values['api-port']) }, {
    status: () => {
      const samples = lateness;
      lateness = [];
      return { timerLatenessMs: samples } as unknown as AgentStatus;
    },
    view: () => ({}) as VantageView,
    receiveView: () => 'accepted',
  }, logger);
  process.stdout.write(`ready dns=${dns.udpPort} api=${api.port}\n`);
  const stop = () => void Promise.all([dns.close(), api.close()]).finally(() => process.exit(0));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main().catch((err: unknown) => {
  process.stderr.write(`flood server: ${describeError(err)}\n`);
  process.exit(1);
});
