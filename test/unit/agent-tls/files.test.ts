/**
 * The peer certificate files reread on change (src/agent/tls/files.ts), with a hand-driven clock
 * and certificates from the real openssl: a new good set is taken and announced, a broken set
 * keeps the one in force and is logged once per version, the next good set replaces it.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { X509Certificate } from 'node:crypto';
import { pino } from 'pino';
import { PeerTlsFiles, type PeerTlsMaterial } from '../../../src/agent/tls/index.ts';
import { issuePeerCertificate, makePeerCa, type PeerCa } from '../../../src/lab/peer-certs.ts';
import { InputError } from '../../../src/common/errors.ts';

let dir: string;
let ca: PeerCa;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'meridian-peer-files-'));
  ca = await makePeerCa(join(dir, 'ca'));
});

after(() => rmSync(dir, { recursive: true, force: true }));

function recordingLogger() {
  const lines: { level: number; msg: string }[] = [];
  const logger = pino({ level: 'info' }, { write: (text: string) => lines.push(JSON.parse(text) as { level: number; msg: string }) });
  return { logger, errors: () => lines.filter((l) => l.level >= 50).map((l) => l.msg) };
}

const serialIn = (d: string) => new X509Certificate(readFileSync(join(d, 'tls.crt'))).serialNumber;

/** Moves a fresh set for `region` into `target`, as a Secret update does (renames). */
async function rotate(target: string, region: string): Promise<string> {
  const next = mkdtempSync(join(dir, 'next-'));
  await issuePeerCertificate(ca, next, { region, ips: [] });
  for (const name of ['tls.key', 'tls.crt']) renameSync(join(next, name), join(target, name));
  return serialIn(target);
}

test('a new set is taken within checkEveryMs and announced; a broken one keeps the set in force, logged once; the next good one replaces it', async () => {
  const target = join(dir, 'eu-west');
  await issuePeerCertificate(ca, target, { region: 'eu-west', ips: [] });
  let nowMs = 0;
  const { logger, errors } = recordingLogger();
  const files = new PeerTlsFiles(target, 'eu-west', logger, 1_000, () => nowMs);
  const announced: PeerTlsMaterial[] = [];
  files.onChange((m) => announced.push(m));
  const first = files.current().serial;
  assert.equal(first, serialIn(target));

  const second = await rotate(target, 'eu-west');
  assert.equal(files.current().serial, first, 'not rechecked before checkEveryMs');
  nowMs += 1_000;
  assert.equal(files.current().serial, second);
  assert.deepEqual(announced.map((m) => m.serial), [second]);

  writeFileSync(join(target, 'tls.crt'), 'half a certificate\n');
  for (let i = 0; i < 3; i++) {
    nowMs += 1_000;
    assert.equal(files.current().serial, second, 'a broken file keeps the set in force');
  }
  assert.equal(errors().length, 1, `logged once: ${errors().join(' | ')}`);
  assert.match(errors()[0] ?? '', /eu-west\/tls\.crt: not a PEM certificate/);

  // A certificate for another region is refused the same way.
  const other = mkdtempSync(join(dir, 'other-'));
  await issuePeerCertificate(ca, other, { region: 'us-east', ips: [] });
  for (const name of ['tls.key', 'tls.crt']) renameSync(join(other, name), join(target, name));
  nowMs += 1_000;
  assert.equal(files.current().serial, second);
  assert.match(errors()[1] ?? '', /names region us-east, this agent runs in eu-west/);

  const third = await rotate(target, 'eu-west');
  nowMs += 1_000;
  assert.equal(files.current().serial, third);
  assert.deepEqual(announced.map((m) => m.serial), [second, third]);
});

test('at start, an unusable set is an InputError naming the file', async () => {
  const target = join(dir, 'start');
  await issuePeerCertificate(ca, target, { region: 'eu-west', ips: [] });
  rmSync(join(target, 'tls.key'));
  assert.throws(() => new PeerTlsFiles(target, 'eu-west', pino({ level: 'silent' })), (err: unknown) => err instanceof InputError && /start\/tls\.key: cannot read it \(ENOENT\)/.test(err.message));
});
