/**
 * information_schema views over the snapshot (SQL standard names; PostgreSQL's domains
 * sql_identifier, cardinal_number, character_data and yes_or_no read as text and int4).
 */
import type { ColumnDesc, TableDesc } from '../catalog/descriptors.ts';
import type { SqlType } from '../types/types.ts';
import { builtinType, formatSqlType } from './builtin-types.ts';
import { columns, emptyTable, type RowObject, type VirtualTableDef } from './columns.ts';
import { deparseDefault } from './deparse.ts';
import { indexesOf, type CatalogSnapshot } from './snapshot.ts';
import { infoSequenceRows } from './pg-tables-types.ts';
import { typeOid } from '../types/types.ts';

const IS = 'information_schema' as const;

function tablesWithSchema(snap: CatalogSnapshot): { t: TableDesc; schema: string }[] {
  return snap.tables.map((t) => ({ t, schema: snap.schema(t.schemaId)?.name ?? 'public' }));
}

/** information_schema.columns.data_type: the SQL standard's spelling (no modifiers). */
function dataType(type: SqlType): string {
  if (type.kind === 'enum') return 'USER-DEFINED';
  if (type.kind === 'array') return 'ARRAY';
  return formatSqlType(type).replace(/\(.*\)/, '');
}

/** information_schema's udt_schema and udt_name: pg_type's namespace and name. */
function udtOf(snap: CatalogSnapshot, type: SqlType): { udt_schema: string; udt_name: string } {
  if (type.kind === 'enum') {
    const t = snap.enumType(type.oid);
    return { udt_schema: t === null ? 'public' : (snap.schema(t.schemaId)?.name ?? 'public'), udt_name: type.name };
  }
  if (type.kind === 'array' && type.element.kind === 'enum') return { ...udtOf(snap, type.element), udt_name: `_${type.element.name}` };
  return { udt_schema: 'pg_catalog', udt_name: builtinType(typeOid(type))?.name ?? 'unknown' };
}

function numericFacts(type: SqlType): RowObject {
  switch (type.kind) {
    case 'int2': return { numeric_precision: 16, numeric_precision_radix: 2, numeric_scale: 0 };
    case 'int4': return { numeric_precision: 32, numeric_precision_radix: 2, numeric_scale: 0 };
    case 'int8': return { numeric_precision: 64, numeric_precision_radix: 2, numeric_scale: 0 };
    case 'float4': return { numeric_precision: 24, numeric_precision_radix: 2 };
    case 'float8': return { numeric_precision: 53, numeric_precision_radix: 2 };
    case 'numeric': return { numeric_precision: type.precision ?? undefined, numeric_precision_radix: 10, numeric_scale: type.scale ?? undefined };
    case 'varchar': case 'bpchar': return type.length === null ? { character_octet_length: 1073741824 } : { character_maximum_length: type.length, character_octet_length: type.length * 4 };
    case 'text': return { character_octet_length: 1073741824 };
    case 'timestamp': case 'timestamptz': return { datetime_precision: 6 };
    case 'date': return { datetime_precision: 0 };
    default: return {};
  }
}

function columnRows(snap: CatalogSnapshot): RowObject[] {
  const db = snap.database.name;
  return tablesWithSchema(snap).flatMap(({ t, schema }) => t.columns.filter((c) => !c.hidden).map((c: ColumnDesc, i): RowObject => ({
    table_catalog: db, table_schema: schema, table_name: t.name, column_name: c.name, ordinal_position: i + 1,
    column_default: c.defaultExpr === null || c.identity !== undefined ? null : deparseDefault(c.defaultExpr, c.type), is_nullable: c.nullable ? 'YES' : 'NO', data_type: dataType(c.type),
    ...numericFacts(c.type), udt_catalog: db, ...udtOf(snap, c.type),
    dtd_identifier: String(i + 1), is_self_referencing: 'NO', is_identity: c.identity === undefined ? 'NO' : 'YES',
    identity_generation: c.identity === 'always' ? 'ALWAYS' : c.identity === 'by-default' ? 'BY DEFAULT' : null, is_generated: 'NEVER', is_updatable: 'YES',
    ...(c.identity === undefined ? { identity_cycle: 'NO' } : identityFacts(snap, t, c)),
  })));
}

/** An identity column's sequence options, as the identity_* columns show them. */
function identityFacts(snap: CatalogSnapshot, t: TableDesc, c: ColumnDesc): RowObject {
  const seq = snap.sequences.find((q) => q.ownedBy?.tableId === t.id && q.ownedBy.columnId === c.id);
  if (seq === undefined) return { identity_cycle: 'NO' };
  return { identity_start: seq.start, identity_increment: seq.increment, identity_maximum: seq.maxValue, identity_minimum: seq.minValue, identity_cycle: seq.cycle ? 'YES' : 'NO' };
}

/** PRIMARY KEY and UNIQUE constraints with their columns. */
function keyConstraints(snap: CatalogSnapshot): { t: TableDesc; schema: string; name: string; type: string; cols: string[] }[] {
  return tablesWithSchema(snap).flatMap(({ t, schema }) => indexesOf(t)
    .filter((i) => i.id === t.primaryIndex.id || i.constraint === true)
    .map((i) => ({ t, schema, name: i.name, type: i.id === t.primaryIndex.id ? 'PRIMARY KEY' : 'UNIQUE', cols: i.columnIds.map((id) => t.columns.find((c) => c.id === id)?.name ?? '?') })));
}

export const INFO_TABLES: readonly VirtualTableDef[] = [
  {
    schema: IS, name: 'schemata', oid: 13001, relkind: 'v',
    columns: columns('catalog_name name, schema_name name, schema_owner name, default_character_set_catalog name, default_character_set_schema name, default_character_set_name name, sql_path text'),
    rows: (snap) => snap.namespaces.map((n) => ({ catalog_name: snap.database.name, schema_name: n.name, schema_owner: 'root' })),
  },
  {
    schema: IS, name: 'tables', oid: 13002, relkind: 'v',
    columns: columns('table_catalog name, table_schema name, table_name name, table_type text, self_referencing_column_name name, reference_generation text, user_defined_type_catalog name, user_defined_type_schema name, user_defined_type_name name, is_insertable_into text, is_typed text, commit_action text'),
    rows: (snap) => [
      ...tablesWithSchema(snap).map(({ t, schema }) => ({ table_catalog: snap.database.name, table_schema: schema, table_name: t.name, table_type: 'BASE TABLE', is_insertable_into: 'YES', is_typed: 'NO' })),
      ...snap.views.map((v) => ({ table_catalog: snap.database.name, table_schema: snap.schema(v.schemaId)?.name ?? 'public', table_name: v.name, table_type: 'VIEW', is_insertable_into: 'NO', is_typed: 'NO' })),
    ],
  },
  {
    schema: IS, name: 'columns', oid: 13003, relkind: 'v',
    columns: columns('table_catalog name, table_schema name, table_name name, column_name name, ordinal_position int4, column_default text, is_nullable text, data_type text, character_maximum_length int4, character_octet_length int4, numeric_precision int4, numeric_precision_radix int4, numeric_scale int4, datetime_precision int4, interval_type text, interval_precision int4, character_set_catalog name, character_set_schema name, character_set_name name, collation_catalog name, collation_schema name, collation_name name, domain_catalog name, domain_schema name, domain_name name, udt_catalog name, udt_schema name, udt_name name, scope_catalog name, scope_schema name, scope_name name, maximum_cardinality int4, dtd_identifier name, is_self_referencing text, is_identity text, identity_generation text, identity_start text, identity_increment text, identity_maximum text, identity_minimum text, identity_cycle text, is_generated text, generation_expression text, is_updatable text'),
    rows: columnRows,
  },
  {
    schema: IS, name: 'table_constraints', oid: 13004, relkind: 'v',
    columns: columns('constraint_catalog name, constraint_schema name, constraint_name name, table_catalog name, table_schema name, table_name name, constraint_type text, is_deferrable text, initially_deferred text, enforced text, nulls_distinct text'),
    rows: (snap) => keyConstraints(snap).map((k) => ({ constraint_catalog: snap.database.name, constraint_schema: k.schema, constraint_name: k.name, table_catalog: snap.database.name, table_schema: k.schema, table_name: k.t.name, constraint_type: k.type, is_deferrable: 'NO', initially_deferred: 'NO', enforced: 'YES', nulls_distinct: k.type === 'UNIQUE' ? 'YES' : null })),
  },
  {
    schema: IS, name: 'key_column_usage', oid: 13005, relkind: 'v',
    columns: columns('constraint_catalog name, constraint_schema name, constraint_name name, table_catalog name, table_schema name, table_name name, column_name name, ordinal_position int4, position_in_unique_constraint int4'),
    rows: (snap) => keyConstraints(snap).flatMap((k) => k.cols.map((c, i) => ({ constraint_catalog: snap.database.name, constraint_schema: k.schema, constraint_name: k.name, table_catalog: snap.database.name, table_schema: k.schema, table_name: k.t.name, column_name: c, ordinal_position: i + 1 }))),
  },
  {
    schema: IS, name: 'constraint_column_usage', oid: 13006, relkind: 'v',
    columns: columns('table_catalog name, table_schema name, table_name name, column_name name, constraint_catalog name, constraint_schema name, constraint_name name'),
    rows: (snap) => keyConstraints(snap).flatMap((k) => k.cols.map((c) => ({ table_catalog: snap.database.name, table_schema: k.schema, table_name: k.t.name, column_name: c, constraint_catalog: snap.database.name, constraint_schema: k.schema, constraint_name: k.name }))),
  },
  {
    schema: IS, name: 'character_sets', oid: 13007, relkind: 'v',
    columns: columns('character_set_catalog name, character_set_schema name, character_set_name name, character_repertoire name, form_of_use name, default_collate_catalog name, default_collate_schema name, default_collate_name name'),
    rows: (snap) => [{ character_set_name: 'UTF8', character_repertoire: 'UCS', form_of_use: 'UTF8', default_collate_catalog: snap.database.name, default_collate_schema: 'pg_catalog', default_collate_name: 'C' }],
  },
  {
    schema: IS, name: 'column_udt_usage', oid: 13008, relkind: 'v',
    columns: columns('udt_catalog name, udt_schema name, udt_name name, table_catalog name, table_schema name, table_name name, column_name name'),
    rows: (snap) => columnRows(snap).map((c) => ({ udt_catalog: c['udt_catalog'], udt_schema: c['udt_schema'], udt_name: c['udt_name'], table_catalog: c['table_catalog'], table_schema: c['table_schema'], table_name: c['table_name'], column_name: c['column_name'] })),
  },
  {
    schema: IS, name: 'views', oid: 13009, relkind: 'v',
    columns: columns('table_catalog name, table_schema name, table_name name, view_definition text, check_option text, is_updatable text, is_insertable_into text, is_trigger_updatable text, is_trigger_deletable text, is_trigger_insertable_into text'),
    rows: (snap) => snap.views.map((v) => ({
      table_catalog: snap.database.name, table_schema: snap.schema(v.schemaId)?.name ?? 'public', table_name: v.name, view_definition: v.definition ?? null,
      check_option: 'NONE', is_updatable: 'NO', is_insertable_into: 'NO', is_trigger_updatable: 'NO', is_trigger_deletable: 'NO', is_trigger_insertable_into: 'NO',
    })),
  },
  emptyTable(IS, 'referential_constraints', 13010, 'constraint_catalog name, constraint_schema name, constraint_name name, unique_constraint_catalog name, unique_constraint_schema name, unique_constraint_name name, match_option text, update_rule text, delete_rule text', 'v'),
  emptyTable(IS, 'check_constraints', 13011, 'constraint_catalog name, constraint_schema name, constraint_name name, check_clause text', 'v'),
  {
    schema: IS, name: 'sequences', oid: 13012, relkind: 'v',
    columns: columns('sequence_catalog name, sequence_schema name, sequence_name name, data_type text, numeric_precision int4, numeric_precision_radix int4, numeric_scale int4, start_value text, minimum_value text, maximum_value text, increment text, cycle_option text'),
    rows: infoSequenceRows,
  },
  emptyTable(IS, 'routines', 13013, 'specific_catalog name, specific_schema name, specific_name name, routine_catalog name, routine_schema name, routine_name name, routine_type text, data_type text, routine_body text, routine_definition text, external_language text, is_deterministic text, security_type text', 'v'),
  emptyTable(IS, 'triggers', 13014, 'trigger_catalog name, trigger_schema name, trigger_name name, event_manipulation text, event_object_catalog name, event_object_schema name, event_object_table name, action_order int4, action_condition text, action_statement text, action_orientation text, action_timing text', 'v'),
  emptyTable(IS, 'element_types', 13015, 'object_catalog name, object_schema name, object_name name, object_type text, collection_type_identifier name, data_type text, udt_name name', 'v'),
];
