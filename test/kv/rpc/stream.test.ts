// Streams: chunked by the byte limit, flow-controlled by the receiver's window, and failing
// cleanly on receiver errors, sender aborts, deadlines and lost connections.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { RpcError } from '../../../src/kv/rpc/index.ts';
import { Nodes, bytes, sleep, text } from './helpers.ts';

const nodes = new Nodes();
after(() => nodes.closeAll());

const config = { streamChunkBytesMax: 1024, streamWindowChunks: 4 };

async function pair(): Promise<Awaited<ReturnType<Nodes['start']>>[]> {
  const a = await nodes.start(1, { config });
  const b = await nodes.start(2, { config });
  a.node.setPeerAddress(2, b.address);
  return [a, b];
}

test('a slow receiver holds the sender back to its window; data arrives whole, in chunks of the limit', async () => {
  const [a, b] = await pair();
  assert.ok(a !== undefined && b !== undefined);
  let received = 0;
  let sentWrites = 0;
  let maxAhead = 0;
  const sizes: number[] = [];
  b.node.handleStream('snap', async (header, chunks) => {
    const parts: Uint8Array[] = [];
    for await (const c of chunks) {
      sizes.push(c.length);
      parts.push(c);
      received++;
      await sleep(2); // a slow disk
    }
    return bytes(`${text(header)}:${Buffer.concat(parts).reduce((s, x) => s + x, 0)}`);
  });
  const s = await a.node.openStream(2, 'snap', bytes('r7'));
  const data = new Uint8Array(40 * 1024).map((_, i) => i % 251);
  for (let i = 0; i < 40; i++) {
    await s.write(data.subarray(i * 1024, (i + 1) * 1024));
    sentWrites++;
    maxAhead = Math.max(maxAhead, sentWrites - received);
  }
  const sum = data.reduce((x, y) => x + y, 0);
  assert.equal(text(await s.end()), `r7:${sum}`);
  assert.equal(received, 40);
  // The sender may be ahead by the window plus the chunks in transit, never by the whole stream.
  assert.ok(maxAhead <= config.streamWindowChunks + 1, `sender ran ${maxAhead} chunks ahead`);
  assert.ok(sizes.every((n) => n <= config.streamChunkBytesMax));
});

test('a large write is split into chunks of at most streamChunkBytesMax', async () => {
  const [a, b] = await pair();
  assert.ok(a !== undefined && b !== undefined);
  const sizes: number[] = [];
  b.node.handleStream('snap', async (_h, chunks) => {
    for await (const c of chunks) sizes.push(c.length);
    return bytes('ok');
  });
  const s = await a.node.openStream(2, 'snap', bytes(''));
  await s.write(new Uint8Array(10_000));
  assert.equal(text(await s.end()), 'ok');
  assert.deepEqual(sizes, [1024, 1024, 1024, 1024, 1024, 1024, 1024, 1024, 1024, 784]);
});

test('a receiver error fails the sender; an abort fails the receiver', async () => {
  const [a, b] = await pair();
  assert.ok(a !== undefined && b !== undefined);
  b.node.handleStream('picky', async (_h, chunks) => {
    for await (const c of chunks) if (c[0] === 9) throw new RpcError('rpc-remote', 'bad chunk', false);
    return bytes('ok');
  });
  const s = await a.node.openStream(2, 'picky', bytes(''));
  await s.write(Uint8Array.of(1));
  await s.write(Uint8Array.of(9));
  await assert.rejects(s.end(), (e: unknown) => e instanceof RpcError && e.message === 'bad chunk');
  await assert.rejects(s.write(Uint8Array.of(1)), RpcError);

  let receiverError: unknown;
  b.node.handleStream('patient', async (_h, chunks) => {
    try {
      for await (const _c of chunks) void _c;
    } catch (e) {
      receiverError = e;
    }
    return bytes('');
  });
  const t = await a.node.openStream(2, 'patient', bytes(''));
  await t.write(Uint8Array.of(1));
  t.abort('changed my mind');
  await assert.rejects(t.end(), RpcError);
  await sleep(30);
  assert.ok(receiverError instanceof RpcError && /changed my mind/.test(receiverError.message));
});

test('a stream past its deadline fails with a timeout on the sender and cancels the receiver', async () => {
  const [a, b] = await pair();
  assert.ok(a !== undefined && b !== undefined);
  let receiverError: unknown;
  b.node.handleStream('stuck', async (_h, chunks) => {
    try {
      for await (const _c of chunks) await sleep(150); // far slower than the deadline
    } catch (e) {
      receiverError = e;
    }
    return bytes('');
  });
  const s = await a.node.openStream(2, 'stuck', bytes(''), { timeoutMs: 50 });
  await s.write(Uint8Array.of(1));
  await assert.rejects(s.end(), (e: unknown) => e instanceof RpcError && e.code === 'rpc-timeout' && e.retryable);
  await sleep(200);
  assert.ok(receiverError instanceof RpcError);
});

test('a blocked writer is released with an error when the connection drops', async () => {
  const a = await nodes.start(1, { config });
  const b = await nodes.start(2, { config });
  a.node.setPeerAddress(2, b.address);
  b.node.handleStream('never-reads', () => new Promise<Uint8Array>(() => undefined));
  const s = await a.node.openStream(2, 'never-reads', bytes(''));
  const writing = s.write(new Uint8Array(100 * 1024)); // far beyond the window
  await sleep(30);
  await b.node.close();
  await assert.rejects(writing, (e: unknown) => e instanceof RpcError && e.code === 'rpc-unavailable' && e.retryable);
});
