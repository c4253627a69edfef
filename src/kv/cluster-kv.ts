/**
 * kv on a node of a cluster: the store with its Raft driver on the RPC raft transport, the
 * 'kv.batch' handler that serves peers' batches from the store, the DistSender routing
 * through the ReplicaRouter (local store or a peer), and the replicate queue that brings
 * every range up to the replication factor.
 */
import type { Env } from '../util/index.ts';
import type { BatchRequest, BatchResponse } from './api.ts';
import { kvConfig, type KvConfig } from './config.ts';
import { DistSender } from './dist-sender.ts';
import type { Engine } from './engine.ts';
import { KEY_MAX, KEY_MIN, metaKey, systemKey } from './keys.ts';
import { prettyKey } from './bytes.ts';
import { decideSplitKey, measureRange } from './split-queue.ts';
import { leaseState } from './lease.ts';
import { encodeRangeDescriptor, rangeContainsKey, type NodeId, type RangeDescriptor, type RangeId, type StoreId } from './range-descriptor.ts';
import { encodeChangeContext, type RangeGroup } from './range-group.ts';
import { decideLeaseTransfer, decideReplicate } from './replicate-queue.ts';
import { ReplicaRouter } from './replica-router.ts';
import { FIRST_RANGE_ID, Store } from './store.ts';
import { LockWaitSender } from './lock-wait-sender.ts';
import { RpcRaftTransport } from './rpc/raft-transport.ts';
import { systemTimers } from './rpc/timers.ts';
import type { RpcNode } from './rpc/rpc-node.ts';
import { decodeValue, encodeValue } from './rpc/value-codec.ts';
import type { ReplicaId } from '../raft/index.ts';

export interface ClusterKvOptions {
  /** Nodes believed live, this one included (for placement). */
  readonly liveNodes: () => readonly NodeId[];
  /** Every node this one knows of (to find the first range before it holds a replica). */
  readonly knownNodes: () => readonly NodeId[];
  readonly replicationFactor: number;
  /** How often the replicate queue looks at the ranges this node leads. */
  readonly replicateIntervalMs: number;
  /** A range past this many bytes is split in two (tests use tiny values). */
  readonly splitThresholdBytes?: number;
  /** Nodes dead for longer than the dead-node timeout (their replicas are replaced). */
  readonly deadNodes?: () => readonly NodeId[];
  /** Nodes being decommissioned (their replicas move elsewhere). */
  readonly decommissioning?: () => readonly NodeId[];
}

export interface ClusterKv {
  readonly sender: DistSender;
  readonly store: Store;
  readonly router: ReplicaRouter;
  close(): Promise<void>;
}

export async function createClusterKv(env: Env, engine: Engine, rpc: RpcNode, config: Partial<KvConfig>, options: ClusterKvOptions): Promise<ClusterKv> {
  const c = kvConfig({ ...config, nodeId: rpc.nodeId, storeId: rpc.nodeId });
  const self = rpc.nodeId as NodeId;
  const store = await Store.open(env, engine, c, { bootstrap: false });
  store.driver.setTransport(new RpcRaftTransport(rpc));
  // Every batch for this store, local or from a peer, goes through its lock wait-queue.
  const locks = new LockWaitSender(store, env.clock, systemTimers, c);
  rpc.handle('kv.batch', async (payload) => encodeValue(await locks.send(decodeValue(payload) as BatchRequest)));
  const remote = async (node: NodeId, ba: BatchRequest): Promise<BatchResponse> =>
    decodeValue(await rpc.request(node, 'kv.batch', encodeValue(ba), { timeoutMs: c.leaseWaitMs + 2_000 })) as BatchResponse;
  const router = new ReplicaRouter(env, self, locks, remote, { routeTimeoutMs: 15_000, routeBackoffMs: 50 }, (rangeId) => [
    ...(store.replica(rangeId)?.descriptor.replicas.map((r) => r.nodeId) ?? []),
    ...options.knownNodes(),
  ]);
  const firstRange = (): RangeDescriptor => {
    const local = store.replica(FIRST_RANGE_ID);
    if (local !== undefined) return local.descriptor;
    // Not held here yet: ask every node we know (those without a replica say so).
    const nodes = options.knownNodes().filter((n) => n !== self);
    return {
      rangeId: FIRST_RANGE_ID,
      startKey: KEY_MIN,
      endKey: KEY_MAX,
      replicas: nodes.map((n) => ({ nodeId: n, storeId: n as number as StoreId, replicaId: n })),
      generation: -1n,
    };
  };
  const sender = new DistSender({ transportFor: (d) => router.senderFor(d), firstRange }, c);
  const splitting = new Set<RangeId>();
  let lastLeaseMoveMs = 0;
  const threshold = options.splitThresholdBytes ?? 64 * 1024 * 1024;
  const timer = setInterval(() => {
    for (const g of store.driver.groups.values()) {
      replicateTick(env, store, g, options);
      if (!splitting.has(g.rangeId) && g.appliedWriteBytes >= threshold / 4 && canLead(env, store, g)) {
        splitting.add(g.rangeId);
        splitTick(env, store, sender, g, threshold).then(
          () => splitting.delete(g.rangeId),
          (err: unknown) => {
            splitting.delete(g.rangeId);
            env.logger.warn({ rangeId: g.rangeId, err: String(err) }, 'split queue: split failed');
          },
        );
      }
    }
    // At most one lease move at a time per node, then time for it to settle.
    const nowMs = env.clock.monotonicMs();
    if (nowMs - lastLeaseMoveMs > c.leaseDurationMs * 2 && rebalanceLeases(env, store, options)) lastLeaseMoveMs = nowMs;
  }, options.replicateIntervalMs);
  timer.unref();
  return {
    sender,
    store,
    router,
    close: async () => {
      clearInterval(timer);
      await store.close();
    },
  };
}

/**
 * Moves one lease off this node when it holds clearly more than a live peer: the Raft
 * leadership goes to the peer, this node stops extending the lease (only a leader may), and
 * the peer takes the lease when it expires. Returns whether a move started.
 */
function rebalanceLeases(env: Env, store: Store, options: ClusterKvOptions): boolean {
  const live = new Set(options.liveNodes());
  const now = env.clock.nowNanos();
  const counts = new Map<NodeId, number>();
  for (const n of live) counts.set(n, 0);
  for (const g of store.driver.groups.values()) {
    const holder = g.state.lease.holder;
    if (g.desc !== null && live.has(holder) && g.state.lease.expiration > now) counts.set(holder, (counts.get(holder) ?? 0) + 1);
  }
  for (const g of store.driver.groups.values()) {
    if (!canLead(env, store, g)) continue;
    const voterNodes = g.state.confState.voters.map((v) => v as number as NodeId).filter((n) => live.has(n));
    const target = decideLeaseTransfer({ self: store.driver.nodeId, leaseCounts: counts, voterNodes });
    if (target === null) return false;
    env.logger.info({ rangeId: g.rangeId, to: target }, 'lease rebalancing: moving the lease');
    g.node.transferLeader(target as number as ReplicaId);
    store.driver.markDirty(g);
    return true;
  }
  return false;
}

/** Whether this node leads the range and holds its lease (queues act only there). */
function canLead(env: Env, store: Store, g: RangeGroup): boolean {
  return g.desc !== null && g.isLeader && leaseState(store.driver.config, g.state.lease, store.driver.nodeId, env.clock.nowNanos()) === 'valid';
}

const RANGE_ID_COUNTER = systemKey(Uint8Array.from([0xfe, ...new TextEncoder().encode('range-id')]));

/** The next range id, from a counter in KV (conditional puts: unique across the cluster). */
async function allocateRangeId(env: Env, sender: DistSender, store: Store): Promise<RangeId> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const timestamp = { wall: env.clock.nowNanos(), logical: 0 };
    const got = await sender.send({ header: { timestamp, txn: null }, requests: [{ kind: 'get', key: RANGE_ID_COUNTER }] });
    if (!got.ok) continue;
    const res = got.responses[0];
    const current = res?.kind === 'get' && res.value !== null ? BigInt(new TextDecoder().decode(res.value)) : null;
    const floor = BigInt(Math.max(1, ...[...store.driver.groups.keys()].map(Number)));
    const next = (current === null || current < floor ? floor : current) + 1n;
    const put = await sender.send({
      header: { timestamp: { wall: env.clock.nowNanos(), logical: 0 }, txn: null },
      requests: [{ kind: 'conditional-put', key: RANGE_ID_COUNTER, value: new TextEncoder().encode(String(next)), expected: res?.kind === 'get' && res.value !== null ? res.value : 'absent' }],
    });
    if (put.ok) return next as RangeId;
  }
  throw new Error('could not allocate a range id');
}

/** Measures a range that has grown and splits it at its middle key past the threshold. */
async function splitTick(env: Env, store: Store, sender: DistSender, g: RangeGroup, thresholdBytes: number): Promise<void> {
  const desc = g.desc;
  if (desc === null) return;
  g.appliedWriteBytes = 0;
  const key = decideSplitKey(await measureRange(store.engine, desc, 1_000_000), thresholdBytes, desc.startKey);
  if (key === null) return;
  const rightId = await allocateRangeId(env, sender, store);
  const res = await store.splitRange(key, rightId);
  if (!res.ok) return;
  env.logger.info({ left: res.left.rangeId, right: res.right.rangeId, at: prettyKey(key) }, 'split queue: range split');
  // Both halves are measured again (a range far past the threshold needs several splits,
  // and no new write may come to prompt them).
  for (const half of [g, store.driver.groups.get(res.right.rangeId)]) if (half !== undefined) half.appliedWriteBytes = Math.max(half.appliedWriteBytes, thresholdBytes / 4);
  // The /meta records of a range that does not hold them live elsewhere (the first range).
  if (!rangeContainsKey(res.left, metaKey(res.left.endKey))) {
    const timestamp = { wall: env.clock.nowNanos(), logical: 0 };
    const put = await sender.send({
      header: { timestamp, txn: null },
      requests: [
        { kind: 'put', key: metaKey(res.left.endKey), value: encodeRangeDescriptor(res.left) },
        { kind: 'put', key: metaKey(res.right.endKey), value: encodeRangeDescriptor(res.right) },
      ],
    });
    if (!put.ok) env.logger.warn({ rangeId: desc.rangeId, err: put.error.kind }, 'split queue: /meta update failed');
  }
}

/** One look at a range this node leads: propose the next membership step, if any. */
function replicateTick(env: Env, store: Store, g: RangeGroup, options: ClusterKvOptions): void {
  const desc = g.desc;
  if (desc === null || !canLead(env, store, g)) return;
  const status = g.node.status();
  const action = decideReplicate({
    replicationFactor: options.replicationFactor,
    desc,
    confState: g.state.confState,
    liveNodes: options.liveNodes(),
    learnerCaughtUp: (id: ReplicaId) => {
      const p = status.progress.get(id);
      return p !== undefined && p.match > 0 && status.commit - p.match <= 10;
    },
    self: store.driver.nodeId,
    deadNodes: options.deadNodes?.() ?? [],
    decommissioning: options.decommissioning?.() ?? [],
  });
  if (action.kind === 'none') return;
  if (action.kind === 'transfer-lease') {
    env.logger.info({ rangeId: desc.rangeId, to: action.node }, 'replicate queue: this node is being decommissioned, moving the lease');
    g.node.transferLeader(action.node as number as ReplicaId);
    store.driver.markDirty(g);
    return;
  }
  const ts = { wall: env.clock.nowNanos(), logical: 0 };
  const generation = desc.generation + 1n;
  const next: RangeDescriptor =
    action.kind === 'add-learner' ? { ...desc, replicas: [...desc.replicas.filter((r) => r.nodeId !== action.node), { nodeId: action.node, storeId: action.node as number as StoreId, replicaId: action.node }], generation }
    : action.kind === 'remove' ? { ...desc, replicas: desc.replicas.filter((r) => r.nodeId !== action.node), generation }
    : { ...desc, generation };
  const id = action.node as number as ReplicaId;
  const kind = action.kind === 'add-learner' ? 'add-learner' : action.kind === 'remove' ? 'remove' : 'add-voter';
  const res = g.node.proposeConfChange({ transition: 'auto', changes: [{ kind, id }], context: encodeChangeContext(next, ts) });
  if (res.ok) env.logger.info({ rangeId: desc.rangeId, action: action.kind, node: action.node, ...(action.kind === 'remove' ? { why: action.why } : {}) }, 'replicate queue: membership change proposed');
  store.driver.markDirty(g);
}
