/** `ip:port` / `[ip6]:port` listen addresses (port 0: any free port), checked once so the server never sees a bad one. */
import { isIP } from 'node:net';
import { UsageError } from '../common/errors.ts';

export interface ListenAddress {
  readonly host: string;
  readonly port: number;
}

export function parseListen(text: string): ListenAddress {
  const match = /^(?:\[([0-9a-fA-F:.]+)\]|([0-9.]+)):(\d{1,5})$/.exec(text.trim());
  const host = match?.[1] ?? match?.[2];
  const port = Number(match?.[3]);
  if (!host || isIP(host) === 0 || !(port >= 0 && port <= 65535)) {
    throw new UsageError(`--listen '${text}': expected ip:port or [ipv6]:port, e.g. 10.231.1.11:8080 or [fd77:231::1:11]:8080`);
  }
  return { host, port };
}

export function formatListen(address: ListenAddress): string {
  return address.host.includes(':') ? `[${address.host}]:${address.port}` : `${address.host}:${address.port}`;
}
