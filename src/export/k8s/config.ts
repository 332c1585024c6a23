/**
 * The agent's configuration as ConfigMaps: the normalized topology (defaults filled in, the
 * file `meridian agent -f` loads) shared by every region, and the region name, one per overlay.
 */
import { createHash } from 'node:crypto';
import { ConfigMap } from 'kubernetes-models/v1';
import type { Topology } from '../../spec/index.ts';
import { toYaml } from '../files.ts';
import { COMMON_LABELS, PATHS, REGION_CONFIGMAP, TOPOLOGY_CONFIGMAP } from './names.ts';

/** The topology as the agent reads it; the same bytes for the same topology. */
export function normalizedTopologyYaml(topology: Topology): string {
  return toYaml(topology, { comment: ['Normalized by `meridian export k8s`: defaults filled in, durations in milliseconds.'] });
}

/** SHA-256 of the topology text: put on the pod template so a topology change rolls the pods. */
export function topologyHash(topology: Topology): string {
  return createHash('sha256').update(normalizedTopologyYaml(topology)).digest('hex');
}

export function topologyConfigMap(topology: Topology, namespace: string): ConfigMap {
  return new ConfigMap({
    metadata: { name: TOPOLOGY_CONFIGMAP, namespace, labels: { ...COMMON_LABELS } },
    data: { [PATHS.topologyFile]: normalizedTopologyYaml(topology) },
  });
}

/** The region this overlay's agent runs as (MERIDIAN_REGION → `--region`). */
export function regionConfigMap(region: string, namespace: string): ConfigMap {
  return new ConfigMap({
    metadata: { name: REGION_CONFIGMAP, namespace, labels: { ...COMMON_LABELS } },
    data: { region },
  });
}
