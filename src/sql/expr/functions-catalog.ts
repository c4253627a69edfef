/**
 * The functions tools call to read the catalog (format_type, pg_get_indexdef,
 * pg_table_is_visible, obj_description, has_*_privilege...) and the identifier and size
 * helpers around them. They read the statement's catalog snapshot through EvalContext.
 * Returns null for a name it does not know.
 */
import { sqlError } from '../sql-error.ts';
import { BUILTIN_PROCS, builtinType, CHECK_CONSTRAINT_SLOT, checkDef, constraintDef, decodeOid, descriptionOf, descriptorOid, PG_CLASS_OID, PG_NAMESPACE_OID, PG_TYPE_OID, foreignKeyDef, FOREIGN_KEY_CONSTRAINT_SLOT, formatType, indexDef, quoteIdent, roleOid, splitQualifiedName, type CatalogSnapshot } from '../pgcatalog/index.ts';
import { Numeric } from '../types/numeric.ts';
import { SqlArray } from '../types/sql-array.ts';
import { arrayOf, positionOf, T, typeDisplayName, type OidAlias, type SqlType, type Value } from '../types/types.ts';
import type { Binder } from './bind-expr.ts';
import { call, strictCall } from './bind-expr.ts';
import { compileRegex } from './regex.ts';
import type { BoundExpr, EvalContext } from './bound.ts';

function snapshotOf(ctx: EvalContext): CatalogSnapshot {
  if (ctx.catalog === undefined) throw sqlError('0A000', 'catalog functions are not available here');
  return ctx.catalog.snapshot();
}

const oidNum = (v: Value): number => Number(v as bigint);

function arityError(name: string, args: readonly BoundExpr[], pos: number): Error {
  return sqlError('42883', `function ${name}(${args.map((a) => typeDisplayName(a.type)).join(', ')}) does not exist`, {
    ...positionOf(pos),
    hint: 'No function matches the given name and argument types. You might need to add explicit type casts.',
  });
}

/** pg_get_indexdef(index oid [, column, pretty]) and pg_get_constraintdef(constraint oid [, pretty]). */
function definitionOf(name: 'pg_get_indexdef' | 'pg_get_constraintdef', snap: CatalogSnapshot, oid: number, pretty: boolean): string | null {
  const d = decodeOid(oid);
  if (name === 'pg_get_indexdef') {
    const rel = snap.relation(oid);
    if (rel === null || rel.kind !== 'index') return null;
    return indexDef(rel.table, snap.relationName(rel).namespace, rel.index, pretty);
  }
  if (d.kind !== 'constraint') return null;
  const table = snap.table(d.tableId);
  if (table !== null && d.n >= FOREIGN_KEY_CONSTRAINT_SLOT) {
    const fk = table.foreignKeys?.[d.n - FOREIGN_KEY_CONSTRAINT_SLOT];
    const ref = fk === undefined ? null : snap.table(fk.refTableId);
    if (fk === undefined || ref === null) return null;
    const refOid = descriptorOid(ref.id);
    const refName = snap.nameOf('regclass', BigInt(refOid)) ?? quoteIdent(ref.name);
    return foreignKeyDef(table, fk, ref, refName);
  }
  if (table !== null && d.n >= CHECK_CONSTRAINT_SLOT) {
    const check = table.checks?.[d.n - CHECK_CONSTRAINT_SLOT];
    return check === undefined ? null : checkDef(check);
  }
  const index = table === null ? undefined : [table.primaryIndex, ...table.indexes].find((i) => i.id === d.n);
  if (table === null || index === undefined) return null;
  return constraintDef(table, index, index.id === table.primaryIndex.id);
}

/** pg_get_serial_sequence('table', 'column'): the sequence a serial or identity column owns, qualified. */
function serialSequence(snap: CatalogSnapshot, table: string, column: string): string | null {
  const parts = splitQualifiedName(table);
  const oid = snap.lookupRelation(parts.length > 1 ? parts[0]! : null, parts[parts.length - 1]!);
  if (oid === null) throw sqlError('42P01', `relation "${table}" does not exist`);
  const rel = snap.relation(oid);
  if (rel === null || rel.kind !== 'table') return null;
  const col = rel.table.columns.find((c) => c.name === column && !c.hidden);
  if (col === undefined) throw sqlError('42703', `column "${column}" of relation "${rel.table.name}" does not exist`);
  const q = snap.sequences.find((s) => s.ownedBy?.tableId === rel.table.id && s.ownedBy.columnId === col.id);
  return q === undefined ? null : `${quoteIdent(snap.schema(q.schemaId)?.name ?? 'public')}.${quoteIdent(q.name)}`;
}

/** The catalogs obj_description names by text (pg_class, pg_namespace, pg_type). */
const catalogOids: Readonly<Record<string, number>> = { pg_class: PG_CLASS_OID, pg_namespace: PG_NAMESPACE_OID, pg_type: PG_TYPE_OID };

function sizePretty(v: Value): string {
  const bytes = typeof v === 'bigint' ? v : BigInt((v as Numeric).round(0).toString());
  const units = ['bytes', 'kB', 'MB', 'GB', 'TB', 'PB'];
  let size = bytes;
  let unit = 0;
  // PostgreSQL switches unit when the value reaches 10240 of the current one, rounding half up.
  while (unit < units.length - 1 && (size < 0n ? -size : size) >= 10240n) {
    size = (size + (size < 0n ? -512n : 512n)) / 1024n;
    unit++;
  }
  return `${size} ${units[unit]}`;
}

function regLookup(reg: OidAlias): (s: Value, ctx: EvalContext) => Value {
  return (s, ctx) => {
    try {
      return snapshotOf(ctx).oidOf(reg, s as string);
    } catch {
      return null;
    }
  };
}

export function bindCatalogFunction(name: string, args: readonly BoundExpr[], binder: Binder, pos: number): BoundExpr | null {
  const oidArg = (i: number): BoundExpr => binder.coerce(args[i]!, T.oid, pos);
  const text = (i: number): BoundExpr => binder.coerce(args[i]!, T.text, pos);
  const need = (lo: number, hi = lo): void => {
    if (args.length < lo || args.length > hi) throw arityError(name, args, pos);
  };
  const withCtx = (label: string, type: SqlType, bound: readonly BoundExpr[], fn: (vs: Value[], ctx: EvalContext) => Value, strict = true): BoundExpr =>
    call(label, type, bound, (row, ctx) => {
      const vs = bound.map((a) => a.eval(row, ctx));
      if (strict && vs.some((v) => v === null)) return null;
      return fn(vs, ctx);
    });
  switch (name) {
    case 'format_type':
      need(2);
      return withCtx(name, T.text, [oidArg(0), binder.coerce(args[1]!, T.int4, pos)], ([o, m], ctx) => {
        if (o === null || o === undefined) return null;
        const typmod = m === null || m === undefined ? null : Number(m as bigint);
        return formatType(oidNum(o), typmod) ?? snapshotOf(ctx).typeName(oidNum(o), typmod) ?? '???';
      }, false);
    case 'pg_get_indexdef': case 'pg_get_constraintdef': {
      need(1, name === 'pg_get_indexdef' ? 3 : 2);
      const pretty = args.length > 1 ? binder.coerce(args[args.length - 1]!, T.bool, pos) : null;
      const extra = name === 'pg_get_indexdef' && args.length === 3 ? [binder.coerce(args[1]!, T.int4, pos)] : [];
      return withCtx(name, T.text, [oidArg(0), ...extra, ...(pretty === null ? [] : [pretty])], (vs, ctx) => definitionOf(name, snapshotOf(ctx), oidNum(vs[0]!), vs[vs.length - 1] === true));
    }
    case 'pg_get_expr':
      // adbin holds the expression's SQL text already (Tessera stores no node trees).
      need(2, 3);
      return withCtx(name, T.text, [text(0), oidArg(1)], ([e]) => e ?? null);
    case 'pg_get_serial_sequence':
      need(2);
      return withCtx(name, T.text, [text(0), text(1)], ([t, c], ctx) => serialSequence(snapshotOf(ctx), t as string, c as string));
    case 'pg_get_viewdef': {
      // By OID, or by name (pg_get_viewdef('v')); the wrap column argument changes nothing here.
      need(1, 2);
      const byName = args[0]!.type.kind === 'text' || args[0]!.type.kind === 'unknown';
      const target = byName ? text(0) : oidArg(0);
      return withCtx(name, T.text, [target], ([o], ctx) => {
        const snap = snapshotOf(ctx);
        const oid = byName ? Number(snap.oidOf('regclass', o as string)) : oidNum(o!);
        return snap.views.find((v) => descriptorOid(v.id) === oid)?.definition ?? null;
      });
    }
    case 'obj_description': {
      // obj_description(oid, 'pg_class'); the one-argument form (deprecated) matches any catalog.
      need(1, 2);
      const catalog = args.length === 2 ? [text(1)] : [];
      return withCtx(name, T.text, [oidArg(0), ...catalog], (vs, ctx) => {
        const classoid = vs.length === 2 ? (catalogOids[vs[1] as string] ?? -1) : null;
        return descriptionOf(snapshotOf(ctx), oidNum(vs[0]!), classoid, 0);
      });
    }
    case 'col_description':
      need(2);
      return withCtx(name, T.text, [oidArg(0), binder.coerce(args[1]!, T.int4, pos)], ([o, n], ctx) => descriptionOf(snapshotOf(ctx), oidNum(o!), PG_CLASS_OID, Number(n as bigint)));
    case 'shobj_description':
    case 'pg_get_statisticsobjdef_columns': case 'pg_get_function_identity_arguments':
      need(1, 3);
      return call(name, T.text, [...args], () => null);
    case 'pg_get_function_result': case 'pg_get_function_arguments':
      need(1);
      return withCtx(name, T.text, [oidArg(0)], ([o]) => {
        const p = BUILTIN_PROCS.find((x) => x.oid === oidNum(o!));
        if (p === undefined) return null;
        return name === 'pg_get_function_result' ? (builtinType(p.result)?.display ?? '') : p.args.map((a) => builtinType(a)?.display ?? '').join(', ');
      });
    case 'pg_table_is_visible':
      need(1);
      return withCtx(name, T.bool, [oidArg(0)], ([o], ctx) => snapshotOf(ctx).isVisible(oidNum(o!)));
    // Functions, operator classes and families, conversions, collations and text-search
    // objects all live in pg_catalog (users cannot create them), which is always searched.
    case 'pg_type_is_visible': case 'pg_function_is_visible': case 'pg_operator_is_visible':
    case 'pg_opclass_is_visible': case 'pg_opfamily_is_visible': case 'pg_conversion_is_visible':
    case 'pg_collation_is_visible': case 'pg_ts_parser_is_visible': case 'pg_ts_dict_is_visible':
    case 'pg_ts_template_is_visible': case 'pg_ts_config_is_visible': case 'pg_statistics_obj_is_visible':
      need(1);
      return withCtx(name, T.bool, [oidArg(0)], () => true);
    case 'pg_relation_is_publishable':
      need(1);
      return withCtx(name, T.bool, [oidArg(0)], () => false);
    case 'pg_get_userbyid':
      need(1);
      return withCtx(name, T.text, [oidArg(0)], ([o], ctx) => {
        const r = snapshotOf(ctx).roles.find((x) => roleOid(x.name, x.name === 'root') === oidNum(o!));
        return r?.name ?? `unknown (OID=${String(o)})`;
      });
    case 'current_schemas':
      need(1);
      return withCtx(name, arrayOf(T.text), [binder.coerce(args[0]!, T.bool, pos)], ([implicit], ctx) => {
        const snap = snapshotOf(ctx);
        return new SqlArray(snap.searchPath.filter((s, i) => (implicit === true || i > 0) && snap.namespaces.some((n) => n.name === s)));
      });
    case 'current_schema':
      need(0);
      return withCtx(name, T.text, [], (_v, ctx) => {
        const snap = snapshotOf(ctx);
        return snap.searchPath.slice(1).find((s) => snap.schemas.some((x) => x.name === s)) ?? null;
      });
    case 'has_table_privilege': case 'has_schema_privilege': case 'has_database_privilege': case 'has_column_privilege':
    case 'has_function_privilege': case 'has_sequence_privilege': case 'has_type_privilege': case 'has_any_column_privilege':
      // Every role may do everything until roles and grants exist (issue 6).
      need(2, 4);
      return call(name, T.bool, [...args], () => true);
    case 'pg_encoding_to_char':
      need(1);
      return strictCall(name, T.text, [binder.coerce(args[0]!, T.int4, pos)], (e) => (e === 6n ? 'UTF8' : e === 0n ? 'SQL_ASCII' : ''));
    case 'pg_char_to_encoding':
      need(1);
      return strictCall(name, T.int4, [text(0)], (s) => ((s as string).toUpperCase() === 'UTF8' ? 6n : (s as string).toUpperCase() === 'SQL_ASCII' ? 0n : -1n));
    case 'pg_size_pretty': {
      need(1);
      const a = args[0]!.type.kind === 'numeric' ? args[0]! : binder.coerce(args[0]!, T.int8, pos);
      return strictCall(name, T.text, [a], sizePretty);
    }
    case 'pg_total_relation_size': case 'pg_relation_size': case 'pg_table_size': case 'pg_indexes_size': case 'pg_database_size':
      // Tessera does not track sizes per relation yet: 0 for an existing one, NULL otherwise.
      need(1, 2);
      return withCtx(name, T.int8, [name === 'pg_database_size' ? args[0]! : binder.coerce(args[0]!, T.regclass, pos)], ([o], ctx) => (name === 'pg_database_size' || snapshotOf(ctx).relation(oidNum(o!)) !== null ? 0n : null));
    case 'to_regclass': case 'to_regtype': case 'to_regnamespace': case 'to_regrole': case 'to_regproc': {
      need(1);
      const reg = name.slice(3) as OidAlias;
      const type: SqlType = { kind: 'oid', reg };
      const f = regLookup(reg);
      return withCtx(name, type, [text(0)], ([s], ctx) => f(s!, ctx));
    }
    case 'quote_ident':
      need(1);
      return strictCall(name, T.text, [text(0)], (s) => quoteIdent(s as string));
    case 'quote_literal': case 'quote_nullable': {
      need(1);
      const a = args[0]!.type.kind === 'text' || args[0]!.type.kind === 'unknown' ? text(0) : binder.cast(args[0]!, T.text, true, pos);
      const quote = (s: string): string => (s.includes('\\') ? `E'${s.replaceAll('\\', '\\\\').replaceAll("'", "''")}'` : `'${s.replaceAll("'", "''")}'`);
      if (name === 'quote_literal') return strictCall(name, T.text, [a], (s) => quote(s as string));
      return call(name, T.text, [a], (row, ctx) => {
        const v = a.eval(row, ctx);
        return v === null ? 'NULL' : quote(v as string);
      });
    }
    case 'pg_get_triggerdef': case 'pg_get_ruledef': case 'pg_get_partkeydef': case 'pg_get_functiondef': case 'pg_tablespace_location':
    case 'pg_get_function_sqlbody': case 'pg_get_partition_constraintdef':
      // The objects these describe (triggers, rules, partitions, functions, tablespaces) do not exist in Tessera.
      need(1, 2);
      return call(name, T.text, [...args], () => null);
    case 'acldefault':
      // NULL ACLs mean "the owner's defaults" to pg_dump; there are no grants to print yet.
      need(2);
      return call(name, T.text, [...args], () => null);
    case 'set_config': {
      need(3);
      const [n, v, local] = [text(0), text(1), binder.coerce(args[2]!, T.bool, pos)];
      return call(name, T.text, [n, v, local], (row, ctx) => {
        const setting = n.eval(row, ctx);
        const value = v.eval(row, ctx);
        if (setting === null) throw sqlError('22023', 'SET requires a parameter name');
        if (ctx.setConfig === undefined) throw sqlError('0A000', 'set_config is not available here');
        return ctx.setConfig((setting as string).toLowerCase(), (value as string | null) ?? '', local.eval(row, ctx) === true);
      });
    }
    case 'pg_is_in_recovery':
      need(0);
      return call(name, T.bool, [], () => false);
    case 'pg_my_temp_schema':
      need(0);
      return call(name, T.oid, [], () => 0n);
    default:
      return null;
  }
}

/**
 * `~`, `!~`, `~*`, `!~*` (the parser turns them into these functions): PostgreSQL's
 * advanced regular expressions, read as JavaScript ones (the same for the patterns tools
 * send: anchors, classes, alternation, quantifiers). 2201B for an invalid pattern.
 */
export function bindRegexFunction(name: string, args: readonly BoundExpr[], binder: Binder, pos: number): BoundExpr | null {
  const match = /^text(ic)?regex(eq|ne)$/.exec(name);
  if (match === null) return null;
  if (args.length !== 2) throw arityError(name, args, pos);
  const flags = match[1] === 'ic' ? 'iu' : 'u';
  const negate = match[2] === 'ne';
  const a = binder.coerce(args[0]!, T.text, pos);
  const p = binder.coerce(args[1]!, T.text, pos);
  return strictCall(negate ? (flags === 'u' ? '!~' : '!~*') : flags === 'u' ? '~' : '~*', T.bool, [a, p], (s, pat) => {
    const re = compileRegex(pat as string, flags + 's');
    return re.test(s as string) !== negate;
  });
}
