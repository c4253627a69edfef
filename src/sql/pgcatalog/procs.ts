/**
 * pg_proc's rows: the functions Tessera implements, with the signatures it accepts most
 * naturally. OIDs are 8000 + position; the list is append-only so they never change.
 */
export interface BuiltinProc {
  readonly oid: number;
  readonly name: string;
  /** Argument type OIDs. */
  readonly args: readonly number[];
  readonly result: number;
  /** 'f' function, 'a' aggregate. */
  readonly kind: 'f' | 'a';
}

const TEXT = 25, INT4 = 23, INT8 = 20, BOOL = 16, OID = 26, NUMERIC = 1700, FLOAT8 = 701, TSTZ = 1184, NAME = 19, ANY = 2283, UUID = 2950, DATE = 1082, TS = 1114, REGCLASS = 2205;

// [name, args, result, kind]
const list: readonly (readonly [string, readonly number[], number, 'f' | 'a'])[] = [
  ['version', [], TEXT, 'f'], ['current_database', [], NAME, 'f'], ['current_user', [], NAME, 'f'], ['session_user', [], NAME, 'f'],
  ['current_schema', [], NAME, 'f'], ['current_schemas', [BOOL], 1003, 'f'], ['current_setting', [TEXT], TEXT, 'f'],
  ['now', [], TSTZ, 'f'], ['lower', [TEXT], TEXT, 'f'], ['upper', [TEXT], TEXT, 'f'], ['length', [TEXT], INT4, 'f'],
  ['abs', [NUMERIC], NUMERIC, 'f'], ['substr', [TEXT, INT4, INT4], TEXT, 'f'], ['round', [NUMERIC, INT4], NUMERIC, 'f'],
  ['gen_random_uuid', [], UUID, 'f'], ['pg_backend_pid', [], INT4, 'f'], ['concat', [ANY], TEXT, 'f'], ['replace', [TEXT, TEXT, TEXT], TEXT, 'f'],
  ['strpos', [TEXT, TEXT], INT4, 'f'], ['btrim', [TEXT, TEXT], TEXT, 'f'], ['ltrim', [TEXT, TEXT], TEXT, 'f'], ['rtrim', [TEXT, TEXT], TEXT, 'f'],
  ['left', [TEXT, INT4], TEXT, 'f'], ['right', [TEXT, INT4], TEXT, 'f'], ['repeat', [TEXT, INT4], TEXT, 'f'], ['reverse', [TEXT], TEXT, 'f'],
  ['lpad', [TEXT, INT4, TEXT], TEXT, 'f'], ['rpad', [TEXT, INT4, TEXT], TEXT, 'f'], ['split_part', [TEXT, TEXT, INT4], TEXT, 'f'],
  ['starts_with', [TEXT, TEXT], BOOL, 'f'], ['ceil', [FLOAT8], FLOAT8, 'f'], ['floor', [FLOAT8], FLOAT8, 'f'], ['trunc', [FLOAT8], FLOAT8, 'f'],
  ['sign', [FLOAT8], FLOAT8, 'f'], ['mod', [INT4, INT4], INT4, 'f'], ['greatest', [ANY], ANY, 'f'], ['least', [ANY], ANY, 'f'],
  ['count', [ANY], INT8, 'a'], ['sum', [NUMERIC], NUMERIC, 'a'], ['avg', [NUMERIC], NUMERIC, 'a'], ['min', [ANY], ANY, 'a'], ['max', [ANY], ANY, 'a'],
  ['bool_and', [BOOL], BOOL, 'a'], ['bool_or', [BOOL], BOOL, 'a'], ['every', [BOOL], BOOL, 'a'], ['string_agg', [TEXT, TEXT], TEXT, 'a'],
  ['format_type', [OID, INT4], TEXT, 'f'], ['pg_get_indexdef', [OID], TEXT, 'f'], ['pg_get_constraintdef', [OID], TEXT, 'f'],
  ['pg_get_expr', [194, OID], TEXT, 'f'], ['pg_get_viewdef', [OID], TEXT, 'f'], ['pg_get_serial_sequence', [TEXT, TEXT], TEXT, 'f'],
  ['pg_table_is_visible', [OID], BOOL, 'f'], ['pg_type_is_visible', [OID], BOOL, 'f'], ['pg_function_is_visible', [OID], BOOL, 'f'],
  ['obj_description', [OID, NAME], TEXT, 'f'], ['col_description', [OID, INT4], TEXT, 'f'], ['shobj_description', [OID, NAME], TEXT, 'f'],
  ['pg_get_userbyid', [OID], NAME, 'f'], ['has_table_privilege', [TEXT, TEXT], BOOL, 'f'], ['has_schema_privilege', [TEXT, TEXT], BOOL, 'f'],
  ['has_database_privilege', [TEXT, TEXT], BOOL, 'f'], ['pg_encoding_to_char', [INT4], NAME, 'f'], ['pg_size_pretty', [INT8], TEXT, 'f'],
  ['pg_total_relation_size', [REGCLASS], INT8, 'f'], ['pg_relation_size', [REGCLASS], INT8, 'f'], ['pg_table_size', [REGCLASS], INT8, 'f'],
  ['to_regclass', [TEXT], REGCLASS, 'f'], ['to_regtype', [TEXT], 2206, 'f'], ['quote_ident', [TEXT], TEXT, 'f'], ['quote_literal', [TEXT], TEXT, 'f'],
  ['pg_advisory_lock', [INT8], 2278, 'f'], ['pg_try_advisory_lock', [INT8], BOOL, 'f'], ['pg_advisory_unlock', [INT8], BOOL, 'f'],
  ['pg_advisory_unlock_all', [], 2278, 'f'], ['pg_advisory_xact_lock', [INT8], 2278, 'f'], ['pg_try_advisory_xact_lock', [INT8], BOOL, 'f'],
  ['pg_advisory_lock_shared', [INT8], 2278, 'f'], ['pg_try_advisory_lock_shared', [INT8], BOOL, 'f'], ['pg_advisory_unlock_shared', [INT8], BOOL, 'f'],
  ['current_date', [], DATE, 'f'], ['localtimestamp', [], TS, 'f'], ['pg_get_function_result', [OID], TEXT, 'f'], ['pg_get_function_arguments', [OID], TEXT, 'f'],
];

export const BUILTIN_PROCS: readonly BuiltinProc[] = list.map(([name, args, result, kind], i) => ({ oid: 8000 + i, name, args, result, kind }));
