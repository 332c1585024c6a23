import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { describe, it } from 'node:test';
import { isAlive, processStartTicks, stopProcesses } from '../../../src/lab/procs.ts';

const linux = process.platform === 'linux';

function startSleeper(ignoreTerm = false) {
  const script = ignoreTerm
    ? "process.on('SIGTERM', () => {}); process.stdout.write('ready\\n'); setInterval(() => {}, 1000)"
    : 'setInterval(() => {}, 1000)';
  const child = spawn(process.execPath, ['-e', script], { detached: true, stdio: ['ignore', 'pipe', 'ignore'] });
  assert.ok(child.pid);
  // Resolves once the handler is installed: a fixed sleep was too short on a loaded machine.
  const ready = new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
  return { child, pid: child.pid, ready };
}

describe('processes by PID', { skip: !linux && 'needs /proc (Linux)' }, () => {
  it('knows its process by start time, so a reused PID is never ours', async (t) => {
    const { child, pid } = startSleeper();
    t.after(() => child.kill('SIGKILL'));
    const startTicks = processStartTicks(pid);
    assert.ok(startTicks !== null && startTicks > 0);
    assert.equal(isAlive({ pid, startTicks }), true);
    assert.equal(isAlive({ pid, startTicks: startTicks + 1 }), false);
    assert.equal(await stopProcesses([{ pid, startTicks: startTicks + 1 }], 100).then((left) => left.length), 0);
    assert.equal(isAlive({ pid, startTicks }), true, 'an impostor ref did not kill the real process');
  });

  it('stops with SIGTERM, and with SIGKILL after the grace when TERM is ignored', async (t) => {
    const polite = startSleeper();
    const stubborn = startSleeper(true);
    t.after(() => {
      polite.child.kill('SIGKILL');
      stubborn.child.kill('SIGKILL');
    });
    await stubborn.ready;
    const refs = [polite, stubborn].map(({ pid }) => ({ pid, startTicks: processStartTicks(pid) }));
    const begun = Date.now();
    const left = await stopProcesses(refs, 300);
    assert.deepEqual(left, []);
    assert.ok(Date.now() - begun >= 300, 'waited the grace for the stubborn one');
    assert.equal(refs.some(isAlive), false);
  });
});
