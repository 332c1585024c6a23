/**
 * The flood for the flood benchmark: `node --import tsx bench/flood/load.ts --port Q --connections N`.
 * N keep-alive connections each POST a maximum-size body (64 KiB of valid JSON, the request
 * guard's limit) to /v1/view, one after the other, as fast as the agent answers (it reads the
 * whole body, parses it, and refuses it as not a view: 400). On SIGTERM prints
 * "done requests=… bytes=…" and exits.
 */
import { Agent, request } from 'node:http';
import { parseArgs } from 'node:util';
import { MAX_POST_BYTES } from '../../src/agent/request-guard.ts';

const { values } = parseArgs({ options: { port: { type: 'string' }, connections: { type: 'string', default: '16' } } });
const port = Number(values.port);
const connections = Number(values.connections);
const prefix = '{"pad":"';
const body = Buffer.from(`${prefix}${'x'.repeat(MAX_POST_BYTES - prefix.length - 2)}"}`);
const agent = new Agent({ keepAlive: true, maxSockets: connections });
let requests = 0;
let stopping = false;

function post(): Promise<void> {
  return new Promise((resolve) => {
    const req = request({
      host: '127.0.0.1', port, path: '/v1/view', method: 'POST', agent,
      headers: { host: `127.0.0.1:${port}`, 'content-type': 'application/json', 'content-length': body.length },
    }, (res) => {
      res.resume();
      res.on('end', () => {
        requests++;
        resolve();
      });
    });
    req.on('error', () => resolve());
    req.end(body);
  });
}

async function loop(): Promise<void> {
  while (!stopping) await post();
}

process.once('SIGTERM', () => {
  stopping = true;
  process.stdout.write(`done requests=${requests} bytes=${requests * body.length}\n`);
  process.exit(0);
});
for (let i = 0; i < connections; i++) void loop();
