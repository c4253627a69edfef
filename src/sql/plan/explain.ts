/**
 * EXPLAIN output: the physical plan as an indented tree, one line per node, in the
 * spirit of PostgreSQL's (node names differ: they describe KV access, not heap pages).
 */
import { assertNever } from '../../util/index.ts';
import { describeExpr } from '../expr/bound.ts';
import type { PlanNode } from './plan.ts';

/** What EXPLAIN ANALYZE measured for a node (see exec/operators.ts NodeStats). */
export interface ActualStats {
  readonly loops: number;
  readonly rows: number;
  readonly ms: number;
}

/**
 * One line per node, children indented under `->`. With `actual` (EXPLAIN ANALYZE), each
 * line ends with the rows the node returned per loop, its loops and its total time; a
 * node that never ran says so.
 */
export function explainPlan(node: PlanNode, depth = 0, actual?: ReadonlyMap<PlanNode, ActualStats>): string[] {
  const pad = depth === 0 ? '' : '  '.repeat(depth - 1) + '->  ';
  const suffix = (n: PlanNode): string => {
    if (actual === undefined) return '';
    const s = actual.get(n);
    if (s === undefined || s.loops === 0) return ' (never executed)';
    return ` (actual rows=${Math.round(s.rows / s.loops)} loops=${s.loops} time=${s.ms.toFixed(3)} ms)`;
  };
  const line = (text: string, ...children: PlanNode[]): string[] => [pad + text + suffix(node), ...children.flatMap((c) => explainPlan(c, depth + 1, actual))];
  switch (node.kind) {
    case 'one-row':
      return line('Result');
    case 'pk-lookup':
      return line(`Point Lookup on ${node.table.name} using ${node.table.primaryIndex.name} (${node.keys.length} key${node.keys.length === 1 ? '' : 's'}: ${node.keys.map((k) => '(' + k.map(describeExpr).join(', ') + ')').join(', ')})`);
    case 'scan': {
      const isPrimary = node.index.id === node.table.primaryIndex.id;
      const what = node.eq.length === 0 && node.lower === null && node.upper === null && isPrimary ? 'Full Scan' : isPrimary ? 'Range Scan' : node.covering ? 'Index Only Scan' : 'Index Scan';
      const parts: string[] = [];
      if (node.eq.length > 0) parts.push(`eq: ${node.eq.map(describeExpr).join(', ')}`);
      if (node.lower !== null) parts.push(`${node.lower.inclusive ? '>=' : '>'} ${describeExpr(node.lower.expr)}`);
      if (node.upper !== null) parts.push(`${node.upper.inclusive ? '<=' : '<'} ${describeExpr(node.upper.expr)}`);
      if (node.reverse) parts.push('reverse');
      if (node.limit !== null) parts.push(`limit: ${describeExpr(node.limit)}`);
      return line(`${what} on ${node.table.name} using ${node.index.name}${parts.length > 0 ? ` (${parts.join('; ')})` : ''}`);
    }
    case 'filter':
      return line(`Filter ${describeExpr(node.predicate)}`, node.input, ...(node.subqueries ?? []).map((p) => p.node));
    case 'aggregate':
      return line(`Aggregate${node.groupBy.length > 0 ? ` (group by ${node.groupBy.map(describeExpr).join(', ')})` : ''}: ${node.aggregates.map((a) => a.name).join(', ')}`, node.input);
    case 'project':
      // A projection prints as its input, plus the correlated subqueries it runs per row.
      return [...explainPlan(node.input, depth, actual), ...(node.subqueries ?? []).flatMap((p) => [`${'  '.repeat(depth)}SubPlan ${p.id} (${p.mode})`, ...explainPlan(p.node, depth + 1, actual)])];
    case 'sort':
      return line(`Sort (${node.keys.map((k) => `${describeExpr(k.expr)}${k.descending ? ' DESC' : ''}`).join(', ')})`, node.input);
    case 'limit':
      return line(`Limit`, node.input);
    case 'subplans':
      return [...explainPlan(node.input, depth, actual), ...node.initPlans.flatMap((p) => [`${'  '.repeat(depth)}InitPlan ${p.id} (${p.mode})`, ...explainPlan(p.node, depth + 1, actual)])];
    case 'set-op':
      return line(`${node.op[0]!.toUpperCase()}${node.op.slice(1)}${node.all ? ' All' : ''}`, node.left, node.right);
    case 'distinct':
      return line('Distinct', node.input);
    case 'values':
      return line(`Values (${node.rows.length} row${node.rows.length === 1 ? '' : 's'})`);
    case 'function-scan':
      return line(`Function Scan on ${node.name}(${node.args.map(describeExpr).join(', ')})`);
    case 'srf-scan':
      return line(`Function Scan on ${node.name}(${node.call.args.map(describeExpr).join(', ')})`);
    case 'recursive-union':
      return line(`Recursive Union${node.all ? ' All' : ''}`, node.left, node.right);
    case 'worktable':
      return line(`WorkTable Scan (${node.id})`);
    case 'lateral-join':
      return line(`Nested Loop Lateral (${node.joinType}${node.on === null ? '' : `: ${describeExpr(node.on)}`})`, node.left, node.right);
    case 'window':
      return line(`WindowAgg (${node.calls.map((c) => (c.name === 'aggregate' ? c.aggregate!.name : c.name)).join(', ')})`, node.input);
    case 'lookup-join': {
      const layoutIds = node.index.columnIds.slice(0, node.leftKeys.length);
      const names = layoutIds.map((id) => node.table.columns.find((c) => c.id === id)?.name ?? '?');
      const cond = [...node.leftKeys.map((k, i) => `${describeExpr(k)} = ${names[i]}`), ...(node.residual === null ? [] : [describeExpr(node.residual)])].join(' AND ');
      const filter = node.rightFilter === null ? '' : `; filter: ${describeExpr(node.rightFilter)}`;
      return line(`Lookup Join (${node.joinType}: ${cond}) on ${node.table.name} using ${node.index.name}${filter}`, node.left);
    }
    case 'merge-join': {
      const keys = node.leftKeys.map((k, i) => `${describeExpr(k)} = ${describeExpr(node.rightKeys[i]!)}`);
      const cond = [...keys, ...(node.residual === null ? [] : [describeExpr(node.residual)])].join(' AND ');
      return line(`Merge Join (${node.joinType}: ${cond})`, node.left, node.right);
    }
    case 'join': {
      const keys = node.leftKeys.map((k, i) => `${describeExpr(k)} = ${describeExpr(node.rightKeys[i]!)}`);
      const cond = [...keys, ...(node.residual === null ? [] : [describeExpr(node.residual)])].join(' AND ');
      const what = node.leftKeys.length > 0 ? 'Hash Join' : 'Nested Loop';
      return line(`${what} (${node.joinType}${cond === '' ? '' : `: ${cond}`})`, node.left, node.right);
    }
    default:
      return assertNever(node, 'plan node');
  }
}
