/**
 * txn: transactions over the kv Sender (HLC clock, coordinator, intents, conflicts).
 * The public surface sql uses is the `Txn`/`TxnCoordinator` contract in txn.ts; the node
 * builds the coordinator with `createTxnCoordinator`. See README.md.
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
export { TxnError, type TxnErrorCode } from './txn-error.ts';
export { HybridClock } from './hlc.ts';
export { type TxnConfig, defaultTxnConfig, txnConfig } from './config.ts';
export { createTxnCoordinator, type KvTxnCoordinator, type TxnCoordinatorOptions } from './coordinator.ts';
export type { Sleep } from './kv-client.ts';
