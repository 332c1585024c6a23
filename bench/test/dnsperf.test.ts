import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseDnsperf } from '../dns/dnsperf.ts';

const OUTPUT = `DNS Performance Testing Tool
Version 2.10.0

[Status] Command line: dnsperf -s 127.0.0.1 -p 15353 -d q.txt -l 3 -c 4
[Status] Testing complete (time limit)

Statistics:

  Queries sent:         651337
  Queries completed:    651330 (100.00%)
  Queries lost:         7 (0.00%)

  Response codes:       NOERROR 618772 (95.00%), NXDOMAIN 32565 (5.00%)
  Average packet size:  request 41, response 75
  Run time (s):         3.000303
  Queries per second:   217090.407202

  Average Latency (s):  0.000403 (min 0.000044, max 0.002120)
  Latency StdDev (s):   0.000073
`;

test('parses the summary dnsperf 2.10 prints', () => {
  const r = parseDnsperf(OUTPUT);
  assert.equal(r.dnsperfVersion, '2.10.0');
  assert.equal(r.qps, 217090.407202);
  assert.equal(r.sent, 651337);
  assert.equal(r.completed, 651330);
  assert.equal(r.lost, 7);
  assert.equal(r.avgResponseBytes, 75);
  assert.deepEqual(r.rcodes, { NOERROR: 95, NXDOMAIN: 5 });
  assert.ok(Math.abs(r.avgLatencyMs - 0.403) < 1e-9);
  assert.ok(Math.abs(r.maxLatencyMs - 2.12) < 1e-9);
  assert.ok(Math.abs(r.latencyStdDevMs - 0.073) < 1e-9);
});

test('an output without a summary is an error naming what is missing', () => {
  assert.throws(() => parseDnsperf('[Status] Sending queries\nError: could not open file'), /no queries per second/);
});
