/** What the DNS benchmark needs from any server under test, whoever implements it. */
import { queryUdp } from '../../lib/dns-probe.ts';
import { waitUntil, type Managed } from '../../lib/processes.ts';

export interface ServerUnderTest {
  /** Short name used in tables and JSON: `meridian`, `bind9`, `knot`. */
  readonly name: string;
  readonly version: string;
  readonly port: number;
  readonly process: Managed;
}

export interface StartOptions {
  readonly port: number;
  /** CPU list the server is pinned to (taskset -c). */
  readonly cpu: string;
}

/** Ready means: answers the apex SOA query over UDP on its port. */
export async function waitForDns(proc: Managed, port: number, zone: string, host = '127.0.0.1'): Promise<void> {
  await waitUntil(`a SOA answer on ${host}:${port}`, async () => (await queryUdp(host, port, zone, 'SOA'))?.rcode === 'NOERROR', proc);
}
