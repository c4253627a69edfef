/**
 * Building blocks of bound expressions: literals, constants, column references, strict
 * calls (NULL in, NULL out; folded for a NULL constant), three-valued AND/OR, comparison
 * tests and operator errors. Split from bind-expr.ts, which re-exports the public ones.
 */
import { assertNever } from '../../util/index.ts';
import type { Expr, Literal } from '../parser/ast.ts';
import { sqlError } from '../sql-error.ts';
import { Numeric } from '../types/numeric.ts';
import { parseValue } from '../types/text-io.ts';
import { positionOf, T, typeDisplayName, type SqlType, type Value } from '../types/types.ts';
import type { BoundExpr, CompareOp, EvalContext } from './bound.ts';

export function comparison(op: CompareOp): (c: number) => boolean {
  switch (op) {
    case '=': return (c) => c === 0;
    case '<>': return (c) => c !== 0;
    case '<': return (c) => c < 0;
    case '<=': return (c) => c <= 0;
    case '>': return (c) => c > 0;
    case '>=': return (c) => c >= 0;
  }
}

export function operatorError(op: string, l: SqlType | null, r: SqlType, pos: number): Error {
  const sig = l === null ? `${op} ${typeDisplayName(r)}` : `${typeDisplayName(l)} ${op} ${typeDisplayName(r)}`;
  return sqlError('42883', `operator does not exist: ${sig}`, {
    ...positionOf(pos),
    hint: 'No operator matches the given name and argument types. You might need to add explicit type casts.',
  });
}

export function literal(lit: Literal): BoundExpr {
  switch (lit.kind) {
    case 'integer': {
      const v = BigInt(lit.text);
      if (v >= -2147483648n && v <= 2147483647n) return constant(T.int4, v);
      if (v >= -(2n ** 63n) && v < 2n ** 63n) return constant(T.int8, v);
      return constant(T.numeric, Numeric.fromString(lit.text));
    }
    case 'decimal':
      return constant(T.numeric, Numeric.fromString(lit.text));
    case 'string':
      return constant(T.unknown, lit.text);
    case 'bool':
      return constant(T.bool, lit.value);
    case 'null':
      return constant(T.unknown, null);
    case 'bitstring':
      if (lit.text.startsWith('x')) return constant(T.bytea, parseValue(T.bytea, '\\x' + lit.text.slice(1), { timeZone: { kind: 'fixed', offsetSeconds: 0, name: 'UTC' }, extraFloatDigits: 1 }));
      throw sqlError('0A000', 'bit strings are not supported');
    default:
      return assertNever(lit, 'literal');
  }
}

export function isNullConst(e: BoundExpr): boolean {
  return e.kind === 'const' && e.value === null;
}

export function constant(type: SqlType, value: Value): BoundExpr {
  return { kind: 'const', type, value, eval: () => value };
}

export function columnRef(index: number, type: SqlType, name: string): BoundExpr {
  return { kind: 'column', type, index, name, eval: (row) => row[index] ?? null };
}

export function call(label: string, type: SqlType, args: readonly BoundExpr[], evaluator: BoundExpr['eval']): BoundExpr {
  return { kind: 'call', type, label, args, eval: evaluator };
}

/** A call that returns NULL when any argument is NULL (most operators and functions). */
export function strictCall(label: string, type: SqlType, args: readonly BoundExpr[], fn: (...v: Value[]) => Value): BoundExpr {
  // Folded like PostgreSQL's planner does: a strict call with a NULL constant argument is
  // NULL without evaluating the others (so `x / 0 = NULL` never divides).
  if (args.some(isNullConst)) return constant(type, null);
  if (args.length === 1) {
    const [a] = args as [BoundExpr];
    return call(label, type, args, (row, ctx) => {
      const x = a.eval(row, ctx);
      return x === null ? null : fn(x);
    });
  }
  if (args.length === 2) {
    const [a, b] = args as [BoundExpr, BoundExpr];
    return call(label, type, args, (row, ctx) => {
      const x = a.eval(row, ctx);
      const y = b.eval(row, ctx);
      return x === null || y === null ? null : fn(x, y);
    });
  }
  return call(label, type, args, (row, ctx) => {
    const vs = args.map((a) => a.eval(row, ctx));
    return vs.includes(null) ? null : fn(...vs);
  });
}

/** Three-valued AND / OR. */
export function logical(kind: 'and' | 'or', args: readonly BoundExpr[]): BoundExpr {
  const stop = kind === 'or';
  // Terms with subqueries are evaluated last, as PostgreSQL orders quals by cost: SQL fixes
  // no order, but a cheap term that decides the result (a constant FALSE in an AND) then
  // spares the subquery and whatever error its operands would raise (fuzz seed 90210).
  // (A filter's own conjuncts are ordered further by cost: qualTest in exec/operators.ts.)
  const order = [...args.filter((a) => !hasSubquery(a)), ...args.filter(hasSubquery)];
  const evaluator = (row: readonly Value[], ctx: EvalContext): Value => {
    let sawNull = false;
    for (const a of order) {
      const v = a.eval(row, ctx);
      if (v === null) sawNull = true;
      else if (v === stop) return stop;
    }
    return sawNull ? null : !stop;
  };
  return { kind, type: T.bool, args, eval: evaluator };
}

/**
 * Per-row evaluation cost in PostgreSQL's units of cpu_operator_cost, roughly as its
 * cost_qual_eval counts: each operator or function call 1, constants and columns 0, an IN
 * list half an operator per element (ScalarArrayOpExpr), a subquery more than anything.
 */
export function evalCost(e: BoundExpr): number {
  switch (e.kind) {
    case 'subquery': return 1e9;
    case 'const': case 'column': case 'param': return 0;
    case 'compare': return 1 + evalCost(e.left) + evalCost(e.right);
    case 'in-list': return 0.5 * e.list.length + evalCost(e.arg) + e.list.reduce((n, x) => n + evalCost(x), 0);
    case 'and': case 'or': return e.args.reduce((n, x) => n + evalCost(x), 0);
    case 'call': return 1 + e.args.reduce((n, x) => n + evalCost(x), 0);
  }
}

function hasSubquery(e: BoundExpr): boolean {
  switch (e.kind) {
    case 'subquery': return true;
    case 'const': case 'column': case 'param': return false;
    case 'compare': return hasSubquery(e.left) || hasSubquery(e.right);
    case 'in-list': return hasSubquery(e.arg) || e.list.some(hasSubquery);
    case 'and': case 'or': case 'call': return e.args.some(hasSubquery);
  }
}

/** Structural identity of an AST expression (positions ignored), for GROUP BY matching. */
export function astKey(e: Expr): string {
  return JSON.stringify(e, (k, v: unknown) => (k === 'pos' ? undefined : v));
}

export function describeAst(e: Expr): string {
  return e.kind === 'column' ? e.name : '?column?';
}
