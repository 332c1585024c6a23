/** The replication password through a passfile: the conninfo names the file, the file holds the password. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { standbyConninfo } from '../../../src/data/admin.ts';
import { passfileLine } from '../../../src/data/passfile.ts';
import type { PgAuth } from '../../../src/data/index.ts';

const AUTH: PgAuth = { adminUser: 'postgres', adminPassword: 'a', replicationUser: 'replicator', replicationPassword: "s3cret:with\\colon 'and quote'" };

test('standbyConninfo: with a passfile the password is nowhere in primary_conninfo; without one it is there, as before', () => {
  const standby = { name: 'us-east', host: '10.0.0.2', port: 5432 };
  const upstream = { host: '10.0.0.1', port: 5432 };
  const withFile = standbyConninfo(standby, upstream, { ...AUTH, replicationPassfile: '/var/lib/meridian/replication.pgpass' });
  assert.ok(!withFile.includes('s3cret'), withFile);
  assert.ok(!withFile.includes('password='), withFile);
  assert.match(withFile, /passfile=\/var\/lib\/meridian\/replication\.pgpass/);
  assert.match(withFile, /user=replicator/);
  assert.match(withFile, /application_name=us-east/);
  assert.match(standbyConninfo(standby, upstream, AUTH), /password='s3cret/);
});

test('passfileLine: one line for every host, port and database; `:` and `\\` escaped as libpq reads them', () => {
  assert.equal(passfileLine('replicator', 'plain'), '*:*:*:replicator:plain\n');
  assert.equal(passfileLine('rep:l', 'a:b\\c'), '*:*:*:rep\\:l:a\\:b\\\\c\n');
});
