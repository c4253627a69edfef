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
  /** Wall time of the read timestamp in nanoseconds: what SQL's now() returns. */
  readonly startNanos: bigint;
  get(key: Uint8Array): Promise<Uint8Array | null>;
  /** Values in the order of `keys`; concurrent on the kv side. */
  getMany(keys: readonly Uint8Array[]): Promise<(Uint8Array | null)[]>;
  scan(span: Span, options?: ScanOptions): Promise<ScanResult>;
  /** Writes `value` at `key`, replacing any value. */
  put(key: Uint8Array, value: Uint8Array): void;
  /** Writes `value` at `key`; the flush fails with 'duplicate-key' if the key exists. */
  insert(key: Uint8Array, value: Uint8Array): void;
  del(key: Uint8Array): void;
  /** Deletes every key in the span. */
  delRange(span: Span): void;
  /** Sends buffered writes now (laying intents). */
  flush(): Promise<void>;
  commit(): Promise<void>;
  /** Idempotent; never throws for an already finished transaction. */
  rollback(): Promise<void>;
  /** 'pending' until commit or rollback finishes. */
  readonly status: 'pending' | 'committed' | 'aborted';
  /**
   * lock_timeout: the longest one request may wait for another transaction's intent, in
   * ms (0 = only the coordinator's intentWaitMs bound). Beyond it the request fails with
   * TxnError 'lock-timeout' (SQLSTATE 55P03). Set by sql before each statement.
   */
  lockTimeoutMs?: number;
}

/** Begins transactions; one per node. */
export interface TxnCoordinator {
  begin(options?: BeginOptions): Txn;
}
