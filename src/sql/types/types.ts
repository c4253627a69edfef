/**
 * SQL types Tessera knows, with the facts RowDescription needs (OID, typlen, typmod) and
 * the runtime representation of their values.
 *
 * Runtime values (`Value`): null is SQL NULL; integers of every width are bigint (one
 * arithmetic path, exact range checks); floats are number; numeric is `Numeric` (exact,
 * with its display scale); text, varchar and char are string; bool is boolean; bytea is
 * Uint8Array; date is a number of days since 1970-01-01; timestamp and timestamptz are
 * bigint microseconds since 1970-01-01 00:00:00 (UTC for timestamptz); uuid is its
 * canonical lower-case text.
 */
import type { TypeName } from '../parser/ast.ts';
import { sqlError } from '../sql-error.ts';
import type { Numeric } from './numeric.ts';

export type SqlType =
  | { readonly kind: 'int2' }
  | { readonly kind: 'int4' }
  | { readonly kind: 'int8' }
  | { readonly kind: 'float4' }
  | { readonly kind: 'float8' }
  | { readonly kind: 'numeric'; readonly precision: number | null; readonly scale: number | null }
  | { readonly kind: 'text' }
  | { readonly kind: 'varchar'; readonly length: number | null }
  | { readonly kind: 'bpchar'; readonly length: number | null }
  | { readonly kind: 'bool' }
  | { readonly kind: 'bytea' }
  | { readonly kind: 'date' }
  | { readonly kind: 'timestamp' }
  | { readonly kind: 'timestamptz' }
  | { readonly kind: 'uuid' }
  /**
   * oid and its aliases (regclass, regtype, ...): unsigned 32-bit object ids, bigint at
   * runtime. The aliases differ only in text input and output (names through the catalog).
   */
  | { readonly kind: 'oid'; readonly reg: OidAlias }
  /** A quoted literal or parameter whose type context has not decided yet. */
  | { readonly kind: 'unknown' };

export type TypeKind = SqlType['kind'];

/** The oid type and its reg* aliases, each with PostgreSQL's type OID. */
export const OID_ALIASES = {
  oid: 26, regclass: 2205, regtype: 2206, regproc: 24, regprocedure: 2202, regnamespace: 4089, regrole: 4096, regoper: 2203,
} as const;
export type OidAlias = keyof typeof OID_ALIASES;

export function isOidAlias(name: string): name is OidAlias {
  return Object.hasOwn(OID_ALIASES, name);
}

export type Value = null | boolean | bigint | number | string | Uint8Array | Numeric;

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
  timestamptz: { kind: 'timestamptz' },
  uuid: { kind: 'uuid' },
  oid: { kind: 'oid', reg: 'oid' },
  regclass: { kind: 'oid', reg: 'regclass' },
  unknown: { kind: 'unknown' },
} as const satisfies Record<string, SqlType>;

const oids: Readonly<Record<TypeKind, number>> = {
  int2: 21, int4: 23, int8: 20, float4: 700, float8: 701, numeric: 1700, text: 25, varchar: 1043,
  bpchar: 1042, bool: 16, bytea: 17, date: 1082, timestamp: 1114, timestamptz: 1184, uuid: 2950, oid: 26, unknown: 705,
};

const sizes: Readonly<Record<TypeKind, number>> = {
  int2: 2, int4: 4, int8: 8, float4: 4, float8: 8, numeric: -1, text: -1, varchar: -1,
  bpchar: -1, bool: 1, bytea: -1, date: 4, timestamp: 8, timestamptz: 8, uuid: 16, oid: 4, unknown: -2,
};

/** PostgreSQL's names of the types, as format_type prints them in messages. */
const displayNames: Readonly<Record<TypeKind, string>> = {
  int2: 'smallint', int4: 'integer', int8: 'bigint', float4: 'real', float8: 'double precision',
  numeric: 'numeric', text: 'text', varchar: 'character varying', bpchar: 'character', bool: 'boolean',
  bytea: 'bytea', date: 'date', timestamp: 'timestamp without time zone',
  timestamptz: 'timestamp with time zone', uuid: 'uuid', oid: 'oid', unknown: 'unknown',
};

export function typeOid(type: SqlType): number {
  if (type.kind === 'oid') return OID_ALIASES[type.reg];
  return oids[type.kind];
}

export function typeSize(type: SqlType): number {
  return sizes[type.kind];
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
  return displayNames[type.kind];
}

const oidToType: ReadonlyMap<number, SqlType> = new Map<number, SqlType>([
  [21, T.int2], [23, T.int4], [20, T.int8], [700, T.float4], [701, T.float8], [1700, T.numeric],
  [25, T.text], [1043, { kind: 'varchar', length: null }], [1042, { kind: 'bpchar', length: null }],
  [16, T.bool], [17, T.bytea], [1082, T.date], [1114, T.timestamp], [1184, T.timestamptz], [2950, T.uuid],
  ...Object.entries(OID_ALIASES).map(([reg, oid]): [number, SqlType] => [oid, { kind: 'oid', reg: reg as OidAlias }]),
]);

/** The type of a parameter OID a client declared, or null for 0/unknown OIDs. */
export function typeFromOid(oid: number): SqlType | null {
  return oidToType.get(oid) ?? null;
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
  timestamp: T.timestamp, timestamptz: T.timestamptz, uuid: T.uuid,
  serial: T.int4, bigserial: T.int8, smallserial: T.int2, serial4: T.int4, serial8: T.int8,
  // PostgreSQL's `name` (identifiers) reads and prints as text.
  name: T.text,
  ...Object.fromEntries(Object.keys(OID_ALIASES).map((reg) => [reg, { kind: 'oid', reg } as SqlType])),
};

/** Resolves a type name as written in SQL; 42704 for an unknown type, 0A000 for arrays. */
export function resolveTypeName(name: TypeName): SqlType {
  if (name.isArray) throw sqlError('0A000', 'array types are not supported', positionOf(name.pos));
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
      const t = typeNames[name.name];
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
