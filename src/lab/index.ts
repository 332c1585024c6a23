/**
 * lab: several regions on one Linux machine, for tests, drills and demos (never production).
 * Each region is a network namespace `mrd-<region>` on the bridge `mrd-br0`, running its agent
 * and demo instances; clients live in `mrd-client`. Every address is in 10.231.0.0/16 and
 * fd77:231::/64 (see layout.ts and docs/lab.md).
 *
 * A caller must: run as root on Linux with iproute2; call `labUp` before anything else and
 * `labDown` when done (it also cleans up after a crash). Processes a caller adds to a region go
 * through `startInRegion`, so `labDown` stops them. Only one lab runs per machine: namespace
 * names are global, and `labUp`/`labDown` sweep every `mrd-*` namespace and link.
 * The state directory is $MERIDIAN_LAB_DIR (default /run/meridian/lab).
 */
export { labUp, MERIDIAN_BIN, type LabUpOptions, type LabUpOutcome, type LabUpResult } from './up.ts';
export { labDown, type LabDownResult } from './down.ts';
export { readLabStatus, labStatus, type LabStatus, type RegionStatus, type InstanceStatus, type ClientStatus, type ProcessStatus } from './status.ts';
export { cutRegion, healRegion, killInRegion } from './faults.ts';
export { startInRegion, waitHealthy, stopRecorded, type Supervised } from './supervise.ts';
export { netnsExec, type ExecResult } from './ip.ts';
export { addRegionAddress, RESERVED_HOSTS } from './extra-address.ts';
export { materializeTopology, topologyYaml } from './materialize.ts';
export {
  labLayout,
  labAddress,
  instanceHost,
  regionNamespace,
  BRIDGE,
  CLIENT_REGION,
  LAB_PREFIX,
  AGENT_API_PORT,
  AGENT_DNS_PORT,
  type LabLayout,
  type RegionLayout,
  type ClientLayout,
  type InstanceLayout,
  type AddressPair,
} from './layout.ts';
export { labDir, topologyPath, type ProcessKind, type ProcessRecord } from './state.ts';
export { requireLabHost } from './preflight.ts';
export { httpGet, hostPort } from './http.ts';

import { labDir, topologyPath } from './state.ts';

/** The materialized topology file agents and drills load (exists while a lab is up). */
export function labTopologyFile(): string {
  return topologyPath(labDir());
}
