/**
 * libpg-query expression nodes -> Tessera `Expr`. Valid expressions Tessera cannot run yet
 * become 'unsupported-expr' (the binder reports 0A000), never an exception here.
 */
import type { BinaryOp, Expr, Literal, TypeName } from './ast.ts';
import { list, location, num, obj, str, stringList, unwrap, type JsonObject } from './json.ts';
import { convertSortBy, convertSubselect } from './convert-stmt.ts';
import { convertWindowDef } from './convert-window.ts';

const binaryOps: ReadonlySet<string> = new Set([
  '+', '-', '*', '/', '%', '=', '<>', '!=', '<', '<=', '>', '>=', '||',
  '->', '->>', '#>', '#>>', '@>', '<@', '?', '?|', '?&', '&&', '#-',
]);

/** POSIX regular expression operators, as PostgreSQL's functions behind them. */
const regexFunctions: Readonly<Record<string, string>> = { '~': 'textregexeq', '!~': 'textregexne', '~*': 'texticregexeq', '!~*': 'texticregexne' };

/**
 * Operators that are functions under another name: ^ is power, ^@ is starts_with, |/ and ||/ are square and
 * cube root, @ is abs, and the integer bit operators bind as `operator(op)`.
 */
function operatorFunctions(op: string, left: Expr | null, right: Expr): { name: string; args: Expr[] } | null {
  if (left !== null && op === '^') return { name: 'power', args: [left, right] };
  if (left !== null && op === '^@') return { name: 'starts_with', args: [left, right] };
  if (left === null && (op === '|/' || op === '||/' || op === '@')) return { name: op === '|/' ? 'sqrt' : op === '||/' ? 'cbrt' : 'abs', args: [right] };
  if (left === null && op === '~') return { name: 'operator(~)', args: [right] };
  if (left !== null && ['&', '|', '#', '<<', '>>'].includes(op)) return { name: `operator(${op})`, args: [left, right] };
  return null;
}

function collatable(name: readonly string[]): boolean {
  const last = name[name.length - 1] ?? '';
  return ['default', 'C', 'POSIX', 'ucs_basic'].includes(last);
}

export function convertExpr(node: unknown): Expr {
  const { type, body } = unwrap(node);
  const pos = location(body);
  switch (type) {
    case 'A_Const':
      return { kind: 'literal', value: convertConst(body), pos };
    case 'ColumnRef':
      return convertColumnRef(body, pos);
    case 'ParamRef':
      return { kind: 'param', index: num(body['number'], 0), pos };
    case 'A_Expr':
      return convertAExpr(body, pos);
    case 'BoolExpr':
      return convertBoolExpr(body, pos);
    case 'NullTest': {
      const negated = body['nulltesttype'] === 'IS_NOT_NULL';
      // ROW(...) IS NULL: every field is NULL; IS NOT NULL: every field is not NULL.
      const fields = rowItems(body['arg']);
      if (fields !== null) return { kind: 'and', args: fields.map((arg) => ({ kind: 'is-null', arg, negated, pos })), pos };
      return { kind: 'is-null', arg: convertExpr(body['arg']), negated, pos };
    }
    case 'BooleanTest':
      return convertBooleanTest(body, pos);
    case 'TypeCast':
      return convertTypeCast(body, pos);
    case 'A_ArrayExpr':
      return { kind: 'array', elements: list(body['elements']).map(convertExpr), pos };
    case 'A_Indirection':
      return convertIndirection(body, pos);
    case 'FuncCall':
      return convertFuncCall(body, pos);
    case 'CaseExpr':
      return convertCase(body, pos);
    case 'CoalesceExpr':
      return { kind: 'coalesce', args: list(body['args']).map(convertExpr), pos };
    case 'MinMaxExpr':
      // GREATEST / LEAST are functions for the binder (NULL-skipping, common type).
      return { kind: 'func', name: body['op'] === 'IS_GREATEST' ? 'greatest' : 'least', args: list(body['args']).map(convertExpr), star: false, distinct: false, pos };
    case 'SQLValueFunction':
      return convertSqlValueFunction(body, pos);
    case 'SetToDefault':
      return { kind: 'default', pos };
    case 'SubLink':
      return convertSubLink(body, pos);
    case 'CollateClause':
      // Tessera compares strings by code point (C collation): COLLATE "default"/"C"/"POSIX" change nothing.
      return collatable(stringList(body['collname'])) ? convertExpr(body['arg']) : { kind: 'unsupported-expr', what: `collation ${stringList(body['collname']).join('.')}`, pos };
    default:
      return { kind: 'unsupported-expr', what: `expression ${type}`, pos };
  }
}

export function convertConst(body: JsonObject): Literal {
  if (body['isnull'] === true) return { kind: 'null' };
  if ('ival' in body) return { kind: 'integer', text: String(num(obj(body['ival'])['ival'], 0)) };
  if ('fval' in body) {
    const text = str(obj(body['fval'])['fval']) ?? '0';
    return /^-?\d+$/.test(text) ? { kind: 'integer', text } : { kind: 'decimal', text };
  }
  if ('sval' in body) return { kind: 'string', text: str(obj(body['sval'])['sval']) ?? '' };
  if ('boolval' in body) return { kind: 'bool', value: obj(body['boolval'])['boolval'] === true };
  if ('bsval' in body) return { kind: 'bitstring', text: str(obj(body['bsval'])['bsval']) ?? '' };
  return { kind: 'null' };
}

function convertColumnRef(body: JsonObject, pos: number): Expr {
  const parts: (string | null)[] = list(body['fields']).map((f) => {
    const { type, body: b } = unwrap(f);
    return type === 'String' ? (str(b['sval']) ?? '') : null;
  });
  const last = parts[parts.length - 1];
  // schema.table.column (as Prisma writes them) names the column through its table; the
  // schema must be the table's, which the FROM item already fixed.
  if (parts.length > 3) return { kind: 'unsupported-expr', what: 'column names qualified with a database', pos };
  const table = parts.length >= 2 ? (parts[parts.length - 2] ?? null) : null;
  if (last === null || last === undefined) return { kind: 'star', table, pos };
  return { kind: 'column', table, name: last, pos };
}

/** The fields of a row constructor, `(a, b)` or `ROW(a, b)`; null for another node. */
function rowItems(node: unknown): Expr[] | null {
  const { type, body } = unwrap(node);
  return type === 'RowExpr' ? list(body['args']).map(convertExpr) : null;
}

/**
 * A comparison of two row constructors, field by field: = is every field equal, <> any
 * unequal, and < <= > >= compare lexicographically (the first unequal pair decides).
 */
function rowComparison(op: string, l: Expr[], r: Expr[], pos: number): Expr {
  if (l.length !== r.length) return { kind: 'unsupported-expr', what: 'row comparisons of unequal length', pos };
  const pair = (o: BinaryOp, i: number): Expr => ({ kind: 'binary', op: o, left: l[i]!, right: r[i]!, pos });
  if (op === '=') return { kind: 'and', args: l.map((_, i) => pair('=', i)), pos };
  if (op === '<>' || op === '!=') return { kind: 'or', args: l.map((_, i) => pair('<>', i)), pos };
  if (!['<', '<=', '>', '>='].includes(op)) return { kind: 'unsupported-expr', what: `row comparison with ${op}`, pos };
  const strict = op[0] as BinaryOp;
  let expr = pair(op as BinaryOp, l.length - 1);
  for (let i = l.length - 2; i >= 0; i--) expr = { kind: 'or', args: [pair(strict, i), { kind: 'and', args: [pair('=', i), expr], pos }], pos };
  return expr;
}

function convertAExpr(body: JsonObject, pos: number): Expr {
  const kind = str(body['kind']);
  const names = stringList(body['name']);
  // OPERATOR(pg_catalog.op) is the built-in op.
  const op = (names.length === 2 && names[0] === 'pg_catalog' ? names.slice(1) : names).join('.');
  const leftRow = body['lexpr'] === undefined ? null : rowItems(body['lexpr']);
  if (leftRow !== null) {
    const rightRow = rowItems(body['rexpr']);
    if (kind === 'AEXPR_OP' && rightRow !== null) return rowComparison(op, leftRow, rightRow, pos);
    if (kind === 'AEXPR_IN' && unwrap(body['rexpr']).type === 'List') {
      const rows = list(obj(unwrap(body['rexpr']).body)['items']).map(rowItems);
      if (rows.every((r) => r !== null)) {
        const tests = rows.map((r) => rowComparison(op === '<>' ? '<>' : '=', leftRow, r, pos));
        return op === '<>' ? { kind: 'and', args: tests, pos } : { kind: 'or', args: tests, pos };
      }
    }
  }
  const left = body['lexpr'] === undefined ? null : convertExpr(body['lexpr']);
  const rightNode = body['rexpr'];
  switch (kind) {
    case 'AEXPR_OP': {
      const right = convertExpr(rightNode);
      if (left === null && op === '-') return { kind: 'negate', operand: right, pos };
      if (left === null && op === '+') return right;
      const regex = regexFunctions[op];
      if (left !== null && regex !== undefined) return { kind: 'func', name: regex, args: [left, right], star: false, distinct: false, pos };
      const fn = operatorFunctions(op, left, right);
      if (fn !== null) return { kind: 'func', name: fn.name, args: fn.args, star: false, distinct: false, pos };
      if (left === null || !binaryOps.has(op)) return { kind: 'unsupported-expr', what: `operator ${op}`, pos };
      const normalized = (op === '!=' ? '<>' : op) as BinaryOp;
      return { kind: 'binary', op: normalized, left, right, pos };
    }
    case 'AEXPR_OP_ANY':
    case 'AEXPR_OP_ALL': {
      if (left === null || !binaryOps.has(op)) return { kind: 'unsupported-expr', what: `operator ${op} with ANY/ALL`, pos };
      const normalized = (op === '!=' ? '<>' : op) as BinaryOp;
      return { kind: 'array-op', mode: kind === 'AEXPR_OP_ANY' ? 'any' : 'all', op: normalized, left, right: convertExpr(rightNode), pos };
    }
    case 'AEXPR_IN': {
      const items = list(obj(unwrap(rightNode).body)['items']).map(convertExpr);
      if (left === null || unwrap(rightNode).type !== 'List') return { kind: 'unsupported-expr', what: 'IN (subquery)', pos };
      return { kind: 'in-list', arg: left, list: items, negated: op === '<>', pos };
    }
    case 'AEXPR_BETWEEN':
    case 'AEXPR_NOT_BETWEEN':
    case 'AEXPR_BETWEEN_SYM':
    case 'AEXPR_NOT_BETWEEN_SYM': {
      const [low, high] = list(obj(unwrap(rightNode).body)['items']).map(convertExpr);
      if (left === null || low === undefined || high === undefined) return { kind: 'unsupported-expr', what: 'BETWEEN', pos };
      const negated = kind.startsWith('AEXPR_NOT');
      if (!kind.endsWith('_SYM')) return { kind: 'between', arg: left, low, high, negated, pos };
      // SYMMETRIC: either order of the bounds.
      const either: Expr = { kind: 'or', args: [{ kind: 'between', arg: left, low, high, negated: false, pos }, { kind: 'between', arg: left, low: high, high: low, negated: false, pos }], pos };
      return negated ? { kind: 'not', arg: either, pos } : either;
    }
    case 'AEXPR_LIKE':
    case 'AEXPR_ILIKE': {
      if (left === null) return { kind: 'unsupported-expr', what: 'LIKE', pos };
      const negated = op.startsWith('!');
      return { kind: 'like', arg: left, pattern: convertExpr(rightNode), negated, caseInsensitive: kind === 'AEXPR_ILIKE', pos };
    }
    case 'AEXPR_SIMILAR':
      // The pattern arrives wrapped in similar_to_escape(), which turns it into an anchored regex.
      if (left === null) return { kind: 'unsupported-expr', what: 'SIMILAR TO', pos };
      return { kind: 'func', name: op.startsWith('!') ? 'textregexne' : 'textregexeq', args: [left, convertExpr(rightNode)], star: false, distinct: false, pos };
    case 'AEXPR_DISTINCT':
    case 'AEXPR_NOT_DISTINCT':
      if (left === null) return { kind: 'unsupported-expr', what: 'IS DISTINCT FROM', pos };
      return { kind: 'is-distinct', left, right: convertExpr(rightNode), negated: kind === 'AEXPR_NOT_DISTINCT', pos };
    case 'AEXPR_NULLIF':
      if (left === null) return { kind: 'unsupported-expr', what: 'NULLIF', pos };
      return { kind: 'nullif', left, right: convertExpr(rightNode), pos };
    default:
      return { kind: 'unsupported-expr', what: `expression ${kind ?? 'A_Expr'}`, pos };
  }
}

function convertBoolExpr(body: JsonObject, pos: number): Expr {
  const args = list(body['args']).map(convertExpr);
  switch (body['boolop']) {
    case 'AND_EXPR':
      return { kind: 'and', args, pos };
    case 'OR_EXPR':
      return { kind: 'or', args, pos };
    default: {
      const arg = args[0];
      return arg === undefined ? { kind: 'unsupported-expr', what: 'NOT', pos } : { kind: 'not', arg, pos };
    }
  }
}

function convertBooleanTest(body: JsonObject, pos: number): Expr {
  const t = str(body['booltesttype']) ?? '';
  const negated = t.startsWith('IS_NOT_');
  const test = t.endsWith('TRUE') ? 'true' : t.endsWith('FALSE') ? 'false' : 'unknown';
  return { kind: 'is-bool', arg: convertExpr(body['arg']), test, negated, pos };
}

function convertFuncCall(body: JsonObject, pos: number): Expr {
  const names = stringList(body['funcname']);
  const name = (names[names.length - 1] ?? '').toLowerCase();
  if (names.length > 1 && names[0] !== 'pg_catalog') {
    return { kind: 'unsupported-expr', what: `function ${names.join('.')}`, pos };
  }
  let args = list(body['args']).map(convertExpr);
  // nextval('seq'::regclass) (as pg_dump and pg_get_expr write it) names the sequence by the literal.
  const first = args[0];
  if ((name === 'nextval' || name === 'currval' || name === 'setval') && first?.kind === 'cast' && first.type.name === 'regclass' && first.arg.kind === 'literal') args = [first.arg, ...args.slice(1)];
  const ordered = body['agg_order'] === undefined ? {} : { orderBy: list(body['agg_order']).map(convertSortBy), ...(body['agg_within_group'] === true ? { withinGroup: true } : {}) };
  const func = { kind: 'func' as const, name, args, star: body['agg_star'] === true, distinct: body['agg_distinct'] === true, pos, ...ordered };
  const filtered = body['agg_filter'] === undefined ? func : { ...func, filter: convertExpr(body['agg_filter']) };
  return body['over'] === undefined ? filtered : { ...filtered, over: convertWindowDef(obj(body['over']), convertSortBy) };
}

function convertCase(body: JsonObject, pos: number): Expr {
  const whens = list(body['args']).map((w) => {
    const b = unwrap(w).body;
    return { when: convertExpr(b['expr']), then: convertExpr(b['result']) };
  });
  const operand = body['arg'] === undefined ? null : convertExpr(body['arg']);
  const orElse = body['defresult'] === undefined ? null : convertExpr(body['defresult']);
  return { kind: 'case', operand, whens, orElse, pos };
}

const sqlValueFunctions: Readonly<Record<string, string>> = {
  SVFOP_CURRENT_USER: 'current_user',
  SVFOP_SESSION_USER: 'session_user',
  SVFOP_USER: 'current_user',
  SVFOP_CURRENT_ROLE: 'current_user',
  SVFOP_CURRENT_CATALOG: 'current_database',
  SVFOP_CURRENT_SCHEMA: 'current_schema',
  SVFOP_CURRENT_TIMESTAMP: 'now',
  SVFOP_CURRENT_DATE: 'current_date',
  SVFOP_LOCALTIMESTAMP: 'localtimestamp',
  SVFOP_LOCALTIME: 'localtime',
};

function convertSqlValueFunction(body: JsonObject, pos: number): Expr {
  const op = str(body['op']) ?? '';
  const name = sqlValueFunctions[op];
  if (name === undefined) return { kind: 'unsupported-expr', what: op.replace('SVFOP_', '').toLowerCase(), pos };
  return { kind: 'func', name, args: [], star: false, distinct: false, pos };
}

/** Interval range bits (INTERVAL_MASK) from the smallest unit up, for `INTERVAL '2' HOUR`. */
const intervalRangeUnits: readonly (readonly [number, string])[] = [[1 << 12, 'second'], [1 << 11, 'minute'], [1 << 10, 'hour'], [1 << 3, 'day'], [1 << 1, 'month'], [1 << 2, 'year']];

function convertTypeCast(body: JsonObject, pos: number): Expr {
  const type = convertTypeName(body['typeName']);
  let arg = convertExpr(body['arg']);
  // INTERVAL '2' HOUR: a bare number counts in the range's smallest unit.
  const range = type.name === 'interval' ? type.mods[0] : undefined;
  if (range !== undefined && arg.kind === 'literal' && arg.value.kind === 'string' && /^\s*[+-]?(\d+\.?\d*|\.\d+)\s*$/.test(arg.value.text)) {
    const unit = intervalRangeUnits.find(([bit]) => (range & bit) !== 0)?.[1];
    if (unit !== undefined) arg = { ...arg, value: { kind: 'string', text: `${arg.value.text.trim()} ${unit}` } };
  }
  return { kind: 'cast', arg, type: { ...type, mods: type.name === 'interval' ? [] : type.mods }, pos };
}

function convertIndirection(body: JsonObject, pos: number): Expr {
  // Each subscript applies to the result of the previous one (jsonb['a']['b']).
  let expr = convertExpr(body['arg']);
  for (const raw of list(body['indirection'])) {
    const step = unwrap(raw);
    if (step.type !== 'A_Indices') return { kind: 'unsupported-expr', what: 'field selection', pos };
    const bound = (n: unknown): Expr | null => (n === undefined ? null : convertExpr(n));
    const slice = step.body['is_slice'] === true;
    expr = { kind: 'subscript', arg: expr, lower: slice ? bound(step.body['lidx']) : null, upper: bound(step.body['uidx']), slice, pos };
  }
  return expr;
}

export function convertTypeName(node: unknown): TypeName {
  const body = obj(node);
  const names = stringList(body['names']);
  const unqualified = names.length > 1 && names[0] === 'pg_catalog' ? names.slice(1) : names;
  const mods = list(body['typmods']).map((m) => {
    const lit = convertConst(unwrap(m).body);
    return lit.kind === 'integer' ? Number(lit.text) : -1;
  });
  return {
    name: unqualified.join('.').toLowerCase(),
    mods,
    isArray: list(body['arrayBounds']).length > 0,
    pos: location(body),
  };
}

const subLinkModes: Readonly<Record<string, 'exists' | 'scalar' | 'any' | 'all' | 'array'>> = {
  ARRAY_SUBLINK: 'array',
  EXISTS_SUBLINK: 'exists',
  EXPR_SUBLINK: 'scalar',
  ANY_SUBLINK: 'any',
  ALL_SUBLINK: 'all',
};
const comparisonOps: ReadonlySet<string> = new Set(['=', '<>', '<', '<=', '>', '>=']);

function convertSubLink(body: JsonObject, pos: number): Expr {
  const mode = subLinkModes[str(body['subLinkType']) ?? ''];
  if (mode === undefined) return { kind: 'unsupported-expr', what: `subqueries of type ${str(body['subLinkType']) ?? '?'}`, pos };
  const select = convertSubselect(body['subselect']);
  if (select.kind !== 'select') return { kind: 'unsupported-expr', what: select.kind === 'unsupported' ? `${select.what} in subqueries` : 'this subquery', pos };
  let op: BinaryOp | null = null;
  if (mode === 'any' || mode === 'all') {
    const names = stringList(body['operName']);
    op = (names[names.length - 1] ?? '=') as BinaryOp;
    if (!comparisonOps.has(op)) return { kind: 'unsupported-expr', what: `operator ${op} with ANY/ALL`, pos };
    if (unwrap(body['testexpr']).type === 'RowExpr') return { kind: 'unsupported-expr', what: 'row comparisons with subqueries', pos };
  }
  const arg = body['testexpr'] === undefined ? null : convertExpr(body['testexpr']);
  return { kind: 'subquery', mode, arg, op, select, pos };
}
