/**
 * UNION / INTERSECT / EXCEPT [ALL] over two inputs of the same column types. Rows compare
 * as in DISTINCT (NULLs equal). UNION streams (with a seen-set unless ALL); INTERSECT and
 * EXCEPT first count the right input's rows (bounded by resultRowsMax; not at all when the
 * left input is empty), then stream the left: without ALL each distinct row comes out at most once; with ALL a row comes out
 * min(l, r) times (INTERSECT) or max(l - r, 0) times (EXCEPT).
 */
import { groupKeyOf } from '../expr/bound.ts';
import type { PlanNode } from '../plan/plan.ts';
import { memoryLimitError, type ExecContext, type Operator, type Row } from './operators.ts';

type SetOpNode = Extract<PlanNode, { kind: 'set-op' }>;

export function setOperator(node: SetOpNode, left: Operator, right: Operator, ctx: ExecContext): Operator {
  const seen = new Set<string>();
  const firstTime = (k: string): boolean => {
    if (seen.has(k)) return false;
    seen.add(k);
    if (seen.size > ctx.limits.resultRowsMax) throw memoryLimitError(ctx);
    return true;
  };
  if (node.op === 'union') {
    let leftDone = false;
    return {
      next: async () => {
        let batch = leftDone ? null : await left.next();
        if (batch === null) {
          leftDone = true;
          batch = await right.next();
          if (batch === null) return null;
        }
        return node.all ? batch : batch.filter((r) => firstTime(groupKeyOf(r)));
      },
    };
  }
  let counts: Map<string, number> | null = null;
  let first: Row[] | null = null;
  return {
    next: async () => {
      if (counts === null) {
        // Like PostgreSQL, read the left input first: when it is empty the right one is
        // never evaluated (its errors, say a division by zero, do not happen).
        do first = await left.next();
        while (first !== null && first.length === 0);
        if (first === null) return null;
        counts = await countRows(right, ctx);
      }
      const batch = first ?? (await left.next());
      first = null;
      if (batch === null) return null;
      const out: Row[] = [];
      for (const r of batch) {
        const k = groupKeyOf(r);
        const n = counts.get(k) ?? 0;
        if (node.all) {
          if (n > 0) counts.set(k, n - 1);
          if ((node.op === 'intersect') === n > 0) out.push(r);
        } else if ((node.op === 'intersect') === n > 0 && firstTime(k)) {
          out.push(r);
        }
      }
      return out;
    },
  };
}

async function countRows(op: Operator, ctx: ExecContext): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  for (;;) {
    const batch = await op.next();
    if (batch === null) return counts;
    ctx.checkCancelled();
    for (const r of batch) {
      const k = groupKeyOf(r);
      counts.set(k, (counts.get(k) ?? 0) + 1);
    }
    if (counts.size > ctx.limits.resultRowsMax) throw memoryLimitError(ctx);
  }
}
