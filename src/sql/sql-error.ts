/**
 * SqlError: the only error shape that reaches a client. Every failure becomes one through
 * `toSqlError` (in this layer); src/wire only encodes it as an ErrorResponse.
 */
export interface SqlErrorFields {
  /** PostgreSQL SQLSTATE, five characters, e.g. '42601'. */
  readonly code: string;
  readonly message: string;
  readonly severity?: 'ERROR' | 'FATAL' | 'PANIC';
  readonly detail?: string;
  readonly hint?: string;
  /** PostgreSQL's CONTEXT: where the error happened, e.g. `COPY t, line 3, column v: "x"`. */
  readonly where?: string;
  /** 1-based character position in the query string, as PostgreSQL reports it. */
  readonly position?: number;
  readonly schema?: string;
  readonly table?: string;
  readonly column?: string;
  readonly constraint?: string;
  readonly dataType?: string;
}

export class SqlError extends Error {
  readonly code: string;
  readonly severity: 'ERROR' | 'FATAL' | 'PANIC';
  readonly detail: string | undefined;
  readonly hint: string | undefined;
  readonly where: string | undefined;
  readonly position: number | undefined;
  readonly schema: string | undefined;
  readonly table: string | undefined;
  readonly column: string | undefined;
  readonly constraint: string | undefined;
  readonly dataType: string | undefined;

  constructor(fields: SqlErrorFields, options?: { cause?: unknown }) {
    super(fields.message, options);
    this.name = 'SqlError';
    this.code = fields.code;
    this.severity = fields.severity ?? 'ERROR';
    this.detail = fields.detail;
    this.hint = fields.hint;
    this.where = fields.where;
    this.position = fields.position;
    this.schema = fields.schema;
    this.table = fields.table;
    this.column = fields.column;
    this.constraint = fields.constraint;
    this.dataType = fields.dataType;
  }
}

/** Convenience constructor: `sqlError('42P01', 'relation "t" does not exist')`. */
export function sqlError(code: string, message: string, extra: Omit<SqlErrorFields, 'code' | 'message'> = {}): SqlError {
  return new SqlError({ code, message, ...extra });
}
