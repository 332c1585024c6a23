import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { InputError } from '../../../src/common/errors.ts';
import { etcdMemberArgs, minimumLeaseTtlMs, type EtcdMember } from '../../../src/coord/etcd-member.ts';

const member = (name: string, n: number): EtcdMember => ({
  name,
  clientUrl: `http://10.0.${n}.2:2379`,
  peerUrl: `http://10.0.${n}.2:2380`,
  dataDir: `/var/lib/meridian/etcd-${name}`,
});
const members = [member('eu-west', 1), member('us-east', 2), member('ap-south', 3)];
const settings = { clusterToken: 'lab-1', heartbeatMs: 100, electionMs: 1000 };

describe('etcd member command line', () => {
  test('names every peer and listens only on its own URLs', () => {
    assert.deepEqual(etcdMemberArgs(members[1]!, members, settings), [
      '--name=us-east',
      '--data-dir=/var/lib/meridian/etcd-us-east',
      '--listen-client-urls=http://10.0.2.2:2379',
      '--advertise-client-urls=http://10.0.2.2:2379',
      '--listen-peer-urls=http://10.0.2.2:2380',
      '--initial-advertise-peer-urls=http://10.0.2.2:2380',
      '--initial-cluster=eu-west=http://10.0.1.2:2380,us-east=http://10.0.2.2:2380,ap-south=http://10.0.3.2:2380',
      '--initial-cluster-token=lab-1',
      '--initial-cluster-state=new',
      '--heartbeat-interval=100',
      '--election-timeout=1000',
      '--pre-vote=true',
      '--log-level=info',
      '--logger=zap',
    ]);
  });

  test('with client TLS: https client URLs, its certificate, and client certificates required from the trusted CA', () => {
    const tls = (n: number): EtcdMember => ({
      ...member(`r${n}`, n), clientUrl: `https://10.0.${n}.2:2379`,
      clientTls: { certFile: `/etc/etcd/r${n}/tls.crt`, keyFile: `/etc/etcd/r${n}/tls.key`, trustedCaFile: '/etc/etcd/ca.crt' },
    });
    const list = [tls(1), tls(2)];
    const args = etcdMemberArgs(list[0]!, list, settings);
    assert.ok(args.includes('--listen-client-urls=https://10.0.1.2:2379'));
    assert.deepEqual(args.slice(-4), ['--cert-file=/etc/etcd/r1/tls.crt', '--key-file=/etc/etcd/r1/tls.key', '--client-cert-auth', '--trusted-ca-file=/etc/etcd/ca.crt']);
    assert.ok(args.includes('--listen-peer-urls=http://10.0.1.2:2380'), 'peer traffic unchanged');
  });

  test('with peer TLS: https peer URLs everywhere, its certificate, and peer certificates required from the peer CA', () => {
    const peer = (n: number): EtcdMember => ({
      ...member(`r${n}`, n), peerUrl: `https://10.0.${n}.2:2380`,
      peerTls: { certFile: `/etc/etcd/peer/r${n}.crt`, keyFile: `/etc/etcd/peer/r${n}.key`, trustedCaFile: '/etc/etcd/peer/ca.crt' },
    });
    const list = [peer(1), peer(2)];
    const args = etcdMemberArgs(list[1]!, list, settings);
    for (const flag of ['--listen-peer-urls=https://10.0.2.2:2380', '--initial-advertise-peer-urls=https://10.0.2.2:2380', '--initial-cluster=r1=https://10.0.1.2:2380,r2=https://10.0.2.2:2380']) {
      assert.ok(args.includes(flag), flag);
    }
    assert.deepEqual(args.slice(-4), ['--peer-cert-file=/etc/etcd/peer/r2.crt', '--peer-key-file=/etc/etcd/peer/r2.key', '--peer-client-cert-auth', '--peer-trusted-ca-file=/etc/etcd/peer/ca.crt']);
    assert.ok(args.includes('--listen-client-urls=http://10.0.2.2:2379'), 'client traffic unchanged');
  });

  const withTls = { ...members[0]!, clientTls: { certFile: 'c', keyFile: 'k', trustedCaFile: 'ca' } };
  const invalid = [
    { name: 'client TLS on an http:// client URL', self: withTls, list: [withTls], s: settings, error: /client TLS needs an https:\/\/ client URL/ },
    { name: 'an https:// client URL without TLS files', self: members[0]!, list: [{ ...members[0]!, clientUrl: 'https://10.0.1.2:2379' }], s: settings, error: /is https:\/\/ but no client TLS files/ },
    { name: 'peer TLS on an http:// peer URL', self: { ...members[0]!, peerTls: { certFile: 'c', keyFile: 'k', trustedCaFile: 'ca' } }, list: [{ ...members[0]!, peerTls: { certFile: 'c', keyFile: 'k', trustedCaFile: 'ca' } }], s: settings, error: /peer TLS needs an https:\/\/ peer URL/ },
    { name: 'an https:// peer URL without TLS files', self: members[0]!, list: [{ ...members[0]!, peerUrl: 'https://10.0.1.2:2380' }], s: settings, error: /is https:\/\/ but no peer TLS files/ },
    { name: 'member not in the list', self: member('eu-central', 9), list: members, s: settings, error: /not in the member list/ },
    { name: 'duplicate name', self: members[0]!, list: [...members, member('eu-west', 4)], s: settings, error: /used twice/ },
    { name: 'URL without scheme', self: members[0]!, list: [{ ...members[0]!, peerUrl: '10.0.1.2:2380' }], s: settings, error: /not a URL/ },
    { name: 'election under 5 heartbeats', self: members[0]!, list: members, s: { ...settings, electionMs: 400 }, error: /at least 5 ×/ },
  ];
  for (const c of invalid) {
    test(`rejects: ${c.name}`, () => {
      assert.throws(() => etcdMemberArgs(c.self, c.list, c.s), (err: unknown) => err instanceof InputError && c.error.test(err.message));
    });
  }

  const minimums = [
    { electionMs: 1000, expected: 2000 },
    { electionMs: 2000, expected: 3000 },
    { electionMs: 5000, expected: 8000 },
  ];
  for (const c of minimums) {
    test(`etcd's minimum lease TTL with a ${c.electionMs}ms election timeout is ${c.expected}ms`, () => {
      assert.equal(minimumLeaseTtlMs(c), c.expected);
    });
  }
});
