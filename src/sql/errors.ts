/**
 * The one mapper from anything thrown below the Session to the SqlError a client sees.
 * Errors from lower layers are recognised by their stable `code` (TesseraError), never by
 * message text.
 */
import { TesseraError, type Logger } from '../util/index.ts';
import { SqlError, sqlError } from './sql-error.ts';

/** Codes of lower-layer errors that are an expected outcome for a client. */
const lowerLayerCodes: Readonly<Record<string, (err: TesseraError) => SqlError>> = {
  'txn-retry': (err) =>
    sqlError('40001', `restart transaction: ${err.message}`, {
      hint: 'The transaction conflicted with another one; retry the transaction.',
    }),
  'txn-aborted': (err) =>
    sqlError('40001', `restart transaction: the transaction was aborted: ${err.message}`, {
      hint: 'The transaction was aborted by a concurrent one; retry the transaction.',
    }),
  deadlock: (err) =>
    sqlError('40P01', err.message, {
      hint: 'Two transactions waited for each other\'s locks; this one was rolled back. Retry the transaction.',
    }),
  'lock-not-available': (err) => sqlError('55P03', err.message),
  // CockroachDB's statement_completion_unknown: the client cannot know whether it committed.
  'ambiguous-result': (err) =>
    sqlError('40003', err.message, {
      hint: 'The transaction may or may not have committed (a node or the network failed during the commit); check before retrying.',
    }),
  'savepoint-too-large': (err) => sqlError('0A000', err.message),
  // An outage, not a bug: system_error, with what the router tried.
  'range-unavailable': (err) =>
    sqlError('58000', err.message, {
      hint: 'No replica of the data answered in time (nodes down or cut off); the statement did not take effect. Retry once the cluster is healthy; the runbook says how to see which nodes are live.',
    }),
  // The executor attributes duplicates to a constraint itself; this is the fallback.
  'duplicate-key': () => sqlError('23505', 'duplicate key value violates unique constraint'),
  'statement-cancelled': () => sqlError('57014', 'canceling statement due to user request'),
  'lock-timeout': () => sqlError('55P03', 'canceling statement due to lock timeout'),
};

/**
 * Maps any thrown value to a SqlError. SqlErrors pass through; known lower-layer codes get
 * their SQLSTATE; everything else is a bug or an infrastructure failure: XX000, logged with
 * its stack when a logger is given.
 */
export function toSqlError(err: unknown, logger?: Logger): SqlError {
  if (err instanceof SqlError) return err;
  if (err instanceof TesseraError) {
    const map = lowerLayerCodes[err.code];
    if (map !== undefined) return map(err);
  }
  const code = errorCode(err);
  if (code !== null) {
    const map = lowerLayerCodes[code];
    if (map !== undefined && err instanceof Error) return map(new TesseraError(code, err.message));
  }
  logger?.error({ err }, 'internal error while executing a statement');
  const message = err instanceof Error ? err.message : String(err);
  return new SqlError({ code: 'XX000', message: `internal error: ${message}` }, { cause: err });
}

/** The stable code of an error-like object from another layer, if it has one. */
export function errorCode(err: unknown): string | null {
  if (typeof err !== 'object' || err === null || !('code' in err)) return null;
  const code = (err as { code: unknown }).code;
  return typeof code === 'string' ? code : null;
}
