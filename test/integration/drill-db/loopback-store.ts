/**
 * A two-region store on loopback for the database drill's orchestration tests: a real
 * PostgreSQL primary on 127.0.0.2 ("eu-west") and a streaming standby on 127.0.0.3 ("us-east"),
 * same port, a loopback DNS responder for the primary's name, and a DbDrillEnvironment whose
 * faults are real signals to the real postmaster. A scripted stand-in for the agents' failover
 * promotes the standby and points the name at it a fixed delay after a fault; it does NOT fence
 * the old primary (that is the agents' job, tested with the lab): tests use that to check that
 * the drill catches what a missing fence lets through.
 */
import { join } from 'node:path';
import {
  createStandby, initPrimary, promote, readMemberState, type PgMember,
} from '../../../src/data/index.ts';
import {
  WRITER_CREDENTIAL_ENV, postmasterPidOf, signalCluster, startChildWriter, type DbDrillEnvironment, type StoreSnapshot,
} from '../../../src/drill/db/index.ts';
import { MERIDIAN_BIN } from '../../support/cli.ts';
import { startDnsResponder, type DnsResponder } from '../drill/loopback.ts';
import { freePort } from '../../support/ports.ts';
import { PgSandbox, TEST_AUTH, TEST_INITDB_ARGS, TEST_SETTINGS, admin, sql } from '../../support/postgres.ts';

export const EU = '127.0.0.2';
export const US = '127.0.0.3';
export const PRIMARY_FQDN = 'primary.orders.db.test';

export interface LoopbackStore {
  readonly eu: PgMember;
  readonly us: PgMember;
  readonly dns: DnsResponder;
  readonly env: DbDrillEnvironment;
  /** What the environment was asked to do, in order. */
  readonly calls: string[];
  close(): Promise<void>;
}

export interface LoopbackStoreOptions {
  readonly sync: boolean;
  /** Stand-in detection + promotion delay after a fault. */
  readonly failoverAfterMs: number;
  readonly leaseTtlMs: number;
}

let counter = 0;

export async function loopbackStore(sandbox: PgSandbox, opts: LoopbackStoreOptions): Promise<LoopbackStore> {
  counter += 1;
  const port = await freePort(EU);
  const eu: PgMember = { name: 'eu-west', host: EU, port, dataDir: join(sandbox.root, `eu-west-${counter}`) };
  const us: PgMember = { name: 'us-east', host: US, port, dataDir: join(sandbox.root, `us-east-${counter}`) };
  await initPrimary({
    member: eu, auth: TEST_AUTH, settings: TEST_SETTINGS, initdbArgs: TEST_INITDB_ARGS,
    app: { user: 'app', password: 'app-secret', database: 'app' }, ...(opts.sync ? { syncStandbyNames: ['us-east'] } : {}),
  });
  const made = await createStandby({ member: us, primary: eu, auth: TEST_AUTH });
  if (made.kind !== 'created') throw new Error(`standby: ${JSON.stringify(made)}`);
  const dns = await startDnsResponder([EU], 0);
  const calls: string[] = [];
  const timers = new Set<NodeJS.Timeout>();
  const members = [eu, us];
  const regionOf = (name: string) => members.find((m) => m.name === name)!;

  /** The stand-in for the agents' failover: promote us-east, drop its sync wait, move the name. */
  const scheduleFailover = () => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      void (async () => {
        await promote(us, TEST_AUTH);
        await sql(admin(us), 'ALTER SYSTEM RESET synchronous_standby_names');
        await sql(admin(us), 'SELECT pg_reload_conf()');
        dns.addresses = [US];
        calls.push('failover us-east');
      })();
    }, opts.failoverAfterMs);
    timers.add(timer);
  };
  const signalMember = (region: string, signal: 'SIGKILL' | 'SIGSTOP' | 'SIGCONT') => {
    const pid = postmasterPidOf(regionOf(region).dataDir);
    if (!pid) throw new Error(`${region} has no postmaster`);
    signalCluster(pid, signal);
  };

  const env: DbDrillEnvironment = {
    store: {
      name: 'orders',
      primaryFqdn: PRIMARY_FQDN,
      replication: opts.sync ? 'sync' : 'async',
      credentials: { user: 'app', password: 'app-secret', database: 'app', port },
      memberRegions: { [`${EU}:${port}`]: 'eu-west', [`${US}:${port}`]: 'us-east' },
      targets: { rtoMs: 10_000, rpoMs: 0 },
      leaseTtlMs: opts.leaseTtlMs,
    },
    nameservers: [{ region: 'eu-west', address: '127.0.0.1', port: dns.port }],
    readStore: async (): Promise<StoreSnapshot> => {
      const states = await Promise.all(members.map((m) => readMemberState(admin(m), { connectMs: 300, statementMs: 500 })));
      const observed = members.map((m, i) => {
        const s = states[i]!;
        return {
          region: m.name, address: `${m.host}:${m.port}`, reachable: s.reachable,
          role: s.reachable ? s.role : ('unknown' as const), timeline: s.reachable ? s.timeline : 0,
        };
      });
      const primary = observed.filter((m) => m.role === 'primary').sort((a, b) => b.timeline - a.timeline)[0];
      return { atMs: Date.now(), primary: primary?.region ?? null, members: observed.map(({ timeline: _t, ...m }) => m) };
    },
    readAgents: async () => [],
    // No namespaces on loopback: a "cut" only triggers the stand-in failover; the old primary
    // stays reachable, as it does for a client inside its region.
    cutRegion: async (r) => {
      calls.push(`cut ${r}`);
      if (r === 'eu-west') scheduleFailover();
    },
    healRegion: async (r) => void calls.push(`heal ${r}`),
    killDatabase: async (r) => {
      calls.push(`kill ${r}`);
      signalMember(r, 'SIGKILL');
      scheduleFailover();
    },
    freezeDatabase: async (r) => {
      calls.push(`freeze ${r}`);
      signalMember(r, 'SIGSTOP');
      if (r === 'eu-west') scheduleFailover();
    },
    thawDatabase: async (r) => {
      calls.push(`thaw ${r}`);
      signalMember(r, 'SIGCONT');
    },
    killAgent: async (r) => void calls.push(`killAgent ${r}`),
    restartAgent: async (r) => void calls.push(`restartAgent ${r}`),
    // The in-region client as the lab runs it, minus `ip netns exec`.
    startLocalWriter: (_region, address, o) => startChildWriter({
      argv: [
        process.execPath, MERIDIAN_BIN, 'drill', 'write-client', '--host', address.split(':')[0]!, '--port', String(port), '--database', 'app',
        '--run', o.runId, '--client', 'local', '--rate', String(o.rate), '--connect-ms', '300', '--answer-ms', String(o.timeoutMs),
        '--member-regions', JSON.stringify({ [`${EU}:${port}`]: 'eu-west', [`${US}:${port}`]: 'us-east' }),
      ],
      env: { [WRITER_CREDENTIAL_ENV.user]: 'app', [WRITER_CREDENTIAL_ENV.password]: 'app-secret', MERIDIAN_LOG_LEVEL: 'silent' },
    }),
  };
  return {
    eu, us, dns, env, calls,
    close: async () => {
      for (const t of timers) clearTimeout(t);
      for (const m of members) {
        const pid = postmasterPidOf(m.dataDir);
        if (pid) signalCluster(pid, 'SIGCONT');
      }
      await dns.close();
    },
  };
}
