// Lease and replicate policies are pure functions: tables of cases.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decideLeaseAction, decideLeaseApply, leaseState, NO_LEASE, type Lease } from '../../src/kv/lease.ts';
import { decideReplicate } from '../../src/kv/replicate-queue.ts';
import type { NodeId, RangeDescriptor, RangeId, StoreId } from '../../src/kv/index.ts';
import { EMPTY_CONF_STATE, type ReplicaId } from '../../src/raft/index.ts';
import { decodeCommand, encodeCommand } from '../../src/kv/replicated-cmd.ts';
import { WriteBatch } from '../../src/kv/index.ts';

const MS = 1_000_000n;
const n = (x: number): NodeId => x as NodeId;
const lease = (holder: number, seq: number, startMs: number, endMs: number): Lease => ({ holder: n(holder), seq, start: BigInt(startMs) * MS, expiration: BigInt(endMs) * MS });
const settings = { leaseDurationMs: 1000, maxClockOffsetMs: 100 };

test('decideLeaseApply: extend own, take an expired one, refuse one still held', () => {
  const cases: { name: string; current: Lease; request: Lease; want: Lease | null }[] = [
    { name: 'first lease', current: NO_LEASE, request: lease(1, 0, 10, 1010), want: lease(1, 1, 10, 1010) },
    { name: 'extension keeps seq and start', current: lease(1, 3, 10, 1010), request: lease(1, 0, 500, 1500), want: lease(1, 3, 10, 1500) },
    { name: 'extension that gains nothing', current: lease(1, 3, 10, 1010), request: lease(1, 0, 5, 1000), want: null },
    { name: 'another node before expiry', current: lease(1, 3, 10, 1010), request: lease(2, 0, 1009, 2009), want: null },
    { name: 'another node at expiry', current: lease(1, 3, 10, 1010), request: lease(2, 0, 1010, 2010), want: lease(2, 4, 1010, 2010) },
    { name: 'empty interval', current: NO_LEASE, request: lease(1, 0, 10, 10), want: null },
  ];
  for (const c of cases) {
    const got = decideLeaseApply(c.current, c.request);
    assert.deepEqual(got.ok ? got.lease : null, c.want, c.name);
  }
});

test('leaseState: valid until the clock offset before expiry', () => {
  const l = lease(1, 1, 0, 1000);
  const cases: [number, number, string][] = [
    [1, 0, 'valid'],
    [1, 899, 'valid'],
    [1, 900, 'stale'],
    [1, 1000, 'expired'],
    [2, 500, 'other'],
    [2, 1000, 'expired'],
  ];
  for (const [self, nowMs, want] of cases) assert.equal(leaseState(settings, l, n(self), BigInt(nowMs) * MS), want, `n${self} at ${nowMs}`);
  assert.equal(leaseState(settings, NO_LEASE, n(1), 0n), 'expired');
});

test('decideLeaseAction: only the raft leader requests; renews at half the duration', () => {
  const l = lease(1, 1, 0, 1000);
  assert.equal(decideLeaseAction(settings, l, n(1), false, 900n * MS).kind, 'none');
  assert.equal(decideLeaseAction(settings, l, n(1), true, 400n * MS).kind, 'none');
  assert.equal(decideLeaseAction(settings, l, n(1), true, 501n * MS).kind, 'request');
  assert.equal(decideLeaseAction(settings, l, n(2), true, 999n * MS).kind, 'none');
  const take = decideLeaseAction(settings, l, n(2), true, 1000n * MS);
  assert.deepEqual(take, { kind: 'request', lease: { holder: 2, seq: 0, start: 1000n * MS, expiration: 2000n * MS } });
});

/** A range descriptor over the nodes given, and a Raft configuration (for decideReplicate). */
const desc = (nodes: number[]): RangeDescriptor => ({
  rangeId: 1n as RangeId,
  startKey: new Uint8Array(0),
  endKey: Uint8Array.of(0xff),
  replicas: nodes.map((x) => ({ nodeId: n(x), storeId: x as StoreId, replicaId: x })),
  generation: 0n,
});
const conf = (voters: number[], learners: number[] = []): typeof EMPTY_CONF_STATE => ({ ...EMPTY_CONF_STATE, voters: voters as ReplicaId[], learners: learners as ReplicaId[] });

test('decideReplicate: add a learner on a live node without a replica, promote it once caught up', () => {
  const base = { replicationFactor: 3, learnerCaughtUp: () => false };
  assert.deepEqual(decideReplicate({ ...base, desc: desc([1]), confState: conf([1]), liveNodes: [n(1)] }), { kind: 'none' });
  assert.deepEqual(decideReplicate({ ...base, desc: desc([1]), confState: conf([1]), liveNodes: [n(1), n(2), n(3)] }), { kind: 'add-learner', node: 2 });
  assert.deepEqual(decideReplicate({ ...base, desc: desc([1, 2]), confState: conf([1], [2]), liveNodes: [n(1), n(2), n(3)] }), { kind: 'none' });
  assert.deepEqual(decideReplicate({ ...base, learnerCaughtUp: () => true, desc: desc([1, 2]), confState: conf([1], [2]), liveNodes: [n(1), n(2), n(3)] }), { kind: 'promote', node: 2 });
  assert.deepEqual(decideReplicate({ ...base, desc: desc([1, 2]), confState: conf([1, 2]), liveNodes: [n(1), n(2), n(3)] }), { kind: 'add-learner', node: 3 });
  assert.deepEqual(decideReplicate({ ...base, desc: desc([1, 2, 3]), confState: conf([1, 2, 3]), liveNodes: [n(1), n(2), n(3), n(4)] }), { kind: 'none' });
  assert.deepEqual(decideReplicate({ ...base, desc: desc([1, 2]), confState: { ...conf([1, 2]), votersOutgoing: [n(1)] as unknown as ReplicaId[] }, liveNodes: [n(1), n(2), n(3)] }), { kind: 'none' });
});

test('decideReplicate: a dead node\'s replicas are replaced, then removed; a node being decommissioned is emptied', () => {
  const four = [n(1), n(2), n(4)];
  const base = { replicationFactor: 3, learnerCaughtUp: () => true, self: n(1) };
  // Node 3 is dead: first a replacement on node 4, then (full again) node 3 goes.
  assert.deepEqual(decideReplicate({ ...base, desc: desc([1, 2, 3]), confState: conf([1, 2, 3]), liveNodes: four, deadNodes: [n(3)] }), { kind: 'add-learner', node: 4 });
  assert.deepEqual(decideReplicate({ ...base, desc: desc([1, 2, 3, 4]), confState: conf([1, 2, 3], [4]), liveNodes: four, deadNodes: [n(3)] }), { kind: 'promote', node: 4 });
  assert.deepEqual(decideReplicate({ ...base, desc: desc([1, 2, 3, 4]), confState: conf([1, 2, 3, 4]), liveNodes: four, deadNodes: [n(3)] }), { kind: 'remove', node: 3, why: 'dead' });
  assert.deepEqual(decideReplicate({ ...base, desc: desc([1, 2, 4]), confState: conf([1, 2, 4]), liveNodes: four, deadNodes: [n(3)] }), { kind: 'none' });
  // Three nodes, one dead: nowhere to rebuild, so the dead replica stays (it may come back).
  assert.deepEqual(decideReplicate({ ...base, desc: desc([1, 2, 3]), confState: conf([1, 2, 3]), liveNodes: [n(1), n(2)], deadNodes: [n(3)] }), { kind: 'none' });
  // A learner on a dead node is removed at once.
  assert.deepEqual(decideReplicate({ ...base, desc: desc([1, 2, 3]), confState: conf([1, 2], [3]), liveNodes: four, deadNodes: [n(3)] }), { kind: 'remove', node: 3, why: 'dead' });
  // Decommissioning node 2, which is live: the same steps, and a leaseholder there hands over first.
  const live = [n(1), n(2), n(3), n(4)];
  assert.deepEqual(decideReplicate({ ...base, desc: desc([1, 2, 3]), confState: conf([1, 2, 3]), liveNodes: live, decommissioning: [n(2)] }), { kind: 'add-learner', node: 4 });
  assert.deepEqual(decideReplicate({ ...base, desc: desc([1, 2, 3, 4]), confState: conf([1, 2, 3, 4]), liveNodes: live, decommissioning: [n(2)] }), { kind: 'remove', node: 2, why: 'decommissioning' });
  assert.deepEqual(decideReplicate({ ...base, self: n(2), desc: desc([1, 2, 3, 4]), confState: conf([1, 2, 3, 4]), liveNodes: live, decommissioning: [n(2)] }), { kind: 'transfer-lease', node: 1 });
  // A descriptor may list a node the Raft configuration lacks (a learner dropped by a
  // split, before the fix): membership follows the configuration, so it is added again.
  assert.deepEqual(decideReplicate({ ...base, desc: desc([1, 2, 3]), confState: conf([1]), liveNodes: [n(1), n(2), n(3)] }), { kind: 'add-learner', node: 2 });
  // Never placed on a node being decommissioned.
  assert.deepEqual(decideReplicate({ ...base, desc: desc([1, 3]), confState: conf([1, 3]), liveNodes: [n(1), n(2), n(3)], decommissioning: [n(2)] }), { kind: 'none' });
});

test('commands round-trip', () => {
  const b = new WriteBatch();
  b.put(Uint8Array.of(1, 2), Uint8Array.of(3));
  b.del(Uint8Array.of(4));
  const cmd = decodeCommand(encodeCommand({ kind: 'write', id: 77n, leaseSeq: 5, batch: b }));
  assert.equal(cmd.kind, 'write');
  if (cmd.kind !== 'write') return;
  assert.equal(cmd.id, 77n);
  assert.equal(cmd.leaseSeq, 5);
  assert.deepEqual([...cmd.batch.ops()], [...b.ops()]);
  const l = decodeCommand(encodeCommand({ kind: 'lease', id: 9n, request: lease(2, 0, 1, 2) }));
  assert.deepEqual(l, { kind: 'lease', id: 9n, request: lease(2, 0, 1, 2) });
});
