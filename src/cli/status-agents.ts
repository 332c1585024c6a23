/**
 * The agents `meridian status` asks: those of `-f FILE`, else the running lab's, read from the
 * lab's state file (written from the topology the lab validated when it was built). Loading and
 * validating the topology again is most of a status's start-up (the schema library alone is
 * ~100 modules), and the lab case is the common one.
 */
import type { AgentAddress } from '../agent/status-client.ts';
import { UsageError } from '../common/errors.ts';
import { readState } from '../lab/state.ts';

export const NO_TOPOLOGY = 'no topology: pass -f FILE, or start a lab with: meridian lab up';

export async function statusAgents(file: string | undefined): Promise<AgentAddress[]> {
  if (file) {
    const { loadTopologyFile } = await import('../spec/index.ts');
    return loadTopologyFile(file).regions.map((r) => ({ region: r.name, api: r.agent?.api }));
  }
  const state = readState();
  if (!state) throw new UsageError(NO_TOPOLOGY);
  return state.layout.regions.map((r) => ({ region: r.name, api: r.api }));
}
