/**
 * etcd's role-based access control for the agents, as data: the etcdctl commands that turn auth on
 * with one user per agent, each limited to Meridian's keys (`meridian/`). Pure; the lab runs them
 * (src/lab/etcd-rbac.ts) and docs/security.md shows them to operators.
 *
 * With `--client-cert-auth`, etcd takes a client certificate's CN as the user, so the users have
 * no password (`--no-password`: a password could only weaken them). `root` must exist, with the
 * root role, before auth can be enabled; whoever holds a `root` certificate administers etcd.
 *
 * Measured on etcd 3.4 (test/integration/coord/etcd-tls.test.ts): a user with only readwrite on
 * the prefix can do all the agent does: grant, keep alive and revoke leases, fenced txns, watches,
 * member status and list, and moving the raft leader (leader-placement.ts).
 */
import { KEY_PREFIX } from './keys.ts';

/** The one role every agent user gets: the agents share every key (leases, election, traffic, audit). */
export const AGENT_ROLE = 'meridian-agent';

/** The etcd user (the certificate CN) of a region's agent. */
export const agentEtcdUser = (region: string): string => `meridian-${region}`;

/** etcdctl arguments (after the connection flags), in order; for an etcd whose auth is still off. */
export function etcdRbacCommands(agentUsers: readonly string[], prefix: string = KEY_PREFIX): string[][] {
  return [
    ['user', 'add', 'root', '--no-password'],
    ['user', 'grant-role', 'root', 'root'],
    ['role', 'add', AGENT_ROLE],
    ['role', 'grant-permission', AGENT_ROLE, '--prefix=true', 'readwrite', prefix],
    ...agentUsers.flatMap((user) => [
      ['user', 'add', user, '--no-password'],
      ['user', 'grant-role', user, AGENT_ROLE],
    ]),
    ['auth', 'enable'],
  ];
}
