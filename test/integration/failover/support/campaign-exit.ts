/**
 * Campaigns against an etcd that does not exist, aborts, closes the store, and must then let the
 * process exit by itself (regression: a campaign watch that never connected kept retrying
 * forever and held the process open, so an agent without etcd never finished shutting down).
 */
import { EtcdStore } from '../../../../src/coord/index.ts';

const store = new EtcdStore({ endpoints: [process.argv[2] ?? 'http://127.0.0.1:1'] });
const abort = new AbortController();
setTimeout(() => abort.abort(), 300);
const outcome = await store.campaign('meridian/election/exit-test', 'me', 2000, { signal: abort.signal });
await store.close();
process.stdout.write(`${outcome.kind}\n`);
