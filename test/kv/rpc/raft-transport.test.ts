// The raft transport: messages of many ranges between two nodes go in one frame per flush,
// heartbeats of all shared ranges are coalesced, unreachable peers are reported, and
// snapshots travel as streams.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { replicaId, type Message } from '../../../src/raft/index.ts';
import type { NodeId, RangeId } from '../../../src/kv/index.ts';
import { RpcRaftTransport, heartbeatMessage, type RaftBatch } from '../../../src/kv/rpc/index.ts';
import { Nodes, eventually } from './helpers.ts';

const nodes = new Nodes();
after(() => nodes.closeAll());

const r1 = replicaId(1);
const r2 = replicaId(2);
const n = (x: number): NodeId => x as NodeId;
const rid = (x: number): RangeId => BigInt(x) as RangeId;
const EMPTY = new Uint8Array(0);

async function pair(): Promise<{ ta: RpcRaftTransport; tb: RpcRaftTransport; got: RaftBatch[]; froms: NodeId[] }> {
  const a = await nodes.start(1);
  const b = await nodes.start(2);
  a.node.setPeerAddress(2, b.address);
  b.node.setPeerAddress(1, a.address);
  const ta = new RpcRaftTransport(a.node);
  const tb = new RpcRaftTransport(b.node);
  const got: RaftBatch[] = [];
  const froms: NodeId[] = [];
  tb.onMessages((from, batch) => {
    froms.push(from);
    got.push(batch);
  });
  await a.node.request(2, 'none', EMPTY).catch(() => undefined); // connect
  return { ta, tb, got, froms };
}

test('heartbeats of all ranges shared by two nodes travel as one coalesced message', async () => {
  const { ta, got, froms } = await pair();
  const before = ta.stats.framesSent;
  for (let r = 1; r <= 500; r++) {
    ta.send(n(2), rid(r), [{ kind: 'heartbeat', from: r1, to: r2, term: 3, commit: r, ctx: EMPTY, quiesce: false }]);
  }
  ta.flush();
  await eventually('delivered', () => got.length > 0);
  assert.equal(ta.stats.framesSent - before, 1);
  assert.equal(got.length, 1);
  assert.deepEqual(froms, [n(1)]);
  const batch = got[0];
  assert.ok(batch !== undefined);
  assert.equal(batch.ranges.length, 0);
  assert.equal(batch.heartbeats.length, 500);
  const h = batch.heartbeats[41];
  assert.ok(h !== undefined);
  assert.equal(h.rangeId, rid(42));
  assert.deepEqual(heartbeatMessage(h), { kind: 'heartbeat', from: r1, to: r2, term: 3, commit: 42, ctx: EMPTY, quiesce: false });
});

test('messages of several ranges in one cycle share a frame and keep their order per range', async () => {
  const { ta, got } = await pair();
  const before = ta.stats.framesSent;
  const app = (i: number): Message => ({ kind: 'app', from: r1, to: r2, term: 2, index: i, logTerm: 2, commit: i, entries: [{ index: i + 1, term: 2, kind: 'normal', data: Uint8Array.of(i) }] });
  ta.send(n(2), rid(7), [app(1), app(2)]);
  ta.send(n(2), rid(9), [app(10)]);
  ta.send(n(2), rid(7), [app(3), { kind: 'heartbeat-resp', from: r1, to: r2, term: 2, ctx: EMPTY }]);
  // No explicit flush: the automatic one runs after this turn of the event loop.
  await eventually('delivered', () => got.length > 0);
  assert.equal(ta.stats.framesSent - before, 1);
  const batch = got[0];
  assert.ok(batch !== undefined);
  assert.deepEqual(batch.ranges.map((r) => [r.rangeId, r.messages.map((m) => (m.kind === 'app' ? m.index : -1))]), [[rid(7), [1, 2, 3]], [rid(9), [10]]]);
  assert.equal(batch.heartbeatResps.length, 1);
});

test('a large cycle is cut into several frames near raftBatchBytesTarget', async () => {
  const a = await nodes.start(1, { config: { raftBatchBytesTarget: 64 * 1024 } });
  const b = await nodes.start(2);
  a.node.setPeerAddress(2, b.address);
  await a.node.request(2, 'none', EMPTY).catch(() => undefined);
  const ta = new RpcRaftTransport(a.node);
  const tb = new RpcRaftTransport(b.node);
  let entries = 0;
  tb.onMessages((_f, batch) => {
    for (const r of batch.ranges) for (const m of r.messages) if (m.kind === 'app') entries += m.entries.length;
  });
  for (let i = 0; i < 100; i++) {
    ta.send(n(2), rid(1 + (i % 3)), [{ kind: 'app', from: r1, to: r2, term: 1, index: i, logTerm: 1, commit: 0, entries: [{ index: i + 1, term: 1, kind: 'normal', data: new Uint8Array(4096) }] }]);
  }
  ta.flush();
  await eventually('all delivered', () => entries === 100);
  assert.ok(ta.stats.framesSent >= 6 && ta.stats.framesSent <= 8, `frames: ${ta.stats.framesSent}`);
});

test('messages for an unreachable node are dropped and reported per range', async () => {
  const a = await nodes.start(1);
  const ta = new RpcRaftTransport(a.node);
  const reports: [NodeId, RangeId[]][] = [];
  ta.onUnreachable((to, ids) => reports.push([to, [...ids]]));
  ta.send(n(5), rid(3), [{ kind: 'timeout-now', from: r1, to: r2, term: 1 }]);
  ta.send(n(5), rid(4), [{ kind: 'heartbeat', from: r1, to: r2, term: 1, commit: 0, ctx: EMPTY, quiesce: false }]);
  ta.flush();
  assert.deepEqual(reports, [[n(5), [rid(3), rid(4)]]]);
  assert.equal(ta.stats.messagesDropped, 2);
});

test('a snapshot travels as a stream and arrives as a snap message', async () => {
  const { ta, got } = await pair();
  const data = new Uint8Array(1024 * 1024 + 17).map((_, i) => i % 253);
  const snap: Extract<Message, { kind: 'snap' }> = {
    kind: 'snap', from: r1, to: r2, term: 4,
    snapshot: { meta: { index: 50, term: 4, confState: { voters: [r1, r2], votersOutgoing: [], learners: [], learnersNext: [], autoLeave: false } }, data },
  };
  await ta.sendSnapshot(n(2), rid(11), snap);
  assert.equal(got.length, 1);
  assert.deepEqual(got[0]?.ranges, [{ rangeId: rid(11), messages: [snap] }]);
});
