/**
 * SELECT ... FOR UPDATE / FOR SHARE: the statement runs over a Txn whose reads in the
 * locked tables' primary indexes are locking reads (kv reads the row and writes it back
 * unchanged as this transaction's intent in one step). Other writers and locking readers
 * then wait for this transaction (or fail at once with NOWAIT) instead of conflicting at
 * commit. Both strengths take the same exclusive lock (stronger than FOR SHARE needs).
 * SKIP LOCKED leaves out rows locked by others: like PostgreSQL's, an inconsistent view, for
 * work queues.
 */
import { compareBytes } from '../../kv/index.ts';
import type { Span, Txn } from '../../txn/index.ts';

function inside(key: Uint8Array, spans: readonly Span[]): boolean {
  return spans.some((s) => compareBytes(s.startKey, key) <= 0 && compareBytes(key, s.endKey) < 0);
}

/** `skipLocked`: rows other transactions hold locks on are left out (SKIP LOCKED). */
export function lockingTxn(txn: Txn, spans: readonly Span[], skipLocked: boolean): Txn {
  const flags = (lock: boolean): { lock: boolean; skipLocked?: boolean } => (lock && skipLocked ? { lock, skipLocked } : { lock });
  return {
    get id() {
      return txn.id;
    },
    get isolation() {
      return txn.isolation;
    },
    get startNanos() {
      return txn.startNanos;
    },
    get status() {
      return txn.status;
    },
    async get(key: Uint8Array): Promise<Uint8Array | null> {
      const [value] = await txn.getMany([key], flags(inside(key, spans)));
      return value ?? null;
    },
    getMany: (keys) => txn.getMany(keys, flags(keys.length > 0 && keys.every((k) => inside(k, spans)))),
    scan: (span, options) => txn.scan(span, { ...options, ...flags(inside(span.startKey, spans)) }),
    setIsolation: (level) => txn.setIsolation(level),
    beginStatement: () => txn.beginStatement(),
    setLockWait: (policy, timeoutMs) => txn.setLockWait(policy, timeoutMs),
    savepoint: () => txn.savepoint(),
    rollbackToSavepoint: (sp) => txn.rollbackToSavepoint(sp),
    put: (key, value) => txn.put(key, value),
    insert: (key, value) => txn.insert(key, value),
    del: (key) => txn.del(key),
    delRange: (span) => txn.delRange(span),
    flush: () => txn.flush(),
    commit: () => txn.commit(),
    rollback: () => txn.rollback(),
  };
}
