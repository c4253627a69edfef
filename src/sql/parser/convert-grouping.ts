/**
 * GROUP BY with GROUPING SETS / ROLLUP / CUBE -> one flat list of grouping expressions and
 * the grouping sets as lists of positions in it. Several items multiply (PostgreSQL's
 * rule: `GROUP BY a, ROLLUP(b)` is the sets (a, b) and (a)).
 */
import type { Expr } from './ast.ts';
import { convertExpr } from './convert-expr.ts';
import { list, str, unwrap } from './json.ts';

export interface Grouping {
  readonly groupBy: readonly Expr[];
  /** null: a plain GROUP BY (one set of every expression). */
  readonly sets: readonly (readonly number[])[] | null;
}

function key(e: Expr): string {
  return JSON.stringify(e, (k, v: unknown) => (k === 'pos' ? undefined : v));
}

/** A ROLLUP / CUBE element: `(b, c)` is one unit of two expressions. */
function unitOf(node: unknown): Expr[] {
  const { type, body } = unwrap(node);
  return type === 'RowExpr' ? list(body['args']).map(convertExpr) : [convertExpr(node)];
}

function setsOf(node: unknown): Expr[][] {
  const { type, body } = unwrap(node);
  if (type !== 'GroupingSet') return [[convertExpr(node)]];
  const content = list(body['content']);
  switch (str(body['kind'])) {
    case 'GROUPING_SET_EMPTY':
      return [[]];
    case 'GROUPING_SET_ROLLUP': {
      const units = content.map(unitOf);
      return Array.from({ length: units.length + 1 }, (_x, i) => units.slice(0, units.length - i).flat());
    }
    case 'GROUPING_SET_CUBE': {
      const units = content.map(unitOf);
      const out: Expr[][] = [];
      // PostgreSQL's order: the full set first, then ever smaller subsets.
      for (let mask = (1 << units.length) - 1; mask >= 0; mask--) out.push(units.filter((_u, i) => (mask & (1 << (units.length - 1 - i))) !== 0).flat());
      return out;
    }
    case 'GROUPING_SET_SETS':
      return content.flatMap((c) => (unwrap(c).type === 'RowExpr' ? [unitOf(c)] : setsOf(c)));
    default:
      return [content.flatMap(unitOf)];
  }
}

export function convertGroupBy(node: unknown): Grouping {
  const items = list(node);
  if (!items.some((i) => unwrap(i).type === 'GroupingSet')) return { groupBy: items.map(convertExpr), sets: null };
  let product: Expr[][] = [[]];
  for (const item of items) {
    const sets = setsOf(item);
    product = product.flatMap((p) => sets.map((s) => [...p, ...s]));
  }
  const groupBy: Expr[] = [];
  const keys: string[] = [];
  const sets = product.map((set) => [...new Set(set.map((e) => {
    const k = key(e);
    let i = keys.indexOf(k);
    if (i < 0) {
      i = keys.length;
      keys.push(k);
      groupBy.push(e);
    }
    return i;
  }))].sort((a, b) => a - b));
  return { groupBy, sets };
}
