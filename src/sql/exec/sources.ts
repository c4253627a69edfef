/**
 * Operators for row sources other than tables: VALUES, generate_series, WITH RECURSIVE
 * (recursive union + working table) and LATERAL joins (the right input re-run per left
 * row with that row as the outer row its expressions read).
 */
import { assertNever } from '../../util/index.ts';
import { sqlError } from '../sql-error.ts';
import { groupKeyOf } from '../expr/bound.ts';
import type { PlanNode } from '../plan/plan.ts';
import { timestampPlusInterval, timestampTzPlusInterval } from '../types/datetime-math.ts';
import { Interval } from '../types/interval.ts';
import { Numeric } from '../types/numeric.ts';
import type { SqlType, Value } from '../types/types.ts';
import { buildOperator, drain, memoryLimitError, withEval, type ExecContext, type Operator, type Row } from './operators.ts';

type SourceNode = Extract<PlanNode, { kind: 'values' | 'function-scan' | 'srf-scan' | 'recursive-union' | 'worktable' | 'lateral-join' }>;

/** Rows a generate_series emits per batch. */
const seriesBatchRows = 1024;

export function sourceOperator(node: SourceNode, ctx: ExecContext): Operator {
  switch (node.kind) {
    case 'values':
      return once(() => node.rows.map((r) => r.map((e) => e.eval([], ctx.eval))));
    case 'function-scan':
      return generateSeries(node, ctx);
    case 'srf-scan':
      return once(() => {
        const rows = node.call.rows(node.call.args.map((a) => a.eval([], ctx.eval)));
        if (rows.length > ctx.limits.resultRowsMax) throw memoryLimitError(ctx);
        return node.ordinality ? rows.map((r, i) => [...r, BigInt(i + 1)]) : rows;
      });
    case 'worktable':
      return once(() => {
        const rows = ctx.worktables?.get(node.id);
        if (rows === undefined) throw new Error(`internal: working table ${node.id} is not set`);
        return [...rows];
      });
    case 'recursive-union':
      return recursiveUnion(node, ctx);
    case 'lateral-join':
      return lateralJoin(node, ctx);
    default:
      return assertNever(node, 'source node');
  }
}

function once(produce: () => Row[]): Operator {
  let done = false;
  return { next: async () => (done ? null : ((done = true), produce())) };
}

/** A timestamp series' next value: local calendar arithmetic, in the session's zone for timestamptz. */
function stepTimestamp(cur: bigint, step: Interval, type: SqlType['kind'] | undefined, ctx: ExecContext): bigint {
  return type === 'timestamptz' ? timestampTzPlusInterval(cur, step, ctx.eval.timeZone) : timestampPlusInterval(cur, step);
}

function generateSeries(node: Extract<PlanNode, { kind: 'function-scan' }>, ctx: ExecContext): Operator {
  const stampType = node.args[0]?.type.kind;
  let state: { cur: Value; stop: Value; step: Value } | null | undefined;
  let emitted = 0;
  return {
    next: async () => {
      if (state === undefined) {
        const [start, stop, step] = node.args.map((a) => a.eval([], ctx.eval));
        const s = node.args.length === 3 ? (step ?? null) : typeof start === 'bigint' ? 1n : Numeric.fromBigInt(1n);
        state = start === null || stop === null || s === null || start === undefined || stop === undefined ? null : { cur: start, stop, step: s };
        if (state !== null && isZero(state.step)) throw sqlError('22023', 'step size cannot equal zero');
      }
      if (state === null) return null;
      const out: Row[] = [];
      const up = !isNegative(state.step);
      while (out.length < seriesBatchRows) {
        const c = compare(state.cur, state.stop);
        if (up ? c > 0 : c < 0) break;
        out.push(node.ordinality ? [state.cur, BigInt(++emitted)] : [state.cur]);
        state.cur = state.step instanceof Interval ? stepTimestamp(state.cur as bigint, state.step, stampType, ctx) : add(state.cur, state.step);
      }
      if (out.length === 0) {
        state = null;
        return null;
      }
      ctx.checkCancelled();
      return out;
    },
  };
}

function isZero(v: Value): boolean {
  if (v instanceof Interval) return v.cmpValue() === 0n;
  return typeof v === 'bigint' ? v === 0n : (v as Numeric).value.isZero();
}

function isNegative(v: Value): boolean {
  if (v instanceof Interval) return v.cmpValue() < 0n;
  return typeof v === 'bigint' ? v < 0n : (v as Numeric).value.isNegative();
}

function compare(a: Value, b: Value): number {
  if (typeof a === 'bigint') return a < (b as bigint) ? -1 : a > (b as bigint) ? 1 : 0;
  return (a as Numeric).compare(b as Numeric);
}

function add(a: Value, b: Value): Value {
  if (typeof a === 'bigint') return a + (b as bigint);
  const x = a as Numeric;
  const y = b as Numeric;
  return new Numeric(x.value.add(y.value), Math.max(x.scale, y.scale));
}

/**
 * Emits the non-recursive rows, then each round's new rows; a round runs the recursive
 * term over the previous round's rows. UNION keeps every row seen (bounded by
 * resultRowsMax, 53200 beyond); UNION ALL stops only when a round yields nothing.
 */
function recursiveUnion(node: Extract<PlanNode, { kind: 'recursive-union' }>, ctx: ExecContext): Operator {
  const seen = new Set<string>();
  let working: Row[] | null = null;
  let produced = 0;
  const fresh = (rows: Row[]): Row[] => {
    produced += rows.length;
    if (produced > ctx.limits.resultRowsMax) throw memoryLimitError(ctx);
    if (node.all) return rows;
    return rows.filter((r) => {
      const k = groupKeyOf(r);
      if (seen.has(k)) return false;
      seen.add(k);
      return true;
    });
  };
  return {
    next: async () => {
      if (working === null) {
        working = fresh(await drain(buildOperator(node.left, ctx), ctx));
        return working;
      }
      if (working.length === 0) return null;
      ctx.checkCancelled();
      const worktables = new Map(ctx.worktables ?? []);
      worktables.set(node.id, working);
      const inner = Object.create(ctx, { worktables: { value: worktables, enumerable: true } }) as ExecContext;
      working = fresh(await drain(buildOperator(node.right, inner), inner));
      return working;
    },
  };
}

function lateralJoin(node: Extract<PlanNode, { kind: 'lateral-join' }>, ctx: ExecContext): Operator {
  const left = buildOperator(node.left, ctx);
  const nulls: Value[] = new Array<Value>(node.rightWidth).fill(null);
  return {
    next: async () => {
      const batch = await left.next();
      if (batch === null) return null;
      const out: Row[] = [];
      for (const l of batch) {
        const inner = withEval(ctx, { outer: [...(ctx.eval.outer ?? []), l] });
        let matched = false;
        for (const r of await drain(buildOperator(node.right, inner), inner)) {
          const row = [...l, ...r];
          if (node.on !== null && node.on.eval(row, ctx.eval) !== true) continue;
          matched = true;
          out.push(row);
        }
        if (!matched && node.joinType === 'left') out.push([...l, ...nulls]);
      }
      return out;
    },
  };
}
