/**
 * The lab's Prometheus configs: accepted by the real `promtool check config`, and naming only
 * lab addresses (no remote write, no alertmanager); the global one evaluates Meridian's generated
 * alerting rules. Needs no root.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { stringify } from 'yaml';
import { labLayout, prometheusArgs, prometheusPlan, prometheusUrls } from '../../../src/lab/index.ts';
import { alertingRules } from '../../../src/observe/export/index.ts';
import { DEFAULT_TOPOLOGY_YAML, parseTopology } from '../../../src/spec/index.ts';

const promtool = spawnSync('promtool', ['--version'], { stdio: 'ignore' }).status === 0;
const dir = mkdtempSync(join(tmpdir(), 'meridian-lab-prom-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const layout = labLayout(parseTopology(DEFAULT_TOPOLOGY_YAML, 'built-in'));
const plan = prometheusPlan(layout, '/run/meridian/lab');

describe('lab prometheus configs', () => {
  it('promtool accepts every config, and the rule file the global one names', { skip: promtool ? false : 'needs promtool (Debian prometheus)' }, () => {
    // Planned under the temp dir, so the rule file the global config names exists where it says.
    const written = prometheusPlan(layout, dir);
    mkdirSync(join(dir, 'prometheus'), { recursive: true });
    mkdirSync(join(dir, 'tokens'), { recursive: true });
    writeFileSync(join(dir, 'tokens', 'viewer'), 'mrd_test\n', { mode: 0o600 }); // promtool checks that it exists
    for (const p of [...written.regions, written.global]) {
      for (const [path, content] of Object.entries(p.ruleFiles)) writeFileSync(path, content);
      writeFileSync(p.configFile, stringify(p.config));
      const r = spawnSync('promtool', ['check', 'config', p.configFile], { encoding: 'utf8' });
      assert.equal(r.status, 0, `${p.region}: ${r.stdout}${r.stderr}`);
      if (p === written.global) {
        const ruleCount = (alertingRules() as { groups: { rules: unknown[] }[] }).groups.reduce((n, g) => n + g.rules.length, 0);
        assert.ok(ruleCount > 0);
        assert.match(r.stdout, new RegExp(`SUCCESS: ${ruleCount} rules found`), r.stdout);
      }
    }
  });

  it('only the global one names a rule file: meridian-alerts.yml in the lab prometheus dir, with the generated rules', () => {
    for (const p of plan.regions) assert.deepEqual([JSON.stringify(p.config).includes('rule_files'), Object.keys(p.ruleFiles)], [false, []]);
    const rulesFile = '/run/meridian/lab/prometheus/meridian-alerts.yml';
    assert.deepEqual(plan.global.config.rule_files, [rulesFile]);
    assert.deepEqual(Object.keys(plan.global.ruleFiles), [rulesFile]);
    assert.match(plan.global.ruleFiles[rulesFile]!, /alert: /);
  });

  it('each regional Prometheus scrapes only its own agent and its own region\'s demo instances, on its region host .3', () => {
    for (const [i, p] of plan.regions.entries()) {
      const text = JSON.stringify(p.config);
      assert.equal(p.ipv4, `10.231.${i + 1}.3`);
      const demo = layout.regions[i]!.instances.map((inst) => `${inst.ipv4}:${inst.port}`);
      assert.ok(demo.length > 0 && demo.every((t) => t.startsWith(`10.231.${i + 1}.`)));
      assert.deepEqual([...text.matchAll(/\d+\.\d+\.\d+\.\d+(:\d+)?/g)].map((m) => m[0]), [`10.231.${i + 1}.1:7700`, ...demo]);
      // The demo job: the load the capacity check reads (meridian_demo_requests_total), plain http, no token.
      const jobs = (p.config as { scrape_configs: Record<string, unknown>[] }).scrape_configs;
      assert.deepEqual(jobs.map((j) => [j.job_name, j.authorization !== undefined]), [['meridian-agent', true], ['meridian-demo', false]]);
      assert.match(text, new RegExp(`"external_labels":\\{"region":"${p.region}"\\}`));
    }
  });

  it('each regional Prometheus scrapes /metrics with the lab\'s viewer token file, never a token in the config', () => {
    for (const p of plan.regions) {
      const [job] = (p.config as { scrape_configs: Record<string, unknown>[] }).scrape_configs;
      assert.deepEqual(job?.authorization, { type: 'Bearer', credentials_file: '/run/meridian/lab/tokens/viewer' });
      assert.doesNotMatch(JSON.stringify(p.config), /mrd_/);
    }
  });

  it("each regional Prometheus scrapes its agent over https, verified against the lab's API CA", () => {
    for (const p of plan.regions) {
      const [job] = (p.config as { scrape_configs: Record<string, unknown>[] }).scrape_configs;
      assert.deepEqual([job?.scheme, job?.tls_config], ['https', { ca_file: '/run/meridian/lab/api-tls/ca.crt' }]);
    }
  });

  it('the global one federates exactly the regional ones, labelled by region, and nothing else', () => {
    const text = JSON.stringify(plan.global.config);
    assert.equal(plan.global.url, 'http://10.231.250.1:9090');
    assert.deepEqual([...text.matchAll(/\d+\.\d+\.\d+\.\d+(:\d+)?/g)].map((m) => m[0]), ['10.231.1.3:9090', '10.231.2.3:9090', '10.231.3.3:9090']);
    assert.match(text, /"honor_labels":true/);
    assert.match(text, /"metrics_path":"\/federate"/);
    assert.match(text, /"match\[\]":\["\{job=\\"meridian-agent\\"\}","\{job=\\"meridian-demo\\"\}"\]/);
    assert.doesNotMatch(text, /remote_write|alerting|alertmanager/);
  });

  it('the command line keeps lifecycle and admin APIs off and bounds retention', () => {
    const args = prometheusArgs(plan.regions[0]!).join(' ');
    assert.doesNotMatch(args, /enable-lifecycle|enable-admin-api/);
    assert.match(args, /--storage\.tsdb\.retention\.time=1h/);
    assert.match(args, /--storage\.tsdb\.path=\/run\/meridian\/lab\/prometheus\/eu-west/);
    assert.match(args, /--web\.listen-address=10\.231\.1\.3:9090/);
  });

  it('status URLs match the plan', () => {
    assert.deepEqual(prometheusUrls(layout), {
      global: plan.global.url,
      regions: Object.fromEntries(plan.regions.map((p) => [p.region, p.url])),
    });
  });
});
