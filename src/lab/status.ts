/**
 * What `meridian lab status` shows: where everything is and whether each process is alive.
 * `labStatus` is pure over the state and a liveness probe; `readLabStatus` adds the I/O.
 */
import { labApiCaPath } from './api-tls-files.ts';
import { hostPort } from './http.ts';
import { CLIENT_REGION } from './layout.ts';
import { isAlive } from './procs.ts';
import { PROMETHEUS_KIND, prometheusUrls, type PrometheusUrls } from './prometheus-plan.ts';
import { labDir, readState, type LabState, type ProcessKind, type ProcessRecord } from './state.ts';

export interface ProcessStatus {
  readonly kind: ProcessKind;
  readonly name: string;
  readonly pid: number;
  readonly alive: boolean;
  readonly log: string;
}

export interface InstanceStatus {
  readonly service: string;
  /** 1-based. */
  readonly instance: number;
  /** `ip:port`. */
  readonly address: string;
  /** `[ip6]:port`. */
  readonly address6: string;
}

export interface RegionStatus {
  readonly name: string;
  readonly namespace: string;
  /** `ip:53` of the region's agent. */
  readonly dns: string;
  /** `https://ip:7700` of the region's agent. */
  readonly api: string;
  /** `ip:port` of every demo instance (all services, in topology order). */
  readonly instances: readonly string[];
  /** `[ip6]:port` of the same instances. */
  readonly instances6: readonly string[];
  /** The same instances with their service, for topologies with several services. */
  readonly endpoints: readonly InstanceStatus[];
  readonly cut: boolean;
  readonly processes: readonly ProcessStatus[];
}

export interface ClientStatus {
  readonly namespace: string;
  readonly address: string;
  readonly address6: string;
  readonly processes: readonly ProcessStatus[];
}

export interface LabStatus {
  readonly zone: string;
  readonly phase: LabState['phase'];
  /** Whether `up` started the agents (false after `--no-agents`). */
  readonly agents: boolean;
  readonly bridge: { readonly name: string; readonly address: string; readonly address6: string };
  readonly services: readonly { readonly name: string; readonly fqdn: string; readonly port: number }[];
  readonly regions: readonly RegionStatus[];
  readonly clients: readonly ClientStatus[];
  readonly topologyFile: string;
  readonly stateDir: string;
  /** Only when `up` started Prometheus (`--with prometheus`). */
  readonly prometheus?: PrometheusUrls;
  /**
   * The CA of the agents' API certificates, when their APIs are https (`<lab dir>/api-tls/ca.crt`):
   * what curl's `--cacert`, a browser or Prometheus must trust. The CLI trusts it by itself.
   */
  readonly apiCa?: string;
}

export function labStatus(state: LabState, stateDir: string, alive: (p: ProcessRecord) => boolean): LabStatus {
  const { layout } = state;
  const processesOf = (region: string) =>
    state.processes
      .filter((p) => p.region === region)
      .map((p) => ({ kind: p.kind, name: p.name, pid: p.pid, alive: !p.stoppedAt && alive(p), log: p.log }));
  return {
    zone: layout.zone,
    phase: state.phase,
    agents: state.agents,
    bridge: { name: layout.bridge.name, address: layout.bridge.ipv4, address6: layout.bridge.ipv6 },
    services: layout.services.map((s) => ({ name: s.name, fqdn: s.fqdn, port: s.port })),
    regions: layout.regions.map((r) => ({
      name: r.name,
      namespace: r.namespace,
      dns: r.dns,
      api: r.api,
      instances: r.instances.map((i) => hostPort(i.ipv4, i.port)),
      instances6: r.instances.map((i) => hostPort(i.ipv6, i.port)),
      endpoints: r.instances.map((i) => ({
        service: i.service,
        instance: i.instance,
        address: hostPort(i.ipv4, i.port),
        address6: hostPort(i.ipv6, i.port),
      })),
      cut: state.cut.includes(r.name),
      processes: processesOf(r.name),
    })),
    clients: layout.clients.map((c) => ({
      namespace: c.namespace,
      address: c.address.ipv4,
      address6: c.address.ipv6,
      processes: processesOf(CLIENT_REGION),
    })),
    topologyFile: state.topologyFile,
    stateDir,
    // The recorded processes tell whether `up` started Prometheus: the state needs no new field.
    ...(state.processes.some((p) => p.kind === PROMETHEUS_KIND) ? { prometheus: prometheusUrls(layout) } : {}),
    // From the recorded layout: a lab built before its APIs were https has no CA to name.
    ...(layout.regions.some((r) => r.api.startsWith('https://')) ? { apiCa: labApiCaPath(stateDir) } : {}),
  };
}

/** The running lab's status, or undefined when no lab state exists. Needs no root. */
export function readLabStatus(): LabStatus | undefined {
  const dir = labDir();
  const state = readState(dir);
  return state && labStatus(state, dir, isAlive);
}
