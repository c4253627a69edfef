// The frame codec: frames survive being split at every byte boundary, oversized frames are
// refused on both sides, and garbage is a protocol error rather than a hang or a crash.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FrameDecoder, RpcError, encodeFrame, type Frame } from '../../../src/kv/rpc/index.ts';
import { bytes } from './helpers.ts';

const MAX = 1024;

const frames: Frame[] = [
  { kind: 'hello', version: 1, clusterId: 'c-1', fromNode: 3, toNode: 0 },
  { kind: 'hello-ok', nodeId: 7 },
  { kind: 'hello-refused', message: 'cluster id mismatch' },
  { kind: 'request', id: 1, method: 'kv.batch', timeoutMs: 500, payload: bytes('payload') },
  { kind: 'response', id: 1, payload: new Uint8Array(300).fill(7) },
  { kind: 'error', id: 2, code: 'rpc-timeout', message: 'slow', retryable: true },
  { kind: 'stream-open', id: 3, method: 'snap', timeoutMs: 2 ** 40, header: bytes('h') },
  { kind: 'stream-chunk', id: 3, data: new Uint8Array(0) },
  { kind: 'stream-credit', id: 3, credits: 4 },
  { kind: 'stream-end', id: 3 },
  { kind: 'stream-cancel', id: 3, message: 'gave up' },
  { kind: 'raft', body: bytes('raft batch') },
];

function wire(fs: readonly Frame[]): Uint8Array {
  return new Uint8Array(Buffer.concat(fs.map((f) => encodeFrame(f, MAX))));
}

test('every frame kind round-trips', () => {
  for (const f of frames) assert.deepEqual(new FrameDecoder(MAX).push(encodeFrame(f, MAX)), [f]);
});

test('a stream of frames split at every byte boundary decodes to the same frames', () => {
  const all = wire(frames);
  for (let cut = 0; cut <= all.length; cut++) {
    const d = new FrameDecoder(MAX);
    const got = [...d.push(all.subarray(0, cut)), ...d.push(all.subarray(cut))];
    assert.deepEqual(got, frames, `cut at ${cut}`);
    assert.equal(d.bufferedBytes, 0);
  }
});

test('a stream fed one byte at a time decodes', () => {
  const all = wire(frames);
  const d = new FrameDecoder(MAX);
  const got: Frame[] = [];
  for (let i = 0; i < all.length; i++) got.push(...d.push(all.subarray(i, i + 1)));
  assert.deepEqual(got, frames);
});

test('three-way splits around the frame boundaries decode', () => {
  const all = wire(frames.slice(3, 6));
  for (let a = 0; a <= all.length; a += 3) {
    for (let b = a; b <= all.length; b += 5) {
      const d = new FrameDecoder(MAX);
      const got = [...d.push(all.subarray(0, a)), ...d.push(all.subarray(a, b)), ...d.push(all.subarray(b))];
      assert.deepEqual(got, frames.slice(3, 6));
    }
  }
});

test('an oversized frame is refused when encoding and when its length arrives', () => {
  const big: Frame = { kind: 'request', id: 1, method: 'm', timeoutMs: 1, payload: new Uint8Array(MAX) };
  assert.throws(() => encodeFrame(big, MAX), (e: unknown) => e instanceof RpcError && e.code === 'rpc-frame-too-large' && !e.retryable);
  const header = new Uint8Array([0, 0, 0x04, 0x01]); // 1025 bytes announced
  for (let cut = 0; cut <= 4; cut++) {
    const d = new FrameDecoder(MAX);
    assert.throws(
      () => {
        d.push(header.subarray(0, cut));
        d.push(header.subarray(cut));
      },
      (e: unknown) => e instanceof RpcError && e.code === 'rpc-frame-too-large',
    );
  }
  // Exactly at the limit is fine.
  const atLimit = encodeFrame({ kind: 'raft', body: new Uint8Array(MAX - 3) }, MAX);
  assert.equal(atLimit.length, MAX + 4);
  assert.equal(new FrameDecoder(MAX).push(atLimit).length, 1);
});

test('garbage is a protocol error', () => {
  const cases = [
    new Uint8Array([0, 0, 0, 0]), // empty frame
    new Uint8Array([0, 0, 0, 1, 99]), // unknown tag
    new Uint8Array([0, 0, 0, 2, 4, 1]), // truncated request
    new Uint8Array([0, 0, 0, 3, 2, 7, 0]), // trailing byte after hello-ok
  ];
  for (const c of cases) {
    assert.throws(() => new FrameDecoder(MAX).push(c), (e: unknown) => e instanceof RpcError && e.code === 'rpc-protocol', String(c));
  }
});
