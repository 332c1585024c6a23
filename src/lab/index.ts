/**
 * lab: several regions on one Linux machine, for tests, drills and demos (never production).
 * Each region is a network namespace `mrd-<region>` on the bridge `mrd-br0`, running its agent
 * and demo instances; clients live in `mrd-client`. Every address is in 10.231.0.0/16 and
 * fd77:231::/64 (see layout.ts and docs/lab.md). A topology with stores also gets its data layer:
 * one etcd member per region and, per store, a PostgreSQL primary with streaming standbys, their
 * random passwords in the state directory (credentials.ts, data-plan.ts).
 *
 * A caller must: run as root on Linux with iproute2; call `labUp` before anything else and
 * `labDown` when done (it also cleans up after a crash). Processes a caller adds to a region go
 * through `startInRegion`, so `labDown` stops them. `labUp({ with: ['prometheus'] })` adds one
 * Prometheus per region and a global one federating them (prometheus-plan.ts). Only one lab runs per machine: namespace
 * names are global, and `labUp`/`labDown` sweep every `mrd-*` namespace and link.
 * The state directory is $MERIDIAN_LAB_DIR (default /run/meridian/lab).
 */
export { labUp, MERIDIAN_BIN, LAB_ADDONS, type LabAddon, type LabUpOptions, type LabUpOutcome, type LabUpResult } from './up.ts';
export {
  prometheusPlan, prometheusUrls, prometheusArgs, regionalConfig, globalConfig, PROMETHEUS_HOST, PROMETHEUS_PORT, PROMETHEUS_KIND, LAB_AGENT_JOB, FEDERATE_JOB,
  type PrometheusPlan, type PrometheusInstancePlan, type PrometheusUrls,
} from './prometheus-plan.ts';
export { labDown, type LabDownResult } from './down.ts';
export { readLabStatus, labStatus, type LabStatus, type RegionStatus, type InstanceStatus, type ClientStatus, type ProcessStatus } from './status.ts';
export { readLiveLabStatus, observeEtcd, type LiveLabStatus, type EtcdStatus } from './live-status.ts';
export {
  storeTargets,
  summarizeStore,
  observeStores,
  connectionString,
  type StoreTarget,
  type StoreMemberTarget,
  type StoreStatus,
  type StoreMemberStatus,
  type AppLogin,
  type ObserveOptions,
} from './store-view.ts';
export {
  DB_CREDENTIAL_ENV,
  credentialsEnv,
  credentialsFromEnv,
  credentialsPath,
  readCredentials,
  type DbCredentials,
} from './credentials.ts';
export { etcdPlan, storePlans, postgresProcessName, dataRoot, LAB_ETCD_SETTINGS, LAB_NETWORKS, type StorePlan, type EtcdMemberPlan } from './data-plan.ts';
export { cutRegion, healRegion, killInRegion } from './faults.ts';
export { startInRegion, adoptProcess, waitHealthy, stopRecorded, type Supervised } from './supervise.ts';
export { crashRecorded, restartRecorded } from './restart.ts';
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
  AGENT_PEER_PORT,
  AGENT_DNS_PORT,
  ETCD_HOST,
  DATABASE_HOST,
  ETCD_CLIENT_PORT,
  ETCD_PEER_PORT,
  type EtcdLayout,
  type LabLayout,
  type RegionLayout,
  type ClientLayout,
  type InstanceLayout,
  type AddressPair,
} from './layout.ts';
export { labDir, labTopologyFile, topologyPath, type ProcessKind, type ProcessRecord } from './state.ts';
export { requireLabHost } from './preflight.ts';
export { writeLabTokens, removeLabTokens, readLabToken, labTokenPath, agentTokensPath, labAuthHeaders } from './tokens.ts';
export { httpGet, hostPort } from './http.ts';
export { existingLabPgClientTls, labPgClientTls, labPgTlsDir, writeLabPgCertificates } from './pg-certs.ts';
export { writeLabPeerCertificates, issuePeerCertificate, makePeerCa, labPeerTlsDir, labPeerTlsRoot, type PeerCa, type PeerIdentity } from './peer-certs.ts';
