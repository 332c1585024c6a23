/**
 * A TCP proxy on loopback that a test can cut and restore: while cut, open connections are
 * destroyed and new ones are refused at once, so nothing the client sends reaches the server
 * (unlike SIGSTOP, where requests wait in the socket buffer and run on SIGCONT).
 */
import { createServer, connect, type Server, type Socket } from 'node:net';
import { once } from 'node:events';

export interface TcpProxy {
  /** `http://127.0.0.1:PORT`, for clients that take URLs (etcd endpoints). */
  readonly url: string;
  cut(): void;
  restore(): void;
  close(): Promise<void>;
}

export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  let cut = false;
  const open = new Set<Socket>();
  const server: Server = createServer((client) => {
    if (cut) return void client.destroy();
    const upstream = connect(target.port, target.host);
    for (const s of [client, upstream]) {
      open.add(s);
      s.on('close', () => open.delete(s));
      s.on('error', () => undefined);
    }
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
    client.pipe(upstream).pipe(client);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    cut: () => {
      cut = true;
      for (const s of open) s.destroy();
    },
    restore: () => {
      cut = false;
    },
    close: async () => {
      cut = true;
      for (const s of open) s.destroy();
      await new Promise((r) => server.close(r));
    },
  };
}
