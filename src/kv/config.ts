import { assert } from '../util/index.ts';

/** kv's limits and timings. Every field has a default (see `defaultKvConfig`). */
export interface KvConfig {
  /** A group-commit write stops growing past this many bytes. */
  readonly groupCommitBatchBytesMax: number;
  /** A group-commit write carries at most this many batches. */
  readonly groupCommitWritersMax: number;
  /** Requests holding or waiting for latches on one replica, at most. */
  readonly latchRequestsMax: number;
  /** A pending txn whose last heartbeat is older than this may be aborted by a pusher. */
  readonly txnExpiryMs: number;
  /** Range descriptors kept in the DistSender's range cache. */
  readonly rangeCacheEntriesMax: number;
  /** Retries of one batch after routing errors (stale range cache). */
  readonly rangeRetriesMax: number;
  /** Keys (point reads) and spans (scans) the timestamp cache of a replica remembers. */
  readonly tsCachePointsMax: number;
  readonly tsCacheSpansMax: number;
  /** Bytes of the newest-version cache of a store (keys + values + overhead); 0 turns it off. */
  readonly mvccCacheBytesMax: number;
  /** Bytes of intents the store's lock mirror may hold; 0 turns it off (see MvccCache). */
  readonly lockMirrorBytesMax: number;
  /** Raft: one tick every this many ms; elections after raftElectionTicks..2× ticks of silence. */
  readonly raftTickMs: number;
  readonly raftElectionTicks: number;
  readonly raftHeartbeatTicks: number;
  /** A range lease lasts this long from its start; the holder renews at half of it. */
  readonly leaseDurationMs: number;
  /** Clocks may disagree by this much: a holder stops serving that long before expiry. */
  readonly maxClockOffsetMs: number;
  /** How long a request waits here for a lease being acquired or an election. */
  readonly leaseWaitMs: number;
  /** A proposal not applied within this long fails as ambiguous. */
  readonly proposalTimeoutMs: number;
  /** Applied entries a range keeps in its Raft log before truncating (followers behind get a snapshot). */
  readonly raftLogEntriesMax: number;
  /** Batches waiting in a store's lock wait-queue at once, at most (more answer at once). */
  readonly lockWaitersMax: number;
  /** Keys a lock wait-queue remembers as recently released (see LockWaitQueue). */
  readonly lockRecentReleasesMax: number;
  /** This node's and store's ids (one store per node for now). */
  readonly nodeId: number;
  readonly storeId: number;
}

export const defaultKvConfig: KvConfig = {
  groupCommitBatchBytesMax: 4 * 1024 * 1024,
  groupCommitWritersMax: 1024,
  latchRequestsMax: 100_000,
  txnExpiryMs: 4_000,
  rangeCacheEntriesMax: 10_000,
  rangeRetriesMax: 10,
  tsCachePointsMax: 100_000,
  tsCacheSpansMax: 2_000,
  mvccCacheBytesMax: 64 * 1024 * 1024,
  lockMirrorBytesMax: 64 * 1024 * 1024,
  raftTickMs: 100,
  raftElectionTicks: 10,
  raftHeartbeatTicks: 2,
  leaseDurationMs: 4_000,
  maxClockOffsetMs: 500,
  leaseWaitMs: 4_000,
  proposalTimeoutMs: 15_000,
  raftLogEntriesMax: 1_000,
  lockWaitersMax: 10_000,
  lockRecentReleasesMax: 4_096,
  nodeId: 1,
  storeId: 1,
};

/** Fills defaults and validates. Throws an AssertionError on nonsense values. */
export function kvConfig(overrides: Partial<KvConfig> = {}): KvConfig {
  const c: KvConfig = { ...defaultKvConfig, ...overrides };
  const mayBeZero = new Set(['mvccCacheBytesMax', 'lockMirrorBytesMax']);
  for (const [name, value] of Object.entries(c)) {
    const min = mayBeZero.has(name) ? 0 : 1;
    assert(Number.isInteger(value) && (value as number) >= min, () => `kv config ${name} must be an integer >= ${min}, got ${String(value)}`);
  }
  return c;
}
