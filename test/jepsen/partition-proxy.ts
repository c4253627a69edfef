/**
 * The fault-injecting TCP proxy of the partition nemesis. Each node of a Jepsen cluster
 * listens on its own loopback address (127.0.0.11, .12, ...) and advertises its proxy,
 * which forwards to it; a node dials its peers from its own address, so the proxy in front
 * of a node knows which node every incoming connection comes from. `block(sources)` cuts
 * the connections from those addresses (both directions: the socket pair is destroyed) and
 * refuses new ones until `unblock`. A partition blocks each side at the other side's proxies.
 */
import { createConnection, createServer, type Server, type Socket } from 'node:net';

export class PartitionProxy {
  private readonly server: Server;
  private readonly pairs = new Set<{ readonly source: string; readonly client: Socket; readonly upstream: Socket }>();
  private readonly blocked = new Set<string>();

  private constructor(
    readonly host: string,
    readonly port: number,
    server: Server,
  ) {
    this.server = server;
  }

  /** A proxy on `host` (a free port) that forwards to `target`. */
  static async start(host: string, target: { readonly host: string; readonly port: number }): Promise<PartitionProxy> {
    let proxy: PartitionProxy | null = null;
    const server = createServer((client) => {
      if (proxy === null) client.destroy();
      else proxy.accept(client, target);
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, host, () => resolve());
    });
    const addr = server.address();
    if (addr === null || typeof addr !== 'object') throw new Error('proxy has no address');
    proxy = new PartitionProxy(host, addr.port, server);
    return proxy;
  }

  private accept(client: Socket, target: { readonly host: string; readonly port: number }): void {
    const source = normalise(client.remoteAddress ?? '');
    if (this.blocked.has(source)) return void client.destroy();
    const upstream = createConnection({ host: target.host, port: target.port });
    const pair = { source, client, upstream };
    this.pairs.add(pair);
    const end = (): void => {
      this.pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
    client.pipe(upstream);
    upstream.pipe(client);
  }

  /** Cuts and refuses connections from these source addresses. */
  block(sources: readonly string[]): void {
    for (const s of sources) this.blocked.add(s);
    for (const pair of [...this.pairs]) {
      if (this.blocked.has(pair.source)) {
        pair.client.destroy();
        pair.upstream.destroy();
        this.pairs.delete(pair);
      }
    }
  }

  unblock(): void {
    this.blocked.clear();
  }

  async close(): Promise<void> {
    for (const pair of this.pairs) {
      pair.client.destroy();
      pair.upstream.destroy();
    }
    this.pairs.clear();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** IPv4-mapped IPv6 (::ffff:127.0.0.11) as plain IPv4. */
function normalise(address: string): string {
  return address.startsWith('::ffff:') ? address.slice(7) : address;
}
