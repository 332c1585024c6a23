import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { inZoneTargets } from '../dns/apex.ts';
import { buildQueries, renderQueryFile } from '../dns/queries.ts';
import { namedConf } from '../dns/servers/bind.ts';
import { knotConf } from '../dns/servers/knot.ts';
import { benchTopology } from '../dns/topology.ts';
import { buildZone, defaultApex, healthyAddresses, renderZoneFile } from '../dns/zone.ts';

const topology = benchTopology();

test('failover with every region healthy answers the first region of the order', () => {
  const web = topology.services[0];
  assert.ok(web);
  assert.deepEqual(healthyAddresses(topology, web), ['10.231.1.11', '10.231.1.12', 'fd00:231:1::11']);
});

test('the zone has the service A and AAAA records with the topology TTL', () => {
  const zone = buildZone(topology, defaultApex(topology.zone));
  assert.deepEqual(zone.lines.filter((l) => l.startsWith('web.')), [
    'web.global.meridian.test. 2 IN A 10.231.1.11',
    'web.global.meridian.test. 2 IN A 10.231.1.12',
    'web.global.meridian.test. 2 IN AAAA fd00:231:1::11',
  ]);
});

test('the query file has the mix proportions and is the same on every run', () => {
  const queries = buildQueries(topology.zone, 1000);
  const count = (kind: string) => queries.filter((q) => q.kind === kind).length;
  assert.deepEqual([count('web A'), count('web AAAA'), count('apex SOA'), count('NXDOMAIN A')], [800, 100, 50, 50]);
  assert.equal(new Set(queries.filter((q) => q.kind === 'NXDOMAIN A').map((q) => q.name)).size, 50);
  assert.equal(renderQueryFile(queries), renderQueryFile(buildQueries(topology.zone, 1000)));
  assert.notEqual(queries.slice(0, 20).every((q) => q.kind === 'web A'), true, 'shuffled, not grouped by kind');
});

test('name servers inside the zone are found for glue', () => {
  const ns = ['global.meridian.test. 300 IN NS ns-eu-west.global.meridian.test.', 'global.meridian.test. 300 IN NS ns.elsewhere.example.'];
  assert.deepEqual(inZoneTargets(ns, 'global.meridian.test'), ['ns-eu-west.global.meridian.test']);
});

test('bind9 and Knot accept the generated configs and zone (named-checkconf, named-checkzone, knotc)', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'meridian-bench-test-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const zone = buildZone(topology, defaultApex(topology.zone));
  writeFileSync(join(dir, 'zone.db'), renderZoneFile(zone));
  writeFileSync(join(dir, 'named.conf'), namedConf(dir, 5300, zone));
  writeFileSync(join(dir, 'knot.conf'), knotConf(dir, 5300, zone));
  execFileSync('named-checkconf', [join(dir, 'named.conf')]);
  assert.match(execFileSync('named-checkzone', [topology.zone, join(dir, 'zone.db')], { encoding: 'utf8' }), /OK/);
  assert.match(execFileSync('knotc', ['-c', join(dir, 'knot.conf'), 'conf-check'], { encoding: 'utf8' }), /valid/);
});
