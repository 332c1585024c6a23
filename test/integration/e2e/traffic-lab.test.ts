/**
 * Issue 12's traffic controls on the real lab (network namespaces, the agents' own etcd members,
 * dig against every agent; the topology as `meridian init` writes it: `web` is a failover service
 * ordered eu-west, us-east, ap-south). A drain leaves every agent's DNS answers, and an agent
 * restarted while it is in force never answers the drained region; draining the last healthy
 * region is refused with the rule named, `--force` does it; undrain restores the first region.
 * How fast each agent followed is printed as a diagnostic, not asserted (figures belong to
 * benchmarks). About 2 minutes. Needs root on Linux; run alone or under the lab lock.
 */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { credentialsEnv, killInRegion, labDir, readCredentials, readLabStatus, restartRecorded, type LabStatus } from '../../../src/lab/index.ts';
import { runMeridian } from '../../support/cli.ts';
import { digA, instanceAddresses } from '../../support/lab-dns.ts';
import { labSkipReason, useBuiltInLab } from '../../support/lab-suite.ts';

const dir = mkdtempSync(join(tmpdir(), 'meridian-traffic-lab-'));
const env = { MERIDIAN_LAB_DIR: join(dir, 'lab') };
const NAME = 'web.global.meridian.test';

function cli(args: readonly string[]) {
  return runMeridian(['traffic', ...args], { env, timeoutMs: 30_000 });
}

const dig = (server: string) => digA(server, NAME);

const addressesOf = instanceAddresses;

/** Until every agent answers `region`'s instances; the time each one took from `sinceMs`. */
async function everyAgentAnswers(lab: LabStatus, region: string, sinceMs: number, timeoutMs = 15_000): Promise<Record<string, number>> {
  const want = JSON.stringify(addressesOf(lab, region));
  const took: Record<string, number> = {};
  const deadline = Date.now() + timeoutMs;
  while (Object.keys(took).length < lab.regions.length) {
    await Promise.all(lab.regions.filter((r) => took[r.name] === undefined).map(async (r) => {
      if (JSON.stringify(await dig(r.dns)) === want) took[r.name] = Date.now() - sinceMs;
    }));
    if (Date.now() > deadline) assert.fail(`not every agent answers ${region} within ${timeoutMs} ms: ${JSON.stringify(took)}`);
    await new Promise((r) => setTimeout(r, 25));
  }
  return took;
}

describe('traffic controls in the lab', { skip: labSkipReason({ store: true, dig: true }), timeout: 8 * 60_000 }, () => {
  useBuiltInLab(dir);

  it('drain leaves every answer and survives an agent restart; the last healthy region needs --force; undrain restores', async (t) => {
    const lab = readLabStatus() ?? assert.fail('no lab');
    await everyAgentAnswers(lab, 'eu-west', Date.now(), 60_000);

    const drained = cli(['drain', '--region', 'eu-west', '--reason', 'lab test: maintenance']);
    const returnedAt = Date.now();
    assert.equal(drained.code, 0, drained.stderr);
    t.diagnostic(`drain eu-west: each agent answered us-east this many ms after the command returned: ${JSON.stringify(await everyAgentAnswers(lab, 'us-east', returnedAt))}`);

    // An agent restarted while the drain is in force reads it before it answers.
    const secrets = readCredentials(labDir()) ?? assert.fail('no lab credentials');
    const usEast = lab.regions.find((r) => r.name === 'us-east') ?? assert.fail('no us-east');
    await killInRegion('us-east', 'agent');
    await restartRecorded('agent-us-east', credentialsEnv(secrets), [`${usEast.api}/healthz`], Date.now() + 60_000);
    const afterRestart: string[][] = [];
    for (let i = 0; i < 10; i++) {
      afterRestart.push(await dig(usEast.dns));
      await new Promise((r) => setTimeout(r, 100));
    }
    const euWest = addressesOf(lab, 'eu-west');
    assert.ok(afterRestart.every((a) => a.length > 0 && a.every((ip) => !euWest.includes(ip))), `the restarted agent answered ${JSON.stringify(afterRestart)}`);

    assert.equal(cli(['drain', '--region', 'us-east', '--reason', 'lab test']).code, 0);
    await everyAgentAnswers(lab, 'ap-south', Date.now());
    const refused = cli(['drain', '--region', 'ap-south', '--service', 'web', '--reason', 'lab test']);
    assert.equal(refused.code, 1, refused.stdout);
    assert.match(refused.stderr, /refused by rule last-healthy-region: service web would have no healthy, undrained region left/);
    assert.equal(refused.stderr.trim().split('\n').length, 1, refused.stderr);
    await everyAgentAnswers(lab, 'ap-south', Date.now()); // nothing changed
    const forced = cli(['drain', '--region', 'ap-south', '--service', 'web', '--force', '--reason', 'lab test: forced']);
    assert.equal(forced.code, 0, forced.stderr);
    assert.match(forced.stdout, /FORCED past rule last-healthy-region/);

    assert.equal(cli(['undrain', '--region', 'ap-south', '--service', 'web']).code, 0);
    for (const region of ['us-east', 'eu-west']) assert.equal(cli(['undrain', '--region', region]).code, 0, region);
    const undrainedAt = Date.now();
    t.diagnostic(`undrain: each agent answered eu-west again after ms: ${JSON.stringify(await everyAgentAnswers(lab, 'eu-west', undrainedAt))}`);
  });
});
