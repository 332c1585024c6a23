/**
 * The way the lab's Chromium tests trust the agents' https APIs (test/support/chromium-trust.ts),
 * checked on loopback with the lab's own certificate maker and real headless Chromium: a page served
 * with a lab agent's certificate loads; without the flag, and with a certificate of another CA
 * even with the flag, Chromium refuses it. Needs the Debian chromium package, no root, no lab.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { chromium, type Browser } from 'playwright-core';
import { writeLabApiCertificates } from '../../../src/lab/api-certs.ts';
import { labApiTlsDir } from '../../../src/lab/api-tls-files.ts';
import { issueCertificate, makeCa } from '../../../src/lab/openssl-certs.ts';
import { labApiTrustArgs } from '../../support/chromium-trust.ts';

const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

async function serve(certDir: string): Promise<{ server: Server; url: string }> {
  const server = createServer({ cert: readFileSync(join(certDir, 'tls.crt')), key: readFileSync(join(certDir, 'tls.key')) }, (_req, res) => {
    res.setHeader('content-type', 'text/html');
    res.end('<title>agent</title>');
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { server, url: `https://127.0.0.1:${(server.address() as AddressInfo).port}/` };
}

describe('Chromium trusts the lab agents\' API certificates by their keys', { skip: existsSync('/usr/bin/chromium') ? false : 'needs the Debian chromium package' }, () => {
  const lab = mkdtempSync(join(tmpdir(), 'meridian-chromium-trust-'));
  const servers: Server[] = [];
  let agent: string;
  let impostor: string;
  let trusting: Browser;
  let plain: Browser;

  before(async () => {
    await writeLabApiCertificates(lab, [{ region: 'eu-west', ips: ['127.0.0.1'] }, { region: 'us-east', ips: ['127.0.0.2'] }]);
    const other = await makeCa(join(lab, 'other-ca'), 'another CA');
    await issueCertificate(other, join(lab, 'impostor'), { commonName: 'impostor', sans: ['IP:127.0.0.1'] });
    const a = await serve(labApiTlsDir(lab, 'eu-west'));
    const b = await serve(join(lab, 'impostor'));
    servers.push(a.server, b.server);
    [agent, impostor] = [a.url, b.url];
    trusting = await chromium.launch({ executablePath: '/usr/bin/chromium', args: [...CHROMIUM_ARGS, ...labApiTrustArgs(lab)] });
    plain = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
  }, { timeout: 60_000 });

  after(async () => {
    await trusting?.close();
    await plain?.close();
    for (const s of servers) s.close();
    rmSync(lab, { recursive: true, force: true });
  });

  const load = async (browser: Browser, url: string): Promise<string> => {
    const page = await browser.newPage();
    try {
      await page.goto(url, { timeout: 10_000 });
      return await page.title();
    } catch (err) {
      return (err as Error).message.split('\n')[0]!;
    } finally {
      await page.close();
    }
  };

  it('loads a page served with a lab agent\'s certificate', async () => {
    assert.equal(await load(trusting, agent), 'agent');
  });

  it('without the flag the same page is refused (the lab CA is no public one)', async () => {
    assert.match(await load(plain, agent), /ERR_CERT_AUTHORITY_INVALID/);
  });

  it('with the flag, a certificate of another CA is still refused', async () => {
    assert.match(await load(trusting, impostor), /ERR_CERT_AUTHORITY_INVALID/);
  });
});
