import { SqlError } from '../sql/index.ts';
import type { ErrorNoticeFields } from './backend-writer.ts';
import type { ProtocolViolation } from './frontend-messages.ts';

/**
 * The one place wire turns an arbitrary failure into something a client may see.
 * Session methods promise to throw SqlError only; anything else is a bug below us and
 * becomes XX000. When sql exports its `toSqlError` mapper, this delegates to it.
 */
export function toClientError(err: unknown): SqlError {
  if (err instanceof SqlError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new SqlError({ code: 'XX000', message: `internal error: ${message}` }, { cause: err });
}

/** True when `err` did not come from sql as a SqlError: worth an error-level log line. */
export function isUnexpected(err: unknown): boolean {
  return !(err instanceof SqlError);
}

export function sqlErrorFields(err: SqlError, severity: string = err.severity): ErrorNoticeFields {
  return {
    severity,
    code: err.code,
    message: err.message,
    detail: err.detail,
    hint: err.hint,
    where: err.where,
    position: err.position,
    schema: err.schema,
    table: err.table,
    column: err.column,
    dataType: err.dataType,
    constraint: err.constraint,
  };
}

/** Errors wire raises itself. They end the connection, hence FATAL. */
export function fatal(code: string, message: string): ErrorNoticeFields {
  return { severity: 'FATAL', code, message };
}

export function protocolViolationFields(violation: ProtocolViolation): ErrorNoticeFields {
  return fatal(violation.code, violation.message);
}
