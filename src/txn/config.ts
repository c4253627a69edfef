import { assert } from '../util/index.ts';

/** The coordinator's limits and timings; every field has a default. */
export interface TxnConfig {
  /**
   * How long, in total, a request waits for another live txn's intent before 'txn-retry'.
   * Longer than kv's txnExpiryMs, so that a request blocked by the intents of a txn whose
   * coordinator died (a crash) outwaits the record's expiry and cleans up instead of failing.
   */
  readonly intentWaitMs: number;
  /** Pause between attempts when kv answered a conflict without waiting (no wait-queue). */
  readonly intentWaitBackoffMsMin: number;
  readonly intentWaitBackoffMsMax: number;
  /**
   * A blocked request waits in kv's lock wait-queue at most this long at a time, then
   * pushes the holder again (finding a holder whose coordinator died).
   */
  readonly lockWaitSliceMs: number;
  /** Heartbeat period of a txn with intents; must stay well below kv's txnExpiryMs. */
  readonly txnHeartbeatIntervalMs: number;
  /**
   * A write batch refused for a newer write or read is retried at a newer timestamp after
   * a successful read refresh, at most this many times per batch.
   */
  readonly txnRefreshesMax: number;
  /** Read spans a txn remembers for refresh; beyond it they merge into one covering span. */
  readonly txnReadSpansMax: number;
  /** Writes a txn remembers for ROLLBACK TO SAVEPOINT; beyond it savepoint rollback is refused. */
  readonly txnWritesLogMax: number;
  /** Bound on clock offset between nodes (HLC sanity checks). */
  readonly maxClockOffsetMs: number;
  /**
   * Width of a read's uncertainty interval (see kv's BatchHeader.uncertaintyLimit): a
   * version committed up to this far above the snapshot restarts the read above it. 0 turns
   * it off, right for a single node: one clock stamps every write, so a snapshot taken later
   * is above every write committed before it. Cluster nodes set it to maxClockOffsetMs.
   */
  readonly readUncertaintyMs: number;
}

export const defaultTxnConfig: TxnConfig = {
  intentWaitMs: 5_000,
  intentWaitBackoffMsMin: 1,
  intentWaitBackoffMsMax: 20,
  lockWaitSliceMs: 500,
  txnHeartbeatIntervalMs: 1_000,
  txnRefreshesMax: 5,
  txnReadSpansMax: 10_000,
  txnWritesLogMax: 100_000,
  maxClockOffsetMs: 500,
  readUncertaintyMs: 0,
};

export function txnConfig(overrides: Partial<TxnConfig> = {}): TxnConfig {
  const c: TxnConfig = { ...defaultTxnConfig, ...overrides };
  for (const [name, value] of Object.entries(c)) {
    assert(Number.isInteger(value) && (value as number) >= 0, () => `txn config ${name} must be a non-negative integer, got ${String(value)}`);
  }
  assert(c.intentWaitBackoffMsMin > 0 && c.intentWaitBackoffMsMin <= c.intentWaitBackoffMsMax, 'txn config: bad intent wait backoff');
  assert(c.txnHeartbeatIntervalMs > 0, 'txn config: heartbeat interval must be positive');
  return c;
}
