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
import type { Timestamp } from './timestamp.ts';

const DESCRIPTOR_SUFFIX = 'desc';
export const FIRST_RANGE_ID = 1n as RangeId;

/**
 * A store: one engine and the replicas it holds. The store must be the engine's only
 * writer while it is open (its lock mirror and version cache observe every write it makes;
 * see MvccCache): open at most one Store per engine at a time. Batches carry the range id they are meant
 * for (set by the DistSender); the store hands them to that replica. All replicas share one
 * group committer, so every write of the store in one cycle becomes one synced write.
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

  private constructor(
    private readonly env: Env,
    engine: Engine,
    private readonly config: KvConfig,
  ) {
    this.mvccCache = new MvccCache(config, env.logger);
    this.engine = new CachingEngine(engine, this.mvccCache);
    this.groupCommitter = new GroupCommitter(this.engine, config, env.logger);
  }

  /** Opens the store's replicas; bootstraps the first range on a fresh engine. */
  static async open(env: Env, engine: Engine, config: KvConfig): Promise<Store> {
    const store = new Store(env, engine, config);
    await store.mvccCache.loadLockMirror(engine);
    const descriptors = await store.loadDescriptors();
    if (descriptors.length === 0) {
      descriptors.push(await store.bootstrap());
    } else {
      // Reads served before the restart were at timestamps below the current clock (this
      // node's HLC stamps them; multi-node needs the lease start instead, issue 4).
      store.tsCacheLowWater = { wall: env.clock.nowNanos(), logical: 0 };
    }
    for (const d of descriptors) store.addReplica(d);
    env.logger.info({ ranges: descriptors.length, storeId: config.storeId }, 'store opened');
    return store;
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

  /** Writes the first range descriptor, [KEY_MIN, KEY_MAX), to /meta and range-local. */
  private async bootstrap(): Promise<RangeDescriptor> {
    const desc: RangeDescriptor = {
      rangeId: FIRST_RANGE_ID,
      startKey: KEY_MIN,
      endKey: KEY_MAX,
      replicas: [{ nodeId: this.config.nodeId as NodeId, storeId: this.config.storeId as StoreId, replicaId: 1 }],
      generation: 0n,
    };
    const batch = new WriteBatch();
    this.writeDescriptor(batch, desc, { wall: this.env.clock.nowNanos(), logical: 0 });
    await this.engine.write(batch, { sync: true });
    this.env.logger.info('bootstrapped the first range');
    return desc;
  }

  private writeDescriptor(batch: WriteBatch, desc: RangeDescriptor, ts: Timestamp): void {
    const encoded = encodeRangeDescriptor(desc);
    batch.put(rangeIdLocalKey(desc.rangeId, DESCRIPTOR_SUFFIX), encoded);
    batch.put(versionKey(metaKey(desc.endKey), ts), encodeVersionValue(encoded));
  }

  private addReplica(desc: RangeDescriptor): void {
    assert(!this.replicas.has(desc.rangeId), () => `replica r${desc.rangeId} exists`);
    const apply = (b: WriteBatch): Promise<void> => this.groupCommitter.commit(b);
    this.replicas.set(desc.rangeId, new Replica(desc, this.engine, apply, this.env, this.config, this.tsCacheLowWater, this.mvccCache));
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
    const nextId = (BigInt(Math.max(...[...this.replicas.keys()].map(Number))) + 1n) as RangeId;
    const left: RangeDescriptor = { ...old, endKey: splitKey, generation: old.generation + 1n };
    const right: RangeDescriptor = { ...old, rangeId: nextId, startKey: splitKey, generation: old.generation + 1n };
    const batch = new WriteBatch();
    const ts = { wall: this.env.clock.nowNanos(), logical: 0 };
    this.writeDescriptor(batch, left, ts);
    this.writeDescriptor(batch, right, ts);
    await this.engine.write(batch, { sync: true });
    replica.setDescriptor(left);
    this.addReplica(right);
    return { left, right };
  }

  async close(): Promise<void> {
    // Writes in flight finish through the group committer before the engine closes.
    await this.groupCommitter.drain();
  }
}
