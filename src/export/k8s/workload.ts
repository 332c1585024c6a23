/**
 * The agent's workload: Namespace, ServiceAccount, Deployment and PodDisruptionBudget.
 *
 * Least privilege: the agent calls no Kubernetes API (it talks to its peers, etcd and the
 * databases), so its ServiceAccount gets no Role and no token is mounted. Granting anything
 * would be a permission nobody uses.
 */
import { Deployment } from 'kubernetes-models/apps/v1';
import { Namespace, ServiceAccount, type IContainer, type IEnvVar, type IProbe, type IVolume } from 'kubernetes-models/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { REQUIRED_DB_ENV } from '../../agent/store/index.ts';
import type { Topology } from '../../spec/index.ts';
import { topologyHash } from './config.ts';
import { LISTEN, peerListenAddress, type K8sInputs } from './inputs.ts';
import {
  AGENT_NAME, API_TLS_SECRET, COMMON_LABELS, DB_SECRET, ETCD_TLS_SECRET, HEALTH_PATH, PATHS, PEER_TLS_SECRET, PORTS, PORT_NAMES, REGION_CONFIGMAP, SELECTOR_LABELS,
  SIBLINGS_SERVICE, TOPOLOGY_CONFIGMAP, TOPOLOGY_HASH_ANNOTATION,
} from './names.ts';

const REPLICAS = 2;
/** The image's non-root user (the Dockerfile's `USER 1000:1000`, node's own user). */
const RUN_AS = 1000;

export function agentNamespace(namespace: string): Namespace {
  return new Namespace({
    metadata: {
      name: namespace,
      // The pod meets the `restricted` Pod Security Standard; enforce it for the whole namespace.
      labels: { ...COMMON_LABELS, 'pod-security.kubernetes.io/enforce': 'restricted' },
    },
  });
}

export function agentServiceAccount(namespace: string): ServiceAccount {
  return new ServiceAccount({
    metadata: { name: AGENT_NAME, namespace, labels: { ...COMMON_LABELS } },
    automountServiceAccountToken: false,
  });
}

export function agentPodDisruptionBudget(namespace: string): PodDisruptionBudget {
  return new PodDisruptionBudget({
    metadata: { name: AGENT_NAME, namespace, labels: { ...COMMON_LABELS } },
    spec: { minAvailable: 1, selector: { matchLabels: { ...SELECTOR_LABELS } } },
  });
}

export function agentDeployment(inputs: K8sInputs): Deployment {
  const { namespace, topology } = inputs;
  return new Deployment({
    metadata: { name: AGENT_NAME, namespace, labels: { ...COMMON_LABELS } },
    spec: {
      replicas: REPLICAS,
      selector: { matchLabels: { ...SELECTOR_LABELS } },
      // One pod at a time, never a surge: with one pod per node a surge pod may have no node.
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } },
      template: {
        metadata: { labels: { ...COMMON_LABELS }, annotations: { [TOPOLOGY_HASH_ANNOTATION]: topologyHash(topology) } },
        spec: {
          serviceAccountName: AGENT_NAME,
          automountServiceAccountToken: false,
          enableServiceLinks: false,
          terminationGracePeriodSeconds: 30,
          securityContext: {
            runAsNonRoot: true,
            runAsUser: RUN_AS,
            runAsGroup: RUN_AS,
            fsGroup: RUN_AS,
            seccompProfile: { type: 'RuntimeDefault' },
          },
          // Zones: spread when the cluster has several (soft, so a one-zone cluster still runs).
          topologySpreadConstraints: [{
            maxSkew: 1,
            topologyKey: 'topology.kubernetes.io/zone',
            whenUnsatisfiable: 'ScheduleAnyway',
            labelSelector: { matchLabels: { ...SELECTOR_LABELS } },
          }],
          // Nodes: never two agents on one node (hard), so one node loss leaves one serving.
          affinity: {
            podAntiAffinity: {
              requiredDuringSchedulingIgnoredDuringExecution: [{
                topologyKey: 'kubernetes.io/hostname',
                labelSelector: { matchLabels: { ...SELECTOR_LABELS } },
              }],
            },
          },
          containers: [agentContainer(inputs.image, topology, namespace, inputs.peerPort, inputs.etcdTls, inputs.apiTls)],
          volumes: [
            { name: 'topology', configMap: { name: TOPOLOGY_CONFIGMAP } },
            { name: 'state', emptyDir: {} },
            { name: 'tmp', emptyDir: {} },
            ...(inputs.peerPort !== undefined ? [peerTlsVolume()] : []),
            ...(inputs.etcdTls ? [etcdTlsVolume()] : []),
            ...(inputs.apiTls ? [apiTlsVolume()] : []),
          ],
        },
      },
    },
  });
}

/**
 * The region's peer certificate, from a Secret volume without subPath: the kubelet swaps the
 * files in place when the Secret changes (cert-manager renewing it), and the agent rereads them
 * within a second. Readable by the pod's group (fsGroup) only.
 */
function peerTlsVolume(): IVolume {
  return { name: 'peer-tls', secret: { secretName: PEER_TLS_SECRET, defaultMode: 0o440 } };
}

/**
 * The region's etcd client certificate, mounted like the peer one. The agent reads it at start
 * only (etcd3 cannot swap it), so a renewed Secret is used after the pods restart (a rollout).
 */
function etcdTlsVolume(): IVolume {
  return { name: 'etcd-tls', secret: { secretName: ETCD_TLS_SECRET, defaultMode: 0o440 } };
}

/**
 * The region's API certificate, mounted like the peer one (no subPath): the agent rereads it
 * within a second of the kubelet swapping the files, so a renewal needs no restart.
 */
function apiTlsVolume(): IVolume {
  return { name: 'api-tls', secret: { secretName: API_TLS_SECRET, defaultMode: 0o440 } };
}

function agentContainer(image: string, topology: Topology, namespace: string, peerPort: number | undefined, etcdTls: boolean, apiTls: boolean): IContainer {
  // With a peer listener, the sibling relay goes to the siblings' peer listeners, over mutual TLS.
  const siblingsPort = peerPort ?? PORTS.api;
  return {
    name: 'agent',
    image,
    // The image's entrypoint is `meridian`; $(MERIDIAN_REGION) is expanded by the kubelet.
    args: [
      'agent',
      '--file', `${PATHS.configDir}/${PATHS.topologyFile}`,
      '--region', '$(MERIDIAN_REGION)',
      '--dns', LISTEN.dns,
      '--api', LISTEN.api,
      // Mutual TLS between agents: the peer routes are served on the peer listener only.
      ...(peerPort !== undefined ? ['--peer-tls', PATHS.peerTlsDir, '--peer', peerListenAddress(peerPort)] : []),
      // etcd over TLS with a client certificate (https:// etcd client URLs in the topology).
      ...(etcdTls ? ['--etcd-tls', PATHS.etcdTlsDir] : []),
      // The operators' API over https (https:// agent.api URLs in the topology).
      ...(apiTls ? ['--api-tls', PATHS.apiTlsDir] : []),
      // The other pods of this Deployment: each relays the peer views it receives to them.
      '--siblings', `${SIBLINGS_SERVICE}.${namespace}.svc:${siblingsPort}`,
      '--state-dir', PATHS.stateDir,
    ],
    env: agentEnv(topology),
    ports: [
      { name: PORT_NAMES.dnsUdp, containerPort: PORTS.dnsContainer, protocol: 'UDP' },
      { name: PORT_NAMES.dnsTcp, containerPort: PORTS.dnsContainer, protocol: 'TCP' },
      { name: PORT_NAMES.api, containerPort: PORTS.api, protocol: 'TCP' },
      ...(peerPort !== undefined ? [{ name: PORT_NAMES.peer, containerPort: peerPort, protocol: 'TCP' as const }] : []),
    ],
    readinessProbe: healthProbe(apiTls, { periodSeconds: 5, failureThreshold: 2 }),
    livenessProbe: healthProbe(apiTls, { initialDelaySeconds: 10, periodSeconds: 10, failureThreshold: 3 }),
    resources: {
      requests: { cpu: '100m', memory: '192Mi' },
      limits: { cpu: '1', memory: '512Mi' },
    },
    securityContext: {
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      runAsNonRoot: true,
      capabilities: { drop: ['ALL'] },
    },
    volumeMounts: [
      { name: 'topology', mountPath: PATHS.configDir, readOnly: true },
      // The failover audit (also kept in etcd); scratch files under /tmp (the root is read-only).
      { name: 'state', mountPath: PATHS.stateDir },
      { name: 'tmp', mountPath: PATHS.tmp },
      // Nested in the topology's mount: the kubelet makes the mount point (Kubernetes >= 1.10).
      ...(peerPort !== undefined ? [{ name: 'peer-tls', mountPath: PATHS.peerTlsDir, readOnly: true }] : []),
      ...(etcdTls ? [{ name: 'etcd-tls', mountPath: PATHS.etcdTlsDir, readOnly: true }] : []),
      ...(apiTls ? [{ name: 'api-tls', mountPath: PATHS.apiTlsDir, readOnly: true }] : []),
    ],
  };
}

/** The kubelet's HTTPS probes do not verify the certificate: they check the agent answers, not who it is. */
function healthProbe(apiTls: boolean, timing: Pick<IProbe, 'initialDelaySeconds' | 'periodSeconds' | 'failureThreshold'>): IProbe {
  return { httpGet: { path: HEALTH_PATH, port: PORT_NAMES.api, ...(apiTls ? { scheme: 'HTTPS' } : {}) }, timeoutSeconds: 2, ...timing };
}

/** The region from the overlay's ConfigMap; database roles from a Secret, never their values. */
function agentEnv(topology: Topology): IEnvVar[] {
  const region: IEnvVar = { name: 'MERIDIAN_REGION', valueFrom: { configMapKeyRef: { name: REGION_CONFIGMAP, key: 'region' } } };
  // The agent supervises only PostgreSQL stores (Aurora fails over inside AWS).
  if (!topology.stores.some((s) => s.engine === 'postgres')) return [region];
  // The replication passfile is not wired here: the password stays in the Secret's variables.
  const credentials = Object.values(REQUIRED_DB_ENV).sort().map((name): IEnvVar => ({
    name,
    valueFrom: { secretKeyRef: { name: DB_SECRET, key: name } },
  }));
  return [region, ...credentials];
}
