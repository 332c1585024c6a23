/**
 * Browser safety of the agent's API (docs/security.md): what a request that may change state
 * (any method but GET and HEAD) must show before a route reads a byte of its body.
 *
 * A page open in an operator's browser may POST to the agent: without a CORS preflight when the
 * body is text/plain or a form, and through DNS rebinding under its own host name. So:
 * - the body is declared `application/json` (a cross-origin page cannot send that without a
 *   preflight, and the agent grants none);
 * - the Host header names the agent (a rebound page still sends its own name): a name or address
 *   of this agent in the topology, its listen address, the address the connection arrived on,
 *   or localhost;
 * - the size is declared (Content-Length, no chunked body) and at most MAX_POST_BYTES.
 * Pure: request facts in, a refusal (status and one clear line) or nothing out.
 */
import { isIP } from 'node:net';
import { MIMEType } from 'node:util';
import type { Topology } from '../spec/index.ts';

/** Every body the API takes (a view, an operator request) is a few KiB at most. */
export const MAX_POST_BYTES = 64 * 1024;

const LOCALHOST = ['localhost', '127.0.0.1', '::1'];

export interface RequestFacts {
  readonly method: string;
  readonly host?: string;
  readonly contentType?: string;
  readonly contentLength?: string;
  readonly transferEncoding?: string;
  /** The address the connection arrived on (req.socket.localAddress). */
  readonly localAddress?: string;
}

export interface Refusal {
  readonly status: 400 | 411 | 413 | 415 | 421;
  readonly error: string;
}

/** The host names and addresses this agent answers to: its own in the topology, where it listens, localhost. */
export function apiHostNames(topology: Topology, region: string, listenHost: string): string[] {
  const agent = topology.regions.find((r) => r.name === region)?.agent;
  return hostNames(agent ? [new URL(agent.api).hostname, agent.dns.replace(/:\d+$/, ''), listenHost] : [listenHost]);
}

/** `names` plus localhost, normalized as Host headers are compared; wildcard addresses name nothing. */
export function hostNames(names: readonly string[]): string[] {
  const keys = [...names, ...LOCALHOST].map(hostKey).filter((h): h is string => h !== undefined && !isWildcard(h));
  return [...new Set(keys)];
}

/** Why this request must not reach a route, or undefined when it may. */
export function refuseUnsafe(facts: RequestFacts, hostNames: ReadonlySet<string>): Refusal | undefined {
  if (facts.method === 'GET' || facts.method === 'HEAD') return undefined;
  return hostRefusal(facts, hostNames) ?? typeRefusal(facts.contentType) ?? sizeRefusal(facts);
}

function hostRefusal(facts: RequestFacts, hostNames: ReadonlySet<string>): Refusal | undefined {
  if (!facts.host) return { status: 400, error: 'a Host header is required' };
  const host = hostKey(facts.host);
  const arrivedOn = facts.localAddress ? hostKey(unmapIPv4(facts.localAddress)) : undefined;
  if (host !== undefined && (hostNames.has(host) || host === arrivedOn)) return undefined;
  return {
    status: 421,
    error: `Host '${facts.host.slice(0, 100)}' is not a name of this agent (${[...hostNames].join(', ')}): ` +
      'requests that change state must name the agent itself, so that a web page cannot reach it through DNS rebinding',
  };
}

function typeRefusal(contentType: string | undefined): Refusal | undefined {
  let mime: MIMEType | undefined;
  try {
    mime = contentType === undefined ? undefined : new MIMEType(contentType);
  } catch {
    mime = undefined;
  }
  const charset = mime?.params.get('charset')?.toLowerCase();
  if (mime?.essence === 'application/json' && (charset === undefined || charset === 'utf-8')) return undefined;
  return { status: 415, error: `the body must be application/json (UTF-8), got ${contentType === undefined ? 'no content-type' : `'${contentType.slice(0, 100)}'`}` };
}

function sizeRefusal(facts: RequestFacts): Refusal | undefined {
  if (facts.transferEncoding !== undefined) return { status: 411, error: `send the body with a Content-Length (at most ${MAX_POST_BYTES} bytes), not chunked` };
  const length = Number(facts.contentLength ?? 0);
  if (length > MAX_POST_BYTES) return { status: 413, error: `body of ${length} bytes: at most ${MAX_POST_BYTES} bytes` };
  return undefined;
}

/** `Agent.Example.` / `10.0.0.1:7700` / `[fd00::1]:7700` → `agent.example` / `10.0.0.1` / `fd00::1`; undefined when malformed. */
export function hostKey(hostOrAddress: string): string | undefined {
  const text = isIP(hostOrAddress) === 6 ? `[${hostOrAddress}]` : hostOrAddress;
  if (!/^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+)(:\d{1,5})?$/.test(text)) return undefined;
  try {
    return new URL(`http://${text}`).hostname.replace(/^\[(.*)\]$/, '$1').replace(/\.$/, '');
  } catch {
    return undefined;
  }
}

/** A socket listening on `::` reports IPv4 peers as `::ffff:a.b.c.d`. */
function unmapIPv4(address: string): string {
  return address.replace(/^::ffff:(\d+\.\d+\.\d+\.\d+)$/i, '$1');
}

function isWildcard(host: string): boolean {
  return host === '0.0.0.0' || host === '::';
}
