import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { identityFrom, judgeAnswer, regionFrom, timelineOfWalFile, type ServerFacts } from '../../../src/drill/db/index.ts';

const facts = (over: Partial<ServerFacts>): ServerFacts => ({
  region_setting: null, cluster_name: null, server_addr: null, server_port: null, system_id: null, walfile: null, ...over,
});
const MEMBERS = { '10.231.1.2:5432': 'eu-west', '10.231.2.2:5432': 'us-east', '[fd77:231::3:2]:5432': 'ap-south' };

describe('server identity from the committing statement', () => {
  const cases: [string, ServerFacts, string][] = [
    ['the meridian.region setting wins', facts({ region_setting: 'us-east', server_addr: '10.231.1.2', server_port: 5432, cluster_name: 'x' }), 'us-east'],
    ['else the member at the reached address:port', facts({ server_addr: '10.231.2.2', server_port: 5432, cluster_name: 'x' }), 'us-east'],
    ['an IPv6 member', facts({ server_addr: 'fd77:231::3:2', server_port: 5432 }), 'ap-south'],
    ['the address alone when only one region has it', facts({ server_addr: '10.231.1.2', server_port: 6543 }), 'eu-west'],
    ['else cluster_name', facts({ server_addr: '127.0.0.1', server_port: 5432, cluster_name: 'orders-eu' }), 'orders-eu'],
    ['else unknown', facts({}), 'unknown'],
  ];
  for (const [name, f, region] of cases) it(name, () => assert.equal(regionFrom(f, MEMBERS), region));

  it('timeline from the WAL file name, system id as text', () => {
    assert.equal(timelineOfWalFile('00000002000000000000000A'), 2);
    assert.equal(timelineOfWalFile('0000001A0000000100000003'), 26);
    assert.equal(timelineOfWalFile('garbage'), undefined);
    assert.deepEqual(identityFrom(facts({ cluster_name: 'eu-west', walfile: '000000030000000000000001', system_id: '7711826993449435055' }), {}), {
      region: 'eu-west', timeline: 3, systemId: '7711826993449435055',
    });
  });
});

describe('the web app answer to POST /orders', () => {
  const servedBy = JSON.stringify({ id: 'a', servedBy: { region: 'us-east', address: '10.231.2.2', timeline: 2, systemId: '7301' } });
  const cases: [string, number, string, object][] = [
    ['201 is an ack by the server that committed', 201, servedBy, { outcome: 'ok', server: { region: 'us-east', timeline: 2, systemId: '7301' } }],
    ['201 without servedBy is an ack by nobody known', 201, '{}', { outcome: 'ok' }],
    ['503: the app says it failed', 503, '{"error":"no primary"}', { outcome: 'fail', error: 'HTTP 503 (the app reports the write failed)' }],
    ['409: the id exists', 409, '{}', { outcome: 'fail', error: 'HTTP 409: id a already exists' }],
    ['400 is a failure', 400, '{}', { outcome: 'fail', error: 'HTTP 400' }],
    ['500 may have committed: unknown', 500, 'oops', { outcome: 'unknown', error: 'HTTP 500: the app may have committed before failing' }],
    ['502 from a proxy: unknown', 502, '', { outcome: 'unknown', error: 'HTTP 502: the app may have committed before failing' }],
  ];
  for (const [name, status, body, expected] of cases) it(name, () => assert.deepEqual(judgeAnswer({ status, body }, 'a'), expected));
});
