import { test } from 'node:test';
import assert from 'node:assert/strict';
import { regionOfCertificate } from '../../../src/agent/tls/index.ts';

const URI = 'URI:spiffe://meridian/region/';

for (const [name, subjectaltname, expected] of [
  ['one region URI', `${URI}eu-west`, 'eu-west'],
  ['a region URI among DNS and IP SANs', `DNS:agent.eu.example, ${URI}eu-west, IP Address:10.0.0.1, IP Address:FD77:231:0:0:0:0:0:1`, 'eu-west'],
  ['the same region twice', `${URI}eu-west, ${URI}eu-west`, 'eu-west'],
  ['a quoted URI (node quotes a value holding a comma)', `DNS:a, URI:"spiffe://meridian/region/us-east"`, 'us-east'],
  ['another SPIFFE trust domain beside ours', `URI:spiffe://cluster.local/ns/x/sa/y, ${URI}ap-south`, 'ap-south'],
  ['no SAN at all', undefined, 'none'],
  ['an empty SAN', '', 'none'],
  ['DNS SANs only', 'DNS:agent.eu.example, DNS:eu-west', 'none'],
  ['IP SANs only', 'IP Address:10.0.0.1', 'none'],
  ['another trust domain only', 'URI:spiffe://other/region/eu-west', 'none'],
  ['two regions', `${URI}eu-west, ${URI}us-east`, 'none'],
  ['a region name with a path', `${URI}eu-west/extra`, 'none'],
  ['an upper-case region', `${URI}EU-WEST`, 'none'],
  ['an empty region', URI, 'none'],
  ['a DNS SAN that looks like our URI', 'DNS:spiffe://meridian/region/eu-west', 'none'],
  ['a malformed string', 'garbage without a type', 'none'],
  ['a broken quote', 'URI:"spiffe://meridian/region/eu-west', 'none'],
] as const) {
  test(`regionOfCertificate: ${name} → ${expected}`, () => {
    const got = regionOfCertificate(subjectaltname === undefined ? {} : { subjectaltname });
    if (expected === 'none') {
      assert.equal(got.kind, 'none', JSON.stringify(got));
      assert.ok(got.kind === 'none' && got.reason.length > 0);
    } else assert.deepEqual(got, { kind: 'region', region: expected });
  });
}

test('regionOfCertificate: no certificate at all names no region', () => {
  assert.equal(regionOfCertificate(undefined).kind, 'none');
});
