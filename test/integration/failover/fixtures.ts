/**
 * A store on loopback for failover tests: a real 3-member etcd cluster, three real PostgreSQL 15
 * members (eu primary, us and ap standbys) each on its own 127.0.91.x address with one shared
 * port (as stores[].port says), and in-process regional agents that supervise the store.
 * Everything is stopped by PID / closed in `close()`.
 */
import { testTokenEnv, testTokensFile } from '../../support/tokens.ts';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { pino } from 'pino';
import { runAgent, type RunningAgent } from '../../../src/agent/index.ts';
import type { StoreStatus } from '../../../src/agent/store/index.ts';
import { EtcdStore } from '../../../src/coord/index.ts';
import { createStandby, initPrimary, type PgMember } from '../../../src/data/index.ts';
import { readStepRecords } from '../../../src/failover/adapters/index.ts';
import type { StepRecord } from '../../../src/failover/index.ts';
import { parseTopology, type Topology } from '../../../src/spec/index.ts';
import { startEtcdCluster, type EtcdTestCluster } from '../../support/etcd-cluster.ts';
import { freePort } from '../../support/ports.ts';
import { MERIDIAN_BIN } from '../../support/cli.ts';
import { labPeerTlsDir, writeLabPeerCertificates } from '../../../src/lab/peer-certs.ts';
import { PgSandbox, TEST_AUTH, TEST_INITDB_ARGS, TEST_SETTINGS, sql } from '../../support/postgres.ts';
import { dig, portFreeOn } from '../agent/fixtures.ts';

export const REGIONS = ['eu', 'us', 'ap'] as const;
export type RegionName = (typeof REGIONS)[number];
export const DB_IP: Record<RegionName, string> = { eu: '127.0.91.11', us: '127.0.91.12', ap: '127.0.91.13' };
export const ZONE = 'global.test';
export const PRIMARY_NAME = `primary.orders.db.${ZONE}`;
export const LEASE_TTL_MS = 2000;

export interface StoreCluster {
  readonly etcd: EtcdTestCluster;
  readonly topology: Topology;
  readonly topologyFile: string;
  readonly members: Record<RegionName, PgMember>;
  readonly dir: string;
  readonly agents: Map<RegionName, RunningAgent>;
  /** Agent DNS ports (every agent listens on 127.0.0.1). */
  readonly dnsPort: Record<RegionName, number>;
  startAgent(region: RegionName, opts?: { etcdEndpoints?: readonly string[]; onStepRecord?: (store: string, r: StepRecord) => void }): Promise<RunningAgent>;
  stopAgent(region: RegionName): Promise<void>;
  storeStatus(region: RegionName): StoreStatus;
  /** Step records of the store as the quorum has them. */
  audit(): Promise<StepRecord[]>;
  dig(region: RegionName): Promise<string[]>;
  close(): Promise<void>;
}

/** `peerTls`: agents with openssl-made certificates and a peer listener each (mutual TLS between agents, docs/security.md). */
export async function startStoreCluster(opts: { replication?: 'async' | 'sync'; autoRejoin?: boolean; peerTls?: boolean } = {}): Promise<StoreCluster> {
  const replication = opts.replication ?? 'async';
  const peerTls = opts.peerTls === true;
  const dir = await mkdtemp(join(tmpdir(), 'meridian-failover-'));
  const etcd = await startEtcdCluster();
  const sandbox = await PgSandbox.create();
  const agents = new Map<RegionName, RunningAgent>();
  const cleanup = async () => {
    await Promise.all([...agents.values()].map((a) => a.close().catch(() => undefined)));
    await Promise.all([sandbox.cleanup(), etcd.close()]);
    await rm(dir, { recursive: true, force: true });
  };
  try {
    const port = await portFreeOn(Object.values(DB_IP));
    const members = Object.fromEntries(REGIONS.map((r) => [r, { name: r, host: DB_IP[r], port, dataDir: join(sandbox.root, r) }])) as Record<RegionName, PgMember>;
    await initPrimary({
      member: members.eu, auth: TEST_AUTH, settings: TEST_SETTINGS, initdbArgs: TEST_INITDB_ARGS, allowCidrs: ['127.0.0.0/8'],
      app: { user: 'app', password: 'app-secret', database: 'app' },
      ...(replication === 'sync' ? { syncStandbyNames: ['us', 'ap'] } : {}),
    });
    for (const r of ['us', 'ap'] as const) {
      const made = await createStandby({ member: members[r], primary: members.eu, auth: TEST_AUTH });
      if (made.kind !== 'created') throw new Error(`standby ${r}: ${JSON.stringify(made)}`);
    }
    // After the standbys: in sync mode a commit waits for one of them.
    await sql(appTarget(members.eu), 'CREATE TABLE writes (id bigint PRIMARY KEY, at timestamptz DEFAULT now())');
    const dnsPort = {} as Record<RegionName, number>;
    const regionsYaml: string[] = [];
    for (const [i, r] of REGIONS.entries()) {
      dnsPort[r] = await freePort();
      const m = etcd.members[i]!;
      const peer = peerTls ? `, peer: "127.0.0.1:${await freePort()}"` : '';
      regionsYaml.push(`  - { name: ${r}, agent: { dns: "127.0.0.1:${dnsPort[r]}", api: "http://127.0.0.1:${await freePort()}"${peer} }, etcd: { client: "${m.clientUrl}", peer: "${m.peerUrl}" } }`);
    }
    if (peerTls) await writeLabPeerCertificates(dir, REGIONS.map((r) => ({ region: r, ips: ['127.0.0.1'] })));
    const yaml = `apiVersion: meridian/v1
zone: ${ZONE}
dns: { ttl: 1 }
regions:
${regionsYaml.join('\n')}
stores:
  - name: orders
    engine: postgres
    primaryRegion: eu
    replicaRegions: [us, ap]
    replication: ${replication}
    port: ${port}
    primaryHostname: primary.orders.db
    replicaHostname: replica.orders.db
    endpoints: { ${REGIONS.map((r) => `${r}: ${DB_IP[r]}`).join(', ')} }
failover: { leaseTtl: ${LEASE_TTL_MS}ms${opts.autoRejoin === false ? ', autoRejoin: false' : ''} }
`;
    const topology = parseTopology(yaml);
    const topologyFile = join(dir, 'meridian.yaml');
    await writeFile(topologyFile, yaml);
    const cluster: StoreCluster = {
      etcd, topology, topologyFile, members, dir, agents, dnsPort,
      async startAgent(region, opts = {}) {
        const agent = await runAgent({
          topology, region, tokensFile: testTokensFile(), logger: pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }).child({ region }),
          ...(peerTls ? { peerTlsDir: labPeerTlsDir(dir, region) } : {}),
          stores: {
            auth: TEST_AUTH, stateDir: join(dir, `state-${region}`), dataDirs: { orders: members[region].dataDir },
            ...(opts.etcdEndpoints ? { etcdEndpoints: opts.etcdEndpoints } : {}),
            ...(opts.onStepRecord ? { onStepRecord: opts.onStepRecord } : {}),
          },
        });
        agents.set(region, agent);
        return agent;
      },
      async stopAgent(region) {
        const agent = agents.get(region);
        agents.delete(region);
        await agent?.close();
      },
      storeStatus(region) {
        const s = agents.get(region)?.status().stores?.stores[0];
        if (!s) throw new Error(`no store status from ${region}`);
        return s;
      },
      async audit() {
        const coord = new EtcdStore({ endpoints: etcd.endpoints });
        try {
          const read = await readStepRecords(coord, 'orders');
          if (read.kind === 'unavailable') throw new Error(read.reason);
          return [...read.records];
        } finally {
          await coord.close();
        }
      },
      dig: (region) => dig('127.0.0.1', dnsPort[region], PRIMARY_NAME),
      close: cleanup,
    };
    return cluster;
  } catch (err) {
    await cleanup();
    throw err;
  }
}

export function appTarget(m: PgMember) {
  return { host: m.host, port: m.port, user: 'app', password: 'app-secret', database: 'app' };
}

export function adminOf(m: PgMember) {
  return { host: m.host, port: m.port, user: TEST_AUTH.adminUser, password: TEST_AUTH.adminPassword, database: 'postgres' };
}

/** Polls until `probe` returns a value; fails with the last error and `what`. */
export async function until<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Role of a member over SQL: 'primary' | 'standby' | 'down'. */
export async function roleOf(m: PgMember): Promise<'primary' | 'standby' | 'down'> {
  try {
    const [row] = await sql<{ r: boolean }>(adminOf(m), 'SELECT pg_is_in_recovery() AS r');
    return row?.r ? 'standby' : 'primary';
  } catch {
    return 'down';
  }
}

/** Tries one INSERT through the app role; the error message when it is refused. */
export async function tryWrite(m: PgMember, id: number): Promise<'ok' | string> {
  try {
    await sql(appTarget(m), 'INSERT INTO writes (id) VALUES ($1)', [id]);
    return 'ok';
  } catch (err) {
    return (err as Error).message;
  }
}

/** Every agent answers the primary name with `address`. */
export async function allAnswer(cluster: StoreCluster, regions: readonly RegionName[], address: string, timeoutMs: number): Promise<void> {
  await until(`every agent to answer ${PRIMARY_NAME} with ${address}`, async () => {
    const answers = await Promise.all(regions.map((r) => cluster.dig(r)));
    return answers.every((a) => a.length === 1 && a[0] === address) ? true : undefined;
  }, timeoutMs);
}

/** Runs the real CLI WITHOUT blocking this process (in-process agents must keep running). */
export async function meridian(args: readonly string[], timeoutMs = 120_000): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [MERIDIAN_BIN, ...args], {
      // An admin's token: the tests run switchovers and forced rejoins.
      env: { ...process.env, MERIDIAN_LOG_LEVEL: 'silent', ...testTokenEnv('admin') }, timeout: timeoutMs,
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

/** Sync mode ready: eu holds the primary lease, a coordinator is elected, both standbys are synchronous. */
export async function untilSyncReady(cluster: StoreCluster, timeoutMs = 20_000): Promise<void> {
  await until('eu to hold the primary lease, a coordinator elected, standbys synchronous', async () => {
    const s = cluster.storeStatus('us');
    const [row] = await sql<{ n: string }>(adminOf(cluster.members.eu), "SELECT count(*)::text AS n FROM pg_stat_replication WHERE sync_state IN ('sync', 'quorum')");
    return s.lease?.holder.startsWith('eu/agent:') && s.coordinator.holder && row?.n === '2' ? true : undefined;
  }, timeoutMs);
}

/** The region promoted in place of `old`, once its own agent holds the primary lease. */
export async function promotedAwayFrom(cluster: StoreCluster, old: RegionName, timeoutMs = 30_000): Promise<RegionName> {
  const s = await until(`a standby to be promoted in place of ${old}`, () => {
    const st = cluster.storeStatus(REGIONS.find((r) => r !== old)!);
    return st.primary && st.primary.region !== old && st.lease?.holder.startsWith(`${st.primary.region}/agent:`) ? st : undefined;
  }, timeoutMs);
  return s.primary!.region as RegionName;
}
