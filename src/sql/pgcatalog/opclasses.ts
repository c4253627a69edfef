/**
 * The default btree operator classes, as PostgreSQL numbers them: pg_opclass lists them and
 * pg_index.indclass names the one of each index column's type (drizzle-kit joins the two).
 * Every Tessera index is a btree ordered by the column type's own comparison.
 */
import type { SqlType, TypeKind } from '../types/types.ts';
import { BTREE_AM_OID, PG_CATALOG_NAMESPACE_OID, SUPERUSER_OID } from './oids.ts';
import type { RowObject } from './columns.ts';

interface Opclass {
  readonly oid: number;
  readonly name: string;
  readonly family: number;
  /** The type the class indexes (a pseudo-type for arrays and enums). */
  readonly inputType: number;
}

const opclass = (oid: number, name: string, family: number, inputType: number): Opclass => ({ oid, name, family, inputType });

const byKind: Partial<Record<TypeKind, Opclass>> = {
  int2: opclass(1979, 'int2_ops', 1976, 21),
  int4: opclass(1978, 'int4_ops', 1976, 23),
  int8: opclass(3124, 'int8_ops', 1976, 20),
  oid: opclass(1981, 'oid_ops', 1989, 26),
  date: opclass(3122, 'date_ops', 434, 1082),
  float8: opclass(3123, 'float8_ops', 1970, 701),
  float4: opclass(10012, 'float4_ops', 1970, 700),
  numeric: opclass(3125, 'numeric_ops', 1988, 1700),
  text: opclass(3126, 'text_ops', 1994, 25),
  varchar: opclass(3126, 'text_ops', 1994, 25),
  timestamptz: opclass(3127, 'timestamptz_ops', 434, 1184),
  timestamp: opclass(3128, 'timestamp_ops', 434, 1114),
  array: opclass(10000, 'array_ops', 397, 2277),
  bool: opclass(10003, 'bool_ops', 424, 16),
  bpchar: opclass(10004, 'bpchar_ops', 426, 1042),
  bytea: opclass(10006, 'bytea_ops', 428, 17),
  interval: opclass(10022, 'interval_ops', 1982, 1186),
  time: opclass(10038, 'time_ops', 1996, 1083),
  uuid: opclass(10065, 'uuid_ops', 2968, 2950),
  enum: opclass(10069, 'enum_ops', 3522, 3500),
  jsonb: opclass(10088, 'jsonb_ops', 4033, 3802),
};
const nameOps = opclass(10028, 'name_ops', 1994, 19);

/** The default btree operator class of a column type (0 where PostgreSQL has none: json). */
export function defaultOpclassOid(type: SqlType): number {
  if (type.kind === 'text' && type.alias === 'name') return nameOps.oid;
  return byKind[type.kind]?.oid ?? 0;
}

/** pg_opclass's rows for the default btree classes. */
export function opclassRows(): RowObject[] {
  const classes = new Map([...Object.values(byKind), nameOps].map((c) => [c.oid, c]));
  return [...classes.values()].map((c) => ({
    oid: c.oid, opcmethod: BTREE_AM_OID, opcname: c.name, opcnamespace: PG_CATALOG_NAMESPACE_OID, opcowner: SUPERUSER_OID,
    opcfamily: c.family, opcintype: c.inputType, opcdefault: true, opckeytype: c.oid === nameOps.oid ? 2275 : 0,
  }));
}
