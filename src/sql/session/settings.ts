/**
 * Session settings (SET/SHOW/RESET): the ones drivers send, stored and shown back as
 * PostgreSQL would. Unknown names are 42704; bad values for the few checked ones 22023.
 */
import { sqlError } from '../sql-error.ts';
import { parseTimeZone, type TimeZone } from '../types/datetime.ts';

/** Defaults, keyed by lower-case name; the value is what SHOW prints. */
export const settingDefaults: ReadonlyMap<string, string> = new Map([
  ['application_name', ''],
  ['client_encoding', 'UTF8'],
  ['server_encoding', 'UTF8'],
  ['datestyle', 'ISO, MDY'],
  ['timezone', 'UTC'],
  ['extra_float_digits', '1'],
  ['search_path', '"$user", public'],
  ['statement_timeout', '0'],
  ['lock_timeout', '0'],
  ['idle_in_transaction_session_timeout', '0'],
  ['intervalstyle', 'postgres'],
  ['standard_conforming_strings', 'on'],
  ['integer_datetimes', 'on'],
  ['server_version', '15.4 (Tessera 0.1.0)'],
  ['server_version_num', '150004'],
  ['transaction_isolation', 'serializable'],
  ['default_transaction_isolation', 'serializable'],
  ['default_transaction_read_only', 'off'],
  ['transaction_read_only', 'off'],
  ['client_min_messages', 'notice'],
  ['bytea_output', 'hex'],
  ['synchronous_commit', 'on'],
  ['max_identifier_length', '63'],
  ['is_superuser', 'on'],
  ['session_authorization', 'root'],
  ['row_security', 'on'],
  ['jit', 'off'],
  ['max_parallel_workers_per_gather', '0'],
  ['join_collapse_limit', '8'],
  ['lc_messages', 'C'],
  ['lc_monetary', 'C'],
  ['lc_numeric', 'C'],
  ['lc_time', 'C'],
  // Sent by pg_dump and pg_restore; accepted and shown, they change nothing in Tessera.
  ['synchronize_seqscans', 'on'],
  ['quote_all_identifiers', 'off'],
  ['idle_session_timeout', '0'],
  ['check_function_bodies', 'on'],
  ['xmloption', 'content'],
  ['default_table_access_method', 'heap'],
  ['default_tablespace', ''],
  ['default_toast_compression', 'pglz'],
  ['lc_collate', 'C'],
  ['lc_ctype', 'C'],
]);

/** Names SHOW prints in mixed case, as PostgreSQL does in its column header. */
export const settingDisplayNames: ReadonlyMap<string, string> = new Map([
  ['datestyle', 'DateStyle'],
  ['timezone', 'TimeZone'],
  ['intervalstyle', 'IntervalStyle'],
]);

/** SHOW's column header: PostgreSQL's spelling of the name (SHOW timezone -> "TimeZone"). */
export function showColumnName(name: string): string {
  if (name === 'transaction isolation level') return 'transaction_isolation';
  return settingDisplayNames.get(name) ?? name;
}

/** Settings reported to the client in ParameterStatus when they change. */
export const reportedSettings: ReadonlySet<string> = new Set([
  'application_name', 'client_encoding', 'datestyle', 'timezone', 'intervalstyle', 'standard_conforming_strings',
  'integer_datetimes', 'server_version', 'server_encoding', 'is_superuser', 'session_authorization',
]);

const readOnly: ReadonlySet<string> = new Set(['server_version', 'server_version_num', 'server_encoding', 'integer_datetimes', 'max_identifier_length', 'is_superuser']);

/** How a setting changed inside a transaction block: its value before, and whether SET LOCAL did it. */
interface TxnUndo {
  readonly before: string | null;
  local: boolean;
}

export class Settings {
  private readonly values = new Map<string, string>();
  timeZone: TimeZone = { kind: 'fixed', offsetSeconds: 0, name: 'UTC' };
  extraFloatDigits = 1;
  statementTimeoutMs = 0;
  lockTimeoutMs = 0;
  idleInTransactionSessionTimeoutMs = 0;
  /** Non-null inside a transaction: what to restore at its end (SET is transactional, as in PostgreSQL). */
  private txnUndo: Map<string, TxnUndo> | null = null;
  /** Reported settings changed since the last `takeReported()`, to be sent as ParameterStatus. */
  private readonly reportedChanges = new Set<string>();

  /** A transaction started: later SETs are undone on rollback, SET LOCALs at every end. */
  beginTransaction(): void {
    this.txnUndo ??= new Map();
  }

  /** The transaction ended: restores SET LOCAL values, and every SET of it when it rolled back. */
  endTransaction(committed: boolean): void {
    const undo = this.txnUndo;
    this.txnUndo = null;
    if (undo === null) return;
    for (const [name, u] of undo) {
      if (committed && !u.local) continue;
      this.set(name, u.before);
      if (u.before === null) this.values.delete(name);
    }
  }

  get inTransaction(): boolean {
    return this.txnUndo !== null;
  }

  /** SET LOCAL: like `set`, undone when the transaction ends. Caller checks there is one. */
  setLocal(name: string, value: string | null, isNumber = false): void {
    this.remember(name, true);
    this.setValue(name, value, isNumber);
  }

  /** Names (display case) and values of reported settings changed since the last call. */
  takeReported(): [string, string][] {
    const out: [string, string][] = [...this.reportedChanges].map((n) => [settingDisplayNames.get(n) ?? n, this.get(n) ?? '']);
    this.reportedChanges.clear();
    return out;
  }

  private remember(name: string, local: boolean): void {
    if (this.txnUndo === null) return;
    const u = this.txnUndo.get(name);
    if (u === undefined) this.txnUndo.set(name, { before: this.values.get(name) ?? null, local });
    else if (!local) u.local = false;
  }

  get(name: string): string | null {
    return this.values.get(name) ?? settingDefaults.get(name) ?? null;
  }

  /** Sets a value given as text; `isNumber` marks an unquoted numeric literal (TimeZone's rule). */
  set(name: string, value: string | null, isNumber = false): void {
    this.remember(name, false);
    this.setValue(name, value, isNumber);
  }

  private setValue(name: string, value: string | null, isNumber: boolean): void {
    const before = this.get(name);
    this.assign(name, value, isNumber);
    if (reportedSettings.has(name) && this.get(name) !== before) this.reportedChanges.add(name);
  }

  private assign(name: string, value: string | null, isNumber: boolean): void {
    if (!settingDefaults.has(name)) throw sqlError('42704', `unrecognized configuration parameter "${name}"`);
    if (readOnly.has(name)) throw sqlError('55P02', `parameter "${name}" cannot be changed`);
    const v = value ?? settingDefaults.get(name)!;
    switch (name) {
      case 'timezone': {
        const zone = parseTimeZone(v, isNumber && value !== null);
        if (zone === null) throw sqlError('22023', `invalid value for parameter "TimeZone": "${v}"`);
        this.timeZone = zone;
        this.values.set(name, value === null ? v : zone.name);
        return;
      }
      case 'extra_float_digits': {
        const n = Number(v);
        if (!Number.isInteger(n) || n < -15 || n > 3) {
          throw sqlError('22023', `invalid value for parameter "extra_float_digits": "${v}"`);
        }
        this.extraFloatDigits = n;
        break;
      }
      case 'client_encoding':
        if (!/^(utf-?8|unicode)$/i.test(v)) throw sqlError('22023', `invalid value for parameter "client_encoding": "${v}"`);
        this.values.set(name, 'UTF8');
        return;
      case 'statement_timeout': case 'lock_timeout': case 'idle_in_transaction_session_timeout': {
        const ms = parseDurationMs(v);
        if (ms === null) throw sqlError('22023', `invalid value for parameter "${name}": "${v}"`);
        if (name === 'statement_timeout') this.statementTimeoutMs = ms;
        else if (name === 'lock_timeout') this.lockTimeoutMs = ms;
        else this.idleInTransactionSessionTimeoutMs = ms;
        this.values.set(name, formatDurationMs(ms));
        return;
      }
      case 'transaction_isolation': case 'default_transaction_isolation': {
        const level = isolationLevelName(v);
        if (level === null) throw sqlError('22023', `invalid value for parameter "${name}": "${v}"`, { hint: 'Available values: serializable, repeatable read, read committed, read uncommitted.' });
        this.values.set(name, level);
        return;
      }
      case 'client_min_messages':
        if (!/^(debug[1-5]?|log|notice|warning|error)$/i.test(v)) throw sqlError('22023', `invalid value for parameter "client_min_messages": "${v}"`);
        this.values.set(name, v.toLowerCase());
        return;
      case 'datestyle':
        // Only ISO output exists; accept what drivers send and keep showing ISO.
        this.values.set(name, /mdy|us/i.test(v) || !/dmy|ymd/i.test(v) ? 'ISO, MDY' : `ISO, ${v.toUpperCase().includes('DMY') ? 'DMY' : 'YMD'}`);
        return;
    }
    this.values.set(name, v);
  }

  /** client_min_messages: whether a notice of `severity` goes to the client (INFO always does, as in PostgreSQL). */
  sendsNotice(severity: 'WARNING' | 'NOTICE' | 'INFO' | 'LOG' | 'DEBUG'): boolean {
    if (severity === 'INFO') return true;
    const rank = (level: string): number => ['debug', 'log', 'notice', 'warning', 'error'].findIndex((l) => level.toLowerCase().startsWith(l));
    return rank(severity) >= rank(this.get('client_min_messages') ?? 'notice');
  }

  /** Every setting, sorted by name (SHOW ALL). */
  all(): [string, string][] {
    return [...settingDefaults.keys()].sort().map((k) => [settingDisplayNames.get(k) ?? k, this.get(k) ?? '']);
  }
}

/** The isolation level's SHOW name, or null for a wrong one. */
export function isolationLevelName(text: string): string | null {
  const t = text.trim().toLowerCase().replace(/[\s_-]+/g, ' ');
  return ['serializable', 'repeatable read', 'read committed', 'read uncommitted'].includes(t) ? t : null;
}

/**
 * The level a transaction runs at: READ UNCOMMITTED is READ COMMITTED (as in PostgreSQL);
 * REPEATABLE READ is SERIALIZABLE (stronger, which the standard allows; as CockroachDB).
 */
export function txnIsolationOf(name: string): 'serializable' | 'read-committed' {
  return name === 'read committed' || name === 'read uncommitted' ? 'read-committed' : 'serializable';
}

const durationUnitsMs: Readonly<Record<string, number>> = { us: 0.001, ms: 1, s: 1000, min: 60_000, h: 3_600_000, d: 86_400_000 };

/** '5s', '250ms', '1min', or a bare number of milliseconds; null when not a duration. */
export function parseDurationMs(text: string): number | null {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(us|ms|s|min|h|d)?\s*$/.exec(text);
  if (m === null) return null;
  const ms = Math.round(Number(m[1]) * (durationUnitsMs[m[2] ?? 'ms'] ?? 1));
  return ms <= 2_147_483_647 ? ms : null;
}

/** As SHOW prints a duration: the largest unit that divides it exactly. */
export function formatDurationMs(ms: number): string {
  if (ms === 0) return '0';
  for (const [unit, size] of [['d', 86_400_000], ['h', 3_600_000], ['min', 60_000], ['s', 1000]] as const) {
    if (ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${ms}ms`;
}
