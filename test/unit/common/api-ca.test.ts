import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { apiCa, describeApiTlsError, useApiCa } from '../../../src/common/api-ca.ts';
import { InputError } from '../../../src/common/errors.ts';

const url = new URL('https://10.1.0.1:7700/status');

test('describeApiTlsError: an untrusted certificate says which agent and what to give', () => {
  assert.equal(
    describeApiTlsError('UNABLE_TO_VERIFY_LEAF_SIGNATURE', url),
    "the certificate of 10.1.0.1:7700 is not signed by a trusted CA (UNABLE_TO_VERIFY_LEAF_SIGNATURE): give the CA of the agents' API certificates with MERIDIAN_API_CA=/path/ca.crt",
  );
  assert.match(describeApiTlsError('DEPTH_ZERO_SELF_SIGNED_CERT', url), /not signed by a trusted CA/);
});

test('describeApiTlsError: a certificate for another name says the name expected', () => {
  assert.match(describeApiTlsError('ERR_TLS_CERT_ALTNAME_INVALID', url), /^the certificate of 10\.1\.0\.1:7700 does not name 10\.1\.0\.1 \(ERR_TLS_CERT_ALTNAME_INVALID\)/);
});

test('describeApiTlsError: other codes come back as they are', () => {
  assert.equal(describeApiTlsError('ECONNREFUSED', url), 'ECONNREFUSED');
});

test('apiCa: MERIDIAN_API_CA is read; a missing file is an InputError naming it; what the process set comes first', () => {
  const dir = mkdtempSync(join(tmpdir(), 'meridian-api-ca-'));
  try {
    const file = join(dir, 'ca.crt');
    writeFileSync(file, 'pem');
    assert.equal(apiCa({}), undefined);
    assert.equal(apiCa({ MERIDIAN_API_CA: file })?.toString(), 'pem');
    assert.throws(() => apiCa({ MERIDIAN_API_CA: join(dir, 'none.crt') }), (err) => err instanceof InputError && /none\.crt: cannot read it \(ENOENT\)/.test(err.message));
    useApiCa(() => Buffer.from('set'));
    assert.equal(apiCa({ MERIDIAN_API_CA: file })?.toString(), 'set');
    useApiCa(() => undefined);
    assert.equal(apiCa({ MERIDIAN_API_CA: file })?.toString(), 'pem');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
