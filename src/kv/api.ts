/**
 * The kv API: everything is a `BatchRequest` answered by a `BatchResponse` through a
 * `Sender`. Requests are a readonly discriminated union keyed by `kind`; responses mirror
 * them one for one, in request order. Expected failures (conflicts, failed conditions,
 * routing mismatches) come back as `{ ok: false, error }`, never as exceptions; a batch
 * that fails wrote nothing (batches are atomic on one range).
 *
 * Spans are half-open [startKey, endKey). Keys are user keys (at or above /meta).
 */
import type { NodeId, RangeDescriptor, RangeId } from './range-descriptor.ts';
import type { Timestamp } from './timestamp.ts';
import type { Intent, TxnId, TxnMeta, TxnStatus } from './txn-meta.ts';

export interface KvSpan {
  readonly startKey: Uint8Array;
  readonly endKey: Uint8Array;
}

export interface KvKeyValue {
  readonly key: Uint8Array;
  readonly value: Uint8Array;
}

export interface BatchHeader {
  /** Reads see committed data at or below it; non-transactional writes are placed at it. */
  readonly timestamp: Timestamp;
  /** The transaction, for transactional requests; its writeTimestamp places intents. */
  readonly txn: TxnMeta | null;
  /** 'inconsistent' reads ignore intents (used for range lookups). */
  readonly readConsistency?: 'consistent' | 'inconsistent';
  /**
   * On meeting other transactions' intents, wait up to this long in the store's lock
   * wait-queue for them to be released before answering 'write-intent' (0 or absent: answer
   * at once). A wait that would close a waits-for cycle answers 'deadlock' instead.
   */
  readonly lockWaitMs?: number;
  /** Set by the DistSender: the range this (part of the) batch is meant for. */
  readonly rangeId?: RangeId;
  /**
   * Transactional reads: the top of the read's uncertainty interval (the txn's snapshot
   * plus the maximum clock offset). A committed version above `timestamp` and at or below
   * this limit may have been written before the read began on a node whose clock is ahead,
   * so the read cannot order itself before it: 'read-uncertainty', and the txn moves its
   * timestamp above the version (refreshing what it read) and reads again.
   */
  readonly uncertaintyLimit?: Timestamp;
}

export type KvRequest =
  /**
   * `lock`: a locking read (SELECT ... FOR UPDATE) of the header's txn: a value found is
   * written back as the txn's intent in the same evaluation, so reading and locking are one
   * step, and the read conflicts with other txns' intents like a write does. `skipLocked`:
   * a key holding another txn's intent reads as absent (SKIP LOCKED) instead.
   */
  | { readonly kind: 'get'; readonly key: Uint8Array; readonly lock?: boolean; readonly skipLocked?: boolean }
  /**
   * Rows in key order (descending when reverse); `limit` 0 or absent: no limit. `lock` as
   * for get. `skipLocked` (with `lock`): rows holding other txns' intents are left out.
   */
  | { readonly kind: 'scan'; readonly span: KvSpan; readonly reverse?: boolean; readonly limit?: number; readonly lock?: boolean; readonly skipLocked?: boolean }
  | { readonly kind: 'put'; readonly key: Uint8Array; readonly value: Uint8Array }
  /** Writes only if the current value equals `expected` ('absent': no live value). */
  | { readonly kind: 'conditional-put'; readonly key: Uint8Array; readonly value: Uint8Array; readonly expected: Uint8Array | 'absent' }
  | { readonly kind: 'delete'; readonly key: Uint8Array }
  | { readonly kind: 'delete-range'; readonly span: KvSpan }
  /**
   * Finishes the header's transaction. `lockSpans` are every key and span the transaction
   * wrote; those on this range are resolved in the same write batch. `onePhase`: this
   * batch carries all of the transaction's writes (nothing was sent before), so they are
   * written as committed values with no intents and no txn record.
   */
  | {
      readonly kind: 'end-txn';
      readonly commit: boolean;
      readonly lockSpans: readonly KvSpan[];
      readonly onePhase: boolean;
    }
  /**
   * Asks the pushee's record for its fate. A finished pushee reports its status; a pending
   * one whose heartbeat expired (or whose record is missing and whose intent is older than
   * the expiry) is aborted. A live pending pushee is left alone (`pushed: false`).
   */
  | { readonly kind: 'push-txn'; readonly pushee: TxnMeta }
  /** Resolves the intents of `txn` on the key or span: commit them at `commitTimestamp` or remove them. */
  | {
      readonly kind: 'resolve-intent';
      readonly span: KvSpan;
      readonly txn: TxnMeta;
      readonly status: 'committed' | 'aborted';
      readonly commitTimestamp: Timestamp;
    }
  /** Creates (first call) or refreshes the header txn's record; reports its status. */
  | { readonly kind: 'heartbeat-txn' }
  /**
   * Read refresh: checks that nothing was committed in `span` in (fromTimestamp, header
   * timestamp], so the header txn's earlier reads are still valid at its new timestamp;
   * fails with 'refresh-failed'. Records the span as read at the header timestamp.
   */
  | { readonly kind: 'refresh'; readonly span: KvSpan; readonly fromTimestamp: Timestamp };

export type KvResponse =
  | { readonly kind: 'get'; readonly value: Uint8Array | null }
  | { readonly kind: 'scan'; readonly rows: readonly KvKeyValue[]; readonly resumeSpan: KvSpan | null }
  | { readonly kind: 'put' }
  | { readonly kind: 'conditional-put' }
  | { readonly kind: 'delete' }
  | { readonly kind: 'delete-range'; readonly deletedKeys: number }
  /**
   * `externalLockSpans`: some lock spans lie outside this range; their intents are left for
   * the coordinator to resolve afterwards (the record keeps the outcome for pushers).
   */
  | { readonly kind: 'end-txn'; readonly status: 'committed' | 'aborted'; readonly onePhase: boolean; readonly externalLockSpans?: boolean }
  | { readonly kind: 'push-txn'; readonly pusheeStatus: TxnStatus; readonly pushed: boolean; readonly commitTimestamp: Timestamp | null }
  | { readonly kind: 'resolve-intent'; readonly resolved: number }
  | { readonly kind: 'heartbeat-txn'; readonly status: TxnStatus }
  | { readonly kind: 'refresh' };

export type KvError =
  /** Intents of other transactions stand in the way (a write met any, a read one at or below its timestamp). */
  | { readonly kind: 'write-intent'; readonly intents: readonly Intent[] }
  /** Waiting for the intents would close a waits-for cycle; `cycle` starts and ends with this txn. */
  | { readonly kind: 'deadlock'; readonly txnId: TxnId; readonly cycle: readonly TxnId[] }
  /** A committed version at or above the writer's timestamp exists. */
  | { readonly kind: 'write-too-old'; readonly key: Uint8Array; readonly existingTimestamp: Timestamp }
  /** Another transaction read the key at or above the writer's timestamp (timestamp cache). */
  | { readonly kind: 'read-conflict'; readonly key: Uint8Array; readonly readTimestamp: Timestamp }
  /** A read met a committed version in its uncertainty interval (see BatchHeader.uncertaintyLimit). */
  | { readonly kind: 'read-uncertainty'; readonly key: Uint8Array; readonly existingTimestamp: Timestamp }
  /** A refresh found a write committed after the txn's old timestamp. */
  | { readonly kind: 'refresh-failed'; readonly key: Uint8Array; readonly committedTimestamp: Timestamp }
  | { readonly kind: 'condition-failed'; readonly key: Uint8Array; readonly actual: Uint8Array | null }
  /** The transaction's record says aborted, or its intents were removed by a pusher. */
  | { readonly kind: 'txn-aborted'; readonly txnId: TxnId }
  /** The batch addressed keys outside the replica's range; `descriptor` is the replica's. */
  | { readonly kind: 'range-key-mismatch'; readonly descriptor: RangeDescriptor | null }
  | { readonly kind: 'range-not-found'; readonly rangeId: RangeId }
  /** The batch is malformed (a bug in the sender): e.g. a txn request without a txn. */
  | { readonly kind: 'invalid-request'; readonly message: string }
  /** This replica does not hold the range's lease; `leaseholder` is the node it believes does. */
  | { readonly kind: 'not-leaseholder'; readonly leaseholder: NodeId | null; readonly message: string }
  /** A write was proposed but its outcome is unknown (it may or may not have been applied). */
  | { readonly kind: 'ambiguous-result'; readonly message: string }
  /** No replica of the range could be reached (after retries). */
  | { readonly kind: 'range-unavailable'; readonly rangeId: RangeId; readonly message: string };

export interface BatchRequest {
  readonly header: BatchHeader;
  readonly requests: readonly KvRequest[];
}

export type BatchResponse =
  | { readonly ok: true; readonly responses: readonly KvResponse[] }
  | { readonly ok: false; readonly error: KvError };

/** Anything that answers batches: a replica, a store, the DistSender. */
export interface Sender {
  send(ba: BatchRequest): Promise<BatchResponse>;
}

/** A point key as a span: [key, key + 0x00). */
export function pointSpan(key: Uint8Array): KvSpan {
  const endKey = new Uint8Array(key.length + 1);
  endKey.set(key, 0);
  return { startKey: key, endKey };
}

/** True for requests that write (take write latches, produce a write batch). */
export function isWriteRequest(req: KvRequest): boolean {
  if (req.kind === 'get' || req.kind === 'scan') return req.lock === true;
  return req.kind !== 'refresh';
}
