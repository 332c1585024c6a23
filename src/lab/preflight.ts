/** What the lab needs from the machine, checked before touching anything. */
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { InputError, UsageError } from '../common/errors.ts';

export interface HostFacts {
  readonly platform: string;
  readonly uid: number | undefined;
  readonly hasIp: boolean;
  /** The lab makes its agents' peer certificates with the openssl CLI (peer-certs.ts). */
  readonly hasOpenssl: boolean;
}

/** Pure: the first missing requirement as one line, or undefined when the lab can run. */
export function missingRequirement(host: HostFacts): { kind: 'usage' | 'input'; message: string } | undefined {
  if (host.platform !== 'linux') {
    return { kind: 'input', message: `meridian lab needs Linux (network namespaces); this machine runs ${host.platform}` };
  }
  if (host.uid !== 0) {
    return { kind: 'usage', message: 'meridian lab needs root (network namespaces): run as root, e.g. sudo' };
  }
  if (!host.hasIp) {
    return { kind: 'input', message: "meridian lab needs the 'ip' command from iproute2 (apt-get install iproute2)" };
  }
  if (!host.hasOpenssl) {
    return { kind: 'input', message: "meridian lab needs the 'openssl' command for its agents' peer certificates (apt-get install openssl)" };
  }
  return undefined;
}

export function hostFacts(): HostFacts {
  return {
    platform: process.platform,
    uid: process.getuid?.(),
    hasIp: onPath('ip'),
    hasOpenssl: onPath('openssl'),
  };
}

/**
 * Whether an executable `name` is on PATH: looked up, not run. Every lab command checks for `ip`
 * first, and starting a process costs tens of milliseconds on a busy machine (`lab cut` is timed).
 */
export function onPath(name: string, path = process.env.PATH ?? ''): boolean {
  return path.split(delimiter).some((dir) => {
    try {
      accessSync(join(dir || '.', name), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

export function requireLabHost(): void {
  const missing = missingRequirement(hostFacts());
  if (!missing) return;
  throw missing.kind === 'usage' ? new UsageError(missing.message) : new InputError(missing.message);
}
