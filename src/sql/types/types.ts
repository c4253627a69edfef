/**
 * SQL types Tessera knows, with the facts RowDescription needs (OID, typlen, typmod) and
 * the runtime representation of their values.
 *
 * Runtime values (`Value`): null is SQL NULL; integers of every width are bigint (one
 * arithmetic path, exact range checks); floats are number; numeric is `Numeric` (exact,
 * with its display scale); text, varchar and char are string; bool is boolean; bytea is
 * Uint8Array; date is a number of days since 1970-01-01; timestamp and timestamptz are
 * bigint microseconds since 1970-01-01 00:00:00 (UTC for timestamptz); uuid is its
 * canonical lower-case text; interval is `Interval`; json is its text as written (validated);
 * jsonb is `Jsonb` (a normalised tree); an array is `SqlArray` (one dimension, lower bound 1);
 * an enum value is the number of its label's position (so it orders by declaration).
 */
import type { TypeName } from '../parser/ast.ts';
import { sqlError } from '../sql-error.ts';
import type { Interval } from './interval.ts';
import type { Jsonb } from './jsonb.ts';
import type { Numeric } from './numeric.ts';
import type { SqlArray } from './sql-array.ts';

export type SqlType =
  | { readonly kind: 'int2' }
  | { readonly kind: 'int4' }
  | { readonly kind: 'int8' }
  | { readonly kind: 'float4' }
  | { readonly kind: 'float8' }
  | { readonly kind: 'numeric'; readonly precision: number | null; readonly scale: number | null }
  /**
   * text; `alias: 'name'` is PostgreSQL's name (identifiers in the catalog): it behaves as
   * text everywhere and only reports its own type OID (19, and 1003 for its arrays), as
   * drivers leave name[] unparsed while they parse text[].
   */
  | { readonly kind: 'text'; readonly alias?: 'name' }
  | { readonly kind: 'varchar'; readonly length: number | null }
  | { readonly kind: 'bpchar'; readonly length: number | null }
  | { readonly kind: 'bool' }
  | { readonly kind: 'bytea' }
  | { readonly kind: 'date' }
  | { readonly kind: 'timestamp' }
  /** time without time zone: bigint microseconds since midnight, 0 through 24:00:00. */
  | { readonly kind: 'time' }
  | { readonly kind: 'timestamptz' }
  | { readonly kind: 'uuid' }
  /**
   * oid and its aliases (regclass, regtype, ...): unsigned 32-bit object ids, bigint at
   * runtime. The aliases differ only in text input and output (names through the catalog).
   */
  | { readonly kind: 'oid'; readonly reg: OidAlias }
  | { readonly kind: 'interval' }
  | { readonly kind: 'json' }
  | { readonly kind: 'jsonb' }
  /** A CREATE TYPE ... AS ENUM type; values are label positions (declaration order). */
  | { readonly kind: 'enum'; readonly oid: number; readonly name: string; readonly labels: readonly string[] }
  /**
   * A one-dimensional array of `element` (never itself an array). The catalog's vector types
   * (int2vector, oidvector) are arrays too, with lower bound 0 and a space-separated text form.
   */
  | { readonly kind: 'array'; readonly element: SqlType; readonly vector?: VectorType }
  /** A quoted literal or parameter whose type context has not decided yet. */
  | { readonly kind: 'unknown' };

export type TypeKind = SqlType['kind'];

/** PostgreSQL's zero-based vector types, with their type OIDs. */
export const VECTOR_TYPES = { int2vector: 22, oidvector: 30 } as const;
export type VectorType = keyof typeof VECTOR_TYPES;

/** The vector type's array type: int2 or oid elements, subscripts from 0. */
export function vectorType(name: VectorType): SqlType {
  return { kind: 'array', element: name === 'int2vector' ? T.int2 : T.oid, vector: name };
}

/** An array type's first subscript: 0 for the vector types, 1 for every other array. */
export function arrayLowerBound(type: SqlType): number {
  return type.kind === 'array' && type.vector !== undefined ? 0 : 1;
}

/** The oid type and its reg* aliases, each with PostgreSQL's type OID. */
export const OID_ALIASES = {
  oid: 26, regclass: 2205, regtype: 2206, regproc: 24, regprocedure: 2202, regnamespace: 4089, regrole: 4096, regoper: 2203,
} as const;
export type OidAlias = keyof typeof OID_ALIASES;

export function isOidAlias(name: string): name is OidAlias {
  return Object.hasOwn(OID_ALIASES, name);
}

export type Value = null | boolean | bigint | number | string | Uint8Array | Numeric | Interval | Jsonb | SqlArray;

export const T = {
  int2: { kind: 'int2' },
  int4: { kind: 'int4' },
  int8: { kind: 'int8' },
  float4: { kind: 'float4' },
  float8: { kind: 'float8' },
  numeric: { kind: 'numeric', precision: null, scale: null },
  text: { kind: 'text' },
  bool: { kind: 'bool' },
  bytea: { kind: 'bytea' },
  date: { kind: 'date' },
  timestamp: { kind: 'timestamp' },
  time: { kind: 'time' },
  timestamptz: { kind: 'timestamptz' },
  uuid: { kind: 'uuid' },
  oid: { kind: 'oid', reg: 'oid' },
  regclass: { kind: 'oid', reg: 'regclass' },
  interval: { kind: 'interval' },
  json: { kind: 'json' },
  jsonb: { kind: 'jsonb' },
  unknown: { kind: 'unknown' },
} as const satisfies Record<string, SqlType>;

type ScalarKind = Exclude<TypeKind, 'array' | 'enum'>;

const oids: Readonly<Record<ScalarKind, number>> = {
  int2: 21, int4: 23, int8: 20, float4: 700, float8: 701, numeric: 1700, text: 25, varchar: 1043,
  bpchar: 1042, bool: 16, bytea: 17, date: 1082, time: 1083, timestamp: 1114, timestamptz: 1184, uuid: 2950, oid: 26,
  interval: 1186, json: 114, jsonb: 3802, unknown: 705,
};

/** The OID of each element type's array type (pg_type.typarray). */
const arrayOids: Readonly<Record<ScalarKind, number>> = {
  int2: 1005, int4: 1007, int8: 1016, float4: 1021, float8: 1022, numeric: 1231, text: 1009, varchar: 1015,
  bpchar: 1014, bool: 1000, bytea: 1001, date: 1182, time: 1183, timestamp: 1115, timestamptz: 1185, uuid: 2951,
  oid: 1028, interval: 1187, json: 199, jsonb: 3807, unknown: 1009,
};

/** Arrays of the reg* aliases (pg_type.typarray). */
const regArrayOids: Readonly<Record<OidAlias, number>> = {
  oid: 1028, regclass: 2210, regtype: 2211, regproc: 1008, regprocedure: 2207, regnamespace: 4090, regrole: 4097, regoper: 2208,
};

const sizes: Readonly<Record<ScalarKind, number>> = {
  int2: 2, int4: 4, int8: 8, float4: 4, float8: 8, numeric: -1, text: -1, varchar: -1,
  bpchar: -1, bool: 1, bytea: -1, date: 4, time: 8, timestamp: 8, timestamptz: 8, uuid: 16, oid: 4, interval: 16,
  json: -1, jsonb: -1, unknown: -2,
};

/** PostgreSQL's names of the types, as format_type prints them in messages. */
const displayNames: Readonly<Record<ScalarKind, string>> = {
  int2: 'smallint', int4: 'integer', int8: 'bigint', float4: 'real', float8: 'double precision',
  numeric: 'numeric', text: 'text', varchar: 'character varying', bpchar: 'character', bool: 'boolean',
  bytea: 'bytea', date: 'date', time: 'time without time zone', timestamp: 'timestamp without time zone',
  timestamptz: 'timestamp with time zone', uuid: 'uuid', oid: 'oid', interval: 'interval', json: 'json', jsonb: 'jsonb',
  unknown: 'unknown',
};

/** Arrays of an enum type get their own OID, as pg_type.typarray gives them one. */
const ENUM_ARRAY_OID_OFFSET = 1_000_000;

export function typeOid(type: SqlType): number {
  if (type.kind === 'array' && type.vector !== undefined) return VECTOR_TYPES[type.vector];
  if (type.kind === 'oid') return OID_ALIASES[type.reg];
  if (type.kind === 'text' && type.alias === 'name') return 19;
  if (type.kind === 'array' && type.element.kind === 'text' && type.element.alias === 'name') return 1003;
  if (type.kind === 'enum') return type.oid;
  if (type.kind === 'array' && type.element.kind === 'oid') return regArrayOids[type.element.reg];
  if (type.kind === 'array') return type.element.kind === 'enum' ? type.element.oid + ENUM_ARRAY_OID_OFFSET : arrayOids[scalarKind(type.element)];
  return oids[type.kind];
}

export function typeSize(type: SqlType): number {
  if (type.kind === 'enum') return 4;
  return type.kind === 'array' ? -1 : sizes[type.kind];
}

function scalarKind(t: SqlType): ScalarKind {
  return t.kind === 'array' || t.kind === 'enum' ? 'unknown' : t.kind;
}

/** `element[]`; arrays of arrays do not exist (an array type is its own element's array). */
export function arrayOf(element: SqlType): SqlType {
  return element.kind === 'array' ? element : { kind: 'array', element };
}

export function typeMod(type: SqlType): number {
  switch (type.kind) {
    case 'varchar':
    case 'bpchar':
      return type.length === null ? -1 : type.length + 4;
    case 'numeric':
      return type.precision === null ? -1 : ((type.precision << 16) | (type.scale ?? 0)) + 4;
    default:
      return -1;
  }
}

export function typeDisplayName(type: SqlType): string {
  if (type.kind === 'oid') return type.reg;
  if (type.kind === 'text' && type.alias === 'name') return 'name';
  if (type.kind === 'enum') return type.name;
  if (type.kind === 'array' && type.vector !== undefined) return type.vector;
  return type.kind === 'array' ? `${typeDisplayName(type.element)}[]` : displayNames[type.kind];
}

const oidToType: ReadonlyMap<number, SqlType> = new Map<number, SqlType>([
  [21, T.int2], [23, T.int4], [20, T.int8], [700, T.float4], [701, T.float8], [1700, T.numeric],
  [25, T.text], [1043, { kind: 'varchar', length: null }], [1042, { kind: 'bpchar', length: null }],
  [16, T.bool], [17, T.bytea], [1082, T.date], [1083, T.time], [1114, T.timestamp], [1184, T.timestamptz], [2950, T.uuid],
  ...Object.entries(OID_ALIASES).map(([reg, oid]): [number, SqlType] => [oid, { kind: 'oid', reg: reg as OidAlias }]),
  [1186, T.interval], [114, T.json], [3802, T.jsonb],
]);
const arrayOidToType: ReadonlyMap<number, SqlType> = new Map(
  [...oidToType.values()].map((t) => [arrayOids[scalarKind(t)], { kind: 'array', element: t } as SqlType]),
);

/** The type of a parameter OID a client declared, or null for 0/unknown OIDs. */
export function typeFromOid(oid: number): SqlType | null {
  if (oid === VECTOR_TYPES.int2vector) return vectorType('int2vector');
  if (oid === VECTOR_TYPES.oidvector) return vectorType('oidvector');
  return oidToType.get(oid) ?? arrayOidToType.get(oid) ?? null;
}

export function isIntegerType(t: SqlType): boolean {
  return t.kind === 'int2' || t.kind === 'int4' || t.kind === 'int8';
}

export function isNumericType(t: SqlType): boolean {
  return isIntegerType(t) || t.kind === 'float4' || t.kind === 'float8' || t.kind === 'numeric';
}

export function isStringType(t: SqlType): boolean {
  return t.kind === 'text' || t.kind === 'varchar' || t.kind === 'bpchar';
}

/** Two types whose values compare and encode the same way (for key lookups). */
export function sameKeyFamily(a: SqlType, b: SqlType): boolean {
  if (isIntegerType(a)) return isIntegerType(b);
  if (isStringType(a)) return isStringType(b);
  if (a.kind === 'float4' || a.kind === 'float8') return b.kind === 'float4' || b.kind === 'float8';
  return a.kind === b.kind;
}

const typeNames: Readonly<Record<string, SqlType>> = {
  int2: T.int2, smallint: T.int2, int4: T.int4, int: T.int4, integer: T.int4, int8: T.int8, bigint: T.int8,
  float4: T.float4, real: T.float4, float8: T.float8, 'double precision': T.float8,
  text: T.text, bool: T.bool, boolean: T.bool, bytea: T.bytea, date: T.date,
  timestamp: T.timestamp, timestamptz: T.timestamptz, uuid: T.uuid, interval: T.interval,
  json: T.json, jsonb: T.jsonb,
  time: T.time, 'time without time zone': T.time,
  'timestamp without time zone': T.timestamp, 'timestamp with time zone': T.timestamptz,
  serial: T.int4, bigserial: T.int8, smallserial: T.int2, serial4: T.int4, serial8: T.int8,
  // PostgreSQL's `name` (identifiers) reads and prints as text.
  name: { kind: 'text', alias: 'name' },
  int2vector: vectorType('int2vector'), oidvector: vectorType('oidvector'),
  ...Object.fromEntries(Object.keys(OID_ALIASES).map((reg) => [reg, { kind: 'oid', reg } as SqlType])),
};

/** User-defined types by name (the catalog's enums), for resolveTypeName. */
export type TypeLookup = (name: string) => SqlType | null;

/** Resolves a type name as written in SQL; 42704 for an unknown type. */
export function resolveTypeName(name: TypeName, lookup: TypeLookup | null = null): SqlType {
  if (name.isArray) return arrayOf(resolveTypeName({ ...name, isArray: false }, lookup));
  const mods = name.mods;
  switch (name.name) {
    case 'varchar':
    case 'character varying':
      return { kind: 'varchar', length: checkLength(mods[0] ?? null, name) };
    case 'bpchar':
    case 'char':
    case 'character':
      return { kind: 'bpchar', length: checkLength(mods[0] ?? 1, name) };
    case 'numeric':
    case 'decimal':
      return numericType(mods, name);
    case 'float':
      return (mods[0] ?? 53) <= 24 ? T.float4 : T.float8;
    default: {
      const t = typeNames[name.name] ?? lookup?.(name.name) ?? undefined;
      if (t === undefined) throw sqlError('42704', `type "${name.name}" does not exist`, positionOf(name.pos));
      return t;
    }
  }
}

function checkLength(length: number | null, name: TypeName): number | null {
  if (length !== null && (length < 1 || length > 10485760)) {
    throw sqlError('22023', `length for type ${name.name} must be at least 1`, positionOf(name.pos));
  }
  return length;
}

function numericType(mods: readonly number[], name: TypeName): SqlType {
  const precision = mods[0] ?? null;
  const scale = mods[1] ?? (precision === null ? null : 0);
  if (precision !== null && (precision < 1 || precision > 1000)) {
    throw sqlError('22023', `NUMERIC precision ${precision} must be between 1 and 1000`, positionOf(name.pos));
  }
  return { kind: 'numeric', precision, scale };
}

/** Error extras that point at a 0-based position when it is known. */
export function positionOf(pos: number): { position?: number } {
  return pos >= 0 ? { position: pos + 1 } : {};
}
