/**
 * Commands load what they use and nothing more (src/cli/commands/registry.ts): `--version` and
 * `--help` load commander and the command declarations only, and `status` reads the agents without
 * loading the agent itself (etcd's gRPC stack, pg, prom-client). Checked on real processes: every
 * module they load is recorded by test/support/import-recorder.js.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const RECORDER = join(ROOT, 'test/support/import-recorder.js');
const dir = mkdtempSync(join(tmpdir(), 'meridian-lazy-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** Packages that cost tens to hundreds of milliseconds to load; none is needed to print help. */
const HEAVY = ['etcd3', '@grpc', 'pg', 'aws-cdk-lib', 'constructs', 'kubernetes-models', '@kubernetes-models', 'prom-client', 'pino', 'zod', 'yaml', 'dns-packet', 'cockatiel'];
/** What the agent brings along; `status` must do without it. */
const AGENT_ONLY = ['etcd3', '@grpc', 'pg', 'prom-client', 'pino', 'dns-packet', 'cockatiel', 'aws-cdk-lib', 'kubernetes-models'];

/** The two ways in: bin (dist/ when built and fresh, else the sources), and the sources under tsx. */
const ENTRIES = {
  bin: ['bin/meridian.js'],
  source: ['--import', 'tsx', 'src/cli/main.ts'],
} as const;

let runs = 0;
function loadedBy(entry: keyof typeof ENTRIES, args: readonly string[], env: NodeJS.ProcessEnv = {}): { code: number; stdout: string; modules: string[] } {
  const log = join(dir, `imports-${(runs += 1)}.log`);
  writeFileSync(log, '');
  const r = spawnSync(process.execPath, ['--import', RECORDER, ...ENTRIES[entry], ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, MERIDIAN_IMPORT_LOG: log, MERIDIAN_LOG_LEVEL: 'silent', ...env },
    timeout: 60_000,
  });
  return { code: r.status ?? -1, stdout: r.stdout, modules: [...new Set(readFileSync(log, 'utf8').split('\n').filter(Boolean))] };
}

/** `pg` for …/node_modules/pg/lib/index.js, `@grpc/grpc-js` → `@grpc`. */
function packagesIn(modules: readonly string[]): Set<string> {
  return new Set(modules.flatMap((url) => /\/node_modules\/((?:@[^/]+)|[^/]+)\//.exec(url)?.slice(1, 2) ?? []));
}

describe('what a command loads', () => {
  for (const entry of Object.keys(ENTRIES) as (keyof typeof ENTRIES)[]) {
    for (const args of [['--version'], ['--help'], ['lab', '--help'], ['export', 'k8s', '--help']]) {
      test(`${entry}: meridian ${args.join(' ')} loads no heavy package`, () => {
        const { code, modules } = loadedBy(entry, args);
        assert.equal(code, 0);
        assert.ok(modules.some((url) => url.includes('/node_modules/commander/')), 'the recorder saw nothing: is it working?');
        const heavy = [...packagesIn(modules)].filter((p) => HEAVY.includes(p));
        assert.deepEqual(heavy, [], `loaded: ${heavy.join(', ')}`);
      });
    }
  }

  test('status loads the status client, not the agent', () => {
    const file = join(dir, 'topology.yaml');
    // Port 9 on loopback: nothing listens, so every agent is refused at once.
    writeFileSync(file, `apiVersion: meridian/v1
zone: lazy.test
regions:
  - { name: solo, agent: { dns: "127.0.0.1:5353", api: "http://127.0.0.1:9" } }
services:
  - { name: web, hostname: web, port: 8080, endpoints: { solo: ["127.0.0.1"] }, policy: { type: failover, order: [solo] } }
`);
    const { code, modules } = loadedBy('bin', ['status', '-f', file]);
    assert.equal(code, 1, 'no agent answers');
    assert.ok(modules.some((url) => /\/agent\/status-client\.(js|ts)$/.test(url)));
    assert.ok(!modules.some((url) => /\/agent\/run\.(js|ts)$/.test(url)), 'the agent itself was loaded');
    const heavy = [...packagesIn(modules)].filter((p) => AGENT_ONLY.includes(p));
    assert.deepEqual(heavy, [], `loaded: ${heavy.join(', ')}`);
  });

  test("status without -f asks the lab's agents, from the lab's state, without loading the schema library", () => {
    const labDir = join(dir, 'lab');
    mkdirSync(labDir);
    // The state file as `lab up` writes it, reduced to what status reads: each region's agent API.
    const layout = { regions: [{ name: 'solo', api: 'http://127.0.0.1:9' }] };
    writeFileSync(join(labDir, 'state.json'), JSON.stringify({ version: 1, phase: 'up', layout }));
    const { code, stdout, modules } = loadedBy('bin', ['status'], { MERIDIAN_LAB_DIR: labDir });
    assert.equal(code, 1, 'no agent answers');
    assert.match(stdout, /^solo +http:\/\/127\.0\.0\.1:9 +unreachable/m);
    const loaded = [...packagesIn(modules)].filter((p) => HEAVY.includes(p));
    assert.deepEqual(loaded, [], `loaded: ${loaded.join(', ')}`);
  });
});
