/**
 * Runs dnsperf against one server and reads its summary. `parseDnsperf` is pure so the parsing
 * is tested on a captured output (bench/test/dnsperf.test.ts).
 */
import { InfraError } from '../../src/common/errors.ts';
import type { ProcessGroup } from '../lib/processes.ts';

export interface DnsperfResult {
  readonly dnsperfVersion: string;
  readonly qps: number;
  readonly sent: number;
  readonly completed: number;
  readonly lost: number;
  readonly avgLatencyMs: number;
  readonly maxLatencyMs: number;
  readonly latencyStdDevMs: number;
  readonly avgResponseBytes: number;
  /** e.g. { NOERROR: 95, NXDOMAIN: 5 } in percent of completed queries. */
  readonly rcodes: Readonly<Record<string, number>>;
}

export interface DnsperfOptions {
  readonly port: number;
  readonly queryFile: string;
  readonly seconds: number;
  readonly clients: number;
  /** Offered load cap (-Q); omitted: as fast as the server answers, at most -q outstanding. */
  readonly maxQps?: number;
  /** CPU list dnsperf is pinned to. */
  readonly cpu: string;
}

export async function runDnsperf(group: ProcessGroup, options: DnsperfOptions): Promise<DnsperfResult> {
  const args = ['-s', '127.0.0.1', '-p', String(options.port), '-d', options.queryFile, '-l', String(options.seconds), '-c', String(options.clients)];
  if (options.maxQps !== undefined) args.push('-Q', String(options.maxQps));
  const output = await group.run('dnsperf', 'dnsperf', args, { cpu: options.cpu });
  return parseDnsperf(output);
}

export function parseDnsperf(output: string): DnsperfResult {
  const number = (pattern: RegExp, what: string): number => {
    const match = pattern.exec(output);
    if (!match?.[1]) throw new InfraError(`dnsperf output has no ${what}:\n${output.trim()}`);
    return Number(match[1]);
  };
  return {
    dnsperfVersion: /^Version (\S+)/m.exec(output)?.[1] ?? 'unknown',
    qps: number(/Queries per second:\s+([\d.]+)/, 'queries per second'),
    sent: number(/Queries sent:\s+(\d+)/, 'queries sent'),
    completed: number(/Queries completed:\s+(\d+)/, 'queries completed'),
    lost: number(/Queries lost:\s+(\d+)/, 'queries lost'),
    avgLatencyMs: number(/Average Latency \(s\):\s+([\d.]+)/, 'average latency') * 1000,
    maxLatencyMs: number(/Average Latency \(s\):.*max ([\d.]+)\)/, 'maximum latency') * 1000,
    latencyStdDevMs: number(/Latency StdDev \(s\):\s+([\d.]+)/, 'latency stddev') * 1000,
    avgResponseBytes: number(/Average packet size:\s+request \d+, response (\d+)/, 'response size'),
    rcodes: parseRcodes(output),
  };
}

function parseRcodes(output: string): Record<string, number> {
  const line = /Response codes:\s+(.*)/.exec(output)?.[1] ?? '';
  const rcodes: Record<string, number> = {};
  for (const match of line.matchAll(/([A-Z]+) \d+ \(([\d.]+)%\)/g)) rcodes[match[1] as string] = Number(match[2]);
  return rcodes;
}
