/**
 * SQL text of catalog objects as PostgreSQL's ruleutils prints it: column defaults
 * (pg_get_expr of pg_attrdef.adbin), index definitions (pg_get_indexdef) and constraint
 * definitions (pg_get_constraintdef).
 */
import type { CheckDesc, ForeignKeyDesc, IndexDesc, TableDesc } from '../catalog/descriptors.ts';
import type { Expr, Literal } from '../parser/ast.ts';
import type { SqlType } from '../types/types.ts';
import { formatSqlType } from './builtin-types.ts';
import { quoteIdent } from './names.ts';

function literalText(lit: Literal): string {
  switch (lit.kind) {
    case 'integer': case 'decimal': return lit.text;
    case 'string': return `'${lit.text.replaceAll("'", "''")}'::text`;
    case 'bool': return lit.value ? 'true' : 'false';
    case 'null': return 'NULL';
    case 'bitstring': return `B'${lit.text}'`;
  }
}

/** Functions written without parentheses, as ruleutils prints them. */
const sqlValueFunctions: Readonly<Record<string, string>> = {
  current_date: 'CURRENT_DATE', localtimestamp: 'LOCALTIMESTAMP', current_user: 'CURRENT_USER', session_user: 'SESSION_USER', current_schema: 'CURRENT_SCHEMA',
};

/** How names print where the search path decides whether they are qualified. */
export interface DeparseNames {
  /** A serial default's sequence name (as stored) as it should print. */
  sequence?(text: string): string;
  /** An enum type's name. */
  enumType?(type: Extract<SqlType, { kind: 'enum' }>): string;
}

/**
 * A column default as pg_get_expr prints it: constants are coerced to the column's type
 * when the table is created, so a string prints as `'x'::character varying` and a negative
 * number as `'-1'::integer`; everything else as the expression.
 */
export function deparseDefault(e: Expr, type: SqlType, names: DeparseNames = {}): string {
  const seq = e.kind === 'func' && e.name === 'nextval' ? e.args[0] : undefined;
  if (seq !== undefined && seq.kind === 'literal' && seq.value.kind === 'string') {
    const text = names.sequence?.(seq.value.text) ?? seq.value.text;
    return `nextval('${text.replaceAll("'", "''")}'::regclass)`;
  }
  const cast = type.kind === 'bpchar' ? 'bpchar' : type.kind === 'enum' && names.enumType !== undefined ? names.enumType(type) : formatSqlType(type).replace(/\(.*\)/, '');
  if (e.kind === 'literal' && e.value.kind === 'string') return `'${e.value.text.replaceAll("'", "''")}'::${cast}`;
  if (e.kind === 'negate' && e.operand.kind === 'literal' && (e.operand.value.kind === 'integer' || e.operand.value.kind === 'decimal')) return `'-${e.operand.value.text}'::${cast}`;
  if (e.kind === 'literal' && (e.value.kind === 'integer' || e.value.kind === 'decimal') && e.value.text.startsWith('-')) return `'${e.value.text}'::${cast}`;
  return deparseExpr(e);
}

/** An expression as PostgreSQL prints a stored default (best effort for the rarer nodes). */
export function deparseExpr(e: Expr): string {
  switch (e.kind) {
    case 'literal': return literalText(e.value);
    case 'column': return e.table === null ? quoteIdent(e.name) : `${quoteIdent(e.table)}.${quoteIdent(e.name)}`;
    case 'func': return sqlValueFunctions[e.name] !== undefined && e.args.length === 0 ? sqlValueFunctions[e.name]! : `${e.name}(${e.args.map(deparseExpr).join(', ')})`;
    case 'cast': {
      const inner = e.arg.kind === 'literal' && e.arg.value.kind === 'string' ? `'${e.arg.value.text.replaceAll("'", "''")}'` : deparseExpr(e.arg);
      return `${inner}::${e.type.name}${e.type.mods.length > 0 ? `(${e.type.mods.join(',')})` : ''}`;
    }
    case 'negate': return `(- ${deparseExpr(e.operand)})`;
    case 'binary': return `(${deparseExpr(e.left)} ${e.op} ${deparseExpr(e.right)})`;
    case 'and': case 'or': return `(${e.args.map(deparseExpr).join(` ${e.kind.toUpperCase()} `)})`;
    case 'not': return `(NOT ${deparseExpr(e.arg)})`;
    case 'is-null': return `(${deparseExpr(e.arg)} IS ${e.negated ? 'NOT ' : ''}NULL)`;
    case 'coalesce': return `COALESCE(${e.args.map(deparseExpr).join(', ')})`;
    case 'param': return `$${e.index}`;
    default: return '?';
  }
}

/** Column names of an index, each with DESC when it sorts descending. */
function indexColumns(table: TableDesc, index: IndexDesc): string {
  return index.columnIds.map((id, i) => {
    const name = quoteIdent(table.columns.find((c) => c.id === id)?.name ?? '?');
    return index.directions[i] === 'desc' ? `${name} DESC` : name;
  }).join(', ');
}

/** pg_get_indexdef: `CREATE [UNIQUE] INDEX name ON [schema.]table USING btree (cols)`. */
export function indexDef(table: TableDesc, schema: string, index: IndexDesc, pretty: boolean): string {
  const rel = pretty && schema === 'public' ? quoteIdent(table.name) : `${quoteIdent(schema)}.${quoteIdent(table.name)}`;
  const where = index.predicate === undefined ? '' : ` WHERE ${deparseExpr(index.predicate)}`;
  return `CREATE ${index.unique ? 'UNIQUE ' : ''}INDEX ${quoteIdent(index.name)} ON ${rel} USING btree (${indexColumns(table, index)})${where}`;
}

const fkActions: Readonly<Record<ForeignKeyDesc['onDelete'], string>> = { 'no-action': 'NO ACTION', restrict: 'RESTRICT', cascade: 'CASCADE', 'set-null': 'SET NULL', 'set-default': 'SET DEFAULT' };

/** pg_get_constraintdef of a CHECK constraint. */
export function checkDef(check: CheckDesc): string {
  const text = deparseExpr(check.expr);
  return `CHECK (${text.startsWith('(') ? text : `(${text})`})`;
}

/** pg_get_constraintdef of a FOREIGN KEY: `refName` is the referenced table as it should print. */
export function foreignKeyDef(table: TableDesc, fk: ForeignKeyDesc, ref: TableDesc, refName: string): string {
  const names = (t: TableDesc, ids: readonly number[]): string => ids.map((id) => quoteIdent(t.columns.find((c) => c.id === id)?.name ?? '?')).join(', ');
  let text = `FOREIGN KEY (${names(table, fk.columnIds)}) REFERENCES ${refName}(${names(ref, fk.refColumnIds)})`;
  if (fk.onUpdate !== 'no-action') text += ` ON UPDATE ${fkActions[fk.onUpdate]}`;
  if (fk.onDelete !== 'no-action') text += ` ON DELETE ${fkActions[fk.onDelete]}`;
  return text;
}

/** pg_get_constraintdef of a PRIMARY KEY or UNIQUE constraint. */
export function constraintDef(table: TableDesc, index: IndexDesc, primary: boolean): string {
  const cols = index.columnIds.map((id) => quoteIdent(table.columns.find((c) => c.id === id)?.name ?? '?')).join(', ');
  return `${primary ? 'PRIMARY KEY' : 'UNIQUE'} (${cols})`;
}
