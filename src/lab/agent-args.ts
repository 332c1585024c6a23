/**
 * The command line `lab up` starts a region's agent with (after `node bin/meridian.js`), as data so
 * it is unit-tested: the lab's topology and tokens, and the region's certificate directories, one
 * per channel, each from its own CA: the peer listener (mutual TLS between agents), the operators'
 * API over https (its topology URL is https://, layout.ts), etcd's client certificate when the
 * topology has stores, and the data layer's flags (data-plan.ts).
 */
import { labApiTlsDir } from './api-tls-files.ts';
import { labEtcdAgentDir } from './etcd-certs.ts';
import type { RegionLayout } from './layout.ts';
import { labPeerTlsDir } from './peer-certs.ts';
import { agentTokensPath } from './token-files.ts';

export interface LabAgentArgs {
  readonly dir: string;
  readonly topologyFile: string;
  readonly region: RegionLayout;
  /** agentDataArgs' flags for the region (state dir, databases, --pg-tls); empty without stores. */
  readonly dataArgs: readonly string[];
}

export function labAgentArgs(a: LabAgentArgs): string[] {
  const region = a.region.name;
  return [
    'agent', '-f', a.topologyFile, '--region', region, '--tokens', agentTokensPath(a.dir),
    '--peer-tls', labPeerTlsDir(a.dir, region),
    // The layout's API URL is https://: without its certificate the agent would stop at start.
    '--api-tls', labApiTlsDir(a.dir, region),
    ...(a.region.etcd ? ['--etcd-tls', labEtcdAgentDir(a.dir, region)] : []),
    ...a.dataArgs,
  ];
}
