/**
 * Traffic between lab namespaces is bridged. When br_netfilter is loaded (Docker loads it) bridged
 * frames traverse the host's iptables FORWARD chain, and a DROP policy there (Docker sets one)
 * silently cuts clients off from regions while the host still reaches everything. So `up` accepts
 * forwarding within `mrd-br0` explicitly, one tagged rule per family, and `down` removes every
 * copy of it, with or without a state file. Only frames from our bridge to our bridge match.
 */
import { spawnSync } from 'node:child_process';
import { BRIDGE } from './layout.ts';

const TOOLS = ['iptables', 'ip6tables'] as const;
export const FORWARD_RULE = ['FORWARD', '-i', BRIDGE.name, '-o', BRIDGE.name, '-m', 'comment', '--comment', 'meridian-lab', '-j', 'ACCEPT'];

function xtables(tool: string, args: readonly string[]): boolean {
  // -w: wait for the xtables lock instead of failing when another tool holds it.
  return spawnSync(tool, ['-w', '5', ...args], { stdio: 'ignore' }).status === 0;
}

/**
 * Best effort: without iptables (or with nftables only) there is no FORWARD chain of this kind
 * to pass, so nothing is needed. Returns the tools that now carry the rule.
 */
export function allowBridgeForwarding(): string[] {
  return TOOLS.filter((tool) => xtables(tool, ['-C', ...FORWARD_RULE]) || xtables(tool, ['-I', ...FORWARD_RULE]));
}

export function removeBridgeForwarding(): void {
  for (const tool of TOOLS) {
    for (let i = 0; i < 16 && xtables(tool, ['-D', ...FORWARD_RULE]); i++);
  }
}
