/**
 * One HTTP health probe through the path users take: GET http://<public endpoint>:<port><path>
 * with the service's name in the Host header, from this vantage point's own address.
 * Success is any 2xx within the timeout. Never throws: every failure is a result with a reason.
 */
import { Agent, request } from 'node:http';
import { isIPv6, isIP } from 'node:net';

export type ProbeResult =
  | { readonly kind: 'ok'; readonly latencyMs: number }
  | { readonly kind: 'failed'; readonly reason: ProbeFailure; readonly latencyMs: number };

/** `timeout`, `refused`, `status 503`, `reset`, `unreachable`, or another socket error code. */
export type ProbeFailure = 'timeout' | 'refused' | 'reset' | 'unreachable' | `status ${number}` | (string & {});

export interface ProbeTarget {
  readonly address: string;
  readonly port: number;
  readonly path: string;
  /** Sent as the Host header (with `:port` unless 80), as a browser sends it. */
  readonly hostname: string;
  readonly timeoutMs: number;
}

export interface ProbeOptions {
  /** Source address to probe from (this agent's own address), so each vantage point is real. */
  readonly localAddress?: string;
  /** Connection pool; probes never reuse sockets (see createProbeAgent). */
  readonly agent?: Agent;
}

/**
 * Sockets are closed after every probe: a kept-alive socket would hide a broken accept path, and
 * a dead region must not pin sockets. maxSockets bounds how much a slow region can hold.
 */
export function createProbeAgent(): Agent {
  return new Agent({ keepAlive: false, maxSockets: 64 });
}

export function probeUrl(t: ProbeTarget): string {
  const host = isIPv6(t.address) ? `[${t.address}]` : t.address;
  return `http://${host}:${t.port}${t.path}`;
}

export function probeEndpoint(target: ProbeTarget, options: ProbeOptions = {}): Promise<ProbeResult> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  return new Promise((resolve) => {
    let settled = false;
    const finish = (result: ProbeResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.destroy();
      resolve(result);
    };
    const fail = (reason: ProbeFailure) => finish({ kind: 'failed', reason, latencyMs: elapsed() });
    const req = request(probeUrl(target), {
      method: 'GET',
      agent: options.agent,
      localAddress: sameFamily(options.localAddress, target.address) ? options.localAddress : undefined,
      headers: { host: target.port === 80 ? target.hostname : `${target.hostname}:${target.port}`, 'user-agent': 'meridian-agent' },
    });
    // A deadline for the whole exchange (connect + status line), not an idle timeout.
    const timer = setTimeout(() => fail('timeout'), target.timeoutMs);
    req.on('response', (res) => {
      const status = res.statusCode ?? 0;
      res.resume();
      if (status >= 200 && status < 300) finish({ kind: 'ok', latencyMs: elapsed() });
      else fail(`status ${status}`);
    });
    req.on('error', (err: NodeJS.ErrnoException) => fail(failureReason(err)));
    req.end();
  });
}

function sameFamily(local: string | undefined, remote: string): boolean {
  return local !== undefined && isIP(local) !== 0 && isIP(local) === isIP(remote);
}

function failureReason(err: NodeJS.ErrnoException): ProbeFailure {
  switch (err.code) {
    case 'ECONNREFUSED':
      return 'refused';
    case 'ECONNRESET':
    case 'EPIPE':
      return 'reset';
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return 'unreachable';
    case 'ETIMEDOUT':
      return 'timeout';
    default:
      return err.code ?? err.message;
  }
}
