/**
 * The lab end to end through the CLI, as a person runs it: up, reach every instance from the
 * host and from the client namespace, cut/heal/kill, down, crash recovery, idempotence.
 * Needs root on Linux (network namespaces) and curl. Uses a private MERIDIAN_LAB_DIR; every
 * test starts and ends with `lab down`, so nothing of the lab survives it.
 */
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, beforeEach, describe, it } from 'node:test';
import { addRegionAddress, labDown, MERIDIAN_BIN, netnsExec, readLabStatus, startInRegion, waitHealthy, type LabStatus, type LiveLabStatus } from '../../../src/lab/index.ts';
import { DEFAULT_TOPOLOGY_YAML } from '../../../src/spec/index.ts';
import { FORWARD_RULE } from '../../../src/lab/firewall.ts';
import { isAlive } from '../../../src/lab/procs.ts';
import { readState } from '../../../src/lab/state.ts';
import { labSkipReason } from '../../support/lab-suite.ts';

const dir = mkdtempSync(join(tmpdir(), 'meridian-lab-test-'));
const labDirPath = join(dir, 'lab');
const env = { ...process.env, MERIDIAN_LAB_DIR: labDirPath, MERIDIAN_LOG_LEVEL: 'silent' };
process.env.MERIDIAN_LAB_DIR = labDirPath; // For the in-process API calls (startInRegion, addRegionAddress).

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

function run(file: string, args: readonly string[], timeoutMs = 60_000): Promise<Run> {
  return new Promise((resolve) => {
    execFile(file, args, { env, encoding: 'utf8', timeout: timeoutMs }, (err, stdout, stderr) => {
      const code = (err as { code?: unknown } | null)?.code;
      resolve({ code: typeof code === 'number' ? code : err ? -1 : 0, stdout, stderr });
    });
  });
}

const meridian = (...args: string[]) => run(process.execPath, [MERIDIAN_BIN, ...args]);

async function up(): Promise<LiveLabStatus> {
  const result = await meridian('lab', 'up', '--json');
  assert.equal(result.code, 0, `lab up failed: ${result.stderr}`);
  return JSON.parse(result.stdout) as LiveLabStatus;
}

async function down(): Promise<void> {
  const result = await meridian('lab', 'down');
  assert.equal(result.code, 0, `lab down failed: ${result.stderr}`);
}

/** GET with curl from the host (ns undefined) or inside a namespace; exit code 0 = answered. */
async function curl(ns: string | undefined, url: string, maxSeconds = 2, extra: readonly string[] = []): Promise<Run> {
  const args = ['-s', '-g', '--connect-timeout', String(maxSeconds), '-m', String(maxSeconds), ...extra, url];
  return ns ? netnsExec(ns, ['curl', ...args]).then((r) => ({ code: r.exitCode, stdout: r.stdout, stderr: r.stderr })) : run('curl', args);
}

async function assertAnswers(ns: string | undefined, url: string, region: string): Promise<void> {
  const r = await curl(ns, url);
  assert.equal(r.code, 0, `${url} from ${ns ?? 'host'}: curl exit ${r.code}`);
  assert.equal((JSON.parse(r.stdout) as { region: string }).region, region, `${url} from ${ns ?? 'host'}`);
}

async function assertUnreachable(ns: string | undefined, url: string): Promise<void> {
  const r = await curl(ns, url, 0.5);
  assert.equal(r.code, 28, `${url} from ${ns ?? 'host'} should time out (partition), curl exit ${r.code}`);
}

/** The built-in topology without its store: no etcd, no PostgreSQL (what the spine's tests run). */
const noStoresFile = join(dir, 'no-stores.yaml');
writeFileSync(noStoresFile, DEFAULT_TOPOLOGY_YAML.replace(/\nstores:[\s\S]*?\n# Where clients/, '\n# Where clients'));

/** WAL positions move on their own (checkpoints, standby snapshots): compare everything else. */
const withoutLsns = (s: LiveLabStatus) => ({ ...s, stores: s.stores.map((st) => ({ ...st, members: st.members.map(({ lsn: _l, ...m }) => m) })) });

const urlsOf = (r: LabStatus['regions'][number]) => [...r.instances, ...r.instances6].map((a) => `http://${a}/`);

function labLeftovers(): string[] {
  const ns = spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).stdout.split('\n').filter((l) => l.startsWith('mrd-'));
  const links = spawnSync('ip', ['-o', 'link', 'show'], { encoding: 'utf8' }).stdout.split('\n').filter((l) => / mrd-/.test(l));
  const etc = existsSync('/etc/netns') ? readdirSync('/etc/netns').filter((n) => n.startsWith('mrd-')) : [];
  return [...ns, ...links, ...etc];
}

const hasIptables = spawnSync('iptables', ['--version'], { stdio: 'ignore' }).status === 0;
const forwardRulePresent = () => spawnSync('iptables', ['-w', '5', '-C', ...FORWARD_RULE], { stdio: 'ignore' }).status === 0;

function allPids(status: LabStatus) {
  return status.regions.flatMap((r) => r.processes.map((p) => p.pid));
}

describe('lab (network namespaces)', { skip: labSkipReason({ curl: true }) }, () => {
  // In-process teardown around each test (cheaper than a CLI start); the tests run the CLI's own.
  const clean = async () => void (await labDown());
  beforeEach(clean);
  afterEach(clean);
  after(async () => {
    await clean();
    rmSync(dir, { recursive: true, force: true });
  });

  it('builds regions reachable from host and clients; cut is a partition; heal; kill; down removes all', async () => {
    const status = await up();
    assert.equal(status.zone, 'global.meridian.test');
    assert.deepEqual(status.services, [{ name: 'web', fqdn: 'web.global.meridian.test', port: 8080 }]);
    assert.deepEqual(status.regions.map((r) => [r.name, r.namespace, r.dns, r.api, r.cut]), [
      ['eu-west', 'mrd-eu-west', '10.231.1.1:53', 'https://10.231.1.1:7700', false],
      ['us-east', 'mrd-us-east', '10.231.2.1:53', 'https://10.231.2.1:7700', false],
      ['ap-south', 'mrd-ap-south', '10.231.3.1:53', 'https://10.231.3.1:7700', false],
    ]);
    assert.deepEqual(status.regions[0]?.instances, ['10.231.1.11:8080', '10.231.1.12:8080']);
    assert.deepEqual(status.regions[0]?.instances6, ['[fd77:231::1:11]:8080', '[fd77:231::1:12]:8080']);
    assert.deepEqual(status.clients.map((c) => [c.namespace, c.address]), [['mrd-client', '10.231.250.1']]);
    assert.equal(status.stateDir, labDirPath);
    assert.equal(status.topologyFile, join(labDirPath, 'topology.yaml'));
    assert.ok(existsSync(status.topologyFile));
    for (const r of status.regions) {
      assert.deepEqual(r.processes.filter((p) => p.kind === 'app').map((p) => p.alive), [true, true]);
      assert.equal(r.processes.filter((p) => p.kind === 'agent').length, 1);
    }
    if (hasIptables) assert.equal(forwardRulePresent(), true, 'bridged traffic is accepted even under a FORWARD DROP policy');
    const statusAgain = await meridian('lab', 'status', '--json');
    assert.deepEqual(withoutLsns(JSON.parse(statusAgain.stdout) as LiveLabStatus), withoutLsns(status));
    assert.deepEqual(status.etcd.map((e) => e.healthy), [true, true, true], 'the built-in topology has a store, so etcd runs');

    // Every instance, IPv4 and IPv6, from the host and from the client namespace.
    await Promise.all(
      status.regions.flatMap((r) => urlsOf(r).flatMap((url) => [assertAnswers(undefined, url, r.name), assertAnswers('mrd-client', url, r.name)])),
    );
    // The agents' APIs are https only, verified with the lab's API CA (lab status names it).
    assert.equal(status.apiCa, join(labDirPath, 'api-tls', 'ca.crt'));
    await Promise.all(status.regions.map((r) => assertAnswersStatus('mrd-client', `${r.api}/healthz`, ['--cacert', status.apiCa!])));
    const firstApi = status.regions[0]!.api;
    assert.equal((await curl('mrd-client', `${firstApi}/healthz`)).code, 60, 'without the lab CA, curl cannot verify the agent');
    assert.notEqual((await curl('mrd-client', `${firstApi.replace(/^https:/, 'http:')}/healthz`)).code, 0, 'no plaintext answer on the API port');
    // The namespace's resolv.conf points ordinary resolvers at the agents.
    const dig = await netnsExec('mrd-client', ['dig', '+short', '+time=1', '+tries=2', 'web.global.meridian.test', 'A']);
    const answers = dig.stdout.trim().split('\n').filter(Boolean);
    assert.ok(answers.length > 0 && answers.every((a) => a.startsWith('10.231.')), `dig through resolv.conf: ${dig.stdout}${dig.stderr}`);

    // Cut eu-west: nobody outside reaches it, it still reaches itself, and it reaches nobody.
    const [euWest, usEast] = status.regions;
    assert.ok(euWest && usEast);
    const cut = await meridian('lab', 'cut', 'eu-west');
    assert.equal(cut.code, 0, cut.stderr);
    const euUrls = urlsOf(euWest);
    await Promise.all([
      ...[euUrls[0]!, euUrls[2]!].flatMap((url) => [assertUnreachable(undefined, url), assertUnreachable('mrd-client', url)]),
      ...euUrls.map((url) => assertAnswers('mrd-eu-west', url, 'eu-west')),
      assertUnreachable('mrd-eu-west', urlsOf(usEast)[0]!),
      assertAnswers('mrd-client', urlsOf(usEast)[0]!, 'us-east'),
    ]);
    const cutStatus = readLabStatus()!;
    assert.deepEqual(cutStatus.regions.map((r) => r.cut), [true, false, false]);
    assert.deepEqual(cutStatus.regions[0]?.processes.map((p) => p.alive), status.regions[0]?.processes.map(() => true), 'processes keep running');

    // Heal: reachable again at once (stale neighbour entries are flushed).
    assert.equal((await meridian('lab', 'heal', 'eu-west')).code, 0);
    await Promise.all(euUrls.flatMap((url) => [assertAnswers(undefined, url, 'eu-west'), assertAnswers('mrd-client', url, 'eu-west')]));
    assert.deepEqual(readLabStatus()?.regions.map((r) => r.cut), [false, false, false]);

    // Kill us-east's apps: connection refused (the host is there, nothing listens), recorded as stopped.
    const killed = await meridian('lab', 'kill', 'us-east', '--what', 'app');
    assert.equal(killed.code, 0, killed.stderr);
    assert.equal((await curl(undefined, urlsOf(usEast)[0]!)).code, 7, 'connection refused');
    assert.equal((await curl('mrd-client', urlsOf(usEast)[2]!)).code, 7, 'connection refused over IPv6');
    const afterKill = readLabStatus()!;
    assert.deepEqual(afterKill.regions[1]?.processes.filter((p) => p.kind === 'app').map((p) => p.alive), [false, false]);

    // Bad input: exit 2 and one line.
    const unknown = await meridian('lab', 'cut', 'mars');
    assert.equal(unknown.code, 2);
    assert.equal(unknown.stderr, "meridian: unknown region 'mars' (regions: eu-west, us-east, ap-south)\n");
    assert.equal((await meridian('lab', 'kill', 'eu-west', '--what', 'disk')).code, 2);

    // Down: nothing of the lab remains.
    const pids = allPids(status);
    await down();
    assert.deepEqual(labLeftovers(), []);
    if (hasIptables) assert.equal(forwardRulePresent(), false, 'the iptables rule is removed');
    assert.deepEqual(pids.filter((pid) => isAlive({ pid, startTicks: null })), []);
  });

  it('up is idempotent, rebuilds a lab that is half there, and down cleans up after a crash', async () => {
    // Without agents and without stores here: fewer processes, and both get their own coverage.
    const noAgents = ['lab', 'up', '--no-agents', '-f', noStoresFile];
    const first = JSON.parse((await meridian(...noAgents, '--json')).stdout) as LiveLabStatus;
    assert.equal(first.agents, false);
    assert.deepEqual([first.etcd, first.stores], [[], []], 'no stores: no data layer');
    assert.deepEqual(first.regions.flatMap((r) => r.processes.map((p) => p.kind)), Array(6).fill('app'));
    const again = await meridian(...noAgents);
    assert.equal(again.code, 0);
    assert.match(again.stdout, /^lab was already up/);
    assert.deepEqual(allPids(JSON.parse((await meridian(...noAgents, '--json')).stdout) as LabStatus), allPids(first), 'same processes');

    await meridian('lab', 'kill', 'ap-south', '--what', 'app');
    const rebuilt = await meridian(...noAgents);
    assert.match(rebuilt.stdout, /^lab is up \(rebuilt/);
    const state = readState(labDirPath);
    assert.ok(state);
    assert.equal(state.phase, 'up');
    assert.ok(state.processes.every((p) => isAlive(p)), 'every process of the rebuilt lab runs');
    assert.equal(allPids(first).filter((pid) => isAlive({ pid, startTicks: null })).length, 0, 'old processes are gone');

    // A later layer adds its own process on a reserved address; down must stop it too.
    const extra = addRegionAddress('us-east', 2);
    assert.deepEqual(extra, { ipv4: '10.231.2.2', ipv6: 'fd77:231::2:2' });
    assert.deepEqual(addRegionAddress('us-east', 2), extra, 'idempotent');
    const server = `require('http').createServer((q, s) => s.end('extra')).listen(9000, '${extra.ipv4}')`;
    const proc = startInRegion('us-east', 'extra', 'extra-us-east', [process.execPath, '-e', server]);
    await waitHealthy(proc, [`http://${extra.ipv4}:9000/healthz`], Date.now() + 10_000);
    assert.equal((await curl('mrd-client', `http://${extra.ipv4}:9000/`)).stdout, 'extra');
    assert.deepEqual(readLabStatus()?.regions[1]?.processes.filter((p) => p.kind === 'extra').map((p) => [p.name, p.alive]), [['extra-us-east', true]]);

    // A crash: the state file is gone, the namespaces and processes are not.
    rmSync(join(labDirPath, 'state.json'));
    await down();
    assert.deepEqual(labLeftovers(), []);
    assert.deepEqual([...state.processes, proc.record].filter((p) => isAlive(p)).map((p) => p.name), []);
    await down(); // Idempotent.
  });

  it('without a lab: status exits 1, and a non-root user gets exit 2 naming sudo', async () => {
    const none = await meridian('lab', 'status');
    assert.equal(none.code, 1);
    assert.equal(none.stderr, 'meridian: no lab is running (start one with: meridian lab up)\n');
    if (spawnSync('runuser', ['--help'], { stdio: 'ignore' }).status === 0) {
      const notRoot = await run('runuser', ['-u', 'nobody', '--', process.execPath, MERIDIAN_BIN, 'lab', 'down']);
      assert.equal(notRoot.code, 2);
      assert.equal(notRoot.stderr, 'meridian: meridian lab needs root (network namespaces): run as root, e.g. sudo\n');
    }
  });
});

async function assertAnswersStatus(ns: string, url: string, extra: readonly string[] = []): Promise<void> {
  const r = await curl(ns, url, 2, extra);
  assert.equal(r.code, 0, `${url} from ${ns}: curl exit ${r.code}`);
}
