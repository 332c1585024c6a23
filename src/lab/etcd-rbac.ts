/**
 * Turns on etcd's RBAC in the lab once the members are healthy: the commands of
 * coord/etcd-rbac.ts (root, the meridian-agent role on meridian/, one user per agent, auth on),
 * run with etcdctl and the lab's root certificate, as an operator would run them.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { InfraError } from '../common/errors.ts';
import { TLS_DIR_FILES } from '../common/tls-dir.ts';
import { agentEtcdUser, etcdRbacCommands } from '../coord/index.ts';
import { labEtcdRootDir } from './etcd-certs.ts';

const run = promisify(execFile);
export const ETCDCTL_BIN = process.env.MERIDIAN_ETCDCTL_BIN ?? '/usr/bin/etcdctl';

/** etcdctl's connection flags with the lab's root certificate. */
export function etcdctlArgs(dir: string, endpoints: readonly string[]): string[] {
  const root = labEtcdRootDir(dir);
  return [
    `--endpoints=${endpoints.join(',')}`,
    `--cacert=${join(root, TLS_DIR_FILES.ca)}`, `--cert=${join(root, TLS_DIR_FILES.cert)}`, `--key=${join(root, TLS_DIR_FILES.key)}`,
    '--dial-timeout=2s', '--command-timeout=5s',
  ];
}

/** Users for every region's agent, then auth on. For a fresh cluster (the lab never reuses etcd data). */
export async function enableLabEtcdRbac(dir: string, endpoints: readonly string[], regions: readonly string[]): Promise<void> {
  for (const command of etcdRbacCommands(regions.map(agentEtcdUser))) {
    try {
      await run(ETCDCTL_BIN, [...etcdctlArgs(dir, endpoints), ...command], { env: { ...process.env, ETCDCTL_API: '3' } });
    } catch (err) {
      const e = err as { stderr?: string; message: string };
      throw new InfraError(`etcd RBAC set-up failed at 'etcdctl ${command.join(' ')}': ${(e.stderr || e.message).trim().split('\n')[0]}`, { cause: err });
    }
  }
}
