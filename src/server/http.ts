import { createServer, type Server } from 'node:http';
import type { Registry } from 'prom-client';
import type { HostPort } from './address.ts';
import { listen } from './listen.ts';

/**
 * The node's HTTP endpoint: `GET /health` (200 while the node serves SQL, 503 otherwise)
 * and `GET /metrics` (Prometheus text exposition).
 */
export interface HttpEndpoint {
  readonly address: HostPort;
  close(): Promise<void>;
}

export async function startHttp(
  addr: HostPort,
  isServing: () => boolean,
  registry: Registry,
  status: () => unknown = () => ({}),
): Promise<HttpEndpoint> {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method === 'GET' && path === '/health') {
      const ok = isServing();
      res.writeHead(ok ? 200 : 503, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ status: ok ? 'ok' : 'unavailable' }));
      return;
    }
    if (req.method === 'GET' && path === '/_status/node') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(status(), (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)));
      return;
    }
    if (req.method === 'GET' && path === '/metrics') {
      registry.metrics().then(
        (text) => {
          res.writeHead(200, { 'content-type': registry.contentType });
          res.end(text);
        },
        (err: unknown) => {
          res.writeHead(500, { 'content-type': 'text/plain' });
          res.end(String(err));
        },
      );
      return;
    }
    res.writeHead(404, { 'content-type': 'text/plain' });
    res.end('not found\n');
  });
  server.keepAliveTimeout = 5_000;
  const address = await listen(server, addr);
  return {
    address,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
