/**
 * Enum types and sequences in the catalogs: pg_type and pg_enum rows for CREATE TYPE ...
 * AS ENUM, pg_class / pg_sequence / pg_sequences / information_schema.sequences rows for
 * sequences (serial and identity columns own theirs: pg_depend).
 */
import type { SequenceDesc } from '../catalog/descriptors.ts';
import { assert } from '../../util/index.ts';
import type { RowObject } from './columns.ts';
import { attrdefOid, descriptorOid, SUPERUSER_OID } from './oids.ts';
import type { CatalogSnapshot } from './snapshot.ts';

/** An enum type's array type (as the SQL layer numbers it). */
const ENUM_ARRAY_OFFSET = 1_000_000;
const ENUM_LABEL_OID_BASE = 4_000_000_000;
const LABELS_PER_TYPE = 1000;

/** The data type a sequence counts in, from its bounds (PostgreSQL's AS smallint/integer/bigint). */
export function sequenceTypeOid(q: SequenceDesc): number {
  const max = BigInt(q.maxValue);
  const min = BigInt(q.minValue);
  if (max <= 32767n && min >= -32768n) return 21;
  if (max <= 2147483647n && min >= -2147483648n) return 23;
  return 20;
}

export function enumTypeRows(snap: CatalogSnapshot): RowObject[] {
  return snap.types.flatMap((t) => {
    const oid = descriptorOid(t.id);
    const common = { typnamespace: descriptorOid(t.schemaId), typowner: SUPERUSER_OID, typisdefined: true, typdelim: ',', typrelid: 0, typsubscript: 0, typinput: 0, typoutput: 0, typreceive: 0, typsend: 0, typmodin: 0, typmodout: 0, typanalyze: 0, typnotnull: false, typbasetype: 0, typtypmod: -1, typndims: 0, typcollation: 0 };
    return [
      { ...common, oid, typname: t.name, typlen: 4, typbyval: true, typtype: 'e', typcategory: 'E', typispreferred: false, typelem: 0, typarray: oid + ENUM_ARRAY_OFFSET, typalign: 'i', typstorage: 'p' },
      { ...common, oid: oid + ENUM_ARRAY_OFFSET, typname: `_${t.name}`, typlen: -1, typbyval: false, typtype: 'b', typcategory: 'A', typispreferred: false, typelem: oid, typarray: 0, typalign: 'i', typstorage: 'x' },
    ];
  });
}

export function enumRows(snap: CatalogSnapshot): RowObject[] {
  return snap.types.flatMap((t) => t.labels.map((label, i) => {
    const slot = t.id * LABELS_PER_TYPE + i;
    assert(i < LABELS_PER_TYPE && ENUM_LABEL_OID_BASE + slot < 2 ** 32, `enum label ${i} of type ${t.id} has no OID slot`);
    return { oid: ENUM_LABEL_OID_BASE + slot, enumtypid: descriptorOid(t.id), enumsortorder: i + 1, enumlabel: label };
  }));
}

export function sequenceClassRows(snap: CatalogSnapshot): RowObject[] {
  return snap.sequences.map((q) => ({ oid: descriptorOid(q.id), relname: q.name, relnamespace: descriptorOid(q.schemaId), relam: 0, relfilenode: descriptorOid(q.id), relhasindex: false, relkind: 'S', relnatts: 3 }));
}

export function sequenceRows(snap: CatalogSnapshot): RowObject[] {
  return snap.sequences.map((q) => ({ seqrelid: descriptorOid(q.id), seqtypid: sequenceTypeOid(q), seqstart: BigInt(q.start), seqincrement: BigInt(q.increment), seqmax: BigInt(q.maxValue), seqmin: BigInt(q.minValue), seqcache: 1, seqcycle: q.cycle }));
}

export function sequencesViewRows(snap: CatalogSnapshot): RowObject[] {
  return snap.sequences.map((q) => ({ schemaname: snap.schema(q.schemaId)?.name ?? 'public', sequencename: q.name, sequenceowner: 'root', data_type: sequenceTypeOid(q), start_value: BigInt(q.start), min_value: BigInt(q.minValue), max_value: BigInt(q.maxValue), increment_by: BigInt(q.increment), cycle: q.cycle, cache_size: 1 }));
}

export function infoSequenceRows(snap: CatalogSnapshot): RowObject[] {
  const names: Readonly<Record<number, [string, number]>> = { 21: ['smallint', 16], 23: ['integer', 32], 20: ['bigint', 64] };
  return snap.sequences.filter((q) => !isIdentitySequence(snap, q)).map((q) => {
    const [dataType, precision] = names[sequenceTypeOid(q)]!;
    return { sequence_catalog: snap.database.name, sequence_schema: snap.schema(q.schemaId)?.name ?? 'public', sequence_name: q.name, data_type: dataType, numeric_precision: precision, numeric_precision_radix: 2, numeric_scale: 0, start_value: q.start, minimum_value: q.minValue, maximum_value: q.maxValue, increment: q.increment, cycle_option: q.cycle ? 'YES' : 'NO' };
  });
}

/** A sequence owned by a column depends on it: 'a' for serial, 'i' for identity. */
export function sequenceDependRows(snap: CatalogSnapshot): RowObject[] {
  return snap.sequences.flatMap((q) => {
    if (q.ownedBy === null) return [];
    const table = snap.table(q.ownedBy.tableId);
    if (table === null) return [];
    const cols = table.columns.filter((c) => !c.hidden);
    const col = cols.findIndex((c) => c.id === q.ownedBy!.columnId);
    const column = cols[col];
    const identity = column?.identity !== undefined;
    const owned = { classid: 1259, objid: descriptorOid(q.id), objsubid: 0, refclassid: 1259, refobjid: descriptorOid(table.id), refobjsubid: col + 1, deptype: identity ? 'i' : 'a' };
    if (identity || column === undefined) return [owned];
    // A serial column's default (pg_attrdef) uses the sequence: pg_dump then creates the
    // table, the sequence, and sets the default last, as PostgreSQL's dump does.
    const attrdef = attrdefOid(table.id, column.id);
    return [owned, { classid: 2604, objid: attrdef, objsubid: 0, refclassid: 1259, refobjid: descriptorOid(q.id), refobjsubid: 0, deptype: 'n' }, { classid: 2604, objid: attrdef, objsubid: 0, refclassid: 1259, refobjid: descriptorOid(table.id), refobjsubid: col + 1, deptype: 'a' }];
  });
}

/** Every table and sequence depends normally ('n') on its schema, as PostgreSQL records. */
export function namespaceDependRows(snap: CatalogSnapshot): RowObject[] {
  return [...snap.tables, ...snap.sequences].map((r) => ({ classid: 1259, objid: descriptorOid(r.id), objsubid: 0, refclassid: 2615, refobjid: descriptorOid(r.schemaId), refobjsubid: 0, deptype: 'n' }));
}

/** Identity columns' sequences are internal: information_schema.sequences leaves them out. */
export function isIdentitySequence(snap: CatalogSnapshot, q: SequenceDesc): boolean {
  if (q.ownedBy === null) return false;
  return snap.table(q.ownedBy.tableId)?.columns.find((c) => c.id === q.ownedBy!.columnId)?.identity !== undefined;
}
