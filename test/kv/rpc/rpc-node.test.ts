// RpcNode over real sockets on 127.0.0.1: requests and responses, deadlines, errors,
// the handshake, reconnecting after the peer restarts, and one connection per pair.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { RpcError, RpcNode, backoffDelayMs, rpcConfig, type TimerHandle, type Timers } from '../../../src/kv/rpc/index.ts';
import { Nodes, bytes, eventually, fastConfig, rpcTestEnv, sleep, text } from './helpers.ts';

const nodes = new Nodes();
after(() => nodes.closeAll());

const isRpc = (code: string, retryable?: boolean) => (e: unknown): boolean =>
  e instanceof RpcError && e.code === code && (retryable === undefined || e.retryable === retryable);

test('request and response, also with 64 in flight and to itself', async () => {
  const a = await nodes.start(1);
  const b = await nodes.start(2);
  b.node.handle('echo', async (p, ctx) => bytes(`${ctx.fromNode}:${text(p)}`));
  a.node.handle('echo', async (p) => p);
  a.node.setPeerAddress(2, b.address);
  assert.equal(text(await a.node.request(2, 'echo', bytes('hi'))), '1:hi');
  const many = await Promise.all(Array.from({ length: 64 }, (_, i) => a.node.request(2, 'echo', bytes(String(i)))));
  assert.deepEqual(many.map(text), Array.from({ length: 64 }, (_, i) => `1:${i}`));
  // The acceptor answers over the connection it accepted, with no address for node 1.
  assert.equal(text(await b.node.request(1, 'echo', bytes('back'))), 'back');
  assert.equal(text(await a.node.request(1, 'echo', bytes('self'))), 'self');
  // Large payloads cross several socket reads.
  const big = new Uint8Array(3 * 1024 * 1024).fill(5);
  a.node.handle('len', async (p) => bytes(String(p.length)));
  assert.equal(text(await b.node.request(1, 'len', big)), String(big.length));
});

test('handler errors, unknown methods and deadlines come back as clear RpcErrors', async () => {
  const a = await nodes.start(1);
  const b = await nodes.start(2);
  a.node.setPeerAddress(2, b.address);
  b.node.handle('fail', async () => {
    throw new RpcError('rpc-remote', 'not the leaseholder', true);
  });
  b.node.handle('boom', async () => {
    throw new Error('kaboom');
  });
  b.node.handle('slow', () => sleep(300).then(() => bytes('late')));
  await assert.rejects(a.node.request(2, 'fail', bytes('')), (e: unknown) => isRpc('rpc-remote', true)(e) && (e as Error).message === 'not the leaseholder');
  await assert.rejects(a.node.request(2, 'boom', bytes('')), (e: unknown) => isRpc('rpc-remote', false)(e) && (e as Error).message === 'kaboom');
  await assert.rejects(a.node.request(2, 'nope', bytes('')), isRpc('rpc-no-handler', false));
  const t0 = Date.now();
  // A timed-out request was written: the peer may have acted on it (not `unsent`).
  await assert.rejects(a.node.request(2, 'slow', bytes(''), { timeoutMs: 50 }), (e: unknown) => isRpc('rpc-timeout', true)(e) && !(e as RpcError).unsent);
  assert.ok(Date.now() - t0 < 250, 'the timeout fired before the late answer');
  // The late answer is dropped; the connection still works.
  await sleep(300);
  await assert.rejects(a.node.request(2, 'fail', bytes('')), isRpc('rpc-remote'));
});

test('an oversized request fails at once and leaves the connection usable', async () => {
  const a = await nodes.start(1, { config: { frameBytesMax: 64 * 1024, streamChunkBytesMax: 1024, raftBatchBytesTarget: 1024 } });
  const b = await nodes.start(2, { config: { frameBytesMax: 64 * 1024, streamChunkBytesMax: 1024, raftBatchBytesTarget: 1024 } });
  a.node.setPeerAddress(2, b.address);
  b.node.handle('echo', async (p) => p);
  await a.node.request(2, 'echo', bytes('x'));
  await assert.rejects(a.node.request(2, 'echo', new Uint8Array(64 * 1024)), (e: unknown) => isRpc('rpc-frame-too-large', false)(e) && (e as RpcError).unsent);
  assert.equal(text(await a.node.request(2, 'echo', bytes('still'))), 'still');
  // A response too large for the frame limit fails the request, not the connection.
  b.node.handle('huge', async () => new Uint8Array(100 * 1024));
  await assert.rejects(a.node.request(2, 'huge', bytes('')), isRpc('rpc-frame-too-large', false));
  assert.ok(a.node.isConnected(2));
});

test('a dialer from another cluster is refused with a clear error on both sides', async () => {
  const a = await nodes.start(1, { clusterId: 'alpha' });
  const b = await nodes.start(2, { clusterId: 'beta' });
  a.node.setPeerAddress(2, b.address);
  b.node.handle('echo', async (p) => p);
  await assert.rejects(a.node.request(2, 'echo', bytes('x')), (e: unknown) =>
    isRpc('rpc-handshake', false)(e) && /cluster id mismatch/.test((e as Error).message) && /'alpha'/.test((e as Error).message));
  assert.equal(b.node.isConnected(1), false);
  // While backing off, the same clear error is repeated instead of a vague one.
  await assert.rejects(a.node.request(2, 'echo', bytes('x')), isRpc('rpc-handshake'));
});

test('dialing an address where another node id listens is refused', async () => {
  const a = await nodes.start(1);
  const b = await nodes.start(2);
  a.node.setPeerAddress(3, b.address);
  await assert.rejects(a.node.request(3, 'echo', bytes('x')), (e: unknown) => isRpc('rpc-handshake')(e) && /wanted node 3/.test((e as Error).message));
});

test('no address, no dial: a clear retryable error', async () => {
  const a = await nodes.start(1);
  await assert.rejects(a.node.request(9, 'echo', bytes('x')), (e: unknown) => isRpc('rpc-unavailable', true)(e) && /no address/.test((e as Error).message) && (e as RpcError).unsent);
});

test('in-flight requests fail retryably when the peer dies, and the node reconnects after it restarts', async () => {
  const a = await nodes.start(1);
  const b = await nodes.start(2);
  a.node.setPeerAddress(2, b.address);
  b.node.handle('echo', async (p) => p);
  b.node.handle('hang', () => new Promise<Uint8Array>(() => undefined));
  const changes: string[] = [];
  a.node.onPeerChange((id, up) => changes.push(`${id}:${up ? 'up' : 'down'}`));
  await a.node.request(2, 'echo', bytes('x'));
  const inflight = a.node.request(2, 'hang', bytes(''), { timeoutMs: 5_000 });
  await sleep(20);
  await b.node.close();
  // In flight when the connection went: maybe executed. Sent while it is down: never sent.
  await assert.rejects(inflight, (e: unknown) => isRpc('rpc-unavailable', true)(e) && /lost/.test((e as Error).message) && !(e as RpcError).unsent);
  // While it is down: fast, retryable failures (never a hang).
  await assert.rejects(a.node.request(2, 'echo', bytes('x'), { timeoutMs: 500 }), (e: unknown) => e instanceof RpcError && e.retryable && e.unsent);
  const b2 = await nodes.start(2, { port: b.address.port });
  b2.node.handle('echo', async (p) => p);
  await eventually('reconnected', () => a.node.isConnected(2));
  assert.equal(text(await a.node.request(2, 'echo', bytes('again'))), 'again');
  assert.deepEqual(changes, ['2:up', '2:down', '2:up']);
});

test('two nodes dialing each other at once end up with one connection', async () => {
  const a = await nodes.start(1);
  const b = await nodes.start(2);
  a.node.setPeerAddress(2, b.address);
  b.node.setPeerAddress(1, a.address);
  a.node.handle('echo', async (p) => p);
  b.node.handle('echo', async (p) => p);
  const [x, y] = await Promise.allSettled([a.node.request(2, 'echo', bytes('a')), b.node.request(1, 'echo', bytes('b'))]);
  // A request caught on the losing duplicate may fail retryably; none may fail otherwise.
  for (const r of [x, y]) if (r.status === 'rejected') assert.ok(r.reason instanceof RpcError && r.reason.retryable);
  await eventually('both connected', () => a.node.isConnected(2) && b.node.isConnected(1));
  await sleep(50);
  assert.equal(text(await a.node.request(2, 'echo', bytes('a'))), 'a');
  assert.equal(text(await b.node.request(1, 'echo', bytes('b'))), 'b');
  const connections = (n: object): number => (n as { connections: Set<unknown> }).connections.size;
  assert.equal(connections(a.node), 1);
  assert.equal(connections(b.node), 1);
});

test('reconnect backoff grows exponentially, is capped and jittered', () => {
  const c = rpcConfig({ backoffInitialMs: 50, backoffMaxMs: 1000, backoffJitter: 0.5 });
  assert.deepEqual([0, 1, 2, 3, 4, 5, 40].map((n) => backoffDelayMs(c, n, 0)), [50, 100, 200, 400, 800, 1000, 1000]);
  assert.equal(backoffDelayMs(c, 3, 0.999), Math.round(400 * (1 - 0.5 * 0.999)));
  for (let i = 0; i < 100; i++) {
    const d = backoffDelayMs(c, 10, i / 100);
    assert.ok(d >= 500 && d <= 1000);
  }
});

test('deadlines run on the injected timers: a test decides when a request times out', async () => {
  const fired: (() => void)[] = [];
  const timers: Timers = {
    setTimeout: (fn) => {
      fired.push(fn);
      return fired.length as unknown as TimerHandle;
    },
    clearTimeout: (h) => {
      fired[(h as unknown as number) - 1] = () => undefined;
    },
  };
  const b = await nodes.start(2);
  b.node.handle('hang', () => new Promise<Uint8Array>(() => undefined));
  const a = new RpcNode({ env: rpcTestEnv(1), clusterId: 'test-cluster', nodeId: 1, config: fastConfig, timers });
  try {
    a.setPeerAddress(2, b.address);
    const first = a.request(2, 'hang', bytes(''), { timeoutMs: 1 });
    await eventually('connected', () => a.isConnected(2));
    await sleep(20);
    // Real time passed far beyond 1 ms, but no timer fired: the request is still pending.
    let settled = false;
    void first.catch(() => (settled = true));
    await sleep(10);
    assert.equal(settled, false);
    for (const f of fired.splice(0)) f();
    await assert.rejects(first, isRpc('rpc-timeout', true));
  } finally {
    await a.close();
  }
});
