import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { after, describe, it } from 'node:test';
import { labLayout } from '../../../src/lab/layout.ts';
import { missingRequirement, onPath } from '../../../src/lab/preflight.ts';
import { resolvConf } from '../../../src/lab/resolv.ts';
import { DEFAULT_TOPOLOGY_YAML, parseTopology } from '../../../src/spec/index.ts';

const layout = labLayout(parseTopology(DEFAULT_TOPOLOGY_YAML));
const nameservers = (text: string) => text.split('\n').filter((l) => l.startsWith('nameserver')).map((l) => l.split(' ')[1]);

describe('resolvConf', () => {
  it('a region asks its own agent first, then the others in order', () => {
    assert.deepEqual(nameservers(resolvConf(layout, 'mrd-us-east')), ['10.231.2.1', '10.231.1.1', '10.231.3.1']);
  });

  it('clients ask the agents in topology order, with a short timeout', () => {
    const text = resolvConf(layout, 'mrd-client');
    assert.deepEqual(nameservers(text), ['10.231.1.1', '10.231.2.1', '10.231.3.1']);
    assert.match(text, /^options timeout:1 attempts:2$/m);
  });
});

describe('missingRequirement', () => {
  const cases = [
    { name: 'linux, root, ip present: runs', host: { platform: 'linux', uid: 0, hasIp: true, hasOpenssl: true }, want: undefined },
    { name: 'not root: usage error naming sudo', host: { platform: 'linux', uid: 1000, hasIp: true, hasOpenssl: true }, want: { kind: 'usage', message: 'meridian lab needs root (network namespaces): run as root, e.g. sudo' } },
    { name: 'not Linux: says so first', host: { platform: 'darwin', uid: 501, hasIp: false, hasOpenssl: false }, want: { kind: 'input', message: 'meridian lab needs Linux (network namespaces); this machine runs darwin' } },
    { name: 'no ip: names the package', host: { platform: 'linux', uid: 0, hasIp: false, hasOpenssl: true }, want: { kind: 'input', message: "meridian lab needs the 'ip' command from iproute2 (apt-get install iproute2)" } },
    { name: 'no openssl: names the package', host: { platform: 'linux', uid: 0, hasIp: true, hasOpenssl: false }, want: { kind: 'input', message: "meridian lab needs the 'openssl' command for its agents' peer certificates (apt-get install openssl)" } },
  ] as const;
  for (const c of cases) it(c.name, () => assert.deepEqual(missingRequirement(c.host), c.want));
});

describe('onPath', () => {
  const dir = mkdtempSync(join(tmpdir(), 'meridian-path-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'tool'), '#!/bin/sh\n', { mode: 0o755 });
  writeFileSync(join(dir, 'data'), '', { mode: 0o644 });

  it('finds an executable in any PATH directory, without running it', () => {
    assert.equal(onPath('tool', `/nonexistent${delimiter}${dir}`), true);
    assert.equal(onPath('ip'), spawnSync('ip', ['-V'], { stdio: 'ignore' }).status === 0);
  });
  it('a missing or non-executable file is not there', () => {
    assert.equal(onPath('nothing-called-this', dir), false);
    assert.equal(onPath('data', dir), false);
  });
});
