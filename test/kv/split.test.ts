// Splits by size on a replicated range: three in-process nodes with a tiny split threshold;
// a growing table is split into several ranges on every node, and scans across the range
// boundaries return every row exactly once, also while splits happen under a write load.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { openEngine, type Engine, type NodeId } from '../../src/kv/index.ts';
import { createClusterKv, type ClusterKv } from '../../src/kv/cluster-kv.ts';
import { decideSplitKey } from '../../src/kv/split-queue.ts';
import { decideLeaseTransfer } from '../../src/kv/replicate-queue.ts';
import { FIRST_RANGE_ID } from '../../src/kv/store.ts';
import { Nodes, eventually } from './rpc/helpers.ts';
import { enc, tk } from './helpers.ts';

const nodes = new Nodes();
const kvs: ClusterKv[] = [];
const engines: Engine[] = [];
after(async () => {
  for (const k of kvs) await k.close().catch(() => undefined);
  await nodes.closeAll();
  for (const e of engines) await e.close().catch(() => undefined);
});

const fast = { raftTickMs: 20, raftElectionTicks: 10, raftHeartbeatTicks: 2, leaseDurationMs: 1_500, maxClockOffsetMs: 100, leaseWaitMs: 2_000 };
const now = (): { wall: bigint; logical: number } => ({ wall: BigInt(Date.now()) * 1_000_000n, logical: 0 });
const key = (i: number): Uint8Array => tk(`row${String(i).padStart(6, '0')}`);

test('decideSplitKey: the key that halves the bytes; nothing below the threshold or the first key', () => {
  const sizes = [1, 2, 3, 4].map((i) => ({ userKey: tk(`k${i}`), bytes: 10 }));
  assert.equal(decideSplitKey(sizes, 50, tk('')), null);
  assert.deepEqual(decideSplitKey(sizes, 30, tk('')), tk('k3'));
  assert.deepEqual(decideSplitKey([{ userKey: tk('a'), bytes: 100 }, { userKey: tk('b'), bytes: 1 }], 10, tk('')), tk('b'));
  assert.equal(decideSplitKey([{ userKey: tk('a'), bytes: 100 }], 10, tk('')), null);
  // Never at the range's own start key, never below /system.
  assert.deepEqual(decideSplitKey([{ userKey: tk('a'), bytes: 1 }, { userKey: tk('b'), bytes: 100 }, { userKey: tk('c'), bytes: 1 }], 10, tk('b')), tk('c'));
  assert.equal(decideSplitKey([{ userKey: Uint8Array.of(2, 1), bytes: 50 }, { userKey: Uint8Array.of(2, 2), bytes: 50 }], 10, new Uint8Array(0)), null);
});

test('decideLeaseTransfer: move one lease to the least loaded live voter when two or more ahead', () => {
  const n = (x: number): NodeId => x as NodeId;
  const counts = (...c: number[]): Map<NodeId, number> => new Map(c.map((v, i) => [n(i + 1), v]));
  assert.equal(decideLeaseTransfer({ self: n(1), leaseCounts: counts(1, 0, 0), voterNodes: [n(1), n(2), n(3)] }), null);
  assert.equal(decideLeaseTransfer({ self: n(1), leaseCounts: counts(2, 0, 0), voterNodes: [n(1), n(2), n(3)] }), 2);
  assert.equal(decideLeaseTransfer({ self: n(1), leaseCounts: counts(5, 3, 1), voterNodes: [n(1), n(2), n(3)] }), 3);
  assert.equal(decideLeaseTransfer({ self: n(1), leaseCounts: counts(5, 3, 1), voterNodes: [n(1), n(2)] }), 2);
  assert.equal(decideLeaseTransfer({ self: n(1), leaseCounts: counts(5, 4, 4), voterNodes: [n(1), n(2), n(3)] }), null);
  assert.equal(decideLeaseTransfer({ self: n(1), leaseCounts: counts(5), voterNodes: [n(1)] }), null);
});

test('a table grown past the threshold splits into ranges on every node; scans see every row once, also during splits', { timeout: 120_000 }, async () => {
  const started = await Promise.all([1, 2, 3].map((id) => nodes.start(id)));
  for (const a of started) for (const b of started) if (a !== b) a.node.setPeerAddress(b.node.nodeId, b.address);
  for (const s of started) {
    const engine = await openEngine({ memory: true });
    engines.push(engine);
    kvs.push(
      await createClusterKv(s.node.env, engine, s.node, fast, {
        liveNodes: () => [1, 2, 3] as NodeId[],
        knownNodes: () => [1, 2, 3] as NodeId[],
        replicationFactor: 3,
        replicateIntervalMs: 50,
        splitThresholdBytes: 4_000,
      }),
    );
  }
  const [k1, , k3] = kvs as [ClusterKv, ClusterKv, ClusterKv];
  await k1.store.bootstrap([1 as NodeId]);
  await eventually('three voters', () => kvs.every((k) => k.store.driver.groups.get(FIRST_RANGE_ID)?.state.confState.voters.length === 3), 15_000);

  const value = enc('x'.repeat(40));
  const acked: number[] = [];
  const write = async (i: number): Promise<void> => {
    for (let attempt = 0; attempt < 5; attempt++) {
      const res = await k1.sender.send({ header: { timestamp: now(), txn: null }, requests: [{ kind: 'put', key: key(i), value }] });
      if (res.ok) {
        acked.push(i);
        return;
      }
      if (res.error.kind !== 'read-conflict' && res.error.kind !== 'write-too-old') assert.fail(`put ${i}: ${res.error.kind}`);
    }
    assert.fail(`put ${i} kept conflicting`);
  };
  const scanAll = async (via: ClusterKv): Promise<number[]> => {
    const res = await via.sender.send({ header: { timestamp: now(), txn: null }, requests: [{ kind: 'scan', span: { startKey: tk('row'), endKey: tk('rox') } }] });
    assert.ok(res.ok, JSON.stringify(res.ok ? null : res.error.kind));
    const scan = res.responses[0];
    assert.ok(scan?.kind === 'scan');
    return scan.rows.map((r) => Number(new TextDecoder().decode(r.key.subarray(4))));
  };

  // Writes and scans run together while the range splits under them.
  let stop = false;
  let scans = 0;
  const scanner = (async () => {
    while (!stop) {
      const before = [...acked];
      const seen = await scanAll(k3);
      const sorted = [...seen].sort((a, b) => a - b);
      assert.deepEqual(seen, sorted, 'rows in key order');
      assert.equal(new Set(seen).size, seen.length, 'no row twice');
      const present = new Set(seen);
      for (const i of before) assert.ok(present.has(i), `row ${i} acknowledged before the scan is missing`);
      scans++;
    }
  })();
  for (let i = 0; i < 600; i++) await write(i);
  await eventually('several ranges on every node', () => kvs.every((k) => k.store.rangeStatus().filter((r) => r.initialized).length >= 3), 30_000);
  for (let i = 600; i < 700; i++) await write(i);
  stop = true;
  await scanner;
  assert.ok(scans > 0);

  const rows = await scanAll(k3);
  assert.deepEqual(rows, [...Array(700).keys()]);
  const ranges = k3.store.rangeStatus().filter((r) => r.initialized);
  assert.ok(ranges.length >= 3, `ranges: ${ranges.length}`);
  for (const r of ranges) assert.equal(r.voters.length, 3);

  // Leases spread over the nodes (rebalancing moves them off the node that split them).
  const leasesOf = (k: ClusterKv): number => {
    const nowNs = BigInt(Date.now()) * 1_000_000n;
    return k.store.rangeStatus().filter((r) => r.leaseholder === (k.store.driver.nodeId as number) && r.leaseExpiration > nowNs).length;
  };
  await eventually('every node holds leases', () => kvs.every((k) => leasesOf(k) >= 2), 60_000);
  assert.deepEqual(await scanAll(k3), [...Array(700).keys()]);
  console.log(`split: ${ranges.length} ranges on node 3, ${scans} scans during the load`);
});
