/**
 * Window function calls -> `WindowCall`s of a 'window' plan node. Window functions are
 * evaluated after WHERE, GROUP BY and HAVING and before the projection: the node appends
 * one column per call to its input rows, and the call's bound expression reads that
 * column. Arguments, PARTITION BY and ORDER BY are bound over the node's input (the
 * grouped row when the query aggregates).
 */
import type { Expr, FrameBound, WindowSpec } from '../parser/ast.ts';
import { sqlError } from '../sql-error.ts';
import type { AggregateCall, AggregateScope, Binder, ScopeColumn } from '../expr/bind-expr.ts';
import { call } from '../expr/bind-expr.ts';
import type { BoundExpr } from '../expr/bound.ts';
import { isAggregateName } from '../expr/functions.ts';
import { isIntegerType, isNumericType, positionOf, T, typeDisplayName, type SqlType } from '../types/types.ts';
import type { SortKey } from './plan.ts';

export type BoundFrameBound =
  | { readonly kind: 'unbounded-preceding' | 'current-row' | 'unbounded-following' }
  | { readonly kind: 'preceding' | 'following'; readonly offset: BoundExpr };

export interface BoundFrame {
  readonly mode: 'rows' | 'range' | 'groups';
  readonly start: BoundFrameBound;
  readonly end: BoundFrameBound;
  readonly exclude: 'no-others' | 'current-row' | 'group' | 'ties';
}

export type WindowFunctionName =
  | 'row_number' | 'rank' | 'dense_rank' | 'percent_rank' | 'cume_dist' | 'ntile'
  | 'lag' | 'lead' | 'first_value' | 'last_value' | 'nth_value';

export interface WindowCall {
  /** A window function, or 'aggregate' for an aggregate over the frame. */
  readonly name: WindowFunctionName | 'aggregate';
  readonly args: readonly BoundExpr[];
  readonly aggregate: AggregateCall | null;
  readonly partitionBy: readonly BoundExpr[];
  readonly orderBy: readonly SortKey[];
  readonly frame: BoundFrame;
  readonly type: SqlType;
}

const windowFunctions: ReadonlySet<string> = new Set(['row_number', 'rank', 'dense_rank', 'percent_rank', 'cume_dist', 'ntile', 'lag', 'lead', 'first_value', 'last_value', 'nth_value']);

export function isWindowFunctionName(name: string): boolean {
  return windowFunctions.has(name);
}

function withoutTypmod(t: SqlType): SqlType {
  if (t.kind === 'numeric') return T.numeric;
  if (t.kind === 'varchar' || t.kind === 'bpchar') return { kind: t.kind, length: null };
  return t;
}

const defaultFrame: BoundFrame = { mode: 'range', start: { kind: 'unbounded-preceding' }, end: { kind: 'current-row' }, exclude: 'no-others' };

/** Collects a SELECT's window calls while its select list and ORDER BY are bound. */
export class WindowPlanner {
  readonly calls: WindowCall[] = [];
  /** Width of the window node's input; set once every expression is bound. */
  base = -1;

  constructor(
    private readonly binder: Binder,
    private readonly named: readonly { readonly name: string; readonly spec: WindowSpec }[],
  ) {}

  /** Installs this planner in the binder for the duration of `fn`. */
  active<R>(fn: () => R): R {
    const saved = this.binder.bindWindowCall;
    this.binder.bindWindowCall = (e, scope, agg) => this.bind(e, scope, agg);
    try {
      return fn();
    } finally {
      this.binder.bindWindowCall = saved;
    }
  }

  private bind(e: Extract<Expr, { kind: 'func' }>, scope: readonly ScopeColumn[], agg: AggregateScope | null): BoundExpr {
    const spec = this.resolve(e.over!, e.pos);
    const saved = this.binder.bindWindowCall;
    // Window calls do not nest: inside one, another is 42P20.
    this.binder.bindWindowCall = null;
    let planned: WindowCall;
    try {
      planned = this.plan(e, spec, scope, agg);
    } finally {
      this.binder.bindWindowCall = saved;
    }
    const slot = this.calls.length;
    this.calls.push(planned);
    return call(`${e.name}() OVER (...)`, planned.type, [], (row) => {
      if (this.base < 0) throw new Error('internal: window input width not set');
      return row[this.base + slot] ?? null;
    });
  }

  private resolve(spec: WindowSpec, pos: number): WindowSpec {
    if (spec.refName === null) return spec;
    const base = this.named.find((w) => w.name === spec.refName);
    if (base === undefined) throw sqlError('42704', `window "${spec.refName}" does not exist`, positionOf(pos));
    const parent = this.resolve(base.spec, pos);
    if (spec.partitionBy.length > 0) throw sqlError('42P20', `cannot override PARTITION BY clause of window "${spec.refName}"`, positionOf(pos));
    return {
      refName: null,
      partitionBy: parent.partitionBy,
      orderBy: spec.orderBy.length > 0 ? spec.orderBy : parent.orderBy,
      frame: spec.frame ?? parent.frame,
      pos: spec.pos,
    };
  }

  private plan(e: Extract<Expr, { kind: 'func' }>, spec: WindowSpec, scope: readonly ScopeColumn[], agg: AggregateScope | null): WindowCall {
    const b = this.binder;
    const partitionBy = spec.partitionBy.map((p) => b.bind(p, scope, agg));
    const orderBy: SortKey[] = spec.orderBy.map((o) => ({ expr: b.bind(o.expr, scope, agg), descending: o.descending, nullsFirst: o.nullsFirst ?? o.descending }));
    const frame = spec.frame === null ? defaultFrame : this.frame(spec, orderBy, scope, agg);
    const common = { partitionBy, orderBy, frame };
    if (isAggregateName(e.name)) {
      if (e.distinct) throw sqlError('0A000', 'DISTINCT is not implemented for window functions', positionOf(e.pos));
      const { over: _over, ...plain } = e;
      const inner: AggregateScope = { groupKeys: [], groupTypes: [], groupColumns: [], inputScope: scope, aggregates: [], argAgg: agg };
      b.bind(plain, [], inner);
      const aggregate = inner.aggregates[0]!;
      return { name: 'aggregate', args: [], aggregate, ...common, type: aggregate.type };
    }
    if (!isWindowFunctionName(e.name)) throw sqlError('42809', `OVER specified, but ${e.name} is not a window function nor an aggregate function`, positionOf(e.pos));
    if (e.filter !== undefined) throw sqlError('0A000', 'FILTER is not implemented for non-aggregate window functions', positionOf(e.pos));
    const name = e.name as WindowFunctionName;
    const args = e.args.map((a) => b.bind(a, scope, agg));
    return { name, ...this.typedArgs(name, args, e.pos), aggregate: null, ...common };
  }

  private typedArgs(name: WindowFunctionName, args: BoundExpr[], pos: number): { args: BoundExpr[]; type: SqlType } {
    const b = this.binder;
    const arity = (min: number, max: number): void => {
      if (args.length < min || args.length > max) {
        throw sqlError('42883', `function ${name}(${args.map((a) => typeDisplayName(a.type)).join(', ')}) does not exist`, positionOf(pos));
      }
    };
    const valueArg = (): BoundExpr => (args[0]!.type.kind === 'unknown' ? b.coerce(args[0]!, T.text, pos) : args[0]!);
    switch (name) {
      case 'row_number': case 'rank': case 'dense_rank':
        arity(0, 0);
        return { args: [], type: T.int8 };
      case 'percent_rank': case 'cume_dist':
        arity(0, 0);
        return { args: [], type: T.float8 };
      case 'ntile':
        arity(1, 1);
        return { args: [b.coerce(args[0]!, T.int4, pos)], type: T.int4 };
      case 'lag': case 'lead': {
        arity(1, 3);
        const value = valueArg();
        // A polymorphic function's result has no type modifier: the default is not rounded to numeric(p,s).
        const type = withoutTypmod(value.type);
        const offset = args[1] === undefined ? null : b.coerce(args[1], T.int4, pos);
        const fallback = args[2] === undefined ? null : b.coerce(args[2], type, pos);
        return { args: [value, ...(offset === null ? [] : [offset]), ...(fallback === null ? [] : [fallback])], type };
      }
      case 'first_value': case 'last_value':
        arity(1, 1);
        return { args: [valueArg()], type: valueArg().type };
      case 'nth_value':
        arity(2, 2);
        return { args: [valueArg(), b.coerce(args[1]!, T.int4, pos)], type: valueArg().type };
    }
  }

  private frame(spec: WindowSpec, orderBy: readonly SortKey[], scope: readonly ScopeColumn[], agg: AggregateScope | null): BoundFrame {
    const f = spec.frame!;
    if (f.mode === 'groups' && orderBy.length === 0) throw sqlError('42P20', 'GROUPS mode requires an ORDER BY clause', positionOf(spec.pos));
    const hasOffset = (x: FrameBound): boolean => x.kind === 'preceding' || x.kind === 'following';
    let offsetType: SqlType = T.int8;
    if (f.mode === 'range' && (hasOffset(f.start) || hasOffset(f.end))) {
      if (orderBy.length !== 1) throw sqlError('42P20', 'RANGE with offset PRECEDING/FOLLOWING requires exactly one ORDER BY column', positionOf(spec.pos));
      const t = orderBy[0]!.expr.type;
      if (!isNumericType(t)) throw sqlError('0A000', `RANGE with offset PRECEDING/FOLLOWING is not supported for column type ${typeDisplayName(t)}`, positionOf(spec.pos));
      offsetType = isIntegerType(t) ? T.int8 : t.kind === 'numeric' ? T.numeric : T.float8;
    }
    const bound = (x: FrameBound): BoundFrameBound => {
      if (x.kind !== 'preceding' && x.kind !== 'following') return x;
      const offset = this.binder.coerce(this.binder.bind(x.offset, scope, agg), offsetType, spec.pos);
      return { kind: x.kind, offset };
    };
    return { mode: f.mode, start: bound(f.start), end: bound(f.end), exclude: f.exclude };
  }
}
