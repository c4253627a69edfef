/**
 * kv: the transactional key-value layer's bottom half. Storage engine (classic-level or
 * memory-level), MVCC, the batch API (`BatchRequest` -> `BatchResponse` through a
 * `Sender`), ranges, replicas, latches, group commit and routing. See README.md and
 * docs/kv.md.
 */
export {
  LOCAL_PREFIX,
  META_PREFIX,
  SYSTEM_PREFIX,
  TABLE_PREFIX,
  KEY_MIN,
  KEY_MAX,
  systemKey,
  tableKey,
  metaKey,
} from './keys.ts';
export type {
  BatchHeader,
  BatchRequest,
  BatchResponse,
  KvError,
  KvKeyValue,
  KvRequest,
  KvResponse,
  KvSpan,
  Sender,
} from './api.ts';
export { pointSpan } from './api.ts';
export { compareBytes, keyNext, prettyKey } from './bytes.ts';
export type { Engine, EngineReader, EngineIterator, EngineEntry, IteratorOptions, EngineStats } from './engine.ts';
export { WriteBatch } from './engine.ts';
export { openEngine, STORE_VERSION, type OpenEngineOptions } from './level-engine.ts';
export { type Timestamp, TS_ZERO, TS_MAX, tsCompare, tsLess, tsLessEq, tsMax, tsNext, tsString } from './timestamp.ts';
export type { TxnId, TxnMeta, TxnStatus, TxnRecord, Intent } from './txn-meta.ts';
export { txnIdFromBytes } from './txn-meta.ts';
export type { RangeDescriptor, RangeId, NodeId, StoreId, ReplicaDescriptor } from './range-descriptor.ts';
export { type KvConfig, defaultKvConfig, kvConfig } from './config.ts';
export { createLocalKv, type LocalKv } from './local-kv.ts';
export { Store } from './store.ts';
export { DistSender } from './dist-sender.ts';
export { storeLocalKey } from './keys.ts';
export { createClusterKv, type ClusterKv, type ClusterKvOptions } from './cluster-kv.ts';
export { RpcNode, RpcError, oneShotRequest, PreInitServer, encodeValue, decodeValue, type PeerAddress } from './rpc/index.ts';
export { systemTimers, type Timers, type TimerHandle } from './rpc/timers.ts';
export { LockWaitSender } from './lock-wait-sender.ts';
export { LockWaitQueue, type WaiterId, type WaitRequest, type EnqueueResult } from './lock-wait-queue.ts';
