import { test } from 'node:test';
import assert from 'node:assert/strict';
import { commandFor } from '../../../src/data/process.ts';

const asUser = (user: string) => (process.getuid?.() === 0 ? ['runuser', '-u', user, '--'] : []);

test('commands run behind the member prefix, as the database OS user', () => {
  const member = { name: 'eu-west', host: '10.1.0.2', port: 5432, dataDir: '/d', prefix: ['ip', 'netns', 'exec', 'mrd-eu-west'] };
  assert.deepEqual(commandFor(member, 'pg_ctl', ['status', '-D', '/d']), [
    'ip', 'netns', 'exec', 'mrd-eu-west', ...asUser('postgres'), '/usr/lib/postgresql/15/bin/pg_ctl', 'status', '-D', '/d',
  ]);
});

test('binDir and osUser are per member; no prefix means the current namespace', () => {
  const member = { name: 'x', host: '127.0.0.1', port: 5, dataDir: '/d', osUser: 'pg16', binDir: '/opt/pg/bin' };
  assert.deepEqual(commandFor(member, 'initdb', []), [...asUser('pg16'), '/opt/pg/bin/initdb']);
});
