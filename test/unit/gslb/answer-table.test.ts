import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import dnsPacket, { type OptAnswer, type SoaData } from 'dns-packet';
import fc from 'fast-check';
import { buildAnswerTable, type AnswerTable } from '../../../src/gslb/index.ts';
import { answerData, decode, query, regionDown, seededRandom, service, snapshot, topologyWith, ZONE } from './fixtures.ts';

const many = (n: number, base: number) => `{ eu-west: [${Array.from({ length: n }, (_, i) => `"10.${base}.${i >> 8}.${i & 255}"`).join(', ')}] }`;
const t = topologyWith(
  service('fo', '{ type: failover, order: [eu-west, us-east, ap-south] }') +
    service('geo', '{ type: geo }') +
    service('wt', '{ type: weighted, weights: { eu-west: 1, us-east: 1 } }') +
    service('fit', '{ type: all-healthy }', many(29, 60)) +
    service('big', '{ type: all-healthy }', many(30, 61)) +
    service('sixty', '{ type: all-healthy }', many(60, 62)) +
    '  - { name: nested, hostname: api.eu, port: 80, endpoints: { us-east: ["10.2.0.9"] }, policy: { type: all-healthy } }\n',
);
const SERIAL = 20240101;
const table = buildAnswerTable(t, snapshot(t), { serial: SERIAL, random: seededRandom(1) });
const LOCAL = { address: '127.0.0.1' };
const ask = (q: Buffer, transport: 'udp' | 'tcp' = 'udp', tbl: AnswerTable = table) => decode(tbl.respond(q, LOCAL, transport));
const fq = (name: string) => (name ? `${name}.${ZONE}` : ZONE);
const opt = (p: ReturnType<typeof decode>) => p.additionals?.find((a): a is OptAnswer => a.type === 'OPT');
const flagAA = (p: ReturnType<typeof decode>) => p.flag_aa;

describe('answer table: zone apex', () => {
  it('SOA: mname is ns-<first region>, rname hostmaster, serial given, minimum = dns.ttl', () => {
    const r = ask(query(ZONE, 'SOA'));
    assert.equal(r.rcode, 'NOERROR');
    assert.ok(flagAA(r));
    const soa = r.answers?.[0];
    assert.equal(soa?.type, 'SOA');
    const data = (soa as { data: SoaData }).data;
    assert.equal(data.mname, `ns-eu-west.${ZONE}`);
    assert.equal(data.rname, `hostmaster.${ZONE}`);
    assert.equal(data.serial, SERIAL);
    assert.equal(data.minimum, 2);
    assert.ok((data.refresh ?? 0) > (data.retry ?? 0) && (data.expire ?? 0) > (data.refresh ?? 0));
  });

  it('NS: one per region with an agent, glue in the additional section', () => {
    const r = ask(query(ZONE, 'NS'));
    assert.deepEqual(answerData(r, 'NS'), [`ns-eu-west.${ZONE}`, `ns-us-east.${ZONE}`]);
    const glue = (r.additionals ?? []).filter((a) => a.type !== 'OPT').map((a) => `${a.name} ${a.type} ${'data' in a ? String(a.data) : ''}`);
    assert.deepEqual(glue.sort(), [`ns-eu-west.${ZONE} A 127.0.0.11`, `ns-us-east.${ZONE} AAAA ::1`]);
  });

  it('ns-<region> names answer with the agent address; other types NODATA', () => {
    assert.deepEqual(answerData(ask(query(fq('ns-eu-west'), 'A'))), ['127.0.0.11']);
    assert.deepEqual(answerData(ask(query(fq('ns-us-east'), 'AAAA'))), ['::1']);
    const nodata = ask(query(fq('ns-us-east'), 'A'));
    assert.equal(nodata.rcode, 'NOERROR');
    assert.deepEqual(nodata.answers, []);
  });

  it('every serial of a rebuilt table is larger than the previous one', () => {
    const serial = (tbl: AnswerTable) => ((ask(query(ZONE, 'SOA'), 'udp', tbl).answers?.[0] as { data: SoaData }).data.serial ?? 0);
    const a = serial(buildAnswerTable(t, snapshot(t)));
    const b = serial(buildAnswerTable(t, snapshot(t)));
    assert.ok(b > a, `${b} > ${a}`);
  });
});

describe('answer table: names and rcodes', () => {
  it('service A/AAAA with TTL dns.ttl and AA', () => {
    const r = ask(query(fq('fo'), 'A'));
    assert.deepEqual(answerData(r), ['10.1.0.1', '10.1.0.2']);
    assert.ok(r.answers?.every((a) => 'ttl' in a && a.ttl === 2));
    assert.ok(flagAA(r));
    assert.deepEqual(answerData(ask(query(fq('fo'), 'AAAA'))), ['fd00:1::1']);
  });

  const negative: [string, string, string, string, boolean][] = [
    ['unknown name in zone → NXDOMAIN + SOA', fq('nope'), 'A', 'NXDOMAIN', true],
    ['name below a service → NXDOMAIN', fq('x.fo'), 'A', 'NXDOMAIN', true],
    ['known name, type it lacks → NODATA + SOA', fq('fo'), 'TXT', 'NOERROR', true],
    ['apex A → NODATA', ZONE, 'A', 'NOERROR', true],
    ['empty non-terminal (api.eu exists) → NODATA, not NXDOMAIN', fq('eu'), 'A', 'NOERROR', true],
  ];
  for (const [name, qname, type, rcode, soa] of negative) {
    it(name, () => {
      const r = ask(query(qname, type));
      assert.equal(r.rcode, rcode);
      assert.deepEqual(r.answers, []);
      assert.equal(r.authorities?.[0]?.type === 'SOA', soa);
      assert.ok(flagAA(r));
    });
  }

  it('name outside the zone → REFUSED, not authoritative', () => {
    for (const name of ['example.com', 'test', 'xglobal.test', 'org']) {
      const r = ask(query(name, 'A'));
      assert.equal(r.rcode, 'REFUSED', name);
      assert.equal(flagAA(r), false);
    }
  });

  it('AXFR and non-IN classes → REFUSED', () => {
    assert.equal(ask(query(ZONE, 'AXFR')).rcode, 'REFUSED');
    const ch = dnsPacket.encode({ type: 'query', id: 1, questions: [{ name: 'version.bind', type: 'TXT', class: 'CH' }] });
    assert.equal(ask(ch).rcode, 'REFUSED');
  });

  it('ANY (RFC 8482): one RRset — A at a service, SOA at the apex', () => {
    const r = ask(query(fq('fo'), 'ANY'));
    assert.deepEqual(r.answers?.map((a) => a.type), ['A', 'A']);
    assert.deepEqual(ask(query(ZONE, 'ANY')).answers?.map((a) => a.type), ['SOA']);
  });

  it('other opcodes → NOTIMP', () => {
    const q = query(fq('fo'), 'A');
    q[2] = ((q[2] as number) & 0x87) | (5 << 3); // UPDATE
    const r = ask(q);
    assert.equal(r.rcode, 'NOTIMP');
    assert.equal(r.id, 4242);
  });

  it('qdcount ≠ 1 or an undecodable question → FORMERR', () => {
    const zero = Buffer.from(query(fq('fo'), 'A').subarray(0, 12));
    zero.writeUInt16BE(0, 4);
    assert.equal(ask(zero).rcode, 'FORMERR');
    const two = query(fq('fo'), 'A');
    two.writeUInt16BE(2, 4);
    assert.equal(ask(two).rcode, 'FORMERR');
    const cut = query(fq('fo'), 'A').subarray(0, 20);
    assert.equal(ask(cut).rcode, 'FORMERR');
    const loop = Buffer.concat([query(fq('fo'), 'A').subarray(0, 12), Buffer.from([0xc0, 12, 0, 1, 0, 1])]);
    assert.equal(ask(loop).rcode, 'FORMERR');
  });

  it('drops fewer than 12 bytes and responses (QR=1)', () => {
    assert.equal(table.respond(Buffer.alloc(11), LOCAL, 'udp'), null);
    const response = query(fq('fo'), 'A');
    response[2] = (response[2] as number) | 0x80;
    assert.equal(table.respond(response, LOCAL, 'udp'), null);
  });
});

describe('answer table: static names', () => {
  const withStatic = buildAnswerTable(t, snapshot(t), {
    staticNames: {
      [`db.${ZONE}`]: ['10.7.0.1', 'fd00:7::1'], 'db.example.com': ['10.7.0.2'], [`fo.${ZONE}`]: ['10.7.0.3'], [`ns-eu-west.${ZONE}`]: ['10.7.0.4'],
      [`moving.${ZONE}`]: { addresses: ['10.7.0.5'], ttl: 0 },
    },
  });
  it('answers a fixed name inside the zone with its addresses', () => {
    assert.deepEqual(answerData(ask(query(fq('db'), 'A'), 'udp', withStatic)), ['10.7.0.1']);
    assert.deepEqual(answerData(ask(query(fq('db'), 'AAAA'), 'udp', withStatic)), ['fd00:7::1']);
    assert.equal(ask(query(fq('db'), 'A')).rcode, 'NXDOMAIN'); // not in the table without the option
  });
  it('answers the store names with dns.storeTtl, the services with dns.ttl', () => {
    assert.equal(t.dns.storeTtl, 1);
    const ttls = (name: string) => ask(query(fq(name), 'A'), 'udp', withStatic).answers?.map((a) => ('ttl' in a ? a.ttl : undefined));
    assert.deepEqual(ttls('db'), [1]);
    assert.deepEqual(ttls('fo'), [2, 2]);
  });
  it("answers a name given its own TTL with that TTL (a primary in doubt: 0, not cached)", () => {
    const r = ask(query(fq('moving'), 'A'), 'udp', withStatic);
    assert.deepEqual(answerData(r), ['10.7.0.5']);
    assert.deepEqual(r.answers?.map((a) => ('ttl' in a ? a.ttl : undefined)), [0]);
  });
  it('ignores names outside the zone, and never shadows a service or ns- name', () => {
    assert.equal(ask(query('db.example.com', 'A'), 'udp', withStatic).rcode, 'REFUSED');
    assert.deepEqual(answerData(ask(query(fq('fo'), 'A'), 'udp', withStatic)), ['10.1.0.1', '10.1.0.2']);
    assert.deepEqual(answerData(ask(query(fq('ns-eu-west'), 'A'), 'udp', withStatic)), ['127.0.0.11']);
  });
});

describe('answer table: EDNS', () => {
  it('OPT in → OPT out with payload 1232; none in → none out', () => {
    const r = ask(query(fq('fo'), 'A', { edns: { udpSize: 4096 } }));
    assert.equal(opt(r)?.udpPayloadSize, 1232);
    assert.equal(opt(r)?.flag_do, false);
    assert.equal(opt(ask(query(fq('fo'), 'A'))), undefined);
  });

  it('DO bit is copied', () => {
    assert.equal(opt(ask(query(fq('fo'), 'A', { edns: { doBit: true } })))?.flag_do, true);
    assert.equal(opt(ask(query(fq('nope'), 'A', { edns: { doBit: true } })))?.flag_do, true);
  });

  it('EDNS version > 0 → BADVERS (extended rcode 16), with OPT version 0', () => {
    const r = ask(query(fq('fo'), 'A', { edns: { version: 1 } }));
    assert.equal(r.rcode, 'NOERROR'); // low 4 bits
    assert.equal(opt(r)?.extendedRcode, 1); // 16 >> 4
    assert.equal(opt(r)?.ednsVersion, 0);
    assert.deepEqual(r.answers, []);
  });

  it('ECS picks the client network and is echoed with a scope', () => {
    const ecs = (ip: string, prefix: number) => ({ edns: { options: [{ code: 8 as const, ip, sourcePrefixLength: prefix, family: 1 }] } });
    // Resolver at 127.0.0.1, client subnet in paris → eu-west.
    const r = ask(query(fq('geo'), 'A', ecs('10.50.3.0', 24)));
    assert.deepEqual(answerData(r), ['10.1.0.1', '10.1.0.2']);
    const option = opt(r)?.options[0] as { code: number; sourcePrefixLength: number; scopePrefixLength: number; ip: string };
    assert.equal(option.code, 8);
    assert.equal(option.sourcePrefixLength, 24);
    assert.equal(option.scopePrefixLength, 24);
    // Same subnet without ECS, from an unknown resolver: all healthy regions.
    assert.equal(answerData(ask(query(fq('geo'), 'A'))).length, 4);
    // A client-independent name answers with scope 0: valid for every client.
    const fo = ask(query(fq('fo'), 'A', ecs('10.50.3.0', 24)));
    assert.equal((opt(fo)?.options[0] as { scopePrefixLength: number }).scopePrefixLength, 0);
  });

  it('a malformed ECS option → FORMERR', () => {
    const q = query(fq('geo'), 'A', { edns: { options: [{ code: 8, data: Buffer.from([0, 1, 40, 0, 10, 50, 3, 0, 0, 0]) }] } as never });
    assert.equal(ask(q).rcode, 'FORMERR');
  });
});

describe('answer table: truncation', () => {
  const counts: Record<string, number> = { fit: 29, big: 30, sixty: 60 };
  const cases: [string, string, Parameters<typeof query>[2], 'udp' | 'tcp', boolean][] = [
    ['29 A records fit 512 bytes without EDNS', 'fit', {}, 'udp', false],
    ['30 A records do not (513 bytes)', 'big', {}, 'udp', true],
    ['60 records fit EDNS 1232', 'sixty', { edns: { udpSize: 1232 } }, 'udp', false],
    ['advertised 4096 is clamped to 1232 (still fits)', 'sixty', { edns: { udpSize: 4096 } }, 'udp', false],
    ['advertised 100 is clamped up to 512', 'sixty', { edns: { udpSize: 100 } }, 'udp', true],
    ['advertised 512 truncates 60 records', 'sixty', { edns: { udpSize: 512 } }, 'udp', true],
    ['TCP carries everything', 'sixty', {}, 'tcp', false],
  ];
  for (const [name, svc, opts, transport, truncated] of cases) {
    it(name, () => {
      const bytes = table.respond(query(fq(svc), 'A', opts), LOCAL, transport);
      const r = decode(bytes);
      assert.equal(r.flag_tc, truncated);
      assert.equal(r.answers?.length, truncated ? 0 : counts[svc]);
      const advertised = opts?.edns ? (opts.edns.udpSize ?? 0) : 512;
      if (transport === 'udp') assert.ok((bytes?.length ?? 0) <= Math.max(512, Math.min(1232, advertised)));
    });
  }
});

describe('answer table: per-query patching', () => {
  it('ID, RD and CD come from the query', () => {
    const a = ask(query(fq('fo'), 'A', { id: 1 }));
    const b = ask(query(fq('fo'), 'A', { id: 65535, rd: false }));
    assert.equal(a.id, 1);
    assert.equal(a.flag_rd, true);
    assert.equal(b.id, 65535);
    assert.equal(b.flag_rd, false);
    assert.equal(a.flag_ra, false);
    assert.equal(a.flag_cd, false);
    assert.equal(ask(query(fq('fo'), 'A', { cd: true })).flag_cd, true);
  });

  it('0x20 mixed case comes back exactly as sent', () => {
    const r = ask(query('fO.GlObAl.TeSt', 'A'));
    assert.equal(r.questions?.[0]?.name, 'fO.GlObAl.TeSt');
    assert.equal(r.answers?.[0]?.name, 'fO.GlObAl.TeSt');
    assert.deepEqual(answerData(r), ['10.1.0.1', '10.1.0.2']);
  });

  it('compresses owner names into pointers to the question', () => {
    const bytes = table.respond(query(fq('sixty'), 'A'), LOCAL, 'tcp') as Buffer;
    const questionEnd = 12 + `sixty.${ZONE}`.length + 2 + 4;
    assert.equal(bytes.length, questionEnd + 60 * 16);
  });
});

describe('answer table: fast path agrees with the reference path', () => {
  const names = ['fo', 'geo', 'wt', 'sixty', 'nope', 'eu', 'ns-eu-west', ''].map(fq).concat(['example.com']);
  const types = ['A', 'AAAA', 'NS', 'SOA', 'ANY', 'TXT', 'MX'];
  const sources = ['127.0.0.1', '10.50.7.7', '10.50.1.1', '2001:db8:1::9', '192.0.2.1'];
  it('byte-identical responses for arbitrary well-formed queries', () => {
    // Both tables draw the weighted pick from generators reseeded identically for every run.
    let fastRng = seededRandom(0);
    let slowRng = seededRandom(0);
    const fast = buildAnswerTable(t, snapshot(t), { serial: 1, random: () => fastRng() });
    const slow = buildAnswerTable(t, snapshot(t), { serial: 1, random: () => slowRng(), fastPath: false });
    fc.assert(
      fc.property(
        fc.record({
          name: fc.constantFrom(...names),
          caseMask: fc.array(fc.boolean(), { minLength: 40, maxLength: 40 }),
          type: fc.constantFrom(...types),
          id: fc.integer({ min: 0, max: 65535 }),
          rd: fc.boolean(),
          cd: fc.boolean(),
          edns: fc.option(fc.record({ udpSize: fc.integer({ min: 0, max: 65535 }), doBit: fc.boolean() }), { nil: undefined }),
          source: fc.constantFrom(...sources),
          transport: fc.constantFrom('udp' as const, 'tcp' as const),
          seed: fc.integer(),
        }),
        (c) => {
          const name = [...c.name].map((ch, i) => (c.caseMask[i % 40] ? ch.toUpperCase() : ch)).join('');
          const q = query(name, c.type, { id: c.id, rd: c.rd, cd: c.cd, edns: c.edns ?? false });
          fastRng = seededRandom(c.seed);
          slowRng = seededRandom(c.seed);
          const client = { address: c.source };
          assert.deepEqual(fast.respond(q, client, c.transport), slow.respond(q, client, c.transport));
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe('answer table: never throws', () => {
  const fail = buildAnswerTable(t, snapshot(t, regionDown(t, 'fo', 'eu-west')));
  const valid = [query(fq('fo'), 'A'), query(fq('geo'), 'AAAA', { edns: { udpSize: 1400, options: [{ code: 8, ip: '10.50.0.0', sourcePrefixLength: 16, family: 1 }] } }), query(ZONE, 'NS', { edns: {} })];

  const checkResponse = (q: Buffer, r: Buffer | null) => {
    if (r === null) return;
    assert.ok(r.length >= 12);
    assert.equal(r.readUInt16BE(0), q.readUInt16BE(0), 'response id = query id');
    assert.ok(((r[2] as number) & 0x80) !== 0, 'QR set');
  };

  it('arbitrary bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), fc.constantFrom('udp' as const, 'tcp' as const), (bytes, transport) => {
        const q = Buffer.from(bytes);
        checkResponse(q, fail.respond(q, LOCAL, transport));
      }),
      { numRuns: 2000 },
    );
  });

  it('arbitrary mutations of valid queries', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...valid),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 8 }),
        fc.option(fc.nat(), { nil: undefined }),
        (base, edits, cut) => {
          const q = Buffer.from(base);
          for (const [at, value] of edits) q[at % q.length] = value;
          const sent = cut === undefined ? q : q.subarray(0, cut % (q.length + 1));
          checkResponse(sent, fail.respond(sent, LOCAL, 'udp'));
        },
      ),
      { numRuns: 3000 },
    );
  });
});
