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
]);

/** Names SHOW prints in mixed case, as PostgreSQL does in its column header. */
export const settingDisplayNames: ReadonlyMap<string, string> = new Map([
  ['datestyle', 'DateStyle'],
  ['timezone', 'TimeZone'],
  ['intervalstyle', 'IntervalStyle'],
]);

/** Settings reported to the client in ParameterStatus when they change. */
export const reportedSettings: ReadonlySet<string> = new Set([
  'application_name', 'client_encoding', 'datestyle', 'timezone', 'intervalstyle', 'standard_conforming_strings',
  'integer_datetimes', 'server_version', 'server_encoding', 'is_superuser', 'session_authorization',
]);

const readOnly: ReadonlySet<string> = new Set(['server_version', 'server_version_num', 'server_encoding', 'integer_datetimes', 'max_identifier_length', 'is_superuser']);

export class Settings {
  private readonly values = new Map<string, string>();
  timeZone: TimeZone = { kind: 'fixed', offsetSeconds: 0, name: 'UTC' };
  extraFloatDigits = 1;

  get(name: string): string | null {
    return this.values.get(name) ?? settingDefaults.get(name) ?? null;
  }

  /** Sets a value given as text; `isNumber` marks an unquoted numeric literal (TimeZone's rule). */
  set(name: string, value: string | null, isNumber = false): void {
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
      case 'datestyle':
        // Only ISO output exists; accept what drivers send and keep showing ISO.
        this.values.set(name, /mdy|us/i.test(v) || !/dmy|ymd/i.test(v) ? 'ISO, MDY' : `ISO, ${v.toUpperCase().includes('DMY') ? 'DMY' : 'YMD'}`);
        return;
    }
    this.values.set(name, v);
  }

  /** Every setting, sorted by name (SHOW ALL). */
  all(): [string, string][] {
    return [...settingDefaults.keys()].sort().map((k) => [settingDisplayNames.get(k) ?? k, this.get(k) ?? '']);
  }
}
