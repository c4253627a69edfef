// The partition nemesis's proxy: it forwards both ways, knows each connection's source
// address, cuts the connections of blocked sources and refuses new ones until unblocked.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { PartitionProxy } from './partition-proxy.ts';

async function echoServer(host: string): Promise<{ port: number; close(): void }> {
  const s = net.createServer((c) => c.on('data', (d) => c.write(`echo:${String(d)}`)).on('error', () => undefined));
  await new Promise<void>((r) => s.listen(0, host, () => r()));
  return { port: (s.address() as net.AddressInfo).port, close: () => s.close() };
}

/** Connects from `source`, sends `text`, and resolves with the reply or 'closed'. */
function roundTrip(proxy: PartitionProxy, source: string, text: string): Promise<string> {
  return new Promise((resolve) => {
    const c = net.createConnection({ host: proxy.host, port: proxy.port, localAddress: source });
    c.on('data', (d) => {
      resolve(String(d));
      c.destroy();
    });
    c.on('error', () => resolve('closed'));
    c.on('close', () => resolve('closed'));
    c.write(text);
  });
}

test('the proxy forwards, cuts blocked sources both ways, refuses them, and heals', async () => {
  const server = await echoServer('127.0.0.11');
  const proxy = await PartitionProxy.start('127.0.0.11', { host: '127.0.0.11', port: server.port });
  try {
    assert.equal(await roundTrip(proxy, '127.0.0.12', 'a'), 'echo:a');
    // A long-lived connection from .12 is cut when .12 is blocked; .13 still passes.
    const held = net.createConnection({ host: proxy.host, port: proxy.port, localAddress: '127.0.0.12' });
    await new Promise<void>((r) => held.once('connect', () => r()));
    const cut = new Promise<void>((r) => held.once('close', () => r()));
    held.on('error', () => undefined);
    proxy.block(['127.0.0.12']);
    await cut;
    assert.equal(await roundTrip(proxy, '127.0.0.12', 'b'), 'closed');
    assert.equal(await roundTrip(proxy, '127.0.0.13', 'c'), 'echo:c');
    proxy.unblock();
    assert.equal(await roundTrip(proxy, '127.0.0.12', 'd'), 'echo:d');
  } finally {
    await proxy.close();
    server.close();
  }
});
