import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { agentDataArgs, checkLeaseTtl, etcdPlan, storePlans } from '../../../src/lab/data-plan.ts';
import { labLayout } from '../../../src/lab/layout.ts';
import { DEFAULT_TOPOLOGY_YAML, parseTopology } from '../../../src/spec/index.ts';

const topology = parseTopology(DEFAULT_TOPOLOGY_YAML);
const layout = labLayout(topology);
const noStores = parseTopology(DEFAULT_TOPOLOGY_YAML.replace(/\nstores:[\s\S]*?\n# Where clients/, '\n# Where clients'));

describe('etcdPlan', () => {
  const plan = etcdPlan(topology, layout, '/lab', 'meridian-lab-1');

  it('runs one member per region, named after it, on the .2 address, data under the state dir', () => {
    assert.deepEqual(
      plan.map((m) => [m.region, m.member.clientUrl, m.member.peerUrl, m.member.dataDir]),
      [
        ['eu-west', 'https://10.231.1.2:2379', 'https://10.231.1.2:2380', '/lab/etcd/eu-west'],
        ['us-east', 'https://10.231.2.2:2379', 'https://10.231.2.2:2380', '/lab/etcd/us-east'],
        ['ap-south', 'https://10.231.3.2:2379', 'https://10.231.3.2:2380', '/lab/etcd/ap-south'],
      ],
    );
  });

  it('starts every member into the same three-member cluster with lab raft timing', () => {
    const argv = plan[1]!.argv;
    assert.equal(argv[0], '/usr/bin/etcd');
    for (const flag of [
      '--name=us-east',
      '--initial-cluster=eu-west=https://10.231.1.2:2380,us-east=https://10.231.2.2:2380,ap-south=https://10.231.3.2:2380',
      '--initial-cluster-token=meridian-lab-1',
      '--heartbeat-interval=100',
      '--election-timeout=1000',
      '--listen-client-urls=https://10.231.2.2:2379',
    ]) {
      assert.ok(argv.includes(flag), flag);
    }
  });

  it("serves clients over TLS only, requiring certificates from the lab's etcd CA", () => {
    const argv = plan[0]!.argv;
    for (const flag of ['--cert-file=/lab/etcd-tls/server/eu-west/tls.crt', '--key-file=/lab/etcd-tls/server/eu-west/tls.key', '--client-cert-auth', '--trusted-ca-file=/lab/etcd-tls/server/eu-west/ca.crt']) {
      assert.ok(argv.includes(flag), flag);
    }
  });

  it('members talk to each other over TLS only, each requiring a certificate of the member-to-member CA', () => {
    const argv = plan[0]!.argv;
    for (const flag of [
      '--listen-peer-urls=https://10.231.1.2:2380', '--initial-advertise-peer-urls=https://10.231.1.2:2380',
      '--peer-cert-file=/lab/etcd-tls/peer/eu-west/tls.crt', '--peer-key-file=/lab/etcd-tls/peer/eu-west/tls.key',
      '--peer-client-cert-auth', '--peer-trusted-ca-file=/lab/etcd-tls/peer/eu-west/ca.crt',
    ]) {
      assert.ok(argv.includes(flag), flag);
    }
  });

  it('plans nothing for a topology without stores', () => {
    assert.deepEqual(etcdPlan(noStores, labLayout(noStores), '/lab', 't'), []);
  });

  it("refuses a lease TTL below the lab etcd's minimum (2 s with a 1 s election timeout), in one line", () => {
    // The schema already refuses < 2 s; this guards the lab's own raft timing should it change.
    assert.doesNotThrow(() => checkLeaseTtl(2000));
    assert.throws(() => checkLeaseTtl(1500), {
      name: 'InputError',
      message: "failover.leaseTtl 1500ms is below 2000ms, the shortest lease the lab's etcd grants (election timeout 1000ms): raise it to at least 2s",
    });
    const shortest = parseTopology(`${DEFAULT_TOPOLOGY_YAML}\nfailover: { leaseTtl: 2s }\n`);
    assert.equal(etcdPlan(shortest, labLayout(shortest), '/lab', 't').length, 3);
  });
});

describe('storePlans', () => {
  const [orders] = storePlans(topology, layout, '/lab');

  it('puts the primary in primaryRegion and a standby in each replica region, each named after its region', () => {
    assert.ok(orders);
    assert.equal(orders.store, 'orders');
    assert.equal(orders.database, 'orders');
    assert.deepEqual(orders.primary, {
      region: 'eu-west',
      name: 'eu-west',
      host: '10.231.1.5',
      port: 5432,
      dataDir: '/lab/data/orders/eu-west',
      logFile: '/lab/logs/postgres-orders-eu-west.log',
      prefix: ['ip', 'netns', 'exec', 'mrd-eu-west'],
      serverTls: { certFile: '/lab/pg-tls/eu-west/tls.crt', keyFile: '/lab/pg-tls/eu-west/tls.key', caFile: '/lab/pg-tls/eu-west/ca.crt' },
    });
    assert.deepEqual(orders.standbys.map((s) => [s.name, s.host, s.prefix?.at(-1), s.dataDir]), [
      ['us-east', '10.231.2.5', 'mrd-us-east', '/lab/data/orders/us-east'],
      ['ap-south', '10.231.3.5', 'mrd-ap-south', '/lab/data/orders/ap-south'],
    ]);
  });

  it('makes every standby a synchronous candidate in sync mode, none in async mode', () => {
    assert.deepEqual(orders?.syncStandbyNames, ['us-east', 'ap-south']);
    const async = parseTopology(DEFAULT_TOPOLOGY_YAML.replace('replication: sync', 'replication: async'));
    assert.equal(storePlans(async, labLayout(async), '/lab')[0]?.syncStandbyNames, undefined);
  });

  it('plans nothing without stores', () => {
    assert.deepEqual(storePlans(noStores, labLayout(noStores), '/lab'), []);
  });
});

describe('agentDataArgs', () => {
  it("points each agent at its audit directory and its region's data directory and log file per store", () => {
    const plans = storePlans(topology, layout, '/lab');
    assert.deepEqual(agentDataArgs(plans, '/lab', 'us-east'), [
      '--state-dir', '/lab/agents/us-east', '--pg-data', 'orders=/lab/data/orders/us-east', '--pg-log', 'orders=/lab/logs/postgres-orders-us-east.log',
      '--pg-tls', '/lab/pg-tls/us-east',
    ]);
    const oneStandby = parseTopology(DEFAULT_TOPOLOGY_YAML.replace('replicaRegions: [us-east, ap-south]', 'replicaRegions: [us-east]'));
    assert.deepEqual(agentDataArgs(storePlans(oneStandby, labLayout(oneStandby), '/lab'), '/lab', 'ap-south'), ['--state-dir', '/lab/agents/ap-south']);
  });
});
