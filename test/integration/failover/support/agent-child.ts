/**
 * One regional agent in its own process, for the coordinator-crash test: it SIGKILLs itself
 * right after it has recorded a `promote` step as done (a coordinator dying mid-runbook, with
 * no chance to release its leases). Usage: agent-child.ts TOPOLOGY_FILE REGION STATE_DIR DATA_DIR
 */
import { pino } from 'pino';
import { runAgent } from '../../../../src/agent/index.ts';
import { loadTopologyFile } from '../../../../src/spec/index.ts';
import { TEST_AUTH } from '../../../support/postgres.ts';

const [file, region, stateDir, dataDir] = process.argv.slice(2);
if (!file || !region || !stateDir || !dataDir) throw new Error('usage: agent-child.ts TOPOLOGY_FILE REGION STATE_DIR DATA_DIR');

const agent = await runAgent({
  topology: loadTopologyFile(file),
  region,
  logger: pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }),
  // The parent's test tokens (test/support/tokens.ts), inherited through the environment.
  ...(process.env.MERIDIAN_TEST_TOKENS_FILE ? { tokensFile: process.env.MERIDIAN_TEST_TOKENS_FILE } : {}),
  stores: {
    auth: TEST_AUTH,
    stateDir,
    dataDirs: { orders: dataDir },
    onStepRecord: (_store, record) => {
      if (record.kind === 'promote' && record.result === 'ok') process.kill(process.pid, 'SIGKILL');
    },
  },
});
process.once('SIGTERM', () => void agent.close().then(() => process.exit(0)));
