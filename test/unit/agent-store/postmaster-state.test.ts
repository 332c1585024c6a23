/**
 * postmasterState reads /proc for the data directory's postmaster. A stand-in postmaster: node
 * started through a link named `postgres`, with the data directory on its command line (what
 * hard-fence.ts checks so a reused pid is never taken for the server). Linux only.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { postmasterState } from '../../../src/agent/store/hard-fence.ts';

const dir = mkdtempSync(join(tmpdir(), 'meridian-postmaster-'));
const dataDir = join(dir, 'data');
const children: ChildProcess[] = [];
after(() => {
  for (const c of children) c.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

function standIn(dataDirArg: string): ChildProcess {
  const link = join(dir, 'postgres');
  try {
    symlinkSync(process.execPath, link);
  } catch {
    // Made by an earlier call.
  }
  const child = spawn(link, ['-e', 'setInterval(() => {}, 1000)', '--', '-D', dataDirArg], { stdio: 'ignore' });
  children.push(child);
  writeFileSync(join(dir, 'postmaster.pid'), `${child.pid}\n${dataDirArg}\n`);
  return child;
}

async function until(expected: string, dataDirArg: string): Promise<string | undefined> {
  let seen: string | undefined;
  for (let i = 0; i < 50; i += 1) {
    seen = await postmasterState(dataDirArg);
    if (seen === expected) return seen;
    await new Promise((r) => setTimeout(r, 20));
  }
  return seen;
}

test('postmasterState: running, stopped by SIGSTOP, running after SIGCONT, gone once killed', { skip: process.platform !== 'linux' }, async () => {
  // The pid file lives in the data directory: point the data directory at `dir`.
  const child = standIn(dir);
  assert.equal(await until('running', dir), 'running');
  child.kill('SIGSTOP');
  assert.equal(await until('stopped', dir), 'stopped');
  child.kill('SIGCONT');
  assert.equal(await until('running', dir), 'running');
  child.kill('SIGKILL');
  await new Promise((r) => child.once('exit', r));
  assert.equal(await until('gone', dir), 'gone');
});

test('postmasterState: a pid file naming a process of another directory is gone (a reused pid); no data directory: unknown', { skip: process.platform !== 'linux' }, async () => {
  standIn(dataDir);
  // The pid file in `dir` names a process whose command line has `dataDir`, not `dir`.
  assert.equal(await postmasterState(dir), 'gone');
  assert.equal(await postmasterState(''), undefined);
  assert.equal(await postmasterState(join(dir, 'missing')), 'gone');
});
