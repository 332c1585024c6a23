/**
 * The lab's Prometheus configs: accepted by the real `promtool check config`, and naming only
 * lab addresses (no remote write, no alertmanager, no rule files). Needs no root.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { stringify } from 'yaml';
import { labLayout, prometheusArgs, prometheusPlan, prometheusUrls } from '../../../src/lab/index.ts';
import { DEFAULT_TOPOLOGY_YAML, parseTopology } from '../../../src/spec/index.ts';

const promtool = spawnSync('promtool', ['--version'], { stdio: 'ignore' }).status === 0;
const dir = mkdtempSync(join(tmpdir(), 'meridian-lab-prom-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const layout = labLayout(parseTopology(DEFAULT_TOPOLOGY_YAML, 'built-in'));
const plan = prometheusPlan(layout, '/run/meridian/lab');

describe('lab prometheus configs', () => {
  it('promtool accepts every config', { skip: promtool ? false : 'needs promtool (Debian prometheus)' }, () => {
    for (const p of [...plan.regions, plan.global]) {
      const file = join(dir, `${p.region}.yml`);
      writeFileSync(file, stringify(p.config));
      const r = spawnSync('promtool', ['check', 'config', file], { encoding: 'utf8' });
      assert.equal(r.status, 0, `${p.region}: ${r.stdout}${r.stderr}`);
    }
  });

  it('each regional Prometheus scrapes only its own agent, on its region host .3', () => {
    for (const [i, p] of plan.regions.entries()) {
      const text = JSON.stringify(p.config);
      assert.equal(p.ipv4, `10.231.${i + 1}.3`);
      assert.deepEqual([...text.matchAll(/\d+\.\d+\.\d+\.\d+(:\d+)?/g)].map((m) => m[0]), [`10.231.${i + 1}.1:7700`]);
      assert.match(text, new RegExp(`"external_labels":\\{"region":"${p.region}"\\}`));
    }
  });

  it('the global one federates exactly the regional ones, labelled by region, and nothing else', () => {
    const text = JSON.stringify(plan.global.config);
    assert.equal(plan.global.url, 'http://10.231.250.1:9090');
    assert.deepEqual([...text.matchAll(/\d+\.\d+\.\d+\.\d+(:\d+)?/g)].map((m) => m[0]), ['10.231.1.3:9090', '10.231.2.3:9090', '10.231.3.3:9090']);
    assert.match(text, /"honor_labels":true/);
    assert.match(text, /"metrics_path":"\/federate"/);
    assert.doesNotMatch(text, /remote_write|alerting|rule_files/);
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
