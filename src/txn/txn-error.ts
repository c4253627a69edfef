import { TesseraError } from '../util/index.ts';
import type { Timestamp } from '../kv/index.ts';

export type TxnErrorCode = 'duplicate-key' | 'txn-retry' | 'txn-aborted' | 'deadlock' | 'lock-not-available' | 'lock-timeout' | 'ambiguous-result';

/**
 * The errors of the Txn contract (see txn.ts). sql maps 'duplicate-key' to SQLSTATE 23505
 * and 'txn-retry' / 'txn-aborted' to 40001, 'deadlock' to 40P01 and 'lock-not-available'
 * (NOWAIT, lock_timeout) to 55P03, 'ambiguous-result' (a write or commit that may or may
 * not have happened) to 40003. `key` is the offending key when one is known.
 */
export class TxnError extends TesseraError {
  declare readonly code: TxnErrorCode;
  readonly key?: Uint8Array;
  /**
   * For 'txn-retry' caused by a newer write or read of `key`: the timestamp the txn would
   * have to move above. The coordinator uses it to refresh and retry by itself.
   */
  readonly retryTimestamp?: Timestamp;

  constructor(code: TxnErrorCode, message: string, options: { key?: Uint8Array; cause?: unknown; retryTimestamp?: Timestamp } = {}) {
    super(code, message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'TxnError';
    if (options.key !== undefined) this.key = options.key;
    if (options.retryTimestamp !== undefined) this.retryTimestamp = options.retryTimestamp;
  }
}
