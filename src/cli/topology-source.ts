/**
 * Where a command finds its topology: `-f FILE` when given, else the running lab's materialized
 * topology (so `meridian status` just works after `meridian lab up`).
 */
import { existsSync } from 'node:fs';
import { UsageError } from '../common/errors.ts';
import { labTopologyFile } from '../lab/state.ts';
import { loadTopologyFile, type Topology } from '../spec/index.ts';
import { NO_TOPOLOGY } from './status-agents.ts';

export function topologyFileOrLab(file: string | undefined): string {
  if (file) return file;
  const lab = labTopologyFile();
  if (existsSync(lab)) return lab;
  throw new UsageError(NO_TOPOLOGY);
}

export function loadTopologyOrLab(file: string | undefined): Topology {
  return loadTopologyFile(topologyFileOrLab(file));
}
