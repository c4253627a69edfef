// The raft transport under the real Raft core: three nodes, each hosting one replica of
// four ranges, replicate proposals over loopback TCP with batched messages and coalesced
// heartbeats, and keep committing when one node goes away.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { EMPTY_CONF_STATE, MemoryStorage, RawNode, bootstrapState, replicaId, type Message } from '../../../src/raft/index.ts';
import type { NodeId, RangeId } from '../../../src/kv/index.ts';
import { RpcRaftTransport, heartbeatMessage, heartbeatRespMessage, type RpcNode } from '../../../src/kv/rpc/index.ts';
import { seededRandom } from '../../../src/util/index.ts';
import { Nodes, eventually } from './helpers.ts';

const nodes = new Nodes();
after(() => nodes.closeAll());

const RANGES = 4;
const rid = (n: number): RangeId => BigInt(n) as RangeId;

/** One node's driver: its replica of every range, ticked and drained Ready by Ready. */
class Driver {
  readonly replicas = new Map<RangeId, { node: RawNode; storage: MemoryStorage; applied: string[] }>();
  readonly transport: RpcRaftTransport;
  private timer: NodeJS.Timeout | null = null;

  constructor(readonly nodeId: number, rpc: RpcNode) {
    this.transport = new RpcRaftTransport(rpc);
    const boot = bootstrapState({ ...EMPTY_CONF_STATE, voters: [replicaId(1), replicaId(2), replicaId(3)] });
    for (let r = 1; r <= RANGES; r++) {
      const storage = new MemoryStorage();
      storage.applySnapshot(boot.snapshot);
      storage.setHardState(boot.hardState);
      const node = new RawNode({ id: replicaId(nodeId), applied: 1, random: seededRandom(nodeId * 100 + r), electionTicks: 10, heartbeatTicks: 1, preVote: true, checkQuorum: true }, storage);
      this.replicas.set(rid(r), { node, storage, applied: [] });
    }
    this.transport.onMessages((_from, batch) => {
      const step = (rangeId: RangeId, m: Message): void => this.replicas.get(rangeId)?.node.step(m);
      for (const r of batch.ranges) for (const m of r.messages) step(r.rangeId, m);
      for (const h of batch.heartbeats) step(h.rangeId, heartbeatMessage(h));
      for (const h of batch.heartbeatResps) step(h.rangeId, heartbeatRespMessage(h));
      this.drain();
    });
  }

  start(): void {
    this.timer = setInterval(() => {
      for (const r of this.replicas.values()) r.node.tick();
      this.drain();
    }, 10);
  }

  stop(): void {
    if (this.timer !== null) clearInterval(this.timer);
  }

  /** Persist, send (replica i lives on node i), apply, advance; then one flush for all ranges. */
  drain(): void {
    for (const [rangeId, r] of this.replicas) {
      while (r.node.hasReady()) {
        const rd = r.node.ready();
        if (rd.snapshot !== undefined) r.storage.applySnapshot(rd.snapshot);
        r.storage.append(rd.entries);
        if (rd.hardState !== undefined) r.storage.setHardState(rd.hardState);
        const byNode = new Map<number, Message[]>();
        for (const m of rd.messages) byNode.set(m.to, [...(byNode.get(m.to) ?? []), m]);
        for (const [to, ms] of byNode) this.transport.send(to as NodeId, rangeId, ms);
        for (const e of rd.committedEntries) if (e.kind === 'normal' && e.data.length > 0) r.applied.push(new TextDecoder().decode(e.data));
        r.node.advance(rd);
      }
    }
    this.transport.flush();
  }

  leaderOf(rangeId: RangeId): RawNode | undefined {
    const n = this.replicas.get(rangeId)?.node;
    return n?.status().role === 'leader' ? n : undefined;
  }
}

test('four ranges replicate over three nodes and survive the loss of one node', async () => {
  const started = await Promise.all([1, 2, 3].map((id) => nodes.start(id)));
  for (const a of started) for (const b of started) if (a !== b) a.node.setPeerAddress(b.node.nodeId, b.address);
  const drivers = started.map((s) => new Driver(s.node.nodeId, s.node));
  after(() => drivers.forEach((d) => d.stop()));
  drivers.forEach((d) => d.start());

  const propose = (rangeId: RangeId, value: string, among: Driver[]): boolean => {
    for (const d of among) {
      const leader = d.leaderOf(rangeId);
      if (leader !== undefined && leader.propose(new TextEncoder().encode(value)).ok) {
        d.drain();
        return true;
      }
    }
    return false;
  };
  const appliedEverywhere = (rangeId: RangeId, value: string, among: Driver[]): boolean =>
    among.every((d) => d.replicas.get(rangeId)?.applied.includes(value) === true);

  for (let r = 1; r <= RANGES; r++) {
    await eventually(`range ${r} elected and committed`, async () => propose(rid(r), `v${r}`, drivers) || false, 5_000);
    await eventually(`range ${r} applied on all`, () => appliedEverywhere(rid(r), `v${r}`, drivers), 5_000);
  }
  // Heartbeats of the ranges shared by two nodes went coalesced.
  assert.ok(drivers.some((d) => d.transport.stats.heartbeatsSent > 0));

  // Node 3 goes away (its RPC node closes): the other two keep committing on every range.
  const [d1, d2, d3] = drivers;
  assert.ok(d1 !== undefined && d2 !== undefined && d3 !== undefined);
  d3.stop();
  await started[2]?.node.close();
  for (let r = 1; r <= RANGES; r++) {
    await eventually(`range ${r} commits without node 3`, () => propose(rid(r), `w${r}`, [d1, d2]) && true, 8_000);
    await eventually(`range ${r} applied on nodes 1 and 2`, () => appliedEverywhere(rid(r), `w${r}`, [d1, d2]), 8_000);
  }
});
