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
import { KEY_MAX, KEY_MIN } from './keys.ts';
import { leaseState } from './lease.ts';
import type { NodeId, RangeDescriptor, StoreId } from './range-descriptor.ts';
import { encodeChangeContext, type RangeGroup } from './range-group.ts';
import { decideReplicate } from './replicate-queue.ts';
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
  const timer = setInterval(() => {
    for (const g of store.driver.groups.values()) replicateTick(env, store, g, options);
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

/** One look at a range this node leads: propose the next membership step, if any. */
function replicateTick(env: Env, store: Store, g: RangeGroup, options: ClusterKvOptions): void {
  const desc = g.desc;
  if (desc === null || !g.isLeader) return;
  if (leaseState(store.driver.config, g.state.lease, store.driver.nodeId, env.clock.nowNanos()) !== 'valid') return;
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
  });
  if (action.kind === 'none') return;
  const ts = { wall: env.clock.nowNanos(), logical: 0 };
  const next: RangeDescriptor =
    action.kind === 'add-learner'
      ? { ...desc, replicas: [...desc.replicas, { nodeId: action.node, storeId: action.node as number as StoreId, replicaId: action.node }], generation: desc.generation + 1n }
      : { ...desc, generation: desc.generation + 1n };
  const id = action.node as number as ReplicaId;
  const res = g.node.proposeConfChange({
    transition: 'auto',
    changes: [{ kind: action.kind === 'add-learner' ? 'add-learner' : 'add-voter', id }],
    context: encodeChangeContext(next, ts),
  });
  if (res.ok) env.logger.info({ rangeId: desc.rangeId, action: action.kind, node: action.node }, 'replicate queue: membership change proposed');
  store.driver.markDirty(g);
}
