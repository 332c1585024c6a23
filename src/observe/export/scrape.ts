/**
 * The Prometheus configuration that scrapes every agent of a topology (regions[].agent.api).
 * Targets carry the label `agent` (the region of the agent scraped), not `region`: the metrics
 * already use `region` for the endpoint's region, and a clash would rename it `exported_region`.
 */
import { InputError } from '../../common/errors.ts';
import type { Topology } from '../../spec/index.ts';

export const AGENT_JOB = 'meridian-agent';
export const SCRAPE_INTERVAL = '5s';

export interface ScrapeConfigOptions {
  /** Rule files, relative to the config file. */
  readonly ruleFiles: readonly string[];
}

interface Target {
  readonly region: string;
  readonly scheme: 'http' | 'https';
  readonly hostPort: string;
  readonly metricsPath: string;
}

export function scrapeConfig(topology: Topology, options: ScrapeConfigOptions): Record<string, unknown> {
  const targets = agentTargets(topology);
  // One job per scheme and path: both are job-level settings in Prometheus.
  const groups = new Map<string, Target[]>();
  for (const t of targets) {
    const key = `${t.scheme} ${t.metricsPath}`;
    groups.set(key, [...(groups.get(key) ?? []), t]);
  }
  const jobs = [...groups.values()].map((group, i) => {
    const first = group[0] as Target;
    return {
      job_name: i === 0 ? AGENT_JOB : `${AGENT_JOB}-${i + 1}`,
      scheme: first.scheme,
      metrics_path: first.metricsPath,
      scrape_interval: SCRAPE_INTERVAL,
      scrape_timeout: '4s',
      static_configs: group.map((t) => ({ targets: [t.hostPort], labels: { agent: t.region } })),
    };
  });
  return {
    global: { scrape_interval: SCRAPE_INTERVAL, evaluation_interval: SCRAPE_INTERVAL, external_labels: { meridian_zone: topology.zone } },
    rule_files: [...options.ruleFiles],
    scrape_configs: jobs,
  };
}

export function agentTargets(topology: Topology): Target[] {
  const targets = topology.regions.flatMap((r): Target[] => {
    if (!r.agent) return [];
    const url = new URL(r.agent.api);
    const scheme = url.protocol === 'https:' ? 'https' : 'http';
    const port = url.port || (scheme === 'https' ? '443' : '80');
    const base = url.pathname.replace(/\/+$/, '');
    return [{ region: r.name, scheme, hostPort: `${url.hostname}:${port}`, metricsPath: `${base}/metrics` }];
  });
  if (targets.length === 0) throw new InputError('no region has an agent address (regions[].agent.api): nothing to scrape');
  return targets;
}
