/**
 * The contract between src/wire and src/sql. wire owns bytes, sockets, message order and
 * the protocol state machine; sql owns meaning. Nothing in sql knows pgwire exists, and
 * nothing in wire parses SQL.
 *
 * Values cross this boundary already formatted: text-format values as strings, binary-format
 * values as bytes (sql formats them, because only sql knows types), NULL as null.
 */

import type { HbaRule } from './auth/hba.ts';

/** A result column, with exactly what PostgreSQL's RowDescription carries. */
export interface ColumnInfo {
  readonly name: string;
  /** Table OID, or 0 when the column is not a plain table column. */
  readonly tableOid: number;
  /** Attribute number within that table, or 0. */
  readonly columnAttr: number;
  readonly typeOid: number;
  /** pg_type.typlen: -1 for varlena types. */
  readonly typeSize: number;
  /** Type modifier (e.g. varchar length + 4), -1 when none. */
  readonly typeMod: number;
  /** 0 = text, 1 = binary: the format the values of this column are sent in. */
  readonly format: 0 | 1;
}

export type FormattedValue = string | Uint8Array | null;
export type FormattedRow = readonly FormattedValue[];

export interface Notice {
  readonly severity: 'WARNING' | 'NOTICE' | 'INFO' | 'LOG' | 'DEBUG';
  readonly code: string;
  readonly message: string;
  readonly detail?: string;
  readonly hint?: string;
}

/**
 * What running a statement produces, in order. Rows come in batches (never one promise per
 * row); a batch may be empty. A statement's events end with exactly one of
 * 'command-complete', 'empty-query' or 'portal-suspended'.
 */
export type QueryEvent =
  | { readonly kind: 'row-description'; readonly columns: readonly ColumnInfo[] }
  | { readonly kind: 'rows'; readonly rows: readonly FormattedRow[] }
  | { readonly kind: 'command-complete'; readonly tag: string }
  | { readonly kind: 'empty-query' }
  | { readonly kind: 'portal-suspended' }
  | { readonly kind: 'notice'; readonly notice: Notice }
  | { readonly kind: 'parameter-status'; readonly name: string; readonly value: string }
  /**
   * COPY FROM STDIN: wire answers CopyInResponse, then feeds every CopyData to `sink.write`
   * (awaiting it: back-pressure) until CopyDone (`end(null)`) or CopyFail (`end(message)`),
   * and only then pulls the next event (the statement's completion or error).
   */
  | { readonly kind: 'copy-in'; readonly columnCount: number; readonly sink: CopyInSink }
  /** COPY TO STDOUT: CopyOutResponse; then 'copy-data' events; wire sends CopyDone before CommandComplete. */
  | { readonly kind: 'copy-out'; readonly columnCount: number }
  | { readonly kind: 'copy-data'; readonly data: string | Uint8Array };

/** Where wire puts the data of a COPY FROM STDIN. */
export interface CopyInSink {
  /**
   * One CopyData message's bytes, valid only during the synchronous part of the call (the
   * sink copies what it keeps). Never rejects: errors are kept for the end.
   */
  write(data: Uint8Array): Promise<void>;
  /** The client finished: null after CopyDone, the client's message after CopyFail. */
  end(failure: string | null): void;
}

/** ReadyForQuery's status byte, in words. */
export type TransactionStatus = 'idle' | 'in-transaction' | 'failed';

export interface StatementDescription {
  /** One type OID per parameter ($1..$n), inferred where the client sent 0. */
  readonly paramTypeOids: readonly number[];
  /** Result columns in text format, or null when the statement returns no rows. */
  readonly columns: readonly ColumnInfo[] | null;
}

export interface StartupParams {
  readonly user: string;
  readonly database: string;
  /** Every other startup parameter the client sent (application_name, options, ...). */
  readonly options: ReadonlyMap<string, string>;
  readonly remoteAddress: string;
}

/**
 * One client session. Methods are called one at a time by wire, in protocol order; an
 * async iterable is fully consumed (or `return()`ed) before the next call.
 *
 * Errors: every method throws `SqlError` (already mapped) for client-visible failures.
 * An error inside an explicit transaction block puts the session in 'failed'.
 */
export interface Session {
  /** ParameterStatus pairs to send after authentication (server_version, TimeZone, ...). */
  initialParameterStatus(): readonly (readonly [string, string])[];
  transactionStatus(): TransactionStatus;

  /**
   * Simple query protocol: runs every statement in `sql` in order. Statements outside an
   * explicit block run in one implicit transaction per query string, as PostgreSQL does.
   * An error stops the remaining statements: the iterator throws it.
   */
  query(sql: string): AsyncIterable<QueryEvent>;

  /** Parse: replaces an unnamed statement; a named one must not exist (42P05). */
  prepare(name: string, sql: string, paramTypeOids: readonly number[]): Promise<StatementDescription>;
  describeStatement(name: string): StatementDescription;
  /**
   * Bind: creates a portal. `params` are raw parameter bytes (null = SQL NULL) in the
   * formats given by `paramFormats` (PostgreSQL's rules: none = all text, one = for all).
   */
  bind(
    portal: string,
    statement: string,
    params: readonly (Uint8Array | null)[],
    paramFormats: readonly number[],
    resultFormats: readonly number[],
  ): Promise<void>;
  /** Result columns in the portal's result formats, or null for no rows. */
  describePortal(portal: string): readonly ColumnInfo[] | null;
  /**
   * Execute: at most `maxRows` rows (0 = all); ends with 'portal-suspended' if more remain.
   * `lastBeforeSync`: the client's next message is Sync, so an implicit transaction may be
   * committed before 'command-complete' (one round to storage, and errors of the commit are
   * reported for this Execute, as PostgreSQL would).
   */
  execute(portal: string, maxRows: number, options?: ExecuteOptions): AsyncIterable<QueryEvent>;
  closeStatement(name: string): void;
  closePortal(name: string): void;
  /** Sync: ends the extended protocol's implicit transaction (commit, or rollback after an error). */
  sync(): Promise<void>;

  /**
   * idle_in_transaction_session_timeout in milliseconds (0 = none): how long wire waits for
   * the next message while a transaction block is open before ending the connection (25P03).
   * Optional so that test sessions need not implement it.
   */
  idleInTransactionTimeoutMs?(): number;

  /** Asks the running statement to stop with 57014; safe to call at any time. */
  cancel(): void;
  /** Rolls back any open transaction and releases everything. Idempotent. */
  close(): Promise<void>;
}

export interface ExecuteOptions {
  readonly lastBeforeSync?: boolean;
}

/** The sql layer as the node sees it. */
export interface SqlService {
  /**
   * Opens a session for an authenticated user; throws SqlError (FATAL) 3D000 for an unknown
   * database, 28000 for an unknown role or one without LOGIN, 42501 without CONNECT on the
   * database.
   */
  openSession(params: StartupParams): Promise<Session>;
  /**
   * The stored password verifier of `user` (SCRAM-SHA-256$... or md5...), or null when the
   * user does not exist or has no password: the caller cannot tell which, and must fail
   * both alike. Optional: a service without it has no passwords (password methods fail).
   */
  passwordVerifier?(user: string): Promise<string | null>;
  /**
   * The cluster's host-based authentication rules (ALTER SYSTEM SET
   * server.host_based_authentication.configuration), or null when none are set. Read from
   * KV on each call, so a change applies to the next connection on every node.
   */
  hbaRules?(): Promise<readonly HbaRule[] | null>;
}
