// The raft batch codec: every message kind round-trips, truncated or corrupt input is a
// protocol error (never an assertion, a hang or a wild allocation), heartbeats coalesce.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { replicaId, type Message } from '../../../src/raft/index.ts';
import type { RangeId } from '../../../src/kv/index.ts';
import {
  RpcError,
  coalesceHeartbeat,
  decodeRaftBatch,
  encodeRaftBatch,
  heartbeatMessage,
  heartbeatRespMessage,
  type RaftBatch,
} from '../../../src/kv/rpc/index.ts';

const r1 = replicaId(1);
const r2 = replicaId(2);
const data = (n: number): Uint8Array => new Uint8Array(n).map((_, i) => i * 7);
const big = 2 ** 40 + 3; // indexes beyond 32 bits must survive

export const allKinds: Message[] = [
  { kind: 'app', from: r1, to: r2, term: 5, index: big, logTerm: 4, commit: big - 1, entries: [
    { index: big + 1, term: 5, kind: 'normal', data: data(100) },
    { index: big + 2, term: 5, kind: 'conf-change', data: data(3) },
  ] },
  { kind: 'app-resp', from: r2, to: r1, term: 5, index: 9, reject: true, rejectHint: 7, logTerm: 3 },
  { kind: 'vote', from: r1, to: r2, term: 6, lastIndex: 10, lastTerm: 5, transfer: true },
  { kind: 'pre-vote', from: r1, to: r2, term: 7, lastIndex: 10, lastTerm: 5, transfer: false },
  { kind: 'vote-resp', from: r2, to: r1, term: 6, reject: false, commit: 8, commitTerm: 5 },
  { kind: 'pre-vote-resp', from: r2, to: r1, term: 7, reject: true, commit: 8, commitTerm: 5 },
  { kind: 'heartbeat', from: r1, to: r2, term: 5, commit: 3, ctx: data(8), quiesce: false },
  { kind: 'heartbeat-resp', from: r2, to: r1, term: 5, ctx: data(8) },
  { kind: 'snap', from: r1, to: r2, term: 5, snapshot: { meta: { index: 100, term: 4, confState: {
    voters: [r1, r2], votersOutgoing: [replicaId(3)], learners: [replicaId(4)], learnersNext: [], autoLeave: true,
  } }, data: data(1000) } },
  { kind: 'prop', from: r2, to: r1, term: 0, entries: [{ index: 0, term: 0, kind: 'normal', data: data(5) }] },
  { kind: 'timeout-now', from: r1, to: r2, term: 5 },
  { kind: 'transfer-leader', from: r2, to: r1, term: 5, transferee: r2 },
  { kind: 'read-index', from: r2, to: r1, term: 0, ctx: data(16) },
  { kind: 'read-index-resp', from: r1, to: r2, term: 5, index: 77, ctx: data(16) },
];

const rid = (n: number): RangeId => BigInt(n) as RangeId;

const batch: RaftBatch = {
  ranges: [
    { rangeId: rid(1), messages: allKinds },
    { rangeId: rid(2 ** 50), messages: allKinds.slice(0, 2) },
  ],
  heartbeats: [{ rangeId: rid(3), from: r1, to: r2, term: 9, commit: 12, quiesce: true }],
  heartbeatResps: [{ rangeId: rid(3), from: r2, to: r1, term: 9 }],
};

test('a batch with every message kind round-trips', () => {
  assert.deepEqual(decodeRaftBatch(encodeRaftBatch(batch)), batch);
  const empty: RaftBatch = { ranges: [], heartbeats: [], heartbeatResps: [] };
  assert.deepEqual(decodeRaftBatch(encodeRaftBatch(empty)), empty);
});

test('decoded byte strings are copies, not views of the frame', () => {
  const wire = encodeRaftBatch(batch);
  const decoded = decodeRaftBatch(wire);
  const m = decoded.ranges[0]?.messages[0];
  assert.ok(m?.kind === 'app');
  wire.fill(0);
  assert.deepEqual(m.entries[0]?.data, data(100));
});

test('every truncation of a batch is a protocol error', () => {
  const wire = encodeRaftBatch(batch);
  for (let n = 0; n < wire.length; n++) {
    assert.throws(() => decodeRaftBatch(wire.subarray(0, n)), (e: unknown) => e instanceof RpcError && e.code === 'rpc-protocol', `length ${n}`);
  }
});

test('a hostile count does not allocate: it is refused', () => {
  const wire = Uint8Array.from([1, 0xff, 0xff, 0xff, 0xff, 0x0f]);
  assert.throws(() => decodeRaftBatch(wire), (e: unknown) => e instanceof RpcError && e.code === 'rpc-protocol');
});

test('plain heartbeats coalesce and expand back to the same messages', () => {
  const hb: Message = { kind: 'heartbeat', from: r1, to: r2, term: 3, commit: 2, ctx: new Uint8Array(0), quiesce: true };
  const resp: Message = { kind: 'heartbeat-resp', from: r2, to: r1, term: 3, ctx: new Uint8Array(0) };
  const c = coalesceHeartbeat(rid(4), hb);
  assert.ok(c !== undefined && 'commit' in c);
  assert.deepEqual(heartbeatMessage(c), hb);
  const cr = coalesceHeartbeat(rid(4), resp);
  assert.ok(cr !== undefined && !('commit' in cr));
  assert.deepEqual(heartbeatRespMessage(cr), resp);
  // A ReadIndex heartbeat carries a context: it stays an ordinary message.
  assert.equal(coalesceHeartbeat(rid(4), { ...hb, ctx: data(4) }), undefined);
});

test('a coalesced heartbeat costs a few bytes', () => {
  const many: RaftBatch = {
    ranges: [],
    heartbeats: Array.from({ length: 1000 }, (_, i) => ({ rangeId: rid(i + 1), from: r1, to: r2, term: 5, commit: 100 + i, quiesce: false })),
    heartbeatResps: [],
  };
  const n = encodeRaftBatch(many).length;
  assert.ok(n < 1000 * 10, `1000 heartbeats took ${n} bytes`);
});
