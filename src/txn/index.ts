/**
 * txn: transactions over the kv Sender (HLC clock, coordinator, intents, conflicts).
 * The public surface sql uses is the `Txn`/`TxnCoordinator` contract in txn.ts.
 */
export type {
  Span,
  KeyValue,
  ScanOptions,
  ScanResult,
  IsolationLevel,
  BeginOptions,
  Txn,
  TxnCoordinator,
} from './txn.ts';
