/**
 * Real PostgreSQL 15 clusters for tests: every member on 127.0.0.1 with a free port, under one
 * temp directory owned by `postgres`. Teardown stops every postmaster by the PID in its
 * postmaster.pid (SIGQUIT = immediate shutdown, SIGKILL if it lingers), also when a test failed
 * half-way, and on process exit as a last resort.
 */
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  adminTarget, createStandby, ensureOwnedDir, initPrimary, queryRows, withClient, type ConfValue, type PgAuth, type PgMember, type PgTarget,
} from '../../src/data/index.ts';
import { freePort } from './ports.ts';
import { makePgTestPki, type PgTestPki } from './pg-tls.ts';
import { processExists } from '../../src/common/process-exists.ts';

export const TEST_AUTH: PgAuth = {
  adminUser: 'postgres',
  adminPassword: 'admin-secret',
  replicationUser: 'replicator',
  replicationPassword: "repl 'secret'", // a quote and a space: exercises every quoting layer
};

/** Test-only speed settings: no fsync, tiny buffers and WAL. Never for production. */
export const TEST_SETTINGS: Readonly<Record<string, ConfValue>> = {
  fsync: false,
  shared_buffers: '16MB',
  max_wal_size: '64MB',
  min_wal_size: '4MB',
  wal_keep_size: '32MB',
  checkpoint_timeout: '30s',
  autovacuum: false,
  max_connections: 30,
};

export const TEST_INITDB_ARGS = ['--wal-segsize=1', '--no-sync'];

const live = new Set<PgSandbox>();
process.once('exit', () => {
  for (const sandbox of live) sandbox.killSync();
});

export class PgSandbox {
  private constructor(
    readonly root: string,
    /** With `{ tls: true }`: every member serves TLS with a certificate naming 127.0.0.1. */
    readonly pki: PgTestPki | undefined,
  ) {}

  static async create(opts: { readonly tls?: boolean } = {}): Promise<PgSandbox> {
    const root = await mkdtemp(join(tmpdir(), 'meridian-pg-'));
    await ensureOwnedDir(root, 'postgres');
    const pki = opts.tls ? await makePgTestPki(join(root, 'pki')) : undefined;
    const sandbox = new PgSandbox(root, pki);
    live.add(sandbox);
    return sandbox;
  }

  /** TEST_AUTH, verifying the members against the sandbox's CA when it has one. */
  get auth(): PgAuth {
    return this.pki ? { ...TEST_AUTH, tls: { caFile: this.pki.ca.crt } } : TEST_AUTH;
  }

  async member(name: string): Promise<PgMember> {
    const base = { name, host: '127.0.0.1', port: await freePort(), dataDir: join(this.root, name) };
    if (!this.pki) return base;
    const files = await this.pki.issue(name, ['IP:127.0.0.1']);
    return { ...base, serverTls: files.server };
  }

  async primary(name: string, opts: { syncStandbyNames?: readonly string[] } = {}): Promise<PgMember> {
    const member = await this.member(name);
    await initPrimary({
      member, auth: this.auth, settings: TEST_SETTINGS, initdbArgs: TEST_INITDB_ARGS,
      app: { user: 'app', password: 'app-secret', database: 'app' }, ...opts,
    });
    return member;
  }

  async standby(name: string, primary: PgMember): Promise<PgMember> {
    const member = await this.member(name);
    const result = await createStandby({ member, primary, auth: this.auth });
    if (result.kind !== 'created') throw new Error(`standby ${name}: ${JSON.stringify(result)}`);
    return member;
  }

  /** Stop every postmaster under the root by PID, then remove the directory. */
  async cleanup(): Promise<void> {
    const pids = await this.postmasterPids();
    for (const pid of pids) signal(pid, 'SIGQUIT');
    const deadline = Date.now() + 5000;
    while (pids.some(processExists) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    for (const pid of pids.filter(processExists)) signal(pid, 'SIGKILL');
    live.delete(this);
    await rm(this.root, { recursive: true, force: true });
  }

  /** Last resort on process exit: synchronous, no waiting. */
  killSync(): void {
    for (const entry of safeReaddirSync(this.root)) {
      const pid = pidFrom(safeReadSync(join(this.root, entry, 'postmaster.pid')));
      if (pid) signal(pid, 'SIGKILL');
    }
  }

  private async postmasterPids(): Promise<number[]> {
    const entries = (await readdir(this.root).catch(() => [] as string[])).filter((e) => e !== 'pki');
    const pids: number[] = [];
    for (const entry of entries) {
      const pid = pidFrom(await readFile(join(this.root, entry, 'postmaster.pid'), 'utf8').catch(() => ''));
      if (pid) pids.push(pid);
    }
    return pids;
  }
}

/** Admin connection target for a member. */
export function admin(member: PgMember): PgTarget {
  return adminTarget(member, TEST_AUTH);
}

/** Application connection target (the `app` role and database every test primary has). */
export function app(member: PgMember): PgTarget {
  return { host: member.host, port: member.port, user: 'app', password: 'app-secret', database: 'app' };
}

export async function sql<R = Record<string, unknown>>(target: PgTarget, text: string, params: unknown[] = []): Promise<R[]> {
  return withClient(target, (c) => queryRows<R>(c, text, params));
}

/** Poll until `check` returns true, or fail with `what` after `timeoutMs`. */
export async function eventually(what: string, check: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function pidFrom(text: string): number | undefined {
  const pid = Number(text.split('\n')[0]);
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // already gone
  }
}

function safeReaddirSync(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

function safeReadSync(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}
