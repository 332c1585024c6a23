/**
 * The batched native UDP transport (native/udp-batch: recvmmsg/sendmmsg on Node's own event loop)
 * and the choice between it and node:dgram.
 *
 * The addon owns the socket and one shared memory block. Per wake-up it reads up to 64 datagrams
 * with one recvmmsg and calls `onBatch(count)` once; here we answer each datagram with the same
 * DatagramHandler node:dgram uses, pack the responses into the block, and return; the addon sends
 * them all with one sendmmsg. So the answer table and policies are the same on both transports.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { fileURLToPath } from 'node:url';
import type { Logger } from '../common/log.ts';
import { InputError } from '../common/errors.ts';
import { dgramTransport, RECEIVE_BUFFER_BYTES, type DatagramHandler, type DnsTransport, type UdpTransportFactory } from './transport.ts';

/** Built by `npm run build:native` (scripts/setup.sh runs it). */
export const NATIVE_ADDON_PATH = fileURLToPath(new URL('../../native/udp-batch/build/Release/udp_batch.node', import.meta.url));
/** Forces a transport: `native`, `dgram`, or `auto` (the default: native when it loads). */
export const UDP_TRANSPORT_ENV = 'MERIDIAN_UDP_TRANSPORT';

/** Client address strings by raw address; cleared when full, so a spoofed flood cannot grow it. */
const ADDRESS_CACHE_SIZE = 4096;

interface Layout {
  readonly batch: number;
  readonly inSlot: number;
  readonly outBytes: number;
  readonly metaInts: number;
  readonly inOffset: number;
  readonly outOffset: number;
  readonly metaOffset: number;
  readonly addrOffset: number;
}

/** Counters kept by the addon (see native/udp-batch/socket.h). */
export interface NativeUdpStats {
  readonly received: number;
  readonly sent: number;
  readonly sendDropped: number;
  readonly sendErrors: number;
  readonly recvErrors: number;
  readonly oversized: number;
  readonly callbackErrors: number;
  readonly batches: number;
}

interface Addon {
  readonly layout: Layout;
  open(host: string, port: number, rcvbufBytes: number, onBatch: (count: number) => void): { handle: object; port: number; memory: ArrayBuffer };
  close(handle: object): void;
  stats(handle: object): NativeUdpStats;
  formatAddress(handle: object, slot: number): string;
}

/** The addon's counters, and JavaScript's: handlers that threw, responses that did not fit the output area. */
export interface NativeDnsTransport extends DnsTransport {
  stats(): NativeUdpStats & { readonly handlerErrors: number; readonly outputFull: number };
}

export type AddonLoad = { readonly ok: true; readonly addon: Addon } | { readonly ok: false; readonly reason: string };

let loaded: AddonLoad | undefined;

/** Loads the addon once; a failure is a reason, never an exception. */
export function loadNativeAddon(path = NATIVE_ADDON_PATH): AddonLoad {
  if (path === NATIVE_ADDON_PATH && loaded) return loaded;
  const result = tryLoad(path);
  if (path === NATIVE_ADDON_PATH) loaded = result;
  return result;
}

function tryLoad(path: string): AddonLoad {
  if (process.platform !== 'linux') return { ok: false, reason: `native udp transport is Linux only (this is ${process.platform})` };
  if (!existsSync(path)) return { ok: false, reason: 'native udp transport not built: run npm run build:native' };
  try {
    return { ok: true, addon: createRequire(import.meta.url)(path) as Addon };
  } catch (err) {
    return { ok: false, reason: `native udp transport did not load (${err instanceof Error ? err.message : String(err)}): run npm run build:native` };
  }
}

/** A UdpTransportFactory over the addon, with node:dgram's contract. */
export function nativeTransport(addon: Addon): UdpTransportFactory {
  return async ({ host, port, handler, logger }) => {
    const address = isIP(host) ? host : (await lookup(host)).address;
    const counts = { handlerErrors: 0, outputFull: 0 };
    const onError = (err: unknown) => {
      if (counts.handlerErrors++ % 10_000 === 0) logger?.error({ err, handlerErrors: counts.handlerErrors }, 'dns udp handler threw; query dropped');
    };
    const batch = { run: (_count: number) => {} };
    const opened = addon.open(address, port, RECEIVE_BUFFER_BYTES, (count) => batch.run(count));
    batch.run = answerBatch(addon, opened.handle, opened.memory, handler, onError, counts);
    let closed = false;
    return {
      host,
      port: opened.port,
      close: async () => {
        if (!closed) addon.close(opened.handle);
        closed = true;
      },
      stats: () => ({ ...addon.stats(opened.handle), ...counts }),
    } satisfies NativeDnsTransport;
  };
}

/** JavaScript's half of a batch: answer datagrams 0..count-1 of the block, pack the responses. */
function answerBatch(
  addon: Addon,
  handle: object,
  memory: ArrayBuffer,
  handler: DatagramHandler,
  onError: (err: unknown) => void,
  counts: { outputFull: number },
) {
  const { layout } = addon;
  const meta = new Int32Array(memory, layout.metaOffset, layout.batch * layout.metaInts);
  const rawAddress = new Uint32Array(memory, layout.addrOffset, layout.batch * 4);
  const out = new Uint8Array(memory, layout.outOffset, layout.outBytes);
  const v4Names = new Map<number, string>();
  const v6Names = new Map<string, string>();

  const clientAddress = (slot: number, family: number): string => {
    const a = slot * 4;
    if (family === 4) {
      const key = rawAddress[a] as number;
      return v4Names.get(key) ?? remember(v4Names, key, addon.formatAddress(handle, slot));
    }
    const key = `${rawAddress[a]}:${rawAddress[a + 1]}:${rawAddress[a + 2]}:${rawAddress[a + 3]}`;
    return v6Names.get(key) ?? remember(v6Names, key, addon.formatAddress(handle, slot));
  };

  return (count: number) => {
    let used = 0;
    for (let slot = 0; slot < count; slot++) {
      const m = slot * layout.metaInts;
      const length = meta[m] as number; // -1: oversized, already counted by the addon
      if (length < 0) continue;
      let response: Buffer | null = null;
      try {
        const query = Buffer.from(memory, layout.inOffset + slot * layout.inSlot, length);
        response = handler(query, { address: clientAddress(slot, meta[m + 1] as number), port: meta[m + 2] as number });
      } catch (err) {
        onError(err);
      }
      if (!response) continue;
      if (response.length > layout.outBytes - used) {
        counts.outputFull++; // the area holds 64 x 4 KiB; the answer table's UDP answers are <= 1232 bytes
        continue;
      }
      out.set(response, used);
      meta[m + 3] = response.length;
      used += response.length;
    }
  };
}

function remember<K>(names: Map<K, string>, key: K, name: string): string {
  if (names.size >= ADDRESS_CACHE_SIZE) names.clear();
  names.set(key, name);
  return name;
}

export interface UdpTransportChoice {
  readonly name: 'native' | 'dgram';
  readonly factory: UdpTransportFactory;
  /** Why dgram, when it is. */
  readonly reason?: string;
}

/**
 * native when the addon loads (Linux, built), else dgram; `MERIDIAN_UDP_TRANSPORT=dgram` forces
 * dgram, `=native` fails rather than fall back. Logs one info line saying which and why.
 */
export function chooseUdpTransport(options: { logger?: Logger; env?: NodeJS.ProcessEnv; addonPath?: string } = {}): UdpTransportChoice {
  const wanted = (options.env ?? process.env)[UDP_TRANSPORT_ENV] ?? 'auto';
  if (!['auto', 'native', 'dgram'].includes(wanted)) throw new InputError(`${UDP_TRANSPORT_ENV}=${wanted}: expected native, dgram or auto`);
  const choice = pick(wanted, options.addonPath);
  if (choice.name === 'native') options.logger?.info({ event: 'dns.transport', transport: 'native' }, 'dns udp transport: native (batched recvmmsg/sendmmsg)');
  else options.logger?.info({ event: 'dns.transport', transport: 'dgram', reason: choice.reason }, `dns udp transport: dgram (${choice.reason})`);
  return choice;
}

function pick(wanted: string, addonPath: string | undefined): UdpTransportChoice {
  if (wanted === 'dgram') return { name: 'dgram', factory: dgramTransport, reason: `${UDP_TRANSPORT_ENV}=dgram` };
  const load = loadNativeAddon(addonPath);
  if (load.ok) return { name: 'native', factory: nativeTransport(load.addon) };
  if (wanted === 'native') throw new InputError(`${UDP_TRANSPORT_ENV}=native: ${load.reason}`);
  return { name: 'dgram', factory: dgramTransport, reason: load.reason };
}
