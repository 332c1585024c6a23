/** What the lab tests ask the agents' DNS and expect back: the A answers for a name, a region's instance addresses. */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import type { LabStatus } from '../../src/lab/index.ts';

/** The sorted A addresses `server` (`host:port`) answers for `name`; none when it does not answer in time. */
export function digA(server: string, name: string): Promise<string[]> {
  const [host, port] = server.split(':');
  return new Promise((resolve) => {
    execFile('dig', [`@${host}`, '-p', port ?? '53', '+short', '+time=1', '+tries=1', name, 'A'], { encoding: 'utf8' }, (_err, stdout) => {
      resolve(stdout.trim().split('\n').filter((l) => /^\d+\.\d+\.\d+\.\d+$/.test(l)).sort());
    });
  });
}

/** A region's instance addresses (ports dropped), sorted like digA's answers. */
export function instanceAddresses(lab: LabStatus, region: string): string[] {
  return (lab.regions.find((r) => r.name === region)?.instances ?? assert.fail(`no region ${region}`)).map((i) => i.replace(/:\d+$/, '')).sort();
}
