/**
 * libpg-query statement nodes -> Tessera `Statement`. Anything valid but not supported
 * becomes an 'unsupported' statement (0A000 when run); the parser itself never fails on
 * a statement PostgreSQL accepts.
 */
import type {
  Assignment,
  CommonTableExpr,
  ColumnDef,
  Expr,
  ForeignKeyRef,
  FromItem,
  IndexColumn,
  JoinType,
  Literal,
  InsertSource,
  OnConflictClause,
  OrderItem,
  SelectItem,
  SelectStmt,
  SetValue,
  Statement,
  TableConstraint,
  TableRef,
  WindowSpec,
} from './ast.ts';
import { convertConst, convertExpr, convertTypeName } from './convert-expr.ts';
import { convertWindowDef } from './convert-window.ts';
import { convertGroupBy } from './convert-grouping.ts';
import { convertAlterTable, convertComment, rangeVar, convertCreateSchema, convertDropMore, convertRename, convertView, extraTableConstraint, foreignKeyRef } from './convert-ddl.ts';
import { authStatementTypes, convertAuthStatement } from '../auth/convert-auth.ts';
import { list, location, num, obj, str, stringList, unwrap, type JsonObject } from './json.ts';
import { convertAlterSequence, convertCreateEnum, convertCreateSequence, convertDropTypeOrSequence, convertSequenceOptions } from './convert-types.ts';

/** Statement node names and how PostgreSQL would name them in a message. */
const statementNames: Readonly<Record<string, string>> = {
  CopyStmt: 'COPY',
  AlterTableStmt: 'ALTER TABLE',
  CreateSchemaStmt: 'CREATE SCHEMA',
  ViewStmt: 'CREATE VIEW',
  TruncateStmt: 'TRUNCATE',
  VacuumStmt: 'VACUUM',
  CreatedbStmt: 'CREATE DATABASE',
  CreateFunctionStmt: 'CREATE FUNCTION',
  PrepareStmt: 'PREPARE',
  ExecuteStmt: 'EXECUTE',
  DeallocateStmt: 'DEALLOCATE',
  CreateRoleStmt: 'CREATE ROLE',
  GrantStmt: 'GRANT',
  DoStmt: 'DO',
};

export function convertStatement(node: unknown): Statement {
  const { type, body } = unwrap(node);
  switch (type) {
    case 'SelectStmt':
      return convertSelectOrValues(body);
    case 'InsertStmt':
      return convertInsert(body);
    case 'UpdateStmt':
      return convertUpdate(body);
    case 'DeleteStmt':
      return convertDelete(body);
    case 'CreateStmt':
      return convertCreateTable(body);
    case 'IndexStmt':
      return convertCreateIndex(body);
    case 'DropStmt':
      return convertDrop(body);
    case 'TransactionStmt':
      return convertTransaction(body);
    case 'VariableSetStmt':
      return convertSet(body);
    case 'VariableShowStmt':
      return { kind: 'show', name: (str(body['name']) ?? '').toLowerCase() };
    case 'TruncateStmt':
      return convertTruncate(body);
    case 'AlterTableStmt':
      return convertAlterTable(body, convertColumnDef, convertTableConstraint);
    case 'RenameStmt':
      return convertRename(body);
    case 'ViewStmt':
      return convertView(body, convertSubselect);
    case 'CreateSchemaStmt':
      return convertCreateSchema(body);
    case 'CreatedbStmt':
      return { kind: 'create-database', name: str(body['dbname']) ?? '' };
    case 'DropdbStmt':
      return { kind: 'drop-database', name: str(body['dbname']) ?? '', ifExists: body['missing_ok'] === true };
    case 'CreateEnumStmt':
      return convertCreateEnum(body);
    case 'CreateSeqStmt':
      return convertCreateSequence(body);
    case 'AlterSeqStmt':
      return convertAlterSequence(body);
    case 'AlterOwnerStmt': {
      const type = str(body['objectType']);
      const names = stringList(unwrap(body['object']).type === 'List' ? unwrap(body['object']).body['items'] : [body['object']]);
      const objectType = type === 'OBJECT_SCHEMA' ? 'schema' : type === 'OBJECT_TYPE' ? 'type' : type === 'OBJECT_DATABASE' ? 'database' : null;
      if (objectType === null) return { kind: 'unsupported', what: `ALTER ${(type ?? '').replace('OBJECT_', '')} OWNER`, pos: -1 };
      return { kind: 'alter-owner', objectType, relation: null, name: names.join('.'), owner: str(obj(body['newowner'])['rolename']) ?? '' };
    }
    case 'CommentStmt':
      return convertComment(body);
    case 'CreateExtensionStmt':
      return { kind: 'create-extension', name: str(body['extname']) ?? '', ifNotExists: body['if_not_exists'] === true };
    case 'DoStmt': {
      const args = list(body['args']).map((a) => unwrap(a).body);
      const as = args.find((d) => str(d['defname']) === 'as');
      const language = args.find((d) => str(d['defname']) === 'language');
      return { kind: 'do', body: str(obj(unwrap(as?.['arg']).body)['sval']) ?? str(unwrap(as?.['arg']).body['sval']) ?? '', language: (str(unwrap(language?.['arg']).body['sval']) ?? 'plpgsql').toLowerCase() };
    }
    case 'PrepareStmt': {
      const statement = convertStatement(body['query']);
      if (statement.kind === 'unsupported') return statement;
      return { kind: 'prepare', name: str(body['name']) ?? '', paramTypes: list(body['argtypes']).map((t) => convertTypeName(unwrap(t).body)), statement };
    }
    case 'ExecuteStmt':
      return { kind: 'execute', name: str(body['name']) ?? '', params: list(body['params']).map(convertExpr) };
    case 'DeallocateStmt':
      return { kind: 'deallocate', name: body['isall'] === true ? null : (str(body['name']) ?? null) };
    case 'LockStmt':
      return { kind: 'lock', tables: list(body['relations']).map((r) => convertRangeVar(unwrap(r).body)), mode: typeof body['mode'] === 'number' ? body['mode'] : 8 };
    case 'ExplainStmt':
      return convertExplain(body);
    default:
      if (authStatementTypes.has(type)) return convertAuthStatement(type, body);
      // VACUUM and ANALYZE share one node; is_vacuumcmd tells them apart.
      if (type === 'VacuumStmt' && body['is_vacuumcmd'] !== true) {
        return { kind: 'analyze', tables: list(body['rels']).map((r) => rangeVar(obj(obj(unwrap(r).body)['relation']))) };
      }
      return { kind: 'unsupported', what: statementNames[type] ?? type.replace(/Stmt$/, ''), pos: location(body) };
  }
}

/** EXPLAIN [ANALYZE] [VERBOSE]; COSTS/TIMING/SUMMARY/BUFFERS are accepted and change nothing. */
function convertExplain(body: JsonObject): Statement {
  let analyze = false;
  for (const o of list(body['options'])) {
    const d = unwrap(o).body;
    const name = str(d['defname']) ?? '';
    const arg = d['arg'] === undefined ? null : convertConst(unwrap(d['arg']).body);
    const on = arg === null || (arg.kind === 'bool' && arg.value) || (arg.kind === 'string' && ['true', 'on', '1'].includes(arg.text.toLowerCase())) || (arg.kind === 'integer' && arg.text !== '0');
    if (name === 'analyze') analyze = on;
    else if (name === 'format' && arg !== null && arg.kind === 'string' && arg.text.toLowerCase() !== 'text') return { kind: 'unsupported', what: `EXPLAIN (FORMAT ${arg.text.toUpperCase()})`, pos: -1 };
    else if (!['verbose', 'costs', 'timing', 'summary', 'buffers', 'settings', 'wal', 'memory', 'serialize', 'generic_plan', 'format'].includes(name)) {
      return { kind: 'unsupported', what: `EXPLAIN option ${name}`, pos: -1 };
    }
  }
  const statement = convertStatement(body['query']);
  return analyze ? { kind: 'explain', statement, analyze } : { kind: 'explain', statement };
}

/** The SELECT of a subquery expression (a SelectStmt node). */
export function convertSubselect(node: unknown): Statement {
  return convertSelectOrValues(unwrap(node).body);
}

/** larg/rarg are SelectStmt bodies (with or without the node-type wrapper). */
function selectBody(node: unknown): JsonObject {
  const o = obj(node);
  return o['SelectStmt'] !== undefined ? obj(o['SelectStmt']) : o;
}

const setOps: Readonly<Record<string, 'union' | 'intersect' | 'except'>> = { SETOP_UNION: 'union', SETOP_INTERSECT: 'intersect', SETOP_EXCEPT: 'except' };

function convertSelectOrValues(body: JsonObject): Statement {
  const op = setOps[str(body['op']) ?? ''];
  if (op !== undefined) {
    const ctes = convertWith(body['withClause']);
    if (!Array.isArray(ctes)) return ctes;
    const left = convertSelectOrValues(selectBody(body['larg']));
    if (left.kind !== 'select') return left;
    const right = convertSelectOrValues(selectBody(body['rarg']));
    if (right.kind !== 'select') return right;
    return { ...convertSelect(body, []), with: ctes, setOp: { op, all: body['all'] === true, left, right } };
  }
  const ctes = convertWith(body['withClause']);
  if (!Array.isArray(ctes)) return ctes;
  if (body['valuesLists'] !== undefined) {
    const values = list(body['valuesLists']).map((r) => list(unwrap(r).body['items']).map(convertExpr));
    return { ...convertSelect(body, []), with: ctes, values };
  }
  if (body['intoClause'] !== undefined) return { kind: 'unsupported', what: 'SELECT INTO', pos: -1 };
  const from: FromItem[] = [];
  for (const item of list(body['fromClause'])) {
    const converted = convertFromItem(item);
    if (converted.kind === 'unsupported') return converted;
    from.push(converted);
  }
  return { ...convertSelect(body, from), with: ctes };
}

type Unsupported = Extract<Statement, { kind: 'unsupported' }>;

function convertWith(node: unknown): CommonTableExpr[] | Unsupported {
  if (node === undefined) return [];
  const clause = obj(node);
  const recursive = clause['recursive'] === true;
  const out: CommonTableExpr[] = [];
  for (const item of list(clause['ctes'])) {
    const cte = unwrap(item).body;
    const query = unwrap(cte['ctequery']);
    if (query.type !== 'SelectStmt') return { kind: 'unsupported', what: 'data-modifying statements in WITH', pos: location(cte) };
    const select = convertSelectOrValues(query.body);
    if (select.kind !== 'select') return select.kind === 'unsupported' ? select : { kind: 'unsupported', what: 'this WITH query', pos: -1 };
    if (cte['search_clause'] !== undefined || cte['cycle_clause'] !== undefined) return { kind: 'unsupported', what: 'SEARCH and CYCLE clauses', pos: location(cte) };
    out.push({ name: str(cte['ctename']) ?? '', columnAliases: stringList(cte['aliascolnames']), select, ...(recursive ? { recursive } : {}) });
  }
  return out;
}

const joinTypes: Readonly<Record<string, JoinType>> = { JOIN_INNER: 'inner', JOIN_LEFT: 'left', JOIN_RIGHT: 'right', JOIN_FULL: 'full' };

function convertFromItem(node: unknown): FromItem | Extract<Statement, { kind: 'unsupported' }> {
  const { type, body } = unwrap(node);
  if (type === 'RangeVar') return { kind: 'table', ref: convertRangeVar(body) };
  if (type === 'RangeSubselect') {
    const select = convertSubselect(body['subquery']);
    if (select.kind !== 'select') return select.kind === 'unsupported' ? select : { kind: 'unsupported', what: 'this subquery in FROM', pos: -1 };
    const alias = obj(body['alias']);
    const item = { kind: 'subquery' as const, select, alias: str(alias['aliasname']) ?? 'unnamed_subquery', columnAliases: stringList(alias['colnames']), pos: -1 };
    return body['lateral'] === true ? { ...item, lateral: true } : item;
  }
  if (type === 'RangeFunction') return convertRangeFunction(body);
  if (type !== 'JoinExpr') return { kind: 'unsupported', what: type === 'RangeSubselect' ? 'subqueries in FROM' : type === 'RangeFunction' ? 'functions in FROM' : 'this FROM item', pos: location(body) };
  if (body['alias'] !== undefined || body['join_using_alias'] !== undefined) return { kind: 'unsupported', what: 'aliases of joins', pos: -1 };
  const left = convertFromItem(body['larg']);
  if (left.kind === 'unsupported') return left;
  const right = convertFromItem(body['rarg']);
  if (right.kind === 'unsupported') return right;
  const joinType = joinTypes[str(body['jointype']) ?? ''];
  if (joinType === undefined) return { kind: 'unsupported', what: `join type ${str(body['jointype']) ?? ''}`, pos: -1 };
  const on = optionalExpr(body['quals']);
  const natural = body['isNatural'] === true;
  const using = stringList(body['usingClause']);
  const extra = natural ? { natural } : using.length > 0 ? { using } : {};
  // CROSS JOIN parses as an inner join without a condition.
  const kindOfJoin = on === null && joinType === 'inner' && !natural && using.length === 0 ? 'cross' : joinType;
  return { kind: 'join', joinType: kindOfJoin, left, right, on, pos: location(body), ...extra };
}

function convertRangeFunction(body: JsonObject): FromItem | Unsupported {
  const functions = list(body['functions']);
  if (functions.length === 0 || body['coldeflist'] !== undefined) return { kind: 'unsupported', what: 'column definition lists', pos: location(body) };
  const calls: Expr[] = [];
  for (const f of functions) {
    const items = list(unwrap(f).body['items']);
    if (items[1] !== undefined && Object.keys(obj(items[1])).length > 0) return { kind: 'unsupported', what: 'column definition lists', pos: location(body) };
    calls.push(convertExpr(items[0]));
  }
  const call = calls[0]!;
  const alias = obj(body['alias']);
  const item = { kind: 'function' as const, call, alias: str(alias['aliasname']), columnAliases: stringList(alias['colnames']), pos: call.pos };
  const rowsFrom = body['is_rowsfrom'] === true && calls.length > 1 ? { rowsFrom: calls } : {};
  return body['ordinality'] === true ? { ...item, ...rowsFrom, ordinality: true } : { ...item, ...rowsFrom };
}

/** The strictest wait policy of the locking clauses (NOWAIT, then SKIP LOCKED), or null. */
function convertLocking(clauses: readonly unknown[]): SelectStmt['locking'] {
  if (clauses.length === 0) return null;
  const policies = clauses.map((c) => str(unwrap(c).body['waitPolicy']));
  const wait = policies.includes('LockWaitError') ? 'nowait' : policies.includes('LockWaitSkip') ? 'skip-locked' : 'block';
  return { wait };
}

function convertSelect(body: JsonObject, from: readonly FromItem[]): SelectStmt {
  const distinctClause = list(body['distinctClause']);
  const grouping = convertGroupBy(body['groupClause']);
  return {
    ...(grouping.sets === null ? {} : { groupingSets: grouping.sets }),
    kind: 'select',
    items: convertTargets(body['targetList']),
    from,
    where: optionalExpr(body['whereClause']),
    groupBy: [...grouping.groupBy],
    having: optionalExpr(body['havingClause']),
    orderBy: list(body['sortClause']).map(convertSortBy),
    limit: nullLiteralIsAbsent(optionalExpr(body['limitCount'])),
    offset: optionalExpr(body['limitOffset']),
    distinct: distinctClause.length > 0,
    // Plain DISTINCT is a list holding one empty node; DISTINCT ON lists its expressions.
    ...(distinctClause.some((d) => unwrap(d).type !== 'unknown') ? { distinctOn: distinctClause.map(convertExpr) } : {}),
    locking: convertLocking(list(body['lockingClause'])),
    with: [],
    setOp: null,
    ...(body['windowClause'] === undefined ? {} : { windows: convertWindowClause(body['windowClause']) }),
  };
}

function convertWindowClause(node: unknown): { name: string; spec: WindowSpec }[] {
  return list(node).map((w) => {
    const b = unwrap(w).body;
    return { name: str(b['name']) ?? '', spec: { ...convertWindowDef(b, convertSortBy), refName: str(b['refname']) } };
  });
}

/** LIMIT ALL parses as LIMIT NULL: both mean no limit. */
function nullLiteralIsAbsent(expr: Expr | null): Expr | null {
  return expr !== null && expr.kind === 'literal' && expr.value.kind === 'null' ? null : expr;
}

function optionalExpr(node: unknown): Expr | null {
  return node === undefined ? null : convertExpr(node);
}

function convertTargets(node: unknown): SelectItem[] {
  return list(node).map((t) => {
    const b = unwrap(t).body;
    return { expr: convertExpr(b['val']), alias: str(b['name']) };
  });
}

export function convertSortBy(node: unknown): OrderItem {
  const b = unwrap(node).body;
  const nulls = str(b['sortby_nulls']);
  if (str(b['sortby_dir']) === 'SORTBY_USING') {
    return { expr: { kind: 'unsupported-expr', what: 'ORDER BY ... USING', pos: -1 }, descending: false, nullsFirst: null };
  }
  return {
    expr: convertExpr(b['node']),
    descending: str(b['sortby_dir']) === 'SORTBY_DESC',
    nullsFirst: nulls === 'SORTBY_NULLS_FIRST' ? true : nulls === 'SORTBY_NULLS_LAST' ? false : null,
  };
}

function convertRangeVar(body: JsonObject): TableRef {
  const alias = str(obj(body['alias'])['aliasname']);
  return { schema: str(body['schemaname']), name: str(body['relname']) ?? '', alias, pos: location(body) };
}

function convertReturning(body: JsonObject): SelectItem[] {
  return convertTargets(obj(body['returningClause'])['exprs']);
}

function convertInsert(body: JsonObject): Statement {
  const ctes = convertWith(body['withClause']);
  if (!Array.isArray(ctes)) return ctes;
  const withPart = ctes.length > 0 ? { with: ctes } : {};
  const hasConflict = body['onConflictClause'] !== undefined;
  const onConflict = hasConflict ? convertOnConflict(obj(body['onConflictClause'])) : null;
  if (onConflict !== null && 'what' in onConflict) return onConflict;
  const cols = body['cols'] === undefined ? null : list(body['cols']).map((c) => {
    const b = unwrap(c).body;
    return { name: str(b['name']) ?? '', pos: location(b) };
  });
  let source: InsertSource;
  if (body['selectStmt'] === undefined) source = { kind: 'default-values' };
  else {
    const sel = unwrap(body['selectStmt']).body;
    if (sel['valuesLists'] !== undefined && sel['sortClause'] === undefined && sel['limitCount'] === undefined && sel['withClause'] === undefined) {
      const rows = list(sel['valuesLists']).map((r) => list(unwrap(r).body['items']).map(convertExpr));
      source = { kind: 'values', rows };
    } else {
      const stmt = convertSelectOrValues(sel);
      if (stmt.kind !== 'select') return stmt;
      source = { kind: 'select', select: stmt };
    }
  }
  return {
    kind: 'insert',
    table: convertRangeVar(obj(body['relation'])),
    columns: cols,
    source,
    returning: convertReturning(body),
    onConflictDoNothing: onConflict !== null && onConflict.action === 'nothing',
    ...(onConflict === null ? {} : { onConflict }),
    ...(body['override'] === 'OVERRIDING_SYSTEM_VALUE' ? { overriding: 'system' as const } : body['override'] === 'OVERRIDING_USER_VALUE' ? { overriding: 'user' as const } : {}),
    ...withPart,
  };
}

function convertOnConflict(c: JsonObject): OnConflictClause | Unsupported {
  const pos = location(c);
  const infer = body_(c['infer']);
  let target: OnConflictClause['target'] = null;
  if (infer !== null) {
    if (infer['whereClause'] !== undefined) return { kind: 'unsupported', what: 'ON CONFLICT ... WHERE (partial index inference)', pos };
    const conname = str(infer['conname']);
    if (conname !== null) target = { kind: 'constraint', name: conname };
    else {
      const columns: string[] = [];
      for (const e of list(infer['indexElems'])) {
        const name = str(unwrap(e).body['name']);
        if (name === null) return { kind: 'unsupported', what: 'expressions in ON CONFLICT', pos };
        columns.push(name);
      }
      target = { kind: 'columns', columns };
    }
  }
  const action = str(c['action']) === 'ONCONFLICT_UPDATE' ? 'update' : 'nothing';
  const set = convertSetList(c['targetList']);
  if (!Array.isArray(set)) return set;
  return { target, action, set, where: optionalExpr(c['whereClause']), pos };
}

function body_(node: unknown): JsonObject | null {
  return node === undefined ? null : obj(node);
}

function convertSetList(node: unknown): Assignment[] | Unsupported {
  const set: Assignment[] = [];
  for (const t of list(node)) {
    const b = unwrap(t).body;
    if (b['indirection'] !== undefined) return { kind: 'unsupported', what: 'assignment to a field or element', pos: location(b) };
    const multi = unwrap(b['val']);
    if (multi.type === 'MultiAssignRef') {
      // SET (a, b) = (x, y): each column takes its field of the row; a subquery source is not supported.
      const source = unwrap(multi.body['source']);
      const field = list(source.body['args'])[num(multi.body['colno'], 1) - 1];
      if (source.type !== 'RowExpr' || field === undefined) return { kind: 'unsupported', what: 'multi-column assignment from a subquery', pos: location(b) };
      set.push({ column: str(b['name']) ?? '', value: convertExpr(field), pos: location(b) });
      continue;
    }
    set.push({ column: str(b['name']) ?? '', value: convertExpr(b['val']), pos: location(b) });
  }
  return set;
}

function convertFromList(node: unknown): FromItem[] | Unsupported {
  const out: FromItem[] = [];
  for (const item of list(node)) {
    const converted = convertFromItem(item);
    if (converted.kind === 'unsupported') return converted;
    out.push(converted);
  }
  return out;
}

function convertUpdate(body: JsonObject): Statement {
  const ctes = convertWith(body['withClause']);
  if (!Array.isArray(ctes)) return ctes;
  const withPart = ctes.length > 0 ? { with: ctes } : {};
  const set = convertSetList(body['targetList']);
  if (!Array.isArray(set)) return set;
  const from = convertFromList(body['fromClause']);
  if (!Array.isArray(from)) return from;
  return {
    kind: 'update',
    table: convertRangeVar(obj(body['relation'])),
    set,
    where: optionalExpr(body['whereClause']),
    returning: convertReturning(body),
    ...(from.length > 0 ? { from } : {}),
    ...withPart,
  };
}

function convertDelete(body: JsonObject): Statement {
  const ctes = convertWith(body['withClause']);
  if (!Array.isArray(ctes)) return ctes;
  const withPart = ctes.length > 0 ? { with: ctes } : {};
  const using = convertFromList(body['usingClause']);
  if (!Array.isArray(using)) return using;
  return {
    kind: 'delete',
    table: convertRangeVar(obj(body['relation'])),
    where: optionalExpr(body['whereClause']),
    returning: convertReturning(body),
    ...(using.length > 0 ? { using } : {}),
    ...withPart,
  };
}

function convertTruncate(body: JsonObject): Statement {
  return { kind: 'truncate', tables: list(body['relations']).map((r) => convertRangeVar(unwrap(r).body)) };
}

function convertCreateTable(body: JsonObject): Statement {
  const relation = obj(body['relation']);
  if (str(relation['relpersistence']) === 't') return { kind: 'unsupported', what: 'temporary tables', pos: location(relation) };
  if (body['inhRelations'] !== undefined || body['partspec'] !== undefined) {
    return { kind: 'unsupported', what: 'inheritance and partitioning', pos: location(relation) };
  }
  const columns: ColumnDef[] = [];
  const constraints: TableConstraint[] = [];
  for (const elt of list(body['tableElts'])) {
    const { type, body: b } = unwrap(elt);
    if (type === 'ColumnDef') {
      const col = convertColumnDef(b);
      if ('kind' in col) return col;
      columns.push(col);
    } else if (type === 'Constraint') {
      const c = convertTableConstraint(b);
      if ('what' in c) return c;
      constraints.push(c);
    } else {
      return { kind: 'unsupported', what: 'CREATE TABLE ... LIKE', pos: location(b) };
    }
  }
  return { kind: 'create-table', table: convertRangeVar(relation), ifNotExists: body['if_not_exists'] === true, columns, constraints };
}

function convertColumnDef(b: JsonObject): ColumnDef | Extract<Statement, { kind: 'unsupported' }> {
  const checks: Expr[] = [];
  let references: ForeignKeyRef | null = null;
  let notNull = false;
  let explicitNull = false;
  let primaryKey = false;
  let unique = false;
  let defaultExpr: Expr | null = null;
  let identity: ColumnDef['identity'];
  for (const c of list(b['constraints'])) {
    const cb = unwrap(c).body;
    switch (str(cb['contype'])) {
      case 'CONSTR_NOTNULL': notNull = true; break;
      case 'CONSTR_NULL': explicitNull = true; break;
      case 'CONSTR_PRIMARY': primaryKey = true; break;
      case 'CONSTR_UNIQUE': unique = true; break;
      case 'CONSTR_DEFAULT': defaultExpr = convertExpr(cb['raw_expr']); break;
      case 'CONSTR_CHECK': checks.push(convertExpr(cb['raw_expr'])); break;
      case 'CONSTR_FOREIGN': references = foreignKeyRef(cb); break;
      case 'CONSTR_IDENTITY': {
        const options = convertSequenceOptions(cb['options']);
        if (options === null) return { kind: 'unsupported', what: 'this identity option', pos: location(cb) };
        identity = { always: cb['generated_when'] === 'a', options };
        break;
      }
      default:
        return { kind: 'unsupported', what: `column constraint ${(str(cb['contype']) ?? '').replace('CONSTR_', '')}`, pos: location(cb) };
    }
  }
  const type = convertTypeName(b['typeName']);
  const def: ColumnDef = { name: str(b['colname']) ?? '', type, notNull, explicitNull, primaryKey, unique, defaultExpr, pos: location(b) };
  const col: ColumnDef = { ...def, ...(checks.length > 0 ? { checks } : {}), ...(references === null ? {} : { references }) };
  return identity === undefined ? col : { ...col, identity };
}

function convertTableConstraint(b: JsonObject): TableConstraint | Extract<Statement, { kind: 'unsupported' }> {
  const pos = location(b);
  const name = str(b['conname']);
  const columns = stringList(b['keys']);
  switch (str(b['contype'])) {
    case 'CONSTR_PRIMARY':
      return { kind: 'primary-key', name, columns, pos };
    case 'CONSTR_UNIQUE':
      return { kind: 'unique', name, columns, pos };
    case 'CONSTR_CHECK':
    case 'CONSTR_FOREIGN':
      return extraTableConstraint(b)!;
    default:
      return { kind: 'unsupported', what: `table constraint ${(str(b['contype']) ?? '').replace('CONSTR_', '')}`, pos };
  }
}

function convertCreateIndex(body: JsonObject): Statement {
  const relation = obj(body['relation']);
  if ((str(body['accessMethod']) ?? 'btree') !== 'btree') return { kind: 'unsupported', what: 'index access methods other than btree', pos: -1 };
  if (body['indexIncludingParams'] !== undefined) return { kind: 'unsupported', what: 'INCLUDE columns', pos: -1 };
  const columns: IndexColumn[] = [];
  for (const p of list(body['indexParams'])) {
    const pb = unwrap(p).body;
    const name = str(pb['name']);
    if (name === null) return { kind: 'unsupported', what: 'expression indexes', pos: -1 };
    if (str(pb['nulls_ordering']) !== 'SORTBY_NULLS_DEFAULT') return { kind: 'unsupported', what: 'NULLS FIRST/LAST in an index', pos: -1 };
    columns.push({ name, descending: str(pb['ordering']) === 'SORTBY_DESC', pos: -1 });
  }
  return {
    kind: 'create-index',
    name: str(body['idxname']),
    table: convertRangeVar(relation),
    unique: body['unique'] === true,
    ifNotExists: body['if_not_exists'] === true,
    columns,
    ...(body['whereClause'] === undefined ? {} : { where: convertExpr(body['whereClause']) }),
  };
}

function convertDrop(body: JsonObject): Statement {
  const more = convertDropMore(body);
  if (more !== null) return more;
  const removeType = str(body['removeType']);
  if (removeType === 'OBJECT_TYPE' || removeType === 'OBJECT_SEQUENCE') return convertDropTypeOrSequence(body, removeType);
  if (removeType !== 'OBJECT_TABLE' && removeType !== 'OBJECT_INDEX') {
    return { kind: 'unsupported', what: `DROP ${(removeType ?? '').replace('OBJECT_', '')}`, pos: -1 };
  }
  const refs: TableRef[] = list(body['objects']).map((o) => {
    const names = stringList(unwrap(o).body['items']);
    const name = names[names.length - 1] ?? '';
    return { schema: names.length > 1 ? (names[names.length - 2] ?? null) : null, name, alias: null, pos: -1 };
  });
  const ifExists = body['missing_ok'] === true;
  if (removeType === 'OBJECT_TABLE') return { kind: 'drop-table', tables: refs, ifExists, ...(str(body['behavior']) === 'DROP_CASCADE' ? { cascade: true } : {}) };
  return { kind: 'drop-index', names: refs, ifExists };
}

function convertTransaction(body: JsonObject): Statement {
  switch (str(body['kind'])) {
    case 'TRANS_STMT_BEGIN':
    case 'TRANS_STMT_START': {
      let isolation: 'serializable' | 'read-committed' | null = null;
      let readOnly = false;
      for (const o of list(body['options'])) {
        const d = unwrap(o).body;
        const arg = convertConst(unwrap(d['arg']).body);
        const name = str(d['defname']);
        if (name === 'transaction_isolation' && arg.kind === 'string') {
          isolation = arg.text === 'read committed' || arg.text === 'read uncommitted' ? 'read-committed' : 'serializable';
        } else if (name === 'transaction_read_only') {
          readOnly = arg.kind === 'integer' && arg.text === '1';
        }
      }
      return { kind: 'begin', isolation, readOnly };
    }
    case 'TRANS_STMT_COMMIT':
      return { kind: 'commit' };
    case 'TRANS_STMT_ROLLBACK':
      return { kind: 'rollback' };
    case 'TRANS_STMT_SAVEPOINT':
      return { kind: 'savepoint', name: str(body['savepoint_name']) ?? '' };
    case 'TRANS_STMT_ROLLBACK_TO':
      return { kind: 'rollback-to', name: str(body['savepoint_name']) ?? '' };
    case 'TRANS_STMT_RELEASE':
      return { kind: 'release', name: str(body['savepoint_name']) ?? '' };
    default:
      return { kind: 'unsupported', what: (str(body['kind']) ?? '').replace('TRANS_STMT_', '').replaceAll('_', ' '), pos: -1 };
  }
}

/**
 * SET TIME ZONE INTERVAL '+05:30' HOUR TO MINUTE (Sequelize sends it): hours east of UTC,
 * as a number (the form a bare SET TIME ZONE 5.5 takes).
 */
function intervalZone(cast: JsonObject): Literal {
  const text = str(obj(obj(unwrap(cast['arg']).body)['sval'])['sval']) ?? '';
  const m = /^\s*([+-])?(\d{1,2})(?::(\d{2}))?\s*$/.exec(text);
  if (m === null) return { kind: 'string', text };
  const hours = Number(m[2]) + Number(m[3] ?? 0) / 60;
  return { kind: 'decimal', text: String(m[1] === '-' ? -hours : hours) };
}

function convertSet(body: JsonObject): Statement {
  const name = (str(body['name']) ?? '').toLowerCase();
  switch (str(body['kind'])) {
    case 'VAR_SET_VALUE': {
      const values = list(body['args']).map((a) => {
        const { type, body: ab } = unwrap(a);
        if (type === 'TypeCast' && name === 'timezone') return intervalZone(ab);
        return type === 'A_Const' ? convertConst(ab) : ({ kind: 'string', text: '' } as const);
      });
      const value: SetValue = { kind: 'values', values };
      return { kind: 'set', name, value, local: body['is_local'] === true };
    }
    case 'VAR_SET_DEFAULT':
    case 'VAR_SET_CURRENT':
      return { kind: 'set', name, value: { kind: 'default' }, local: body['is_local'] === true };
    case 'VAR_RESET':
      return { kind: 'reset', name };
    case 'VAR_RESET_ALL':
      return { kind: 'reset', name: null };
    case 'VAR_SET_MULTI':
      return convertSetTransaction(name, body);
    default:
      return { kind: 'unsupported', what: 'SET ... FROM CURRENT', pos: -1 };
  }
}

/**
 * SET TRANSACTION ISOLATION LEVEL x (and SET SESSION CHARACTERISTICS AS TRANSACTION ...)
 * become SETs of transaction_isolation (default_transaction_isolation), as PostgreSQL
 * itself treats them. Other transaction modes are unsupported.
 */
function convertSetTransaction(name: string, body: JsonObject): Statement {
  const target = name === 'transaction' ? 'transaction_isolation' : name === 'session characteristics' ? 'default_transaction_isolation' : null;
  const values: Literal[] = [];
  for (const o of list(body['args'])) {
    const d = unwrap(o).body;
    // READ ONLY / DEFERRABLE (pg_dump sends both with its isolation level) are accepted and
    // not enforced yet: the isolation level is what changes how the transaction runs.
    if (str(d['defname']) === 'transaction_read_only' || str(d['defname']) === 'transaction_deferrable') continue;
    const arg = convertConst(unwrap(d['arg']).body);
    if (str(d['defname']) !== 'transaction_isolation' || arg.kind !== 'string' || target === null) {
      return { kind: 'unsupported', what: `SET ${name.toUpperCase()} ${str(d['defname']) ?? ''}`, pos: -1 };
    }
    values.push(arg);
  }
  if (target === null || values.length !== 1) return { kind: 'unsupported', what: `SET ${name.toUpperCase()}`, pos: -1 };
  return { kind: 'set', name: target, value: { kind: 'values', values }, local: false };
}
