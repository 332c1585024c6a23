/**
 * One DNS query over UDP to a loopback server, answered as a normalized value: used to know a
 * server is ready and to check that every server under test gives the same answers.
 * Hand-written over dgram + dns-packet because dig is a process per query and we need a value.
 */
import { createSocket } from 'node:dgram';
import * as dnsPacket from 'dns-packet';

export type QueryType = 'A' | 'AAAA' | 'SOA' | 'NS';

export interface NormalizedAnswer {
  readonly rcode: string;
  readonly authoritative: boolean;
  /** Master-file lines (`web.example. 2 IN A 192.0.2.1`), lowercased names, sorted: comparable across servers. */
  readonly answer: readonly string[];
  readonly authority: readonly string[];
}

export async function queryUdp(host: string, port: number, name: string, type: QueryType, timeoutMs = 500): Promise<NormalizedAnswer | undefined> {
  const id = Math.floor(Math.random() * 65536);
  // RD set and no EDNS, as dnsperf sends them.
  const request = dnsPacket.encode({ type: 'query', id, flags: dnsPacket.RECURSION_DESIRED, questions: [{ type, name, class: 'IN' }] });
  const socket = createSocket('udp4');
  try {
    return await new Promise<NormalizedAnswer | undefined>((resolve) => {
      const timer = setTimeout(() => resolve(undefined), timeoutMs);
      socket.on('error', () => {
        clearTimeout(timer);
        resolve(undefined);
      });
      socket.on('message', (msg) => {
        const packet = dnsPacket.decode(msg);
        if (packet.id !== id) return;
        clearTimeout(timer);
        resolve(normalize(packet));
      });
      socket.send(request, port, host);
    });
  } finally {
    socket.close();
  }
}

function normalize(packet: dnsPacket.DecodedPacket): NormalizedAnswer {
  // dns-packet decodes the rcode but its types do not declare it.
  const rcode = (packet as { rcode?: string }).rcode ?? 'NOERROR';
  return {
    rcode,
    authoritative: packet.flag_aa,
    answer: records(packet.answers).map(formatRecord).sort(),
    authority: records(packet.authorities).map(formatRecord).sort(),
  };
}

type Rr = Exclude<dnsPacket.Answer, dnsPacket.OptAnswer>;

/** Resource records, without the EDNS OPT pseudo-record. */
function records(list: dnsPacket.Answer[] | undefined): Rr[] {
  return (list ?? []).filter((r): r is Rr => r.type !== 'OPT');
}

export function formatRecord(record: Rr): string {
  return `${absolute(record.name)} ${record.ttl ?? 0} IN ${record.type} ${formatData(record)}`;
}

function absolute(name: string): string {
  const lower = name.toLowerCase();
  return lower.endsWith('.') ? lower : `${lower}.`;
}

function formatData(record: Rr): string {
  switch (record.type) {
    case 'SOA': {
      const d = record.data;
      return `${absolute(d.mname)} ${absolute(d.rname)} ${d.serial} ${d.refresh} ${d.retry} ${d.expire} ${d.minimum}`;
    }
    case 'NS':
    case 'CNAME':
      return absolute(record.data);
    case 'A':
    case 'AAAA':
      return record.data;
    default:
      return JSON.stringify(record.data);
  }
}
