/**
 * The transaction contract that src/sql programs against. src/txn implements it over the
 * kv `Sender`; sql never sees kv requests, ranges or intents.
 *
 * Keys and values are opaque bytes here; sql builds keys with the order-preserving
 * encoding in src/util/encoding and the keyspace prefixes exported by src/kv.
 */

/** A half-open key span [startKey, endKey). */
export interface Span {
  readonly startKey: Uint8Array;
  readonly endKey: Uint8Array;
}

export interface KeyValue {
  readonly key: Uint8Array;
  readonly value: Uint8Array;
}

export interface ScanOptions {
  /** At most this many rows; 0 or absent means no limit. */
  readonly limit?: number;
  /** Newest key first. */
  readonly reverse?: boolean;
  /** Lock the rows read (SELECT ... FOR UPDATE): see `Txn.getMany`'s `lock`. */
  readonly lock?: boolean;
  /** With `lock`: leave out rows other transactions hold locks on (SKIP LOCKED). */
  readonly skipLocked?: boolean;
}

export interface ScanResult {
  readonly rows: readonly KeyValue[];
  /** What was not scanned because of the limit, or null when the span is exhausted. */
  readonly resumeSpan: Span | null;
}

export type IsolationLevel = 'serializable' | 'read-committed';

export interface BeginOptions {
  readonly isolation?: IsolationLevel;
  /**
   * An implicit (autocommit) transaction: the coordinator may commit it in one round
   * (writes and commit in a single batch: the one-phase commit) and may retry it itself.
   */
  readonly implicit?: boolean;
}

/**
 * One transaction. Reads see a consistent snapshot at the transaction's read timestamp
 * plus the transaction's own writes.
 *
 * Writes are buffered in the handle and sent as one batch on `flush()` or `commit()`;
 * any read first flushes, so reads always see earlier writes. Errors from buffered writes
 * surface from the `flush()`/`commit()`/read that sent them:
 * - `TxnError` with code 'duplicate-key' (an `insert` found the key present),
 * - code 'txn-retry' (a conflict; the whole transaction must be retried: SQLSTATE 40001),
 * - code 'txn-aborted' (the transaction was aborted by someone else: also 40001).
 * After any error the transaction can only be rolled back.
 */
export interface Txn {
  readonly id: string;
  readonly isolation: IsolationLevel;
  /**
   * Changes the isolation level; only before the transaction read or wrote anything
   * (SET TRANSACTION ISOLATION LEVEL). Throws an AssertionError otherwise.
   */
  setIsolation(level: IsolationLevel): void;
  /**
   * A SQL statement starts. READ COMMITTED takes a fresh snapshot here (the read timestamp
   * moves to now, and only this statement's reads must hold if the txn's timestamp is later
   * pushed); SERIALIZABLE keeps reading at one timestamp.
   */
  beginStatement(): void;
  /** Wall time of the read timestamp in nanoseconds: what SQL's now() returns. */
  readonly startNanos: bigint;
  get(key: Uint8Array): Promise<Uint8Array | null>;
  /**
   * Values in the order of `keys`; concurrent on the kv side. `lock`: every key found is
   * locked by this transaction in the same step (an intent holding the same value), so
   * other writers and locking readers wait for it; waits follow `setLockWait`.
   */
  getMany(keys: readonly Uint8Array[], options?: { readonly lock?: boolean; readonly skipLocked?: boolean }): Promise<(Uint8Array | null)[]>;
  scan(span: Span, options?: ScanOptions): Promise<ScanResult>;
  /** Writes `value` at `key`, replacing any value. */
  put(key: Uint8Array, value: Uint8Array): void;
  /** Writes `value` at `key`; the flush fails with 'duplicate-key' if the key exists. */
  insert(key: Uint8Array, value: Uint8Array): void;
  del(key: Uint8Array): void;
  /** Deletes every key in the span. */
  delRange(span: Span): void;
  /**
   * How later requests wait for other transactions' locks: 'block' waits (up to
   * `timeoutMs` when it is above 0, then TxnError 'lock-not-available'; otherwise up to the
   * coordinator's intentWaitMs, then 'txn-retry'); 'nowait' fails at the first conflict with
   * 'lock-not-available'. SQL sets it per statement (FOR UPDATE NOWAIT, lock_timeout).
   */
  setLockWait(policy: 'block' | 'nowait', timeoutMs?: number): void;
  /** A savepoint: a token for `rollbackToSavepoint` (the count of writes so far). */
  savepoint(): number;
  /**
   * Undoes every write made after `savepoint` and clears a failure that did not end the
   * transaction (duplicate-key). Throws TxnError 'txn-aborted' if the transaction ended
   * (a conflict rolled it back), TesseraError 'savepoint-too-large' beyond the write log.
   */
  rollbackToSavepoint(savepoint: number): Promise<void>;
  /** Sends buffered writes now (laying intents). */
  flush(): Promise<void>;
  commit(): Promise<void>;
  /** Idempotent; never throws for an already finished transaction. */
  rollback(): Promise<void>;
  /** 'pending' until commit or rollback finishes. */
  readonly status: 'pending' | 'committed' | 'aborted';
}

/** Begins transactions; one per node. */
export interface TxnCoordinator {
  begin(options?: BeginOptions): Txn;
}
