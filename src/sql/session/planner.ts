/**
 * Statement -> executable plan, and plan -> events. Shared by the simple and extended
 * protocols; prepared statements keep the PreparedPlan and re-plan only when a table it
 * uses changed version.
 */
import { assertNever } from '../../util/index.ts';
import type { Statement } from '../parser/ast.ts';
import { sqlError } from '../sql-error.ts';
import type { ColumnInfo, QueryEvent } from '../session.ts';
import { Binder } from '../expr/bind-expr.ts';
import { planDml, runDml, type DmlPlan } from '../exec/dml.ts';
import { buildOperator, type ExecContext, type Instrumentation } from '../exec/operators.ts';
import type { UniqueWrites } from '../exec/write.ts';
import { explainPlan } from '../plan/explain.ts';
import { planSelect, type PlannedQuery, type TableResolver } from '../plan/plan-select.ts';
import type { SequenceDesc, TableDesc } from '../catalog/descriptors.ts';
import { formatValue, type FormatContext } from '../types/text-io.ts';
import { encodeBinary } from './binary-io.ts';
import { showColumnName } from './settings.ts';
import { T, type SqlType } from '../types/types.ts';

export type PreparedPlan =
  /** `sequences`: those whose nextval/setval the statement calls (values reserved first). */
  | { readonly kind: 'query'; readonly query: PlannedQuery; readonly sequences?: readonly SequenceDesc[] }
  | { readonly kind: 'dml'; readonly dml: DmlPlan; readonly sequences?: readonly SequenceDesc[] }
  | { readonly kind: 'explain'; readonly lines: readonly string[] }
  /** EXPLAIN ANALYZE: runs `inner` (a DML statement's writes happen, as in PostgreSQL), then prints the measured plan. */
  | { readonly kind: 'explain-analyze'; readonly inner: Extract<PreparedPlan, { kind: 'query' | 'dml' }> }
  /** Statements planned at execution (DDL, transaction control, SET/SHOW). */
  | { readonly kind: 'utility'; readonly statement: Statement };

export interface Planned {
  readonly plan: PreparedPlan;
  readonly paramTypes: readonly SqlType[];
  readonly columns: readonly ColumnInfo[] | null;
  readonly tables: readonly TableDesc[];
}

export function planStatement(stmt: Statement, declared: readonly (SqlType | null)[], resolver: TableResolver, format: FormatContext): Planned {
  const binder = new Binder([...declared], format);
  if (resolver.resolveType !== undefined) binder.typeLookup = resolver.resolveType;
  if (resolver.resolveSequence !== undefined) binder.sequenceLookup = resolver.resolveSequence;
  let plan = planWith(stmt, binder, resolver);
  if (binder.usedSequences.size > 0 && (plan.kind === 'query' || plan.kind === 'dml')) plan = { ...plan, sequences: [...binder.usedSequences.values()] };
  const paramTypes = binder.paramTypes.map((t) => (t === null || t.kind === 'unknown' ? T.text : t));
  const columns = plan.kind === 'query' ? plan.query.columns : plan.kind === 'dml' ? plan.dml.returningColumns : plan.kind === 'explain' || plan.kind === 'explain-analyze' ? [explainColumn] : utilityColumns(stmt);
  const tables = plan.kind === 'query' ? plan.query.tables : plan.kind === 'dml' ? [plan.dml.table, ...plan.dml.readTables] : [];
  return { plan, paramTypes, columns, tables };
}

const explainColumn: ColumnInfo = { name: 'QUERY PLAN', tableOid: 0, columnAttr: 0, typeOid: 25, typeSize: -1, typeMod: -1, format: 0 };

function utilityColumns(stmt: Statement): readonly ColumnInfo[] | null {
  if (stmt.kind !== 'show') return null;
  if (stmt.name === 'all') {
    return ['name', 'setting', 'description'].map((name) => ({ ...explainColumn, name }));
  }
  return [{ ...explainColumn, name: showColumnName(stmt.name) }];
}

function planWith(stmt: Statement, binder: Binder, resolver: TableResolver): PreparedPlan {
  switch (stmt.kind) {
    case 'select':
      return { kind: 'query', query: planSelect(stmt, binder, resolver) };
    case 'insert': case 'update': case 'delete':
      return { kind: 'dml', dml: planDml(stmt, binder, resolver) };
    case 'explain': {
      const inner = planWith(stmt.statement, binder, resolver);
      if (stmt.analyze === true && (inner.kind === 'query' || inner.kind === 'dml')) return { kind: 'explain-analyze', inner };
      if (inner.kind === 'query') return { kind: 'explain', lines: explainPlan(inner.query.node) };
      if (inner.kind === 'dml') return { kind: 'explain', lines: [`${inner.dml.kind[0]!.toUpperCase()}${inner.dml.kind.slice(1)} on ${inner.dml.table.name}`, ...explainPlan(inner.dml.source, 1)] };
      throw sqlError('0A000', `EXPLAIN of ${stmt.statement.kind} is not supported`);
    }
    case 'unsupported':
      throw sqlError('0A000', `${stmt.what} is not supported`, stmt.pos >= 0 ? { position: stmt.pos + 1 } : {});
    case 'create-table': case 'drop-table': case 'create-index': case 'drop-index': case 'truncate': case 'alter-table':
    case 'create-view': case 'drop-view': case 'create-schema': case 'drop-schema': case 'create-database': case 'drop-database':
    case 'begin': case 'commit': case 'lock': case 'comment': case 'analyze': case 'prepare': case 'execute': case 'deallocate': case 'alter-owner': case 'do': case 'create-extension':
    case 'rollback': case 'set': case 'reset': case 'show': case 'savepoint': case 'rollback-to': case 'release':
    case 'create-enum': case 'drop-type': case 'create-sequence': case 'drop-sequence': case 'alter-sequence':
    case 'auth':
      return { kind: 'utility', statement: stmt };
    default:
      return assertNever(stmt, 'statement');
  }
}

/** Output formatting of one result set: per column, text or binary (binary-io.ts). */
export interface ResultFormat {
  readonly types: readonly SqlType[];
  readonly binary: readonly boolean[];
}

/** Runs a query or DML plan; yields rows in batches and returns the command tag. */
export async function* runPlan(
  plan: PreparedPlan,
  ctx: ExecContext,
  uniques: UniqueWrites,
  format: ResultFormat,
  encodeRow: (row: readonly unknown[]) => (string | Uint8Array | null)[],
): AsyncGenerator<QueryEvent, string> {
  // Sequence values: reserved before the statement, and any drawn beyond the reservation
  // made durable before rows leave the node or the statement ends (catalog/sequences.ts).
  const sequences = (plan.kind === 'query' || plan.kind === 'dml') && plan.sequences !== undefined ? ctx.eval.sequences?.cache : undefined;
  if (sequences !== undefined && (plan.kind === 'query' || plan.kind === 'dml')) await sequences.prepare(plan.sequences ?? []);
  switch (plan.kind) {
    case 'query': {
      const op = buildOperator(plan.query.node, ctx);
      let count = 0;
      for (;;) {
        const batch = await op.next();
        if (batch === null) break;
        ctx.checkCancelled();
        count += batch.length;
        if (sequences?.needsSettle === true) await sequences.settle();
        if (batch.length > 0) yield { kind: 'rows', rows: batch.map(encodeRow) };
      }
      if (sequences?.needsSettle === true) await sequences.settle();
      return `SELECT ${count}`;
    }
    case 'dml': {
      const result = await runDml(plan.dml, ctx, uniques);
      if (sequences?.needsSettle === true) await sequences.settle();
      if (result.returned.length > 0) yield { kind: 'rows', rows: result.returned.map(encodeRow) };
      const verb = plan.dml.kind.toUpperCase();
      return plan.dml.kind === 'insert' ? `INSERT 0 ${result.count}` : `${verb} ${result.count}`;
    }
    case 'explain':
      yield { kind: 'rows', rows: plan.lines.map((l) => [l]) };
      return 'EXPLAIN';
    case 'explain-analyze': {
      const lines = await explainAnalyze(plan.inner, ctx, uniques);
      yield { kind: 'rows', rows: lines.map((l) => [l]) };
      return 'EXPLAIN';
    }
    case 'utility':
      throw new Error('utility statements run in the session');
    default:
      return assertNever(plan, 'plan');
  }
  void format;
}

async function explainAnalyze(inner: Extract<PreparedPlan, { kind: 'query' | 'dml' }>, ctx: ExecContext, uniques: UniqueWrites): Promise<string[]> {
  const now = ctx.nowMs ?? ((): number => 0);
  const instrument: Instrumentation = { now, stats: new Map() };
  const measured = Object.create(ctx, { instrument: { value: instrument, enumerable: true } }) as ExecContext;
  const start = now();
  if (inner.kind === 'query') {
    const op = buildOperator(inner.query.node, measured);
    while ((await op.next()) !== null) ctx.checkCancelled();
    const total = now() - start;
    return [...explainPlan(inner.query.node, 0, instrument.stats), `Execution Time: ${total.toFixed(3)} ms`];
  }
  const result = await runDml(inner.dml, measured, uniques);
  const total = now() - start;
  const verb = `${inner.dml.kind[0]!.toUpperCase()}${inner.dml.kind.slice(1)}`;
  return [`${verb} on ${inner.dml.table.name} (actual rows=${result.count})`, ...explainPlan(inner.dml.source, 1, instrument.stats), `Execution Time: ${total.toFixed(3)} ms`];
}

export function textRowEncoder(types: readonly SqlType[], binary: readonly boolean[], fmt: FormatContext): (row: readonly unknown[]) => (string | Uint8Array | null)[] {
  return (row) => {
    const out = new Array<string | Uint8Array | null>(types.length);
    for (let i = 0; i < types.length; i++) {
      const v = (row[i] ?? null) as Parameters<typeof formatValue>[1];
      out[i] = v === null ? null : binary[i] === true ? encodeBinary(types[i]!, v) : formatValue(types[i]!, v, fmt);
    }
    return out;
  };
}
