/**
 * The lookup join operator (plan node 'lookup-join'): the left input streams, and each left
 * row's key values find its partners in the right table through an index instead of a
 * scan of the whole table. A whole primary key is looked up for a batch of left rows at
 * once (one getMany); an index prefix is one KV scan per left row, and secondary index
 * entries fetch their rows from the primary index. A NULL key value matches nothing; LEFT
 * pads an unmatched left row with NULLs. Rows held per left batch are bounded by
 * resultRowsMax (53200 beyond), like every operator that holds rows.
 */
import { prefixEnd } from '../../util/encoding/index.ts';
import type { PlanNode } from '../plan/plan.ts';
import { indexKey } from '../storage/keys.ts';
import { keyPart, layoutOf } from '../storage/table-data.ts';
import type { Value } from '../types/types.ts';
import { joined } from './join.ts';
import { memoryLimitError, type ExecContext, type Operator, type Row } from './operators.ts';

type LookupJoinNode = Extract<PlanNode, { kind: 'lookup-join' }>;

export function lookupJoin(node: LookupJoinNode, left: Operator, ctx: ExecContext): Operator {
  const layout = layoutOf(node.table);
  const { table, index } = node;
  const isPrimary = index.id === table.primaryIndex.id;
  const wholePrimaryKey = isPrimary && node.leftKeys.length === index.columnIds.length;
  const types = index.columnIds.slice(0, node.leftKeys.length).map((id) => layout.types[layout.positions.get(id)!]!);
  const directions = index.directions.slice(0, node.leftKeys.length);
  const rightNulls: Value[] = new Array<Value>(node.rightWidth).fill(null);

  /** The key values of each left row; null where one is NULL (no partner can match). */
  const keyValues = (batch: readonly Row[]): (Value[] | null)[] =>
    batch.map((l) => {
      const values = node.leftKeys.map((k) => k.eval(l, ctx.eval));
      return values.includes(null) ? null : values;
    });

  /** Each left row's partner rows by whole primary key: one batched get. */
  const byPrimaryKey = async (batch: readonly Row[]): Promise<Row[][]> => {
    const keys = keyValues(batch);
    const wanted = keys.flatMap((v) => (v === null ? [] : [layout.pkKeyFromValues(v)]));
    const found = wanted.length === 0 ? [] : await ctx.txn.getMany(wanted);
    let at = 0;
    return keys.map((v) => {
      if (v === null) return [];
      const value = found[at++] ?? null;
      return value === null ? [] : [layout.decodeRow(value)];
    });
  };

  /** Each left row's partner rows by an index prefix: a scan per row. */
  const byPrefix = async (batch: readonly Row[]): Promise<Row[][]> => {
    const out: Row[][] = [];
    let held = 0;
    for (const values of keyValues(batch)) {
      if (values === null) {
        out.push([]);
        continue;
      }
      const prefix = indexKey(table.id, index.id, values.map((v, i) => keyPart(types[i]!, v)), directions);
      let span: { startKey: Uint8Array; endKey: Uint8Array } | null = { startKey: prefix, endKey: prefixEnd(prefix) };
      const rows: Row[] = [];
      while (span !== null) {
        const res = await ctx.txn.scan(span, { limit: ctx.limits.scanPageRows, reverse: false });
        span = res.resumeSpan;
        for (const kv of res.rows) rows.push(layout.decodeRow(kv.value));
        held += res.rows.length;
        if (held > ctx.limits.resultRowsMax) throw memoryLimitError(ctx);
      }
      if (isPrimary || rows.length === 0) {
        out.push(rows);
        continue;
      }
      const full = await ctx.txn.getMany(rows.map((r) => layout.primaryKey(r)));
      out.push(full.flatMap((v) => (v === null ? [] : [layout.decodeRow(v)])));
    }
    return out;
  };

  return {
    next: async () => {
      for (;;) {
        const batch = await left.next();
        if (batch === null) return null;
        ctx.checkCancelled();
        const partners = wholePrimaryKey ? await byPrimaryKey(batch) : await byPrefix(batch);
        const out: Row[] = [];
        for (let i = 0; i < batch.length; i++) {
          const l = batch[i]!;
          let matched = false;
          for (const r of partners[i]!) {
            if (node.rightFilter !== null && node.rightFilter.eval(r, ctx.eval) !== true) continue;
            const row = joined(l, r);
            if (node.residual !== null && node.residual.eval(row, ctx.eval) !== true) continue;
            matched = true;
            out.push(row);
          }
          if (!matched && node.joinType === 'left') out.push(joined(l, rightNulls));
        }
        if (out.length > 0) return out;
      }
    },
  };
}
