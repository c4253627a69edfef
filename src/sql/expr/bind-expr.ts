/**
 * The expression binder: AST `Expr` -> typed `BoundExpr` over a scope of input columns.
 * Resolves names (42703), types operators and coerces operands by PostgreSQL's rules
 * (an untyped literal or parameter takes the other operand's type), infers parameter
 * types from context, and builds each node's evaluator.
 */
import { assertNever } from '../../util/index.ts';
import type { CommonTableExpr, Expr, SelectStmt } from '../parser/ast.ts';
import type { PlanNode } from '../plan/plan.ts';
import { sqlError } from '../sql-error.ts';
import type { FormatContext } from '../types/text-io.ts';
import { isNumericType, isStringType, positionOf, resolveTypeName, T, typeDisplayName, type SqlType, type TypeLookup, type Value } from '../types/types.ts';
import type { SequenceDesc } from '../catalog/descriptors.ts';
import type { SequenceRef } from './sequence-functions.ts';
import type { AsyncCall, BoundExpr, CompareOp, EvalContext, SubqueryPlan } from './bound.ts';
import { compareValues } from './bound.ts';
import { canAssign, castExists, castValue, commonType } from './casts.ts';
import { bindFunction, isAggregateName } from './functions.ts';
import { arithmetic, likeToRegExp, negate, type ArithOp } from './operators.ts';
import { astKey, call, columnRef, comparison, constant, describeAst, isNullConst, literal, logical, operatorError, strictCall } from './bind-helpers.ts';
import { arraySubquery, bindArrayComparison, bindArrayConstructor, bindArrayOperation, bindSubscript, isArrayOperation } from './bind-arrays.ts';
import { bindDateTimeOperation, bindIntervalNegate, isDateTimeOperation } from './bind-datetime-ops.ts';
import { bindJsonOperation, isJsonOperation } from './bind-json.ts';
import { collectingType, isCollectingAggregate, type CollectingAggregate } from './aggregates-collect.ts';
import { isStatsAggregate, statsType, type StatsAggregate } from './aggregates-stats.ts';
import { isOrderedSetAggregate, orderedSetType, type AggregateOrderKey, type OrderedSetAggregate } from './aggregates-ordered.ts';

export { astKey, call, columnRef, constant, literal, strictCall } from './bind-helpers.ts';

/** Functions that exist only as window functions (their calls need OVER). */
const windowOnlyFunctions: ReadonlySet<string> = new Set(['row_number', 'rank', 'dense_rank', 'percent_rank', 'cume_dist', 'ntile', 'lag', 'lead', 'first_value', 'last_value', 'nth_value']);

export interface ScopeColumn {
  readonly table: string | null;
  readonly name: string;
  readonly type: SqlType;
  /** Hidden columns (rowid) resolve by name but are not part of `*`. */
  readonly hidden: boolean;
  /** Only `table.name` finds it (a JOIN ... USING column: bare `name` is the merged one). */
  readonly qualifiedOnly?: boolean;
}

/**
 * How a post-aggregation expression refers to grouping results: AST of a GROUP BY
 * expression (as JSON) -> its slot, and aggregate calls collected into slots after them.
 */
export interface AggregateScope {
  readonly groupKeys: readonly string[];
  readonly groupTypes: readonly SqlType[];
  /** Per group key: the input column it is, when it is a plain column (else -1). */
  readonly groupColumns: readonly number[];
  readonly inputScope: readonly ScopeColumn[];
  readonly aggregates: AggregateCall[];
  /** The scope aggregate arguments are bound in (a window aggregate over grouped rows). */
  readonly argAgg?: AggregateScope | null;
}

export interface AggregateCall {
  readonly name: 'count' | 'sum' | 'avg' | 'min' | 'max' | 'bool_and' | 'bool_or' | 'every' | 'string_agg' | CollectingAggregate | StatsAggregate | OrderedSetAggregate;
  readonly arg: BoundExpr | null;
  /** string_agg's delimiter (the object aggregates' value), evaluated per row. */
  readonly delimiter: BoundExpr | null;
  /** FILTER (WHERE ...): rows where it is not true are skipped. */
  readonly filter: BoundExpr | null;
  readonly distinct: boolean;
  readonly type: SqlType;
  /** agg(x ORDER BY ...) and WITHIN GROUP: the input is folded in this order. */
  readonly orderBy?: readonly AggregateOrderKey[];
}

/** Plans a subquery's SELECT with the same binder (set by the SELECT planner). */
export type SubqueryPlanner = (select: SelectStmt) => { readonly node: PlanNode; readonly types: readonly SqlType[] };

interface OuterFrame {
  readonly scope: readonly ScopeColumn[];
  correlated: boolean;
}

export class Binder {
  planSubquery: SubqueryPlanner | null = null;
  /** Uncorrelated subqueries of the statement, inner ones first: run once before it. */
  readonly initPlans: SubqueryPlan[] = [];
  /** Scopes of the queries enclosing the one being bound (outermost first). */
  private readonly frames: OuterFrame[] = [];
  private subqueryCount = 0;

  /** WITH lists in scope, outermost first; `visible` hides a CTE from its own body. */
  private cteFrames: { readonly ctes: readonly CommonTableExpr[]; readonly visible: number }[] = [];

  /** Runs `fn` with a WITH list in scope. */
  withCtes<R>(ctes: readonly CommonTableExpr[], fn: () => R): R {
    this.cteFrames.push({ ctes, visible: ctes.length });
    try {
      return fn();
    } finally {
      this.cteFrames.pop();
    }
  }

  /**
   * Plans a reference to a CTE named `name`, or returns null when none is in scope. The
   * CTE's query sees only the CTEs before it (and those of enclosing queries).
   */
  planCteReference<R>(name: string, plan: (cte: CommonTableExpr) => R): R | null {
    for (let f = this.cteFrames.length - 1; f >= 0; f--) {
      const frame = this.cteFrames[f]!;
      const i = frame.ctes.slice(0, frame.visible).findIndex((c) => c.name === name);
      if (i < 0) continue;
      const saved = this.cteFrames;
      this.cteFrames = [...saved.slice(0, f), { ctes: frame.ctes, visible: i }];
      try {
        return plan(frame.ctes[i]!);
      } finally {
        this.cteFrames = saved;
      }
    }
    return null;
  }

  /** Recursive CTEs being planned: a reference to one reads its working table. */
  readonly worktables = new Map<string, { readonly id: number; readonly types: readonly SqlType[]; readonly names: readonly string[] }>();
  worktableCount = 0;

  /**
   * Runs `fn` (planning a LATERAL item) with `scope` as the innermost enclosing query, so
   * its columns bind as outer references; says whether any did.
   */
  withOuterScope<R>(scope: readonly ScopeColumn[], fn: () => R): { result: R; correlated: boolean } {
    const frame: OuterFrame = { scope, correlated: false };
    this.frames.push(frame);
    try {
      return { result: fn(), correlated: frame.correlated };
    } finally {
      this.frames.pop();
    }
  }

  get hasSubqueries(): boolean {
    return this.subqueryCount > 0;
  }

  /** Calls that run before the statement (see AsyncCall), in order. */
  readonly asyncCalls: AsyncCall[] = [];

  /** Binds a call whose value comes from an AsyncCall run before the statement. */
  deferred(label: string, type: SqlType, args: readonly BoundExpr[], run: AsyncCall['run'], pos: number): BoundExpr {
    if (args.some(readsRow)) throw sqlError('0A000', `${label}() arguments must not read columns in Tessera`, positionOf(pos));
    const id = this.asyncCalls.length;
    this.asyncCalls.push({ id, label, args, run });
    return call(label, type, args, (_row, ctx) => {
      const results = ctx.asyncResults;
      if (results === undefined || !results.has(id)) throw sqlError('0A000', `${label}() is supported in SELECT statements only`);
      return results.get(id) ?? null;
    });
  }
  /** User-defined types (enums) by name; set by the planner from the catalog. */
  typeLookup: TypeLookup | null = null;
  /**
   * INSERT ... SELECT: the target columns' types, for the select list `items` (matched by
   * identity) whose untyped literals take them instead of text, as in PostgreSQL.
   */
  insertTargets: { readonly items: readonly unknown[]; readonly types: readonly SqlType[] } | null = null;
  /** Sequences by name, for nextval('name'); set by the planner from the catalog. */
  sequenceLookup: ((name: { schema: string | null; name: string }) => SequenceRef | null) | null = null;
  /** Sequences the bound expressions use: their values are reserved before the statement runs. */
  readonly usedSequences = new Map<number, SequenceDesc>();
  /** Off while binding a term over one table of a join: it must not reach outer queries. */
  outerLookup = true;

  constructor(
    /** Parameter types: declared by the client or inferred here; null while unknown. */
    readonly paramTypes: (SqlType | null)[],
    /** Settings used to read typed literals at bind time (TimeZone). */
    readonly format: FormatContext,
  ) {}

  /** Set by the SELECT planner where window functions may appear (select list, ORDER BY). */
  bindWindowCall: ((e: Extract<Expr, { kind: 'func' }>, scope: readonly ScopeColumn[], agg: AggregateScope | null) => BoundExpr) | null = null;

  bind(e: Expr, scope: readonly ScopeColumn[], agg: AggregateScope | null = null): BoundExpr {
    if (e.kind === 'func' && e.over !== undefined) {
      if (this.bindWindowCall === null) throw sqlError('42P20', 'window functions are not allowed here', positionOf(e.pos));
      return this.bindWindowCall(e, scope, agg);
    }
    if (e.kind === 'func' && windowOnlyFunctions.has(e.name)) {
      throw sqlError('42809', `window function ${e.name} requires an OVER clause`, positionOf(e.pos));
    }
    if (agg !== null) {
      let slot = agg.groupKeys.indexOf(astKey(e));
      if (slot < 0 && e.kind === 'column') {
        // `t.c` and `c` name one grouped column: match by the resolved input column.
        const bound = this.bindColumn(e, agg.inputScope);
        if (bound.kind === 'column') slot = agg.groupColumns.indexOf(bound.index);
      }
      if (slot >= 0) return columnRef(slot, agg.groupTypes[slot]!, describeAst(e));
      if (e.kind === 'func' && isAggregateName(e.name)) return this.bindAggregate(e, agg);
      if (e.kind === 'column') {
        const inner = this.bindColumn(e, agg.inputScope);
        // A column of an enclosing query is one value per group.
        if (inner.kind !== 'column') return inner;
        throw sqlError('42803', `column "${inner.name}" must appear in the GROUP BY clause or be used in an aggregate function`, positionOf(e.pos));
      }
    } else if (e.kind === 'func' && isAggregateName(e.name)) {
      throw sqlError('42803', 'aggregate functions are not allowed here', positionOf(e.pos));
    }
    return this.bindInner(e, scope, agg);
  }

  private bindInner(e: Expr, scope: readonly ScopeColumn[], agg: AggregateScope | null): BoundExpr {
    const sub = (x: Expr): BoundExpr => this.bind(x, scope, agg);
    switch (e.kind) {
      case 'literal':
        return literal(e.value);
      case 'column':
        return this.bindColumn(e, scope);
      case 'star':
        throw sqlError('42601', '"*" is not allowed here', positionOf(e.pos));
      case 'param':
        return this.param(e.index, e.pos);
      case 'binary':
        return this.binary(e.op, sub(e.left), sub(e.right), e.pos);
      case 'negate': {
        const arg = sub(e.operand);
        if (arg.kind === 'const' && typeof arg.value === 'bigint') return constant(arg.type, -arg.value);
        if (arg.type.kind === 'interval') return bindIntervalNegate(arg);
        const a = this.coerce(arg, arg.type.kind === 'unknown' ? T.numeric : arg.type, e.pos);
        if (!isNumericType(a.type)) throw operatorError('-', null, a.type, e.pos);
        return strictCall('-', a.type, [a], negate(a.type));
      }
      case 'and': case 'or':
        return logical(e.kind, e.args.map((x) => this.coerce(sub(x), T.bool, e.pos)));
      case 'not': {
        const arg = this.coerce(sub(e.arg), T.bool, e.pos);
        return strictCall('NOT', T.bool, [arg], (v) => !(v as boolean));
      }
      case 'is-null': {
        const arg = sub(e.arg);
        return call(e.negated ? 'IS NOT NULL' : 'IS NULL', T.bool, [arg], (row, ctx) => (arg.eval(row, ctx) === null) !== e.negated);
      }
      case 'is-bool': {
        const arg = this.coerce(sub(e.arg), T.bool, e.pos);
        const want = e.test === 'true' ? true : e.test === 'false' ? false : null;
        return call(`IS ${e.negated ? 'NOT ' : ''}${e.test.toUpperCase()}`, T.bool, [arg], (row, ctx) => (arg.eval(row, ctx) === want) !== e.negated);
      }
      case 'is-distinct': {
        const [l, r] = this.unify(sub(e.left), sub(e.right), e.pos, '=');
        return call(e.negated ? 'IS NOT DISTINCT FROM' : 'IS DISTINCT FROM', T.bool, [l, r], (row, ctx) => {
          const a = l.eval(row, ctx);
          const b = r.eval(row, ctx);
          const same = a === null || b === null ? a === b : compareValues(a, b) === 0;
          return same === e.negated;
        });
      }
      case 'cast':
        return this.cast(sub(e.arg), resolveTypeName(e.type, this.typeLookup), true, e.pos);
      case 'func':
        return bindFunction(e.name, e.args.map(sub), e.star, e.pos, this);
      case 'in-list':
        return this.inList(sub(e.arg), e.list.map(sub), e.negated, e.pos);
      case 'between': {
        const lo = this.compare('>=', sub(e.arg), sub(e.low), e.pos);
        const hi = this.compare('<=', sub(e.arg), sub(e.high), e.pos);
        const both = logical('and', [lo, hi]);
        return e.negated ? strictCall('NOT', T.bool, [both], (v) => !(v as boolean)) : both;
      }
      case 'like':
        return this.like(sub(e.arg), sub(e.pattern), e.negated, e.caseInsensitive, e.pos);
      case 'case':
        return this.caseExpr(e, sub);
      case 'coalesce':
        return this.coalesce(e.args.map(sub), e.pos);
      case 'nullif': {
        const [l, r] = this.unify(sub(e.left), sub(e.right), e.pos, '=');
        return call('NULLIF', l.type, [l, r], (row, ctx) => {
          const a = l.eval(row, ctx);
          const b = r.eval(row, ctx);
          return a !== null && b !== null && compareValues(a, b) === 0 ? null : a;
        });
      }
      case 'subquery':
        return this.subquery(e, scope, agg);
      case 'array':
        return bindArrayConstructor(e.elements.map(sub), e.pos, this);
      case 'subscript':
        return bindSubscript(sub(e.arg), e.lower === null ? null : sub(e.lower), e.upper === null ? null : sub(e.upper), e.slice, e.pos, this);
      case 'array-op':
        return bindArrayComparison(e.mode, e.op, sub(e.left), sub(e.right), e.pos, this);
      case 'default':
        throw sqlError('42601', 'DEFAULT is not allowed in this context', positionOf(e.pos));
      case 'unsupported-expr':
        throw sqlError('0A000', `${e.what} are not supported`.replace(/s are not/, 's are not'), positionOf(e.pos));
      default:
        return assertNever(e, 'expression');
    }
  }

  bindColumn(e: Extract<Expr, { kind: 'column' }>, scope: readonly ScopeColumn[]): BoundExpr {
    const name = e.name;
    let found = -1;
    for (let i = 0; i < scope.length; i++) {
      const c = scope[i]!;
      if (c.name !== name || (e.table !== null && c.table !== e.table) || (e.table === null && c.qualifiedOnly === true)) continue;
      if (found >= 0) throw sqlError('42702', `column reference "${name}" is ambiguous`, positionOf(e.pos));
      found = i;
    }
    if (found < 0) {
      const outer = this.outerLookup ? this.bindOuterColumn(e) : null;
      if (outer !== null) return outer;
      const label = e.table === null ? name : `${e.table}.${name}`;
      if (e.table !== null && !scope.some((c) => c.table === e.table)) {
        throw sqlError('42P01', `missing FROM-clause entry for table "${e.table}"`, positionOf(e.pos));
      }
      throw sqlError('42703', `column "${label}" does not exist`, positionOf(e.pos));
    }
    return columnRef(found, scope[found]!.type, name);
  }

  /** A column of an enclosing query: marks the subqueries in between as correlated. */
  private bindOuterColumn(e: Extract<Expr, { kind: 'column' }>): BoundExpr | null {
    for (let level = this.frames.length - 1; level >= 0; level--) {
      const scope = this.frames[level]!.scope;
      const matches = scope.flatMap((c, i) => (c.name === e.name && (e.table === null ? c.qualifiedOnly !== true : c.table === e.table) ? [i] : []));
      if (matches.length === 0) continue;
      if (matches.length > 1) throw sqlError('42702', `column reference "${e.name}" is ambiguous`, positionOf(e.pos));
      for (let j = level; j < this.frames.length; j++) this.frames[j]!.correlated = true;
      const index = matches[0]!;
      return call(`outer(${e.name})`, scope[index]!.type, [], (_row, ctx) => ctx.outer?.[level]?.[index] ?? null);
    }
    return null;
  }

  private subquery(e: Extract<Expr, { kind: 'subquery' }>, scope: readonly ScopeColumn[], agg: AggregateScope | null): BoundExpr {
    if (this.planSubquery === null) throw sqlError('0A000', 'subqueries are not supported here', positionOf(e.pos));
    const frame: OuterFrame = { scope, correlated: false };
    this.frames.push(frame);
    let planned: ReturnType<SubqueryPlanner>;
    try {
      planned = this.planSubquery(e.select);
    } finally {
      this.frames.pop();
    }
    if (e.mode !== 'exists' && planned.types.length !== 1) {
      throw sqlError('42601', planned.types.length > 1 ? 'subquery must return only one column' : 'subquery has too few columns', positionOf(e.pos));
    }
    const plan: SubqueryPlan = { id: this.subqueryCount++, mode: e.mode, node: planned.node, correlated: frame.correlated };
    if (!plan.correlated) this.initPlans.push(plan);
    const valuesOf = (ctx: EvalContext): readonly Value[] => {
      const v = ctx.subqueryResults?.get(plan.id);
      if (v === undefined) throw new Error(`internal: subquery ${plan.id} was not evaluated`);
      return v;
    };
    if (e.mode === 'exists') return { kind: 'subquery', type: T.bool, plan, arg: null, eval: (_row, ctx) => valuesOf(ctx).length > 0 };
    const subType = planned.types[0]!;
    if (e.mode === 'array') return arraySubquery(plan, subType, valuesOf);
    if (e.mode === 'scalar') {
      return {
        kind: 'subquery', type: subType, plan, arg: null, eval: (_row, ctx) => {
          const values = valuesOf(ctx);
          if (values.length > 1) throw sqlError('21000', 'more than one row returned by a subquery used as an expression');
          return values[0] ?? null;
        },
      };
    }
    const bound = this.bind(e.arg!, scope, agg);
    // An untyped literal takes the subquery's column type, as in PostgreSQL ('abc' IN (SELECT b) reads 'abc' as boolean).
    const arg = bound.type.kind === 'unknown' && subType.kind !== 'unknown' ? this.coerce(bound, subType, e.pos) : bound;
    const cmp = this.compare((e.op ?? '=') as CompareOp, columnRef(0, arg.type, 'arg'), columnRef(1, subType, 'sub'), e.pos);
    const all = e.mode === 'all';
    return {
      kind: 'subquery', type: T.bool, plan, arg, eval: (row, ctx) => {
        // Over no rows ANY is false and ALL true, and (as in PostgreSQL) the left operand is
        // never evaluated: its errors do not happen.
        const values = valuesOf(ctx);
        if (values.length === 0) return all;
        const a = arg.eval(row, ctx);
        let sawNull = false;
        for (const v of values) {
          const r = cmp.eval([a, v], ctx);
          if (r === null) sawNull = true;
          else if (r === !all) return !all;
        }
        return sawNull ? null : all;
      },
    };
  }

  /** The ORDER BY of an aggregate call, bound over its input. */
  private aggregateOrder(e: Extract<Expr, { kind: 'func' }>, agg: AggregateScope): AggregateOrderKey[] | undefined {
    if (e.orderBy === undefined) return undefined;
    return e.orderBy.map((o) => ({ expr: this.bind(o.expr, agg.inputScope, agg.argAgg ?? null), descending: o.descending, nullsFirst: o.nullsFirst ?? o.descending }));
  }

  /** percentile_cont(f) / percentile_disc(f) / mode() WITHIN GROUP (ORDER BY x). */
  private bindOrderedSet(e: Extract<Expr, { kind: 'func' }>, agg: AggregateScope): BoundExpr {
    const name = e.name as OrderedSetAggregate;
    const order = this.aggregateOrder(e, agg);
    if (e.withinGroup !== true || order === undefined) throw sqlError('42809', `WITHIN GROUP is required for ordered-set aggregate ${name}`, positionOf(e.pos));
    const direct = name === 'mode' ? 0 : 1;
    if (order.length !== 1 || e.args.length !== direct) throw sqlError('42883', `function ${name} with ${e.args.length} direct and ${order.length} ordered arguments does not exist`, positionOf(e.pos));
    const key = order[0]!;
    const value = name === 'percentile_cont' ? this.coerce(key.expr, T.float8, e.pos) : key.expr.type.kind === 'unknown' ? this.coerce(key.expr, T.text, e.pos) : key.expr;
    const type = orderedSetType(name, key.expr.type, e.pos);
    const fraction = direct === 0 ? null : this.coerce(this.bind(e.args[0]!, agg.inputScope, agg.argAgg ?? null), T.float8, e.pos);
    const filter = e.filter === undefined ? null : this.coerce(this.bind(e.filter, agg.inputScope, agg.argAgg ?? null), T.bool, e.pos);
    const slot = agg.groupKeys.length + agg.aggregates.length;
    agg.aggregates.push({ name, arg: value, delimiter: fraction, filter, distinct: false, type, orderBy: [{ ...key, expr: value }] });
    return columnRef(slot, type, name);
  }

  private bindAggregate(e: Extract<Expr, { kind: 'func' }>, agg: AggregateScope): BoundExpr {
    const name = e.name as AggregateCall['name'];
    if (isOrderedSetAggregate(name)) return this.bindOrderedSet(e, agg);
    if (e.withinGroup === true) throw sqlError('42883', `${name} is not an ordered-set aggregate, so it cannot have WITHIN GROUP`, positionOf(e.pos));
    const twoArgs = name === 'string_agg' || name === 'json_object_agg' || name === 'jsonb_object_agg';
    const arity = twoArgs ? 2 : 1;
    const argAgg = agg.argAgg ?? null;
    let arg = e.star ? null : e.args[0] === undefined ? null : this.bind(e.args[0], agg.inputScope, argAgg);
    if (!e.star && (arg === null || e.args.length !== arity)) {
      throw sqlError('42883', `function ${name}() does not exist`, positionOf(e.pos));
    }
    if (arg !== null && (name === 'bool_and' || name === 'bool_or' || name === 'every')) arg = this.coerce(arg, T.bool, e.pos);
    if (arg !== null && name === 'string_agg') arg = this.coerce(arg, T.text, e.pos);
    const second = twoArgs ? this.bind(e.args[1]!, agg.inputScope, argAgg) : null;
    const delimiter = second === null ? null : name === 'string_agg' ? this.coerce(second, T.text, e.pos) : second.type.kind === 'unknown' ? this.coerce(second, T.text, e.pos) : second;
    const filter = e.filter === undefined ? null : this.coerce(this.bind(e.filter, agg.inputScope, argAgg), T.bool, e.pos);
    const type = aggregateType(name, arg, e.pos);
    const slot = agg.groupKeys.length + agg.aggregates.length;
    const orderBy = this.aggregateOrder(e, agg);
    agg.aggregates.push({ name, arg: arg === null ? null : this.coerce(arg, arg.type.kind === 'unknown' ? T.text : arg.type, e.pos), delimiter, filter, distinct: e.distinct, type, ...(orderBy === undefined ? {} : { orderBy }) });
    return columnRef(slot, type, `${name}`);
  }

  param(index: number, pos: number): BoundExpr {
    if (index < 1) throw sqlError('42P02', `there is no parameter $${index}`, positionOf(pos));
    while (this.paramTypes.length < index) this.paramTypes.push(null);
    const i = index - 1;
    const type = this.paramTypes[i] ?? T.unknown;
    return { kind: 'param', type, index: i, eval: (_row, ctx) => ctx.params[i] ?? null };
  }

  /** Converts `e` to `target` as an implicit coercion (or resolves an unknown literal/param). */
  coerce(e: BoundExpr, target: SqlType, pos: number): BoundExpr {
    if (sameTypeFast(e.type, target)) return e;
    if (e.type.kind === 'unknown') return this.resolveUnknown(e, target, false);
    if (!canAssign(e.type, target) && !(e.type.kind === target.kind)) {
      throw sqlError('42804', `argument of type ${typeDisplayName(e.type)} cannot be used as ${typeDisplayName(target)}`, positionOf(pos));
    }
    return this.cast(e, target, false, pos);
  }

  /** An assignment to a column: allows numeric narrowing and checks varchar(n) (22001). */
  assign(e: BoundExpr, target: SqlType, column: string, pos: number): BoundExpr {
    if (e.type.kind === 'unknown') return this.resolveUnknown(e, target, false);
    if (!canAssign(e.type, target)) {
      throw sqlError('42804', `column "${column}" is of type ${typeDisplayName(target)} but expression is of type ${typeDisplayName(e.type)}`, {
        ...positionOf(pos),
        hint: 'You will need to rewrite or cast the expression.',
      });
    }
    return sameTypeFast(e.type, target) ? e : this.cast(e, target, false, pos);
  }

  private resolveUnknown(e: BoundExpr, target: SqlType, explicit: boolean): BoundExpr {
    if (e.kind === 'param') {
      this.paramTypes[e.index] = target;
      const i = e.index;
      return { kind: 'param', type: target, index: i, eval: (_row, ctx) => ctx.params[i] ?? null };
    }
    if (e.kind === 'const' && !readsCatalog(T.unknown, target)) return constant(target, castValue(e.value, T.unknown, target, explicit, this.format));
    return this.cast({ ...e, type: T.text }, target, explicit, -1);
  }

  cast(e: BoundExpr, target: SqlType, explicit: boolean, pos: number): BoundExpr {
    if (e.type.kind === 'unknown') return this.resolveUnknown(e, target, explicit);
    if (!castExists(e.type, target)) {
      throw sqlError('42846', `cannot cast type ${typeDisplayName(e.type)} to ${typeDisplayName(target)}`, positionOf(pos));
    }
    const from = e.type;
    if (e.kind === 'const' && !readsCatalog(from, target)) return constant(target, castValue(e.value, from, target, explicit, this.format));
    if (e.kind === 'const') {
      // 'users'::regclass: looked up once per statement's catalog view, not once per row.
      const seen = new WeakMap<object, Value>();
      return call(`CAST AS ${typeDisplayName(target)}`, target, [e], (_row, ctx) => {
        const key = ctx.catalog;
        if (key === undefined) return castValue(e.value, from, target, explicit, ctx);
        if (!seen.has(key)) seen.set(key, castValue(e.value, from, target, explicit, ctx));
        return seen.get(key) ?? null;
      });
    }
    return call(`CAST AS ${typeDisplayName(target)}`, target, [e], (row, ctx) => castValue(e.eval(row, ctx), from, target, explicit, ctx));
  }

  /** Brings two operands to one type; 42883 when no operator would accept them. */
  unify(l: BoundExpr, r: BoundExpr, pos: number, op: string): [BoundExpr, BoundExpr] {
    let t = commonType(l.type, r.type);
    if (t === null) throw operatorError(op, l.type, r.type, pos);
    if (t.kind === 'unknown') t = T.text;
    return [this.coerce(l, t, pos), this.coerce(r, t, pos)];
  }

  compare(op: CompareOp, left: BoundExpr, right: BoundExpr, pos: number): BoundExpr {
    const [l, r] = this.unify(left, right, pos, op);
    if (isNullConst(l) || isNullConst(r)) return constant(T.bool, null);
    const test = comparison(op);
    // Both sides are evaluated before the NULL check, as PostgreSQL evaluates a strict
    // function's arguments: `NULL < 1 / 0` divides by zero there too.
    const evaluator = (row: readonly Value[], ctx: EvalContext): Value => {
      const a = l.eval(row, ctx);
      const b = r.eval(row, ctx);
      return a === null || b === null ? null : test(compareValues(a, b));
    };
    return { kind: 'compare', type: T.bool, op, left: l, right: r, eval: evaluator };
  }

  /** `l op r` for an arithmetic operator (mod(a, b) is a % b). */
  binaryOperator(op: '+' | '-' | '*' | '/' | '%', l: BoundExpr, r: BoundExpr, pos: number): BoundExpr {
    return this.binary(op, l, r, pos);
  }

  private binary(op: string, l: BoundExpr, r: BoundExpr, pos: number): BoundExpr {
    // Operators of json, arrays and intervals/timestamps (bind-json, bind-arrays, bind-datetime-ops).
    if (isJsonOperation(op, l.type, r.type)) return bindJsonOperation(op, l, r, pos, this);
    if (isArrayOperation(op, l.type, r.type)) return bindArrayOperation(op, l, r, pos, this);
    if (isDateTimeOperation(op, l.type, r.type)) return bindDateTimeOperation(op as '+' | '-' | '*' | '/', l, r, pos, this, () => operatorError(op, l.type, r.type, pos));
    if (op === '=' || op === '<>' || op === '<' || op === '<=' || op === '>' || op === '>=') return this.compare(op, l, r, pos);
    if (op === '||' && l.type.kind === 'bytea' && (r.type.kind === 'bytea' || r.type.kind === 'unknown')) {
      return strictCall('||', T.bytea, [l, this.coerce(r, T.bytea, pos)], (a, b) => Buffer.concat([a as Uint8Array, b as Uint8Array]));
    }
    if (op === '||') {
      const lt = this.coerce(l, isStringType(l.type) || l.type.kind === 'unknown' ? T.text : l.type, pos);
      const rt = this.coerce(r, isStringType(r.type) || r.type.kind === 'unknown' ? T.text : r.type, pos);
      const toText = (e: BoundExpr): BoundExpr => (e.type.kind === 'text' ? e : this.cast(e, T.text, true, pos));
      return strictCall('||', T.text, [toText(lt), toText(rt)], (a, b) => (a as string) + (b as string));
    }
    const aop = op as ArithOp;
    if (l.type.kind === 'date' || r.type.kind === 'date') return this.dateArithmetic(aop, l, r, pos);
    let [a, b] = this.unify(l, r, pos, op);
    if (a.type.kind === 'unknown' || isStringType(a.type)) [a, b] = [this.coerce(a, T.numeric, pos), this.coerce(b, T.numeric, pos)];
    // real with an integer or numeric operand uses the real-by-double operators: double precision.
    if (a.type.kind === 'float4' && (l.type.kind !== r.type.kind && l.type.kind !== 'unknown' && r.type.kind !== 'unknown')) [a, b] = [this.coerce(l, T.float8, pos), this.coerce(r, T.float8, pos)];
    if (!isNumericType(a.type)) throw operatorError(op, l.type, r.type, pos);
    const t = a.type.kind === 'numeric' ? T.numeric : a.type;
    return strictCall(op, t, [a, b], arithmetic(aop, t));
  }

  private dateArithmetic(op: ArithOp, l: BoundExpr, r: BoundExpr, pos: number): BoundExpr {
    if (op === '-' && l.type.kind === 'date' && (r.type.kind === 'date' || r.type.kind === 'unknown')) {
      return strictCall('-', T.int4, [l, this.coerce(r, T.date, pos)], (a, b) => BigInt((a as number) - (b as number)));
    }
    if ((op === '+' || op === '-') && l.type.kind === 'date') {
      const days = this.coerce(r, T.int4, pos);
      return strictCall(op, T.date, [l, days], (a, b) => (a as number) + (op === '+' ? 1 : -1) * Number(b as bigint));
    }
    if (op === '+' && r.type.kind === 'date') return this.dateArithmetic(op, r, l, pos);
    throw operatorError(op, l.type, r.type, pos);
  }

  private inList(arg: BoundExpr, items: BoundExpr[], negated: boolean, pos: number): BoundExpr {
    let t = arg.type;
    for (const i of items) t = commonType(t, i.type) ?? (() => { throw operatorError('=', arg.type, i.type, pos); })();
    if (t.kind === 'unknown') t = T.text;
    const a = this.coerce(arg, t, pos);
    const list = items.map((i) => this.coerce(i, t, pos));
    const evaluator = (row: readonly Value[], ctx: EvalContext): Value => {
      const v = a.eval(row, ctx);
      if (v === null) return null;
      let sawNull = false;
      for (const item of list) {
        const w = item.eval(row, ctx);
        if (w === null) sawNull = true;
        else if (compareValues(v, w) === 0) return !negated;
      }
      return sawNull ? null : negated;
    };
    return { kind: 'in-list', type: T.bool, arg: a, list, negated, eval: evaluator };
  }

  private like(arg: BoundExpr, pattern: BoundExpr, negated: boolean, ci: boolean, pos: number): BoundExpr {
    const a = this.coerce(arg, T.text, pos);
    const p = this.coerce(pattern, T.text, pos);
    const cache = new Map<string, RegExp>();
    return strictCall(ci ? 'ILIKE' : 'LIKE', T.bool, [a, p], (s, pat) => {
      let re = cache.get(pat as string);
      if (re === undefined) {
        re = likeToRegExp(pat as string, ci);
        if (cache.size < 64) cache.set(pat as string, re);
      }
      return re.test(s as string) !== negated;
    });
  }

  private caseExpr(e: Extract<Expr, { kind: 'case' }>, sub: (x: Expr) => BoundExpr): BoundExpr {
    const operand = e.operand === null ? null : sub(e.operand);
    const conds = e.whens.map((w) => (operand === null ? this.coerce(sub(w.when), T.bool, e.pos) : this.compare('=', operand, sub(w.when), e.pos)));
    let results = [...e.whens.map((w) => sub(w.then)), ...(e.orElse === null ? [] : [sub(e.orElse)])];
    let t: SqlType = T.unknown;
    for (const r of results) t = commonType(t, r.type) ?? (() => { throw sqlError('42804', `CASE types ${typeDisplayName(t)} and ${typeDisplayName(r.type)} cannot be matched`, positionOf(e.pos)); })();
    if (t.kind === 'unknown') t = T.text;
    results = results.map((r) => this.coerce(r, t, e.pos));
    const orElse = e.orElse === null ? null : results[results.length - 1]!;
    return call('CASE', t, [...conds, ...results], (row, ctx) => {
      for (let i = 0; i < conds.length; i++) if (conds[i]!.eval(row, ctx) === true) return results[i]!.eval(row, ctx);
      return orElse === null ? null : orElse.eval(row, ctx);
    });
  }

  private coalesce(args: BoundExpr[], pos: number): BoundExpr {
    let t: SqlType = T.unknown;
    for (const a of args) t = commonType(t, a.type) ?? (() => { throw sqlError('42804', `COALESCE types ${typeDisplayName(t)} and ${typeDisplayName(a.type)} cannot be matched`, positionOf(pos)); })();
    if (t.kind === 'unknown') t = T.text;
    const typed = args.map((a) => this.coerce(a, t, pos));
    return call('COALESCE', t, typed, (row, ctx) => {
      for (const a of typed) {
        const v = a.eval(row, ctx);
        if (v !== null) return v;
      }
      return null;
    });
  }
}

/** Whether an expression reads the input row or an enclosing query's (so cannot run before the rows). */
function readsRow(e: BoundExpr): boolean {
  switch (e.kind) {
    case 'column': return true;
    case 'const': case 'param': return false;
    case 'subquery': return e.plan.correlated || (e.arg !== null && readsRow(e.arg));
    case 'compare': return readsRow(e.left) || readsRow(e.right);
    case 'in-list': return readsRow(e.arg) || e.list.some(readsRow);
    case 'and': case 'or': return e.args.some(readsRow);
    case 'call': return e.label.startsWith('outer(') || e.args.some(readsRow);
  }
}

/** Casts between names and reg* OIDs look the catalog up, so they run at execution, not at bind. */
function readsCatalog(from: SqlType, to: SqlType): boolean {
  const named = (t: SqlType): boolean => t.kind === 'oid' && t.reg !== 'oid';
  const textual = (t: SqlType): boolean => isStringType(t) || t.kind === 'unknown';
  return (named(to) && textual(from)) || (named(from) && textual(to));
}

/** Whether a value of `a` needs no conversion to be `b` (typmods and array elements checked). */
function sameTypeFast(a: SqlType, b: SqlType): boolean {
  if (a.kind === 'array' && b.kind === 'array') return sameTypeFast(a.element, b.element);
  if (a.kind === 'enum' && b.kind === 'enum') return a.oid === b.oid;
  return a.kind === b.kind && b.kind !== 'varchar' && b.kind !== 'bpchar' && b.kind !== 'numeric';
}

function aggregateType(name: AggregateCall['name'], arg: BoundExpr | null, pos: number): SqlType {
  if (name === 'count') return T.int8;
  if (name === 'bool_and' || name === 'bool_or' || name === 'every') return T.bool;
  if (name === 'string_agg') return T.text;
  const t = arg?.type ?? T.unknown;
  if (isCollectingAggregate(name)) return collectingType(name, t);
  if (isStatsAggregate(name)) return statsType(name, t, pos);
  if (t.kind === 'interval' && (name === 'sum' || name === 'avg')) return T.interval;
  // max(varchar) is max(text); character keeps its own min/max.
  if (name === 'min' || name === 'max') return t.kind === 'unknown' || t.kind === 'varchar' ? T.text : t;
  if (!isNumericType(t)) throw sqlError('42883', `function ${name}(${typeDisplayName(t)}) does not exist`, positionOf(pos));
  if (name === 'avg') return t.kind === 'float4' || t.kind === 'float8' ? T.float8 : T.numeric;
  if (t.kind === 'int2' || t.kind === 'int4') return T.int8;
  if (t.kind === 'int8' || t.kind === 'numeric') return T.numeric;
  return t.kind === 'float4' ? T.float4 : T.float8;
}
