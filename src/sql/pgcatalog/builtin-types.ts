/**
 * PostgreSQL's built-in types with their real OIDs: the rows of pg_type in pg_catalog and
 * what format_type() prints. Listed are the types Tessera has and the common ones clients
 * ask about (so format_type of a json or interval column reads right once those exist).
 */
import type { SqlType } from '../types/types.ts';
import { typeMod, typeOid } from '../types/types.ts';

export interface BuiltinType {
  readonly oid: number;
  /** pg_type.typname */
  readonly name: string;
  /** How format_type prints it ('integer' for int4). */
  readonly display: string;
  readonly len: number;
  readonly category: string;
  readonly preferred: boolean;
  /** The array type's OID (0 for none), or for an array type its element's OID in `elem`. */
  readonly array: number;
  readonly elem: number;
  /** 'b' base, 'p' pseudo. */
  readonly typtype: string;
}

// [oid, typname, display, len, category, array oid]
const base: readonly (readonly [number, string, string, number, string, number])[] = [
  [16, 'bool', 'boolean', 1, 'B', 1000], [17, 'bytea', 'bytea', -1, 'U', 1001], [18, 'char', '"char"', 1, 'Z', 1002],
  [19, 'name', 'name', 64, 'S', 1003], [20, 'int8', 'bigint', 8, 'N', 1016], [21, 'int2', 'smallint', 2, 'N', 1005],
  [22, 'int2vector', 'int2vector', -1, 'A', 1006], [23, 'int4', 'integer', 4, 'N', 1007], [24, 'regproc', 'regproc', 4, 'N', 1008],
  [25, 'text', 'text', -1, 'S', 1009], [26, 'oid', 'oid', 4, 'N', 1028], [27, 'tid', 'tid', 6, 'U', 1010],
  [28, 'xid', 'xid', 4, 'U', 1011], [29, 'cid', 'cid', 4, 'U', 1012], [30, 'oidvector', 'oidvector', -1, 'A', 1013],
  [114, 'json', 'json', -1, 'U', 199], [142, 'xml', 'xml', -1, 'U', 143], [194, 'pg_node_tree', 'pg_node_tree', -1, 'Z', 0],
  [600, 'point', 'point', 16, 'G', 1017], [650, 'cidr', 'cidr', -1, 'I', 651], [700, 'float4', 'real', 4, 'N', 1021],
  [701, 'float8', 'double precision', 8, 'N', 1022], [705, 'unknown', 'unknown', -2, 'X', 0], [790, 'money', 'money', 8, 'N', 791],
  [829, 'macaddr', 'macaddr', 6, 'U', 1040], [869, 'inet', 'inet', -1, 'I', 1041], [1033, 'aclitem', 'aclitem', 16, 'U', 1034],
  [1042, 'bpchar', 'character', -1, 'S', 1014], [1043, 'varchar', 'character varying', -1, 'S', 1015],
  [1082, 'date', 'date', 4, 'D', 1182], [1083, 'time', 'time without time zone', 8, 'D', 1183],
  [1114, 'timestamp', 'timestamp without time zone', 8, 'D', 1115], [1184, 'timestamptz', 'timestamp with time zone', 8, 'D', 1185],
  [1186, 'interval', 'interval', 16, 'T', 1187], [1266, 'timetz', 'time with time zone', 12, 'D', 1270],
  [1560, 'bit', 'bit', -1, 'V', 1561], [1562, 'varbit', 'bit varying', -1, 'V', 1563], [1700, 'numeric', 'numeric', -1, 'N', 1231],
  [2202, 'regprocedure', 'regprocedure', 4, 'N', 2207], [2203, 'regoper', 'regoper', 4, 'N', 2208],
  [2205, 'regclass', 'regclass', 4, 'N', 2210], [2206, 'regtype', 'regtype', 4, 'N', 2211], [2950, 'uuid', 'uuid', 16, 'U', 2951],
  [3614, 'tsvector', 'tsvector', -1, 'U', 3643], [3615, 'tsquery', 'tsquery', -1, 'U', 3645], [3802, 'jsonb', 'jsonb', -1, 'U', 3807],
  [4089, 'regnamespace', 'regnamespace', 4, 'N', 4090], [4096, 'regrole', 'regrole', 4, 'N', 4097],
];

// Pseudo-types functions are declared with.
const pseudo: readonly (readonly [number, string])[] = [
  [2249, 'record'], [2275, 'cstring'], [2276, 'any'], [2277, 'anyarray'], [2278, 'void'], [2279, 'trigger'],
  [2283, 'anyelement'], [3500, 'anyenum'], [2776, 'anynonarray'],
];

const preferred = new Set(['bool', 'float8', 'text', 'oid', 'timestamptz', 'interval', 'inet', 'varbit']);

function build(): BuiltinType[] {
  const out: BuiltinType[] = [];
  for (const [oid, name, display, len, category, array] of base) {
    out.push({ oid, name, display, len, category, preferred: preferred.has(name), array, elem: 0, typtype: 'b' });
    if (array !== 0) out.push({ oid: array, name: `_${name}`, display: `${display}[]`, len: -1, category: 'A', preferred: false, array: 0, elem: oid, typtype: 'b' });
  }
  for (const [oid, name] of pseudo) out.push({ oid, name, display: name, len: name === 'void' ? 4 : -1, category: 'P', preferred: false, array: oid === 2249 ? 2287 : 0, elem: 0, typtype: 'p' });
  out.push({ oid: 2287, name: '_record', display: 'record[]', len: -1, category: 'P', preferred: false, array: 0, elem: 2249, typtype: 'p' });
  return out;
}

export const BUILTIN_TYPES: readonly BuiltinType[] = build();
const byOid = new Map(BUILTIN_TYPES.map((t) => [t.oid, t]));

export function builtinType(oid: number): BuiltinType | null {
  return byOid.get(oid) ?? null;
}

/** format_type(oid, typmod): PostgreSQL's SQL spelling, with the modifier when there is one. */
export function formatType(oid: number, typmod: number | null): string | null {
  const t = byOid.get(oid);
  if (t === undefined) return null;
  if (t.elem !== 0) return `${formatType(t.elem, typmod) ?? '???'}[]`;
  const mod = typmod === null || typmod < 0 ? '' : modifierText(t.name, typmod);
  if (t.name === 'timestamp' || t.name === 'timestamptz' || t.name === 'time' || t.name === 'timetz') {
    return mod === '' ? t.display : t.display.replace(/^(time(stamp)?)/, `$1${mod}`);
  }
  return t.display + mod;
}

function modifierText(name: string, typmod: number): string {
  switch (name) {
    case 'varchar': case 'bpchar':
      return `(${typmod - 4})`;
    case 'numeric': {
      const v = typmod - 4;
      return `(${(v >> 16) & 0xffff},${v & 0xffff})`;
    }
    case 'bit': case 'varbit':
      return `(${typmod})`;
    case 'timestamp': case 'timestamptz': case 'time': case 'timetz': case 'interval':
      return `(${typmod})`;
    default:
      return '';
  }
}

/** The type of a column as format_type prints it. */
export function formatSqlType(type: SqlType): string {
  return formatType(typeOid(type), typeMod(type)) ?? 'unknown';
}
