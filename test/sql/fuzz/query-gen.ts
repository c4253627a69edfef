// Random SELECTs over a generated schema: expressions typed by construction (so a
// PostgreSQL error means a real edge such as division by zero), joins of every kind,
// aggregates with GROUP BY / HAVING / DISTINCT / FILTER, subqueries (scalar, IN, EXISTS,
// correlated), window functions (whose values do not depend on the order of peers), set
// operations, DISTINCT and ORDER BY ... LIMIT.
import type { Rng } from './rng.ts';
import { literalOf, type ColumnKind, type GenSchema, type GenTable } from './schema-gen.ts';

interface ScopeCol {
  readonly ref: string;
  readonly kind: ColumnKind;
}

export interface GenQuery {
  readonly sql: string;
  /** Whether the row order is fully determined (ORDER BY every output column). */
  readonly ordered: boolean;
}

class QueryGen {
  private aliasCount = 0;

  constructor(private readonly rng: Rng, private readonly schema: GenSchema) {}

  private alias(): string {
    return `q${this.aliasCount++}`;
  }

  private colsOf(table: GenTable, alias: string): ScopeCol[] {
    return table.columns.map((c) => ({ ref: `${alias}.${c.name}`, kind: c.kind }));
  }

  private columnOf(scope: readonly ScopeCol[], kinds: readonly ColumnKind[]): string | null {
    const fit = scope.filter((c) => kinds.includes(c.kind));
    return fit.length === 0 ? null : this.rng.pick(fit).ref;
  }

  expr(kind: ColumnKind, scope: readonly ScopeCol[], depth: number): string {
    const r = this.rng;
    const leaf = (): string => {
      const kinds: ColumnKind[] = kind === 'int' || kind === 'bigint' ? ['int', 'bigint'] : [kind];
      const col = this.columnOf(scope, kind === 'bigint' ? ['bigint'] : kinds.filter((k) => k === kind));
      return col !== null && r.chance(0.75) ? col : literalOf(kind, r);
    };
    if (depth <= 0 || r.chance(0.4)) return leaf();
    const sub = (k: ColumnKind = kind): string => this.expr(k, scope, depth - 1);
    switch (kind) {
      case 'int': return r.pick([
        () => `(${sub()} + ${sub()})`, () => `(${sub()} - ${sub()})`, () => `(${sub()} * ${r.int(-2, 3)})`,
        () => `(${sub()} / ${r.pick(['2', '3', '-1', sub()])})`, () => `(${sub()} % ${r.int(1, 4)})`, () => `abs(${sub()})`,
        () => `coalesce(${sub()}, ${sub()})`, () => `nullif(${sub()}, ${sub()})`, () => `length(${sub('text')})`,
        () => `CASE WHEN ${this.pred(scope, depth - 1)} THEN ${sub()} ELSE ${sub()} END`, () => `(-${sub()})`,
        () => `greatest(${sub()}, ${sub()})`, () => `least(${sub()}, ${sub()})`,
        () => `strpos(${sub('text')}, 'b')`, () => `mod(${sub()}, ${r.int(1, 5)})`,
      ])();
      case 'bigint': return r.pick([() => `(${sub()} + ${sub('int')})`, () => `coalesce(${sub()}, 0)`, () => `(${sub()} / 1000)`])();
      case 'numeric': return r.pick([
        () => `(${sub()} + ${sub()})`, () => `(${sub()} * ${sub('int')})`, () => `round(${sub()}, 1)`, () => `abs(${sub()})`,
        () => `coalesce(${sub()}, ${sub('int')})`, () => `floor(${sub()})`, () => `trunc(${sub()}, 1)`,
      ])();
      case 'text': return r.pick([
        () => `lower(${sub()})`, () => `upper(${sub()})`, () => `(${sub()} || ${sub()})`, () => `coalesce(${sub()}, ${sub()})`,
        () => `CASE WHEN ${this.pred(scope, depth - 1)} THEN ${sub()} END`, () => `substr(${sub()}, 2)`,
        () => `replace(${sub()}, 'a', 'xy')`, () => `trim(${sub()})`, () => `left(${sub()}, ${r.int(-2, 3)})`,
        () => `lpad(${sub()}, ${r.int(0, 4)}, '*')`, () => `concat(${sub()}, ${this.expr('int', scope, depth - 1)})`,
      ])();
      case 'bool': return this.pred(scope, depth);
    }
  }

  pred(scope: readonly ScopeCol[], depth: number): string {
    const r = this.rng;
    const kind = r.pick<ColumnKind>(['int', 'int', 'text', 'numeric', 'bigint', 'bool']);
    const e = (): string => this.expr(kind, scope, Math.min(depth, 1));
    const choices: (() => string)[] = [
      () => `${e()} ${r.pick(['=', '<>', '<', '<=', '>', '>='])} ${e()}`,
      () => `${e()} IS ${r.chance(0.5) ? 'NOT ' : ''}NULL`,
      () => `${e()} ${r.chance(0.3) ? 'NOT ' : ''}IN (${[e(), e(), literalOf(kind, r)].join(', ')})`,
      () => `${e()} IS ${r.chance(0.5) ? 'NOT ' : ''}DISTINCT FROM ${e()}`,
    ];
    if (kind !== 'bool') choices.push(() => `${e()} ${r.chance(0.3) ? 'NOT ' : ''}BETWEEN ${e()} AND ${e()}`);
    if (kind === 'text') choices.push(() => `${e()} ${r.pick(['LIKE', 'NOT LIKE', 'ILIKE'])} '${r.pick(['a%', '%b', '_', '%', 'A%'])}'`);
    if (depth > 0) {
      const p = (): string => this.pred(scope, depth - 1);
      choices.push(() => `(${p()} AND ${p()})`, () => `(${p()} OR ${p()})`, () => `NOT (${p()})`);
      if (r.chance(0.3)) choices.push(() => this.subqueryPred(scope));
    }
    return r.pick(choices)();
  }

  private subqueryPred(outer: readonly ScopeCol[]): string {
    const r = this.rng;
    const table = r.pick(this.schema.tables);
    const alias = this.alias();
    const inner = this.colsOf(table, alias);
    const scope = [...inner, ...(r.chance(0.5) ? outer : [])];
    const where = r.chance(0.7) ? ` WHERE ${this.pred(scope, 1)}` : '';
    if (r.chance(0.5)) return `${r.chance(0.3) ? 'NOT ' : ''}EXISTS (SELECT 1 FROM ${table.name} ${alias}${where})`;
    const col = r.pick(inner);
    const probe = this.expr(col.kind, outer, 1);
    return `${probe} ${r.chance(0.3) ? 'NOT ' : ''}IN (SELECT ${col.ref} FROM ${table.name} ${alias}${where})`;
  }

  private from(): { sql: string; scope: ScopeCol[] } {
    const r = this.rng;
    const t1 = r.pick(this.schema.tables);
    const a1 = this.alias();
    const scope = this.colsOf(t1, a1);
    if (r.chance(0.1)) {
      // A derived table with the same columns: its own alias inside, filtered.
      const inner = this.alias();
      return { sql: `(SELECT * FROM ${t1.name} ${inner} WHERE ${this.pred(this.colsOf(t1, inner), 1)}) ${a1}`, scope };
    }
    if (this.schema.tables.length < 2 || r.chance(0.5)) return { sql: `${t1.name} ${a1}`, scope };
    const t2 = r.pick(this.schema.tables);
    const a2 = this.alias();
    const right = this.colsOf(t2, a2);
    const join = r.pick(['JOIN', 'LEFT JOIN', 'RIGHT JOIN', 'FULL JOIN', 'CROSS JOIN', 'JOIN']);
    const both = [...scope, ...right];
    if (join === 'CROSS JOIN') return { sql: `${t1.name} ${a1} CROSS JOIN ${t2.name} ${a2}`, scope: both };
    const pairs = scope.flatMap((c) => right.filter((d) => d.kind === c.kind).map((d) => `${c.ref} = ${d.ref}`));
    const on = pairs.length > 0 && r.chance(0.8) ? r.pick(pairs) : this.pred(both, 1);
    // A few left rows (first rows by primary key): the planner reads the right side by key.
    const left = t1.hasPk && r.chance(0.3) ? `(SELECT * FROM ${t1.name} ORDER BY id LIMIT ${r.int(0, 6)})` : t1.name;
    return { sql: `${left} ${a1} ${join} ${t2.name} ${a2} ON ${on}`, scope: both };
  }

  select(): GenQuery {
    const r = this.rng;
    const { sql: from, scope } = this.from();
    const where = r.chance(0.7) ? ` WHERE ${this.pred(scope, 2)}` : '';
    if (r.chance(0.35)) return this.aggregate(from, where, scope);
    const n = r.int(1, 3);
    const items: string[] = [];
    for (let i = 0; i < n; i++) items.push(this.expr(r.pick<ColumnKind>(['int', 'text', 'numeric', 'bool', 'bigint']), scope, 2));
    if (r.chance(0.1)) items.push(`(SELECT count(*) FROM ${r.pick(this.schema.tables).name})`);
    if (r.chance(0.15)) items.push(this.windowCall(scope));
    const distinct = r.chance(0.15) ? 'DISTINCT ' : '';
    return this.finish(`SELECT ${distinct}${items.join(', ')} FROM ${from}${where}`, items.length);
  }

  /**
   * A window function whose value does not depend on how peers are ordered: ranks, and
   * aggregates over the default frame (which ends at the last peer) or the whole partition.
   */
  private windowCall(scope: readonly ScopeCol[]): string {
    const r = this.rng;
    const partition = r.chance(0.6) ? `PARTITION BY ${this.columnOf(scope, ['int', 'text', 'bool']) ?? '1'} ` : '';
    const key = this.columnOf(scope, ['int', 'text', 'numeric', 'bigint']) ?? '1';
    const order = r.chance(0.7) ? `ORDER BY ${key}${r.pick(['', ' DESC', ' NULLS FIRST', ' DESC NULLS LAST'])}` : '';
    const num = this.expr('int', scope, 1);
    const fn = r.pick([
      'rank()', 'dense_rank()', 'cume_dist()', 'count(*)', `count(${key})`, `sum(${num})`, `min(${key})`, `max(${key})`,
      `avg(${this.expr('numeric', scope, 1)})`,
    ]);
    const frame = order !== '' && r.chance(0.2) ? ' RANGE BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING' : '';
    return `${fn} OVER (${partition}${order}${fn.endsWith('()') ? '' : frame})`;
  }

  private aggregate(from: string, where: string, scope: readonly ScopeCol[]): GenQuery {
    const r = this.rng;
    const groups = r.int(0, 2);
    const keys: string[] = [];
    for (let i = 0; i < groups; i++) keys.push(this.columnOf(scope, ['int', 'text', 'bool', 'numeric']) ?? '1');
    const aggs: string[] = [];
    for (let i = r.int(1, 3); i > 0; i--) {
      const kind = r.pick<ColumnKind>(['int', 'numeric', 'text', 'bigint']);
      const arg = this.expr(kind, scope, 1);
      const fns = kind === 'text' ? ['count', 'min', 'max'] : ['count', 'sum', 'min', 'max', 'avg'];
      const distinct = r.chance(0.15) ? 'DISTINCT ' : '';
      const filter = r.chance(0.15) ? ` FILTER (WHERE ${this.pred(scope, 1)})` : '';
      const call = r.chance(0.1) ? `${r.pick(['bool_and', 'bool_or'])}(${this.pred(scope, 1)})` : `${r.pick(fns)}(${distinct}${arg})`;
      aggs.push(`${r.chance(0.15) ? 'count(*)' : call}${filter}`);
    }
    const having = groups > 0 && r.chance(0.3) ? ` HAVING count(*) ${r.pick(['>', '>=', '<'])} ${r.int(0, 3)}` : '';
    const group = keys.length > 0 ? ` GROUP BY ${keys.join(', ')}` : '';
    const items = [...keys, ...aggs];
    return this.finish(`SELECT ${items.join(', ')} FROM ${from}${where}${group}${having}`, items.length);
  }

  private finish(sql: string, width: number): GenQuery {
    const r = this.rng;
    if (r.chance(0.1)) {
      const op = r.pick(['UNION', 'UNION ALL', 'INTERSECT', 'EXCEPT', 'EXCEPT ALL']);
      return { sql: `${sql} ${op} ${sql.replace(/ WHERE .*$/, '')}`, ordered: false };
    }
    if (!r.chance(0.35)) return { sql, ordered: false };
    const dirs = Array.from({ length: width }, (_v, i) => `${i + 1}${r.pick(['', ' DESC', ' NULLS FIRST', ' DESC NULLS LAST'])}`);
    const limit = r.chance(0.5) ? ` LIMIT ${r.int(0, 5)}${r.chance(0.3) ? ` OFFSET ${r.int(0, 3)}` : ''}` : '';
    return { sql: `${sql} ORDER BY ${dirs.join(', ')}${limit}`, ordered: true };
  }
}

export function generateQuery(rng: Rng, schema: GenSchema): GenQuery {
  return new QueryGen(rng, schema).select();
}
