/**
 * The etcd client's TLS material and its checks (src/coord/etcd-tls.ts, common/tls-dir.ts): the
 * endpoint rules as a table, gRPC's failure text made one line, and the loader refusing each bad
 * file by name, on certificates made by the real openssl in a temp dir.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InputError } from '../../../src/common/errors.ts';
import { describeEtcdError } from '../../../src/coord/etcd-client.ts';
import { checkEtcdEndpoints, etcdEndpointProblem, loadEtcdTls } from '../../../src/coord/etcd-tls.ts';
import { issueCertificate, makeCa } from '../../../src/lab/openssl-certs.ts';

describe('which endpoints go with which transport', () => {
  const cases = [
    { name: 'http without certificates', endpoints: ['http://10.0.0.1:2379'], tls: false, problem: undefined },
    { name: 'https with certificates', endpoints: ['https://10.0.0.1:2379', 'https://10.0.0.2:2379'], tls: true, problem: undefined },
    { name: 'http with certificates: they would never be sent', endpoints: ['https://10.0.0.1:2379', 'http://10.0.0.2:2379'], tls: true, problem: /^etcd endpoints http:\/\/10\.0\.0\.2:2379 are not https:\/\/ but an etcd TLS directory was given/ },
    { name: 'https without certificates: no half-secure channel', endpoints: ['https://10.0.0.1:2379'], tls: false, problem: /are https:\/\/ but no etcd TLS directory was given \(meridian agent --etcd-tls DIR/ },
  ];
  for (const c of cases) {
    test(c.name, () => {
      const problem = etcdEndpointProblem(c.endpoints, c.tls);
      if (c.problem === undefined) assert.equal(problem, undefined);
      else {
        assert.match(problem ?? '', c.problem);
        assert.throws(() => checkEtcdEndpoints(c.endpoints, c.tls), (err: unknown) => err instanceof InputError && c.problem.test(err.message));
      }
    });
  }
});

describe("gRPC's failure text as one line", () => {
  const trailer = ' (2026-12-07T22:53:34.799Z). Resolution note: ';
  const cases = [
    {
      name: 'etcd refuses the client certificate (TLS alert 42)',
      message: `14 UNAVAILABLE: No connection established. Last error: 802C:error:0A000412:SSL routines:ssl3_read_bytes:sslv3 alert bad certificate:rec_layer_s3.c:1601:SSL alert number 42\n${trailer}`,
      expected: /^etcd refused this client's TLS certificate \(none sent, or not signed by the CA etcd trusts: check --etcd-tls tls\.crt\) \[14 UNAVAILABLE: .*SSL alert number 42\]$/,
    },
    { name: 'TLS 1.3 certificate required (alert 116)', message: 'No connection established. Last error: ...:tlsv13 alert certificate required:...', expected: /^etcd refused this client's TLS certificate/ },
    { name: 'server certificate not trusted', message: '14 UNAVAILABLE: No connection established. Last error: Error: unable to verify the first certificate. Resolution note:', expected: /^etcd's server certificate is not signed by the CA in --etcd-tls ca\.crt \[14 UNAVAILABLE: No connection established\. Last error: Error: unable to verify the first certificate\]$/ },
    { name: 'server certificate for another address', message: "Last error: Error [ERR_TLS_CERT_ALTNAME_INVALID]: Hostname/IP does not match certificate's altnames: IP: 10.0.0.9 is not in the cert's list: 10.0.0.2", expected: /^etcd's server certificate does not name the endpoint's host/ },
    { name: 'TLS to a plaintext member', message: 'Last error: ...:SSL routines:ssl3_get_record:wrong version number:...', expected: /^a TLS client met a plaintext etcd endpoint/ },
    { name: 'anything else: unchanged, on one line', message: `14 UNAVAILABLE: No connection established. Last error: Failed to connect${trailer}`, expected: /^14 UNAVAILABLE: No connection established\. Last error: Failed to connect$/ },
  ];
  for (const c of cases) {
    test(c.name, () => {
      const line = describeEtcdError(c.message);
      assert.doesNotMatch(line, /\n/);
      assert.match(line, c.expected);
    });
  }
});

describe('loading an etcd TLS directory', () => {
  let dir: string;
  let good: string;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'meridian-etcd-tls-unit-'));
    const ca = await makeCa(join(dir, 'ca'), 'test etcd CA');
    good = join(dir, 'good');
    await issueCertificate(ca, good, { commonName: 'meridian-eu-west', sans: [] });
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('reads the three files and the CN, the etcd user', () => {
    const tls = loadEtcdTls(good);
    assert.equal(tls.user, 'meridian-eu-west');
    assert.equal(tls.dir, good);
    assert.match(tls.ca.toString(), /BEGIN CERTIFICATE/);
  });

  /** A copy of the good set with one file replaced by `content` (or removed). */
  const broken = (name: string, file: string, content: string | undefined): string => {
    const d = join(dir, name);
    mkdirSync(d);
    for (const f of ['ca.crt', 'tls.crt', 'tls.key']) copyFileSync(join(good, f), join(d, f));
    if (content === undefined) rmSync(join(d, file));
    else writeFileSync(join(d, file), content);
    return d;
  };
  const cases = [
    { name: 'no directory', make: () => join(dir, 'nowhere'), error: /^etcd TLS file .*\/nowhere\/ca\.crt: cannot read it \(ENOENT\)$/ },
    { name: 'no key', make: () => broken('no-key', 'tls.key', undefined), error: /^etcd TLS file .*\/no-key\/tls\.key: cannot read it \(ENOENT\)$/ },
    { name: 'a CA that is not PEM', make: () => broken('bad-ca', 'ca.crt', 'not a certificate'), error: /^etcd TLS file .*\/bad-ca\/ca\.crt: not a PEM certificate/ },
    { name: 'a certificate that is not PEM', make: () => broken('bad-crt', 'tls.crt', 'nope'), error: /^etcd TLS file .*\/bad-crt\/tls\.crt: not a PEM certificate/ },
    { name: 'a key that is not the certificate\'s', make: () => broken('bad-key', 'tls.key', 'nope'), error: /^etcd TLS file .*\/bad-key\/tls\.key: not the key of .*\/bad-key\/tls\.crt/ },
  ];
  for (const c of cases) {
    test(`refuses ${c.name}, naming the file in one line`, () => {
      assert.throws(() => loadEtcdTls(c.make()), (err: unknown) => err instanceof InputError && c.error.test(err.message) && !err.message.includes('\n'));
    });
  }
});
