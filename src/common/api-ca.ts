/**
 * Whom a request to an agent's operator API (`https://` regions[].agent.api) trusts: the CA the
 * caller was given, else the system's trust store. Never no verification: a self-signed or
 * private-CA certificate without its CA fails the handshake, and the failure says what to give.
 *
 * The CA comes, first to last, from: what the process set (`useApiCa`: the agent sets the ca.crt
 * of its --api-tls directory, to call the other agents' APIs; the CLI sets the lab's CA), then the
 * environment, MERIDIAN_API_CA=/path/ca.crt. One setting per process: the CLI and the agent each
 * talk to one topology's agents, whose API certificates one CA signs.
 */
import { readFileSync } from 'node:fs';
import { InputError } from './errors.ts';

export const API_CA_ENV = 'MERIDIAN_API_CA';

let source: (() => Buffer | undefined) | undefined;
let fromEnv: { path: string; ca: Buffer } | undefined;

/** From now on, https requests to agents' APIs trust what `ca` returns (undefined: the environment's, else the system's). */
export function useApiCa(ca: () => Buffer | undefined): void {
  source = ca;
}

/** The CA to trust for agents' APIs, if one is configured. Throws an InputError when MERIDIAN_API_CA names no readable file. */
export function apiCa(env: NodeJS.ProcessEnv = process.env): Buffer | undefined {
  const set = source?.();
  if (set) return set;
  const path = env[API_CA_ENV]?.trim();
  if (!path) return undefined;
  if (fromEnv?.path !== path) {
    try {
      fromEnv = { path, ca: readFileSync(path) };
    } catch (err) {
      throw new InputError(`${API_CA_ENV}=${path}: cannot read it (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
    }
  }
  return fromEnv.ca;
}

/** The TLS options of a request to `url`: `{ ca }` for https with a configured CA, else none (the system's trust store). */
export function apiTlsOptions(url: URL): { ca?: Buffer } {
  if (url.protocol !== 'https:') return {};
  const ca = apiCa();
  return ca ? { ca } : {};
}

/**
 * One line for a failed https request to an agent's API, from node's error code: what is wrong
 * and what to give. Other codes (refused, timeout…) come back as they are.
 */
export function describeApiTlsError(code: string, url: URL): string {
  const at = url.host;
  const trust = `give the CA of the agents' API certificates with ${API_CA_ENV}=/path/ca.crt`;
  switch (code) {
    case 'UNABLE_TO_VERIFY_LEAF_SIGNATURE':
    case 'UNABLE_TO_GET_ISSUER_CERT':
    case 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY':
    case 'SELF_SIGNED_CERT_IN_CHAIN':
    case 'DEPTH_ZERO_SELF_SIGNED_CERT':
    case 'CERT_SIGNATURE_FAILURE':
      return `the certificate of ${at} is not signed by a trusted CA (${code}): ${trust}`;
    case 'ERR_TLS_CERT_ALTNAME_INVALID':
      return `the certificate of ${at} does not name ${url.hostname} (${code}): it must carry the address of regions[].agent.api in its subjectAltName`;
    case 'CERT_HAS_EXPIRED':
    case 'CERT_NOT_YET_VALID':
      return `the certificate of ${at} is not valid now (${code})`;
    case 'EPROTO':
    case 'ERR_SSL_WRONG_VERSION_NUMBER':
      return `${at} does not speak TLS (${code}): is regions[].agent.api https:// while the agent serves plain http?`;
    default:
      return code;
  }
}
