/**
 * Prometheus in the lab (`lab up --with prometheus`), as data: one Prometheus per region inside
 * its namespace on host .3, scraping only its own agent, and one global Prometheus in the client
 * namespace federating the regional ones, as platform teams run it across regions. A cut region
 * keeps its own history; the global one sees its federation target go down. Pure: the shell is
 * prometheus.ts.
 *
 * Each regional one also scrapes its region's demo instances' request counters, federated too:
 * the global one answers the capacity check's load query for every region (docs/capacity.md).
 *
 * The global one also evaluates Meridian's alerting rules (the same `meridian-alerts.yml` that
 * `meridian export prometheus` generates), so firing alerts show on its /alerts page. Only lab
 * addresses appear in the configs: no remote write, no alertmanager.
 */
import { join } from 'node:path';
import { stringify } from 'yaml';
import { alertingRules, EXPORT_FILES } from '../observe/export/index.ts';
import { AGENT_API_PORT, CLIENT_REGION, labAddress, type LabLayout } from './layout.ts';
import { labApiCaPath } from './api-tls-files.ts';
import { labTokenPath } from './token-files.ts';

export const PROMETHEUS_BIN = process.env.MERIDIAN_PROMETHEUS_BIN ?? '/usr/bin/prometheus';
/** Host number of each region's Prometheus (.2 is etcd, .5 the databases). */
export const PROMETHEUS_HOST = 3;
export const PROMETHEUS_PORT = 9090;
/** The process kind in the lab state (also how `status` knows Prometheus was started). */
export const PROMETHEUS_KIND = 'prometheus';
/** The regional scrape job; the global one federates exactly its series. */
export const LAB_AGENT_JOB = 'meridian-agent';
/** The demo instances' request counters (meridian_demo_requests_total): the load the capacity check reads (docs/capacity.md). */
export const LAB_DEMO_JOB = 'meridian-demo';
export const FEDERATE_JOB = 'federate';
/** Short, so a cut shows within seconds (the test relies on it). Timeouts must be ≤ the interval. */
const INTERVAL = '1s';
const TIMEOUT = '900ms';
const RETENTION = '1h';

export const prometheusRoot = (dir: string) => join(dir, 'prometheus');

export interface PrometheusInstancePlan {
  /** A region's name, or `client` for the global one. */
  readonly region: string;
  /** Supervised process name, e.g. `prometheus-eu-west`. */
  readonly name: string;
  readonly ipv4: string;
  /** `http://ip:9090`. */
  readonly url: string;
  readonly configFile: string;
  readonly tsdbPath: string;
  readonly config: Record<string, unknown>;
  /** Rule files the config names, with their content (absolute path → YAML); written before start. */
  readonly ruleFiles: Readonly<Record<string, string>>;
}

export interface PrometheusPlan {
  readonly regions: readonly PrometheusInstancePlan[];
  readonly global: PrometheusInstancePlan;
}

/** The URLs `lab status` shows, from the layout alone. */
export interface PrometheusUrls {
  readonly global: string;
  readonly regions: Readonly<Record<string, string>>;
}

export function prometheusUrls(layout: LabLayout): PrometheusUrls {
  return {
    global: `http://${globalAddress(layout)}:${PROMETHEUS_PORT}`,
    regions: Object.fromEntries(layout.regions.map((r) => [r.name, `http://${labAddress(r.index, PROMETHEUS_HOST).ipv4}:${PROMETHEUS_PORT}`])),
  };
}

export function prometheusPlan(layout: LabLayout, dir: string): PrometheusPlan {
  const root = prometheusRoot(dir);
  const instance = (region: string, ipv4: string, config: Record<string, unknown>, ruleFiles: Record<string, string> = {}): PrometheusInstancePlan => ({
    region,
    name: `prometheus-${region}`,
    ipv4,
    url: `http://${ipv4}:${PROMETHEUS_PORT}`,
    configFile: join(root, `${region}.yml`),
    tsdbPath: join(root, region),
    config,
    ruleFiles,
  });
  // The agents' APIs are https (layout.ts): scraped over TLS, verified against the lab's API CA.
  const regions = layout.regions.map((r) => instance(r.name, labAddress(r.index, PROMETHEUS_HOST).ipv4, regionalConfig(r.name, r.agent.ipv4, labTokenPath(dir, 'viewer'), labApiCaPath(dir), r.instances.map((i) => `${i.ipv4}:${i.port}`))));
  const federated = regions.map((r) => ({ region: r.region, hostPort: `${r.ipv4}:${PROMETHEUS_PORT}` }));
  const rulesFile = join(root, EXPORT_FILES.rules);
  const rules = `# Written by meridian lab up --with prometheus (as meridian export prometheus).\n${stringify(alertingRules(), { lineWidth: 0 })}`;
  return { regions, global: instance(CLIENT_REGION, globalAddress(layout), globalConfig(federated, [rulesFile]), { [rulesFile]: rules }) };
}

/** Command line of one instance; `--web.enable-lifecycle` and the admin API stay off (the defaults). */
export function prometheusArgs(p: PrometheusInstancePlan): string[] {
  return [
    PROMETHEUS_BIN,
    `--config.file=${p.configFile}`,
    `--storage.tsdb.path=${p.tsdbPath}`,
    `--storage.tsdb.retention.time=${RETENTION}`,
    `--web.listen-address=${p.ipv4}:${PROMETHEUS_PORT}`,
    '--log.level=warn',
  ];
}

/**
 * The agent's target label is `agent`, not `region`: the metrics use `region` for the endpoint's
 * region (a clash would rename it `exported_region`). The external label `region` names the
 * Prometheus itself; federation adds it to series that have no `region` of their own (e.g. `up`).
 * `/metrics` needs a viewer token: Prometheus reads it from `viewerTokenFile` (the lab's, 0600)
 * at every scrape, so a rotated token needs no reload. `apiCaFile`: the agent's API is https, and
 * Prometheus verifies it against that CA (the lab's API CA; the certificate names the agent's IP,
 * which is the target's host). Without it the scrape is plain http.
 */
export function regionalConfig(region: string, agentIpv4: string, viewerTokenFile: string, apiCaFile?: string, demoTargets: readonly string[] = []): Record<string, unknown> {
  return {
    global: { scrape_interval: INTERVAL, scrape_timeout: TIMEOUT, evaluation_interval: INTERVAL, external_labels: { region } },
    scrape_configs: [
      {
        job_name: LAB_AGENT_JOB,
        metrics_path: '/metrics',
        ...(apiCaFile !== undefined ? { scheme: 'https', tls_config: { ca_file: apiCaFile } } : {}),
        authorization: { type: 'Bearer', credentials_file: viewerTokenFile },
        static_configs: [{ targets: [`${agentIpv4}:${AGENT_API_PORT}`], labels: { agent: region } }],
      },
      // The region's own demo instances (plain http, no token): their series carry `region` themselves.
      ...(demoTargets.length > 0 ? [{ job_name: LAB_DEMO_JOB, metrics_path: '/metrics', static_configs: [{ targets: [...demoTargets] }] }] : []),
    ],
  };
}

/**
 * `honor_labels`: the regional series keep their own labels; the target label `region` fills in.
 * `honor_timestamps: false`: federated samples carry timestamps, and Prometheus writes no
 * staleness markers for those, so a cut region's series would linger for the 5 min lookback;
 * stamped at federation time (≤ 1 s later) they go stale at the first failed federation scrape.
 */
export function globalConfig(federated: readonly { region: string; hostPort: string }[], ruleFiles: readonly string[] = []): Record<string, unknown> {
  return {
    global: { scrape_interval: INTERVAL, scrape_timeout: TIMEOUT, evaluation_interval: INTERVAL, external_labels: { prometheus: 'global' } },
    ...(ruleFiles.length > 0 ? { rule_files: [...ruleFiles] } : {}),
    scrape_configs: [
      {
        job_name: FEDERATE_JOB,
        honor_labels: true,
        honor_timestamps: false,
        metrics_path: '/federate',
        params: { 'match[]': [`{job="${LAB_AGENT_JOB}"}`, `{job="${LAB_DEMO_JOB}"}`] },
        static_configs: federated.map((f) => ({ targets: [f.hostPort], labels: { region: f.region } })),
      },
    ],
  };
}

function globalAddress(layout: LabLayout): string {
  const client = layout.clients[0];
  if (!client) throw new Error('the lab layout has no client namespace');
  return client.address.ipv4;
}
