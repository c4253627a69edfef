/**
 * The merge join operator (plan node 'merge-join'): both inputs stream in the order of
 * their integer join keys (primary key order). The lower side advances; on equal keys the
 * run of right rows with that key is collected (bounded by resultRowsMax: 53200 beyond) and
 * joined with each left row of the same key. LEFT pads a left row no right row matched.
 * Output comes in batches of at most `outputBatchRows`.
 */
import type { PlanNode } from '../plan/plan.ts';
import type { Value } from '../types/types.ts';
import { joined } from './join.ts';
import { memoryLimitError, type ExecContext, type Operator, type Row } from './operators.ts';

const outputBatchRows = 1024;

type MergeJoinNode = Extract<PlanNode, { kind: 'merge-join' }>;

/** Rows of an operator one at a time, across its batches. */
class Cursor {
  private batch: Row[] | null = [];
  private at = 0;

  constructor(private readonly input: Operator) {}

  /** The current row, or null at the end. */
  async peek(): Promise<Row | null> {
    while (this.batch !== null && this.at >= this.batch.length) {
      this.batch = await this.input.next();
      this.at = 0;
    }
    return this.batch === null ? null : this.batch[this.at]!;
  }

  advance(): void {
    this.at++;
  }
}

/** Negative, zero or positive as key `a` sorts before, with or after `b` (integer keys). */
function compareKeys(a: readonly Value[], b: readonly Value[]): number {
  for (let i = 0; i < a.length; i++) {
    const x = a[i] as bigint;
    const y = b[i] as bigint;
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}

export function mergeJoin(node: MergeJoinNode, left: Operator, right: Operator, ctx: ExecContext): Operator {
  const gen = mergeRows(node, new Cursor(left), new Cursor(right), ctx);
  return {
    next: async () => {
      const r = await gen.next();
      return r.done === true ? null : r.value;
    },
  };
}

async function* mergeRows(node: MergeJoinNode, left: Cursor, right: Cursor, ctx: ExecContext): AsyncGenerator<Row[]> {
  const rightNulls: Value[] = new Array<Value>(node.rightWidth).fill(null);
  // The planner makes every key a plain column: read it by position.
  const position = (k: MergeJoinNode['leftKeys'][number], offset: number): number => {
    if (k.kind !== 'column') throw new Error('internal: merge join keys must be columns');
    return k.index - offset;
  };
  const leftAt = node.leftKeys.map((k) => position(k, 0));
  const rightAt = node.rightKeys.map((k) => position(k, node.leftWidth));
  const leftKey = (l: Row): Value[] => leftAt.map((i) => l[i] ?? null);
  const rightKey = (r: Row): Value[] => rightAt.map((i) => r[i] ?? null);
  const keepLeft = node.joinType === 'left';
  let out: Row[] = [];
  let run: Row[] = [];
  let runKey: Value[] | null = null;
  for (;;) {
    const l = await left.peek();
    if (l === null) break;
    const lk = leftKey(l);
    // Advance the right side to the first key at or above the left key (keeping the last run).
    if (runKey === null || compareKeys(runKey, lk) !== 0) {
      run = [];
      runKey = null;
      for (;;) {
        const r = await right.peek();
        if (r === null) break;
        const rk = rightKey(r);
        const c = compareKeys(rk, lk);
        if (c < 0) {
          right.advance();
          continue;
        }
        if (c === 0) {
          runKey = rk;
          let cur: Row | null = r;
          while (cur !== null && compareKeys(rightKey(cur), rk) === 0) {
            run.push(cur);
            if (run.length > ctx.limits.resultRowsMax) throw memoryLimitError(ctx);
            right.advance();
            cur = await right.peek();
          }
        }
        break;
      }
    }
    let matched = false;
    if (runKey !== null) {
      for (const r of run) {
        const row = joined(l, r);
        if (node.residual !== null && node.residual.eval(row, ctx.eval) !== true) continue;
        matched = true;
        out.push(row);
      }
    }
    if (!matched && keepLeft) out.push(joined(l, rightNulls));
    left.advance();
    if (out.length >= outputBatchRows) {
      ctx.checkCancelled();
      yield out;
      out = [];
    }
  }
  if (out.length > 0) yield out;
}
