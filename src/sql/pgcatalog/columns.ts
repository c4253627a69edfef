/**
 * How virtual catalog tables declare their columns and produce rows. Columns are written
 * as `name type` lists; a row is an object keyed by column name (absent = NULL) whose
 * JavaScript numbers are turned into the column type's runtime value here, so the table
 * definitions stay short and read like PostgreSQL's documentation.
 */
import type { EvalContext } from '../expr/bound.ts';
import { Numeric } from '../types/numeric.ts';
import { SqlArray } from '../types/sql-array.ts';
import { arrayOf, T, vectorType, type SqlType, type Value } from '../types/types.ts';
import type { CatalogSnapshot } from './snapshot.ts';

export interface VirtualColumn {
  readonly name: string;
  readonly type: SqlType;
}

/** A row as an object; an array column takes a JavaScript array of its elements. */
export type RowObject = Readonly<Record<string, Value | number | readonly (Value | number)[] | undefined>>;

export interface VirtualTableDef {
  readonly schema: 'pg_catalog' | 'information_schema';
  readonly name: string;
  /** PostgreSQL's own OID for its catalog tables, else one from the 12000 range. */
  readonly oid: number;
  /** 'r' a catalog table, 'v' a system view. */
  readonly relkind: 'r' | 'v';
  readonly columns: readonly VirtualColumn[];
  readonly rows: (snap: CatalogSnapshot, ctx: EvalContext) => readonly RowObject[];
  /** Rows that never change (built-in objects): converted once, listed after `rows`. */
  readonly fixedRows?: () => readonly RowObject[];
  /** Values of columns a row object leaves out (instead of NULL). */
  readonly defaults?: RowObject;
}

/**
 * Column types as written in the specs. PostgreSQL's name and "char" read as text; arrays
 * are arrays, and so are the vector types (int2vector, oidvector: zero-based subscripts,
 * space-separated text).
 */
const specTypes: Readonly<Record<string, SqlType>> = {
  oid: T.oid, name: { kind: 'text', alias: 'name' }, text: T.text, char: T.text, bool: T.bool, int2: T.int2, int4: T.int4, int8: T.int8,
  float4: T.float4, float8: T.float8, numeric: T.numeric, timestamptz: T.timestamptz, xid: T.int8,
  regproc: { kind: 'oid', reg: 'regproc' }, regclass: T.regclass, regtype: { kind: 'oid', reg: 'regtype' },
  int2vector: vectorType('int2vector'), oidvector: vectorType('oidvector'), anyarray: T.text, pg_node_tree: T.text, aclitem: T.text,
  'text[]': arrayOf(T.text), 'oid[]': arrayOf(T.oid), 'int2[]': arrayOf(T.int2), 'char[]': arrayOf(T.text), 'name[]': arrayOf({ kind: 'text', alias: 'name' }),
  'aclitem[]': arrayOf(T.text), 'float4[]': arrayOf(T.float4),
};

/** Parses `a oid, b name, ...` into columns; an unknown type name is a programming error. */
export function columns(spec: string): VirtualColumn[] {
  return spec.split(',').map((part) => {
    const [name, type] = part.trim().split(/\s+/);
    const t = type === undefined ? undefined : specTypes[type];
    if (name === undefined || t === undefined) throw new Error(`bad catalog column spec "${part}"`);
    return { name, type: t };
  });
}

/** A row object as the table's values, numbers converted to each column's runtime type. */
export function toRow(cols: readonly VirtualColumn[], obj: RowObject, defaults: RowObject = {}): Value[] {
  return cols.map((c) => {
    const v = obj[c.name] ?? defaults[c.name];
    if (v === undefined || v === null) return null;
    if (Array.isArray(v)) {
      const element = c.type.kind === 'array' ? c.type.element : T.text;
      return new SqlArray(v.map((x: Value | number) => convert(element, x)));
    }
    return convert(c.type, v as Value | number);
  });
}

function convert(type: SqlType, v: Value | number): Value {
  if (typeof v !== 'number') return v;
  switch (type.kind) {
    case 'float4': case 'float8': return v;
    case 'numeric': return Numeric.fromBigInt(BigInt(v));
    case 'text': return String(v);
    default: return BigInt(v);
  }
}

export function emptyTable(schema: VirtualTableDef['schema'], name: string, oid: number, spec: string, relkind: 'r' | 'v' = 'r'): VirtualTableDef {
  return { schema, name, oid, relkind, columns: columns(spec), rows: () => [] };
}
