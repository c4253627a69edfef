/**
 * How a table's rows become KV entries, and back.
 *
 *   primary:   /table/<id>/1/<pk columns>                 -> row codec of every column
 *   secondary: /table/<id>/<idx>/<idx columns>/<pk cols>  -> row codec of idx + pk columns
 *   unique:    /table/<id>/<idx>/<idx columns>            -> same value (written with insert,
 *              so a duplicate fails); with a NULL in the index columns the pk suffix is
 *              added, because NULLs never collide in PostgreSQL.
 *
 * Secondary values carry the index and pk columns so an index scan never decodes keys and
 * a covering scan needs no lookup.
 */
import { assertNever } from '../../util/index.ts';
import { bool, bytes, decimal, encodeKey, float, int, nul, str, timestamp, uuid, type KeyPart } from '../../util/encoding/index.ts';
import type { IndexDesc, TableDesc } from '../catalog/descriptors.ts';
import { sqlError } from '../sql-error.ts';
import type { Interval } from '../types/interval.ts';
import { JsonArray, JsonObject, type Jsonb, type JsonNode } from '../types/jsonb.ts';
import { Numeric } from '../types/numeric.ts';
import type { SqlArray } from '../types/sql-array.ts';
import type { SqlType, Value } from '../types/types.ts';
import { indexKey } from './keys.ts';
import { decodeRow, encodeRow, type CodecColumn } from './row-codec.ts';

export function keyPart(type: SqlType, v: Value): KeyPart {
  if (v === null) return nul();
  switch (type.kind) {
    case 'int2': case 'int4': case 'int8': case 'oid': return int(v as bigint);
    case 'float4': case 'float8': return float(v as number);
    case 'numeric': return decimal((v as Numeric).toString());
    case 'text': case 'varchar': case 'bpchar': case 'unknown': return str(v as string);
    case 'bool': return bool(v as boolean);
    case 'bytea': return bytes(v as Uint8Array);
    case 'date': return int(v as number);
    case 'timestamp': case 'timestamptz': return timestamp(v as bigint);
    case 'time': return int(v as bigint);
    case 'uuid': return uuid(v as string);
    // Intervals order by interval_cmp_value, which can exceed 64 bits: a decimal part.
    case 'interval': return decimal((v as Interval).cmpValue().toString());
    // array_cmp is tuple order with NULL elements last: the elements' own key, as bytes.
    case 'array': return bytes(encodeKey((v as SqlArray).items.map((x) => keyPart(type.element, x))));
    case 'jsonb': return bytes(encodeKey(jsonKeyParts((v as Jsonb).root)));
    case 'enum': return int(v as number);
    case 'json': throw sqlError('42883', 'could not identify a comparison function for type json');
    default: return assertNever(type, 'type');
  }
}

/** jsonb btree order as a tuple: kind rank, then size and elements for containers. */
function jsonKeyParts(n: JsonNode): KeyPart[] {
  if (n === null) return [int(0)];
  if (typeof n === 'string') return [int(1), str(n)];
  if (n instanceof Numeric) return [int(2), decimal(n.toString())];
  if (typeof n === 'boolean') return [int(3), bool(n)];
  if (n instanceof JsonArray) return [int(4), int(n.items.length), ...n.items.map((x) => bytes(encodeKey(jsonKeyParts(x))))];
  const o: JsonObject = n;
  const parts: KeyPart[] = [int(5), int(o.keys.length)];
  o.keys.forEach((k, i) => parts.push(int(Buffer.byteLength(k)), str(k), bytes(encodeKey(jsonKeyParts(o.values[i]!)))));
  return parts;
}

/** Per-table facts the hot path needs, computed once per descriptor version. */
export class TableLayout {
  readonly positions: ReadonlyMap<number, number>;
  /** Column id -> position, -1 for ids the table does not have (the row decoder's lookup). */
  private readonly positionById: Int32Array;
  readonly types: readonly SqlType[];
  readonly codecColumns: readonly CodecColumn[];
  readonly pkPositions: readonly number[];
  private readonly indexPositions = new Map<number, number[]>();

  constructor(readonly table: TableDesc) {
    this.positions = new Map(table.columns.map((c, i) => [c.id, i]));
    this.positionById = new Int32Array(Math.max(0, ...table.columns.map((c) => c.id)) + 1).fill(-1);
    table.columns.forEach((c, i) => (this.positionById[c.id] = i));
    this.types = table.columns.map((c) => c.type);
    this.codecColumns = table.columns.map((c) => ({ id: c.id, type: c.type }));
    this.pkPositions = table.primaryIndex.columnIds.map((id) => this.positions.get(id)!);
  }

  /** Positions of an index's columns followed by the pk columns not already in it. */
  entryPositions(index: IndexDesc): number[] {
    let p = this.indexPositions.get(index.id);
    if (p === undefined) {
      const own = index.columnIds.map((id) => this.positions.get(id)!);
      p = [...own, ...this.pkPositions.filter((x) => !own.includes(x))];
      this.indexPositions.set(index.id, p);
    }
    return p;
  }

  pkKeyFromValues(pkValues: readonly Value[]): Uint8Array {
    const pk = this.table.primaryIndex;
    return indexKey(this.table.id, pk.id, pkValues.map((v, i) => keyPart(this.types[this.pkPositions[i]!]!, v)), pk.directions);
  }

  primaryKey(row: readonly Value[]): Uint8Array {
    return this.pkKeyFromValues(this.pkPositions.map((p) => row[p] ?? null));
  }

  encodeRow(row: readonly Value[]): Uint8Array {
    return encodeRow(this.codecColumns, row);
  }

  decodeRow(bytes: Uint8Array): Value[] {
    const out = new Array<Value>(this.types.length);
    decodeRow(bytes, this.positionById, this.types, out);
    return out;
  }

  /** The entry of `row` in a secondary index, and whether it must be unique-inserted. */
  indexEntry(index: IndexDesc, row: readonly Value[]): { key: Uint8Array; value: Uint8Array; unique: boolean } {
    const positions = this.entryPositions(index);
    const n = index.columnIds.length;
    const hasNull = positions.slice(0, n).some((p) => row[p] === null);
    const unique = index.unique && !hasNull;
    const keyPositions = unique ? positions.slice(0, n) : positions;
    const parts = keyPositions.map((p) => keyPart(this.types[p]!, row[p] ?? null));
    const dirs = keyPositions.map((_p, i) => index.directions[i] ?? 'asc');
    const cols = positions.map((p) => this.codecColumns[p]!);
    return { key: indexKey(this.table.id, index.id, parts, dirs), value: encodeRow(cols, positions.map((p) => row[p] ?? null)), unique };
  }
}

const layouts = new WeakMap<TableDesc, TableLayout>();

/** The layout of a descriptor (cached per descriptor object, i.e. per version). */
export function layoutOf(table: TableDesc): TableLayout {
  let l = layouts.get(table);
  if (l === undefined) {
    l = new TableLayout(table);
    layouts.set(table, l);
  }
  return l;
}
