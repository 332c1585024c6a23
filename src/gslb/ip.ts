/**
 * IP address text → bytes, and prefix comparison. Hand-written because node:net has no parser
 * that returns bytes, and node:net BlockList cannot say WHICH subnet matched (longest prefix
 * must win) and costs about 1 µs per check per network, too slow for the per-query path.
 */

/** 4 bytes for IPv4, 16 for IPv6; IPv4-mapped IPv6 (`::ffff:a.b.c.d`) becomes IPv4. Null if not an address. */
export function parseIp(text: string): Uint8Array | null {
  if (text.includes(':')) {
    const v6 = parseIpv6(text);
    if (v6 && isV4Mapped(v6)) return v6.subarray(12);
    return v6;
  }
  return parseIpv4(text);
}

/** Same as parseIp but keeps IPv4-mapped IPv6 as 16 bytes (for AAAA record data). */
export function parseIpExact(text: string): Uint8Array | null {
  return text.includes(':') ? parseIpv6(text) : parseIpv4(text);
}

function parseIpv4(text: string): Uint8Array | null {
  const parts = text.split('.');
  if (parts.length !== 4) return null;
  const out = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    const p = parts[i] as string;
    if (!/^\d{1,3}$/.test(p)) return null;
    const n = Number(p);
    if (n > 255) return null;
    out[i] = n;
  }
  return out;
}

function parseIpv6(input: string): Uint8Array | null {
  const text = input.replace(/%.*$/, ''); // zone id (fe80::1%eth0) does not change the address
  const halves = text.split('::');
  if (halves.length > 2) return null;
  const head = halves[0] ? halves[0].split(':') : [];
  const tail = halves.length === 2 && halves[1] ? halves[1].split(':') : [];
  const words: number[] = [];
  const pushGroups = (groups: string[], into: number[]): boolean => {
    for (const [i, g] of groups.entries()) {
      if (i === groups.length - 1 && g.includes('.')) {
        const v4 = parseIpv4(g);
        if (!v4) return false;
        into.push(((v4[0] as number) << 8) | (v4[1] as number), ((v4[2] as number) << 8) | (v4[3] as number));
      } else {
        if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return false;
        into.push(parseInt(g, 16));
      }
    }
    return true;
  };
  const tailWords: number[] = [];
  if (!pushGroups(head, words) || !pushGroups(tail, tailWords)) return null;
  const missing = 8 - words.length - tailWords.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return null;
  for (let i = 0; i < missing; i++) words.push(0);
  words.push(...tailWords);
  const out = new Uint8Array(16);
  words.forEach((w, i) => {
    out[i * 2] = w >> 8;
    out[i * 2 + 1] = w & 0xff;
  });
  return out;
}

function isV4Mapped(b: Uint8Array): boolean {
  for (let i = 0; i < 10; i++) if (b[i] !== 0) return false;
  return b[10] === 0xff && b[11] === 0xff;
}

/** True when the first `prefix` bits of `a` and `network` are equal (same family assumed). */
export function prefixMatches(a: Uint8Array, network: Uint8Array, prefix: number): boolean {
  const whole = prefix >> 3;
  for (let i = 0; i < whole; i++) if (a[i] !== network[i]) return false;
  const rest = prefix & 7;
  if (rest === 0) return true;
  const mask = (0xff << (8 - rest)) & 0xff;
  return ((a[whole] as number) & mask) === ((network[whole] as number) & mask);
}

/** `10.0.0.0/8` → bytes and prefix; null if malformed or the prefix is too long for the family. */
export function parseCidr(cidr: string): { bytes: Uint8Array; prefix: number } | null {
  const slash = cidr.lastIndexOf('/');
  if (slash < 0) return null;
  const raw = cidr.slice(0, slash);
  // Keep a v4-mapped IPv6 network as IPv6 only when its prefix reaches into the mapped part.
  const bytes = parseIp(raw);
  let prefix = Number(cidr.slice(slash + 1));
  if (!bytes || !Number.isInteger(prefix) || prefix < 0) return null;
  if (raw.includes(':') && bytes.length === 4) prefix -= 96; // ::ffff:10.0.0.0/104 → 10.0.0.0/8
  if (prefix < 0 || prefix > bytes.length * 8) return null;
  return { bytes, prefix };
}
