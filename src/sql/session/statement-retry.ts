/**
 * When the server runs a failed statement again instead of reporting the error (pure
 * policy). Two cases, both only while the statement has sent no rows to the client:
 *
 * - the statement is its implicit transaction alone: after a serialization failure, an
 *   abort or a deadlock, the transaction is rolled back and the statement runs in a fresh
 *   one (after a jittered backoff);
 * - the statement runs in an explicit READ COMMITTED block and lost a write race (its
 *   refresh found a newer write): it is undone to a savepoint taken before it and runs
 *   again at a fresh snapshot, as PostgreSQL re-reads a row changed under an UPDATE.
 */

/** Server-side retries of one statement, at most. */
export const STATEMENT_RETRIES_MAX = 20;
/** The largest pause (ms) between retries in fresh transactions: a random part of min(2^attempt, this). */
export const STATEMENT_RETRY_BACKOFF_MS_MAX = 64;
/** Lower-layer error codes after which an implicit transaction is retried. */
const implicitRetryCodes: ReadonlySet<string> = new Set(['txn-retry', 'txn-aborted', 'deadlock']);

export interface StatementFailure {
  /** The statement is its implicit transaction alone. */
  readonly alone: boolean;
  /** The statement runs in an explicit READ COMMITTED block whose txn is still pending. */
  readonly readCommittedBlock: boolean;
  readonly sentRows: boolean;
  /** Retries so far. */
  readonly attempt: number;
  /** The lower-layer error code, if any. */
  readonly code: string | null;
}

export type StatementRetry = 'report' | 'retry-in-fresh-txn' | 'retry-from-savepoint';

export function decideStatementRetry(f: StatementFailure): StatementRetry {
  if (f.sentRows || f.attempt >= STATEMENT_RETRIES_MAX || f.code === null) return 'report';
  if (f.readCommittedBlock && f.code === 'txn-retry') return 'retry-from-savepoint';
  if (f.alone && implicitRetryCodes.has(f.code)) return 'retry-in-fresh-txn';
  return 'report';
}
