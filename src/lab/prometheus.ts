/**
 * Starting the lab's Prometheus servers (`lab up --with prometheus`): the regional ones first
 * (each on its region's host .3, inside the region's namespace), then the global one in the
 * client namespace; each is recorded (kind `prometheus`) so `down` stops it by PID, and `up`
 * waits until each answers `/-/ready`. Storage starts empty on every build (it is a test bed).
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { stringify } from 'yaml';
import { addRegionAddress } from './extra-address.ts';
import type { LabLayout } from './layout.ts';
import { PROMETHEUS_HOST, PROMETHEUS_KIND, prometheusArgs, prometheusPlan, prometheusRoot, type PrometheusInstancePlan } from './prometheus-plan.ts';
import { startInRegion, waitHealthy } from './supervise.ts';

export interface StartPrometheusOptions {
  readonly layout: LabLayout;
  readonly dir: string;
  readonly deadline: number;
  readonly signal: AbortSignal;
}

export async function startPrometheus(opts: StartPrometheusOptions): Promise<void> {
  const plan = prometheusPlan(opts.layout, opts.dir);
  rmSync(prometheusRoot(opts.dir), { recursive: true, force: true }); // An earlier lab's series would mislead.
  mkdirSync(prometheusRoot(opts.dir), { recursive: true });
  for (const r of opts.layout.regions) addRegionAddress(r.name, PROMETHEUS_HOST);
  await Promise.all(plan.regions.map((p) => startOne(p, opts)));
  if (!opts.signal.aborted) await startOne(plan.global, opts);
}

async function startOne(p: PrometheusInstancePlan, opts: StartPrometheusOptions): Promise<void> {
  if (opts.signal.aborted) return;
  for (const [path, content] of Object.entries(p.ruleFiles)) writeFileSync(path, content);
  writeFileSync(p.configFile, `# Written by meridian lab up --with prometheus.\n${stringify(p.config)}`);
  const proc = startInRegion(p.region, PROMETHEUS_KIND, p.name, prometheusArgs(p));
  await waitHealthy(proc, [`${p.url}/-/ready`], opts.deadline, opts.signal);
}
