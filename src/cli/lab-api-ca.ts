/**
 * The CLI trusts a running lab's API CA (`<lab dir>/api-tls/ca.crt`, made by `lab up` when the lab
 * serves its agents' APIs over https) as it uses the lab's tokens (credentials.ts): the demo, the
 * drills and the lab tests then need no set-up. The lab's CA is added to the system's roots, not
 * put in their place, so a topology elsewhere signed by a public CA still verifies; and
 * MERIDIAN_API_CA, when set, is the only CA trusted (common/api-ca.ts). Nothing is read before a
 * request needs it, so `--help` reads no file.
 */
import { rootCertificates } from 'node:tls';
import { useApiCa, API_CA_ENV } from '../common/api-ca.ts';
import { readLabApiCa } from '../lab/api-tls-files.ts';

export function trustLabApiCa(env: NodeJS.ProcessEnv = process.env): void {
  let bundle: { lab: Buffer; pem: Buffer } | undefined;
  useApiCa(() => {
    if (env[API_CA_ENV]?.trim()) return undefined;
    const lab = readLabApiCa();
    if (!lab) return undefined;
    if (!bundle?.lab.equals(lab)) bundle = { lab, pem: Buffer.concat([lab, Buffer.from(`\n${rootCertificates.join('\n')}\n`)]) };
    return bundle.pem;
  });
}
