/**
 * The README's main job, exactly as a user runs it: `bash scripts/demo.sh` (set-up, lab up, the
 * traffic drill cutting the primary's region, the store becoming whole again by itself, then the
 * database drill), in a lab of its own, brought down afterwards. Issue 10's demo incident: this
 * job failed on fresh clones when a cut healed in the middle of a failover. Both drills must pass
 * and the store must end whole: one writable primary, every other member streaming from it.
 * About 3-5 minutes. Needs root on Linux (network namespaces), PostgreSQL 15, etcd and dig.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { runMeridian } from '../../support/cli.ts';
import { storeEvents } from '../../support/lab-logs.ts';
import { labSkipReason } from '../../support/lab-suite.ts';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));

const dir = mkdtempSync(join(tmpdir(), 'meridian-demo-'));
const labDir = join(dir, 'lab');
// Info level (the suite runs silent, and the lab's agents inherit it): a failure prints the
// agents' store decisions (storeEvents) next to the reports.
const env = { ...process.env, MERIDIAN_LAB_DIR: labDir, MERIDIAN_LOG_LEVEL: 'info' };

describe('the README main job: bash scripts/demo.sh', { skip: labSkipReason({ store: true, dig: true }), timeout: 15 * 60_000 }, () => {
  after(() => {
    runMeridian(['lab', 'down'], { env, timeoutMs: 120_000 });
    rmSync(dir, { recursive: true, force: true });
  });

  it('both drills pass, and the store ends whole', async () => {
    const run = await new Promise<{ code: number; out: string }>((resolve) => {
      execFile('bash', [join(ROOT, 'scripts/demo.sh')], { cwd: ROOT, env, encoding: 'utf8', timeout: 14 * 60_000, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
        const code = (err as { code?: unknown } | null)?.code;
        resolve({ code: typeof code === 'number' ? code : err ? -1 : 0, out: `${stdout}\n${stderr}` });
      });
    });
    const failure = (): string => `the agents' store events:\n${storeEvents(labDir, 60)}\n\nthe job's output (end):\n${run.out.slice(-5000)}`;
    assert.equal(run.code, 0, failure());
    assert.equal(run.out.match(/^Result: PASS$/gm)?.length, 2, `both drills pass:\n${failure()}`);
    assert.doesNotMatch(run.out, /^Result: FAIL$/m);

    // Whole again after the database drill healed its cut: the old primary was rebuilt by itself.
    let members: { region: string; role: string; streaming: boolean | null }[] = [];
    let primary = '';
    const deadline = Date.now() + 90_000;
    while (Date.now() < deadline) {
      const status = runMeridian(['db', 'status', '--json'], { env });
      if (status.code === 0) {
        const store = (JSON.parse(status.stdout) as { stores: { primary: string; members: typeof members }[] }).stores[0]!;
        ({ primary, members } = store);
        if (members.every((m) => (m.role === 'primary' ? m.region === primary : m.streaming))) break;
      }
      await new Promise((r) => setTimeout(r, 1000));
    }
    assert.deepEqual(members.filter((m) => m.role === 'primary').map((m) => m.region), [primary], `${JSON.stringify(members)}\n${storeEvents(labDir, 60)}`);
    assert.ok(members.every((m) => m.role === 'primary' || m.streaming), JSON.stringify(members));
  });
});
