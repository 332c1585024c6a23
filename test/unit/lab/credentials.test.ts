import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import {
  credentialsEnv, credentialsFromEnv, credentialsPath, generateCredentials, readCredentials, removeCredentials, writeCredentials,
} from '../../../src/lab/credentials.ts';
import { settleAll } from '../../../src/lab/settle.ts';

const dir = mkdtempSync(join(tmpdir(), 'meridian-lab-cred-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('lab database credentials', () => {
  it('generates fixed role names and distinct URL-safe passwords', () => {
    const c = generateCredentials();
    assert.deepEqual([c.adminUser, c.replicationUser, c.appUser], ['postgres', 'replicator', 'app']);
    const passwords = [c.adminPassword, c.replicationPassword, c.appPassword];
    assert.equal(new Set(passwords).size, 3);
    for (const p of passwords) assert.match(p, /^[A-Za-z0-9_-]{24}$/);
  });

  it('hands them over as MERIDIAN_DB_* variables, and reads back any subset', () => {
    const c = generateCredentials();
    const env = credentialsEnv(c);
    assert.deepEqual(Object.keys(env).sort(), [
      'MERIDIAN_DB_ADMIN_PASSWORD', 'MERIDIAN_DB_ADMIN_USER', 'MERIDIAN_DB_APP_PASSWORD', 'MERIDIAN_DB_APP_USER',
      'MERIDIAN_DB_REPLICATION_PASSWORD', 'MERIDIAN_DB_REPLICATION_USER',
    ]);
    assert.deepEqual(credentialsFromEnv(env), c);
    assert.deepEqual(credentialsEnv(c, ['appUser', 'appPassword']), { MERIDIAN_DB_APP_USER: 'app', MERIDIAN_DB_APP_PASSWORD: c.appPassword });
    assert.deepEqual(credentialsFromEnv({ MERIDIAN_DB_ADMIN_USER: 'root', MERIDIAN_DB_ADMIN_PASSWORD: '' }), { adminUser: 'root' });
  });

  it('keeps them in a 0600 file; a missing or foreign file reads as none', () => {
    const c = generateCredentials();
    writeCredentials(dir, c);
    assert.equal(statSync(credentialsPath(dir)).mode & 0o777, 0o600);
    assert.deepEqual(readCredentials(dir), c);
    writeFileSync(credentialsPath(dir), '{"adminUser": 1}');
    assert.equal(readCredentials(dir), undefined);
    removeCredentials(dir);
    assert.equal(readCredentials(dir), undefined);
  });
});

describe('settleAll', () => {
  it('aborts the others on the first failure, waits for all, then throws that failure', async () => {
    const giveUp = new AbortController();
    const finished: string[] = [];
    const slow = new Promise<void>((resolve) => giveUp.signal.addEventListener('abort', () => setTimeout(() => (finished.push('slow'), resolve()), 20)));
    const failing = Promise.reject(new Error('etcd did not start'));
    await assert.rejects(settleAll([slow, failing, Promise.reject(new Error('second'))], giveUp), /etcd did not start/);
    assert.equal(giveUp.signal.aborted, true);
    assert.deepEqual(finished, ['slow'], 'the slow task finished before the error came out');
  });

  it('resolves when every task does, without aborting', async () => {
    const giveUp = new AbortController();
    await settleAll([Promise.resolve(1), Promise.resolve(2)], giveUp);
    assert.equal(giveUp.signal.aborted, false);
  });
});
