/**
 * A real etcd cluster on loopback for integration tests: N members (default 3) on free ports,
 * data in a temp dir, fast raft settings, killed by PID in close(). Members can be stopped,
 * started again (same data dir), frozen (SIGSTOP) and thawed (SIGCONT).
 *
 * With `tls: true` the members serve clients over https only and require a client certificate
 * from the cluster's own CA (`--client-cert-auth`; made with openssl, etcd-tls.ts): `pki` issues
 * client certificates, and the helper itself checks health with one (CN `root`).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { etcdMemberArgs, FAST_TEST_SETTINGS, type EtcdClusterSettings, type EtcdMember } from '../../src/coord/index.ts';
import { httpsJson, makeEtcdTestPki, type EtcdTestPki } from './etcd-tls.ts';
import { freePort } from './ports.ts';

const ETCD_BIN = process.env.MERIDIAN_ETCD_BIN ?? '/usr/bin/etcd';

export interface EtcdTestCluster {
  readonly members: readonly EtcdMember[];
  /** Client URLs of all members, in member order. */
  readonly endpoints: readonly string[];
  readonly settings: EtcdClusterSettings;
  /** With `tls`: the cluster's CA, which issues client certificates. */
  readonly pki?: EtcdTestPki;
  /** Kills member i (SIGKILL) and waits for it to exit. */
  stop(i: number): Promise<void>;
  /** Starts member i again from its data dir; waits until it serves. */
  start(i: number): Promise<void>;
  /** Freezes member i (SIGSTOP): its sockets stay open but it answers nothing, like a partition. */
  pause(i: number): void;
  resume(i: number): void;
  /** Waits until every running, unpaused member reports a healthy cluster (has a leader). */
  waitHealthy(timeoutMs?: number): Promise<void>;
  /** Name of the current raft leader, as member i sees it. */
  leaderName(): Promise<string | undefined>;
  close(): Promise<void>;
}

const allLive = new Set<ChildProcess>();
// If the test process dies without close(), do not leave etcd members behind.
process.once('exit', () => {
  for (const child of allLive) child.kill('SIGKILL');
});

export async function startEtcdCluster(options: { size?: number; settings?: Partial<EtcdClusterSettings>; tls?: boolean } = {}): Promise<EtcdTestCluster> {
  const size = options.size ?? 3;
  const dir = await mkdtemp(join(tmpdir(), 'meridian-etcd-'));
  const names = Array.from({ length: size }, (_, i) => `m${i}`);
  let pki: EtcdTestPki | undefined;
  let probeTls: string | undefined;
  try {
    pki = options.tls ? await makeEtcdTestPki(join(dir, 'pki'), names) : undefined;
    probeTls = await pki?.client('root');
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
  const members: EtcdMember[] = [];
  for (const name of names) {
    const [client, peer] = [await freePort(), await freePort()];
    members.push({
      name, clientUrl: `${pki ? 'https' : 'http'}://127.0.0.1:${client}`, peerUrl: `http://127.0.0.1:${peer}`, dataDir: join(dir, name),
      ...(pki ? { clientTls: pki.server(name) } : {}),
    });
  }
  const health = (clientUrl: string) => healthOf(clientUrl, probeTls);
  const settings: EtcdClusterSettings = { ...FAST_TEST_SETTINGS, clusterToken: `meridian-test-${process.pid}-${Date.now()}`, ...options.settings };
  const procs: (ChildProcess | undefined)[] = new Array(size).fill(undefined);
  const paused = new Set<number>();

  const spawnMember = (i: number): void => {
    const member = members[i]!;
    const log = createWriteStream(join(dir, `${member.name}.log`), { flags: 'a' });
    const child = spawn(ETCD_BIN, etcdMemberArgs(member, members, settings), { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout?.pipe(log);
    child.stderr?.pipe(log);
    allLive.add(child);
    child.once('exit', () => allLive.delete(child));
    procs[i] = child;
  };

  const kill = async (i: number): Promise<void> => {
    const child = procs[i];
    procs[i] = undefined;
    paused.delete(i);
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGKILL');
    await exited;
  };

  const cluster: EtcdTestCluster = {
    members,
    endpoints: members.map((m) => m.clientUrl),
    settings,
    ...(pki ? { pki } : {}),
    stop: kill,
    async start(i) {
      if (procs[i]) throw new Error(`etcd member ${i} is already running`);
      spawnMember(i);
      await waitUntil(async () => (await health(members[i]!.clientUrl)) !== 'down', 15_000, () => describe(i));
    },
    pause(i) {
      procs[i]?.kill('SIGSTOP');
      paused.add(i);
    },
    resume(i) {
      procs[i]?.kill('SIGCONT');
      paused.delete(i);
    },
    async waitHealthy(timeoutMs = 15_000) {
      const live = members.map((_, i) => i).filter((i) => procs[i] && !paused.has(i));
      await waitUntil(async () => (await Promise.all(live.map((i) => health(members[i]!.clientUrl)))).every((h) => h === 'healthy'), timeoutMs, () =>
        Promise.all(live.map(describe)).then((d) => d.join('\n')),
      );
    },
    async leaderName() {
      for (const [i, m] of members.entries()) {
        if (!procs[i] || paused.has(i)) continue;
        const leader = await leaderOf(m.clientUrl, members, probeTls);
        if (leader) return leader;
      }
      return undefined;
    },
    async close() {
      for (const i of paused) procs[i]?.kill('SIGCONT');
      await Promise.all(members.map((_, i) => kill(i)));
      await rm(dir, { recursive: true, force: true });
    },
  };

  const describe = async (i: number): Promise<string> => {
    const child = procs[i];
    const state = !child ? 'not running' : child.exitCode !== null ? `exited ${child.exitCode}` : 'running';
    const log = await readFile(join(dir, `${members[i]!.name}.log`), 'utf8').catch(() => '');
    return `etcd ${members[i]!.name} (${state}):\n${log.split('\n').slice(-15).join('\n')}`;
  };

  try {
    members.forEach((_, i) => spawnMember(i));
    await cluster.waitHealthy();
  } catch (err) {
    await cluster.close();
    throw err;
  }
  return cluster;
}

type Health = 'healthy' | 'unhealthy' | 'down';

/** POST {} (or GET) and parse the JSON answer; over https with the client certificate in `tlsDir`. */
async function askJson(url: string, method: 'GET' | 'POST', tlsDir: string | undefined): Promise<Record<string, unknown>> {
  if (tlsDir) return httpsJson(url, tlsDir, method);
  const res = await fetch(url, { method, ...(method === 'POST' ? { body: '{}' } : {}), signal: AbortSignal.timeout(1000) });
  return (await res.json()) as Record<string, unknown>;
}

/** etcd's /health says true once the member has a leader and can serve a quorum read. */
async function healthOf(clientUrl: string, tlsDir: string | undefined): Promise<Health> {
  try {
    const body = (await askJson(`${clientUrl}/health`, 'GET', tlsDir)) as { health?: string };
    return body.health === 'true' ? 'healthy' : 'unhealthy';
  } catch {
    return 'down';
  }
}

/** Leader via the v3 JSON gateway: the member's status names the leader's member id. */
async function leaderOf(clientUrl: string, members: readonly EtcdMember[], tlsDir: string | undefined): Promise<string | undefined> {
  try {
    const post = (path: string) => askJson(`${clientUrl}${path}`, 'POST', tlsDir);
    const status = (await post('/v3/maintenance/status')) as { leader?: string };
    const list = (await post('/v3/cluster/member/list')) as { members?: { ID: string; peerURLs?: string[] }[] };
    const leader = list.members?.find((m) => m.ID === status.leader);
    return members.find((m) => leader?.peerURLs?.includes(m.peerUrl))?.name;
  } catch {
    return undefined;
  }
}

async function waitUntil(check: () => Promise<boolean>, timeoutMs: number, explain: () => Promise<string>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`etcd cluster not healthy after ${timeoutMs}ms\n${await explain()}`);
}
