import { assert, TesseraError, type Env } from '../util/index.ts';
import type { BatchRequest, BatchResponse, Sender } from './api.ts';
import { compareBytes, prettyKey } from './bytes.ts';
import type { KvConfig } from './config.ts';
import { WriteBatch, type Engine } from './engine.ts';
import { GroupCommitter } from './group-commit.ts';
import { KEY_MAX, KEY_MIN, metaKey, rangeIdLocalKey, RANGE_ID_LOCAL_SPAN, SYSTEM_PREFIX } from './keys.ts';
import { encodeVersionValue, versionKey } from './mvcc-key.ts';
import {
  decodeRangeDescriptor,
  encodeRangeDescriptor,
  rangeContainsKey,
  type NodeId,
  type RangeDescriptor,
  type RangeId,
  type StoreId,
} from './range-descriptor.ts';
import { CachingEngine, MvccCache } from './mvcc-cache.ts';
import { Replica } from './replica.ts';
import { BOOTSTRAP_INDEX, EMPTY_CONF_STATE, bootstrapState, replicaId } from '../raft/index.ts';
import { NO_LEASE } from './lease.ts';
import { RangeRaftStorage } from './raft-storage.ts';
import { appliedStateKey, decodeAppliedState, DESCRIPTOR_SUFFIX, encodeAppliedState, RangeGroup, stageDescriptor, type AppliedState } from './range-group.ts';
import { GroupReplication } from './replica-replication.ts';
import { StoreDriver } from './store-driver.ts';
import type { Timestamp } from './timestamp.ts';

export const FIRST_RANGE_ID = 1n as RangeId;

export interface RangeStatus {
  readonly rangeId: RangeId;
  readonly initialized: boolean;
  readonly voters: readonly number[];
  readonly learners: readonly number[];
  readonly leaseholder: number;
  readonly leaseExpiration: bigint;
  readonly role: string;
  readonly term: number;
  readonly applied: number;
  readonly lastIndex: number;
}

export interface StoreOptions {
  /** Bootstrap the first range on a fresh engine (single node); a cluster node waits for init. */
  readonly bootstrap?: boolean;
}

/**
 * A store: one engine and the replicas it holds. The store must be the engine's only
 * writer while it is open (its lock mirror and version cache observe every write it makes;
 * see MvccCache): open at most one Store per engine at a time. Batches carry the range id they are meant
 * for (set by the DistSender); the store hands them to that replica. Every replica's Raft
 * group is driven by the store's one StoreDriver, which makes each cycle's writes of all
 * ranges one synced write (through the group committer).
 */
export class Store implements Sender {
  private readonly replicas = new Map<RangeId, Replica>();
  /** A fresh store has served no reads: its timestamp caches start at zero. */
  private tsCacheLowWater: Timestamp = { wall: 0n, logical: 0 };
  readonly groupCommitter: GroupCommitter;
  /** Every read and write of the store goes through this engine, which keeps the cache exact. */
  readonly engine: Engine;
  /** The lock mirror and newest-version cache of the store (see MvccCache). */
  readonly mvccCache: MvccCache;
  readonly driver: StoreDriver;
  /** Called when a replica is added (a new range or a replica received by snapshot). */
  onReplicaAdded: (replica: Replica) => void = () => undefined;

  private constructor(
    private readonly env: Env,
    engine: Engine,
    private readonly config: KvConfig,
  ) {
    this.mvccCache = new MvccCache(config, env.logger);
    this.engine = new CachingEngine(engine, this.mvccCache);
    this.groupCommitter = new GroupCommitter(this.engine, config, env.logger);
    this.driver = new StoreDriver(env, this.engine, this.groupCommitter, config.nodeId as NodeId, config);
    this.driver.createGroup = (rangeId) => this.createUninitializedGroup(rangeId);
  }

  /** Opens the store's replicas; bootstraps the first range on a fresh engine unless told not to. */
  static async open(env: Env, engine: Engine, config: KvConfig, options: StoreOptions = {}): Promise<Store> {
    const store = new Store(env, engine, config);
    await store.mvccCache.loadLockMirror(engine);
    const descriptors = await store.loadDescriptors();
    if (descriptors.length > 0) {
      // Reads served before the restart were at timestamps below the current clock; a
      // lease taken after it starts later still (Replica.leaseAcquired raises it).
      store.tsCacheLowWater = { wall: env.clock.nowNanos(), logical: 0 };
    }
    for (const d of descriptors) await store.openReplica(d);
    if (descriptors.length === 0 && options.bootstrap !== false) await store.bootstrap([config.nodeId as NodeId]);
    store.driver.start();
    await store.acquireSoleLeases();
    env.logger.info({ ranges: store.replicas.size, storeId: config.storeId }, 'store opened');
    return store;
  }

  /**
   * Takes the lease of every range whose only voter is this store (a single node), so the
   * store serves at once when open returns instead of on its first request.
   */
  private async acquireSoleLeases(): Promise<void> {
    const self = this.config.nodeId as number;
    for (const [rangeId, replica] of this.replicas) {
      const voters = this.driver.groups.get(rangeId)?.state.confState.voters ?? [];
      if (voters.length === 1 && voters[0] === self) await replica.acquireLease();
    }
  }

  /** Whether the store holds any range (a cluster node that was never initialized holds none). */
  get isEmpty(): boolean {
    return this.driver.groups.size === 0;
  }

  private async loadDescriptors(): Promise<RangeDescriptor[]> {
    const out: RangeDescriptor[] = [];
    const it = this.engine.iterator({ gte: RANGE_ID_LOCAL_SPAN.startKey, lt: RANGE_ID_LOCAL_SPAN.endKey });
    try {
      const suffix = new TextEncoder().encode(DESCRIPTOR_SUFFIX);
      for (let e = await it.next(); e !== undefined; e = await it.next()) {
        if (e.key.length === 10 + suffix.length && compareBytes(e.key.subarray(10), suffix) === 0) {
          out.push(decodeRangeDescriptor(e.value));
        }
      }
    } finally {
      await it.close();
    }
    return out;
  }

  /**
   * Writes the first range, [KEY_MIN, KEY_MAX), with replicas on `nodes` (its descriptor
   * to /meta and range-local, and the initial Raft state every first replica starts from).
   */
  async bootstrap(nodes: readonly NodeId[]): Promise<RangeDescriptor> {
    assert(this.isEmpty, 'bootstrap of a store that holds ranges');
    const desc: RangeDescriptor = {
      rangeId: FIRST_RANGE_ID,
      startKey: KEY_MIN,
      endKey: KEY_MAX,
      replicas: nodes.map((n) => ({ nodeId: n, storeId: n as number as StoreId, replicaId: n })),
      generation: 0n,
    };
    const batch = new WriteBatch();
    stageDescriptor(batch, desc, { wall: this.env.clock.nowNanos(), logical: 0 });
    stageInitialRaftState(batch, desc);
    await this.engine.write(batch, { sync: true });
    this.env.logger.info('bootstrapped the first range');
    await this.openReplica(desc);
    return desc;
  }

  /** Loads a range's applied and Raft state and starts its group and replica. */
  private async openReplica(desc: RangeDescriptor): Promise<void> {
    const stored = await this.engine.get(appliedStateKey(desc.rangeId));
    if (stored === undefined) {
      // A store written before replication: the range starts from the initial Raft state.
      const batch = new WriteBatch();
      stageInitialRaftState(batch, desc);
      await this.engine.write(batch, { sync: true });
    }
    const state = decodeAppliedState((await this.engine.get(appliedStateKey(desc.rangeId))) as Uint8Array);
    const group = await this.newGroup(desc.rangeId, desc, state, true);
    this.startGroup(group);
    this.addReplica(desc, group);
    const voters = state.confState.voters;
    if (voters.length === 1 && voters[0] === (this.config.nodeId as number)) group.node.campaign();
  }

  private newGroup(rangeId: RangeId, desc: RangeDescriptor | null, state: AppliedState, load: true): Promise<RangeGroup>;
  private newGroup(rangeId: RangeId, desc: RangeDescriptor | null, state: AppliedState, load: false): RangeGroup;
  private newGroup(rangeId: RangeId, desc: RangeDescriptor | null, state: AppliedState, load: boolean): RangeGroup | Promise<RangeGroup> {
    // The group's state object is shared with its storage (the core reads the configuration).
    const storage = new RangeRaftStorage(rangeId, () => state);
    const make = (): RangeGroup => new RangeGroup(rangeId, this.config.nodeId as NodeId, desc, state, storage, {
      electionTicks: this.config.raftElectionTicks,
      heartbeatTicks: this.config.raftHeartbeatTicks,
      random: this.env.random,
    });
    return load ? storage.load(this.engine).then(make) : make();
  }

  private startGroup(group: RangeGroup): void {
    group.onDescriptorChanged = (desc) => {
      const r = this.replicas.get(desc.rangeId);
      if (r === undefined) this.addReplica(desc, group);
      else r.setDescriptor(desc);
    };
    group.onLeaseApplied = (lease, previous) => {
      // Reads under another node's lease may have been served below this lease's start.
      const self = this.config.nodeId as number;
      if (lease.holder === self && previous.holder !== 0 && previous.holder !== self) this.replicas.get(group.rangeId)?.leaseAcquired({ wall: lease.start, logical: 0 });
    };
    this.driver.addGroup(group);
  }

  /** A message arrived for a range this store does not hold: an empty replica awaits its snapshot. */
  private createUninitializedGroup(rangeId: RangeId): RangeGroup {
    const group = this.newGroup(rangeId, null, { appliedIndex: 0, confState: EMPTY_CONF_STATE, lease: NO_LEASE }, false);
    this.startGroup(group);
    this.env.logger.info({ rangeId }, 'created an empty replica for a new range');
    return group;
  }

  private addReplica(desc: RangeDescriptor, group: RangeGroup): void {
    assert(!this.replicas.has(desc.rangeId), () => `replica r${desc.rangeId} exists`);
    const replication = new GroupReplication(this.env, group, this.driver, this.config.leaseWaitMs);
    const replica = new Replica(desc, this.engine, replication, this.env, this.config, this.tsCacheLowWater, this.mvccCache);
    this.replicas.set(desc.rangeId, replica);
    this.onReplicaAdded(replica);
  }

  /** The replica of `rangeId`, if this store holds one. */
  replica(rangeId: RangeId): Replica | undefined {
    return this.replicas.get(rangeId);
  }

  /** The descriptor of the range holding /meta (routing starts there). */
  firstRangeDescriptor(): RangeDescriptor {
    const r = this.replicas.get(FIRST_RANGE_ID);
    assert(r !== undefined, 'this store does not hold the first range');
    return r.descriptor;
  }

  /** What this store's replicas look like now (for /_status and tests). */
  rangeStatus(): RangeStatus[] {
    return [...this.driver.groups.values()].map((g) => {
      const st = g.node.status();
      return {
        rangeId: g.rangeId,
        initialized: g.desc !== null,
        voters: [...g.state.confState.voters],
        learners: [...g.state.confState.learners],
        leaseholder: g.state.lease.holder,
        leaseExpiration: g.state.lease.expiration,
        role: st.role,
        term: st.term,
        applied: g.state.appliedIndex,
        lastIndex: st.lastIndex,
      };
    });
  }

  get rangeCount(): number {
    return this.replicas.size;
  }

  async send(ba: BatchRequest): Promise<BatchResponse> {
    const rangeId = ba.header.rangeId ?? FIRST_RANGE_ID;
    const replica = this.replicas.get(rangeId);
    if (replica === undefined) return { ok: false, error: { kind: 'range-not-found', rangeId } };
    return replica.send(ba);
  }

  /**
   * Splits the range containing `splitKey` at it: the left keeps its id, the right gets a
   * new one. Non-transactional and local: a stand-in for AdminSplit until issue 4 makes it
   * a replicated transaction over the descriptors. /meta and /local never split.
   */
  async adminSplit(splitKey: Uint8Array): Promise<{ left: RangeDescriptor; right: RangeDescriptor }> {
    if (splitKey.length === 0 || (splitKey[0] as number) < SYSTEM_PREFIX) {
      throw new TesseraError('invalid-split-key', `cannot split at ${prettyKey(splitKey)}: /local and /meta stay in the first range`);
    }
    const replica = [...this.replicas.values()].find((r) => rangeContainsKey(r.descriptor, splitKey));
    assert(replica !== undefined, 'no range contains the split key');
    const old = replica.descriptor;
    if (compareBytes(old.startKey, splitKey) === 0) return { left: old, right: old };
    const nextId = (BigInt(Math.max(...[...this.driver.groups.keys()].map(Number))) + 1n) as RangeId;
    const left: RangeDescriptor = { ...old, endKey: splitKey, generation: old.generation + 1n };
    const right: RangeDescriptor = { ...old, rangeId: nextId, startKey: splitKey, generation: old.generation + 1n };
    const batch = new WriteBatch();
    const ts = { wall: this.env.clock.nowNanos(), logical: 0 };
    writeMetaAndLocal(batch, left, ts);
    writeMetaAndLocal(batch, right, ts);
    stageInitialRaftState(batch, right);
    await this.engine.write(batch, { sync: true });
    replica.setDescriptor(left);
    const leftGroup = this.driver.groups.get(old.rangeId);
    if (leftGroup !== undefined) leftGroup.desc = left;
    await this.openReplica(right);
    return { left, right };
  }

  async close(): Promise<void> {
    // Writes in flight finish through the driver and group committer before the engine closes.
    await this.driver.close();
    await this.groupCommitter.drain();
  }
}

/** Both copies of a descriptor, whichever range holds its /meta record (the local split stand-in). */
function writeMetaAndLocal(batch: WriteBatch, desc: RangeDescriptor, ts: Timestamp): void {
  const encoded = encodeRangeDescriptor(desc);
  batch.put(rangeIdLocalKey(desc.rangeId, DESCRIPTOR_SUFFIX), encoded);
  batch.put(versionKey(metaKey(desc.endKey), ts), encodeVersionValue(encoded));
}

/**
 * The Raft state every initial replica of a new range starts from: the bootstrap snapshot
 * position (index 1, term 1) with the descriptor's replicas as voters, and no lease.
 */
function stageInitialRaftState(batch: WriteBatch, desc: RangeDescriptor): void {
  const voters = desc.replicas.map((r) => replicaId(r.replicaId));
  const boot = bootstrapState({ ...EMPTY_CONF_STATE, voters });
  const storage = new RangeRaftStorage(desc.rangeId, () => ({ appliedIndex: BOOTSTRAP_INDEX, confState: boot.snapshot.meta.confState }));
  storage.stageSnapshot(batch, boot.snapshot);
  storage.stageHardState(batch, boot.hardState);
  batch.put(appliedStateKey(desc.rangeId), encodeAppliedState({ appliedIndex: BOOTSTRAP_INDEX, confState: boot.snapshot.meta.confState, lease: NO_LEASE }));
}
