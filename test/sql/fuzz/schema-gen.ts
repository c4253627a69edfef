// Random schemas and NULL-heavy data for differential runs: a few small tables whose
// values come from small domains, so joins, groups and duplicates are common.
import type { Rng } from './rng.ts';

export type ColumnKind = 'int' | 'bigint' | 'text' | 'numeric' | 'bool';

export interface GenColumn {
  readonly name: string;
  readonly kind: ColumnKind;
}

export interface GenTable {
  readonly name: string;
  readonly columns: readonly GenColumn[];
  /** Whether column 0 (`id`) is the primary key. */
  readonly hasPk: boolean;
}

export interface GenSchema {
  readonly tables: readonly GenTable[];
  /** DDL and INSERT statements that build it, in order. */
  readonly statements: readonly string[];
}

const sqlType: Record<ColumnKind, string> = { int: 'int', bigint: 'bigint', text: 'text', numeric: 'numeric(8,2)', bool: 'boolean' };
const words = ['a', 'b', 'ab', 'B', 'abc', '', 'x y', 'zz'];

export function literalOf(kind: ColumnKind, rng: Rng): string {
  switch (kind) {
    case 'int': return String(rng.int(-3, 9));
    case 'bigint': return String(rng.int(-2, 6) * 1000000000);
    case 'text': return `'${rng.pick(words)}'`;
    case 'numeric': return (rng.int(-500, 900) / 100).toFixed(2);
    case 'bool': return rng.chance(0.5) ? 'true' : 'false';
  }
}

export function generateSchema(rng: Rng, tableCount: number): GenSchema {
  const tables: GenTable[] = [];
  const statements: string[] = [];
  for (let t = 0; t < tableCount; t++) {
    const columns: GenColumn[] = [{ name: 'id', kind: 'int' }];
    const n = rng.int(2, 4);
    for (let c = 0; c < n; c++) columns.push({ name: `c${c}`, kind: rng.pick<ColumnKind>(['int', 'int', 'bigint', 'text', 'text', 'numeric', 'bool']) });
    const table: GenTable = { name: `t${t}`, columns, hasPk: rng.chance(0.7) };
    tables.push(table);
    const defs = columns.map((c, i) => `${c.name} ${sqlType[c.kind]}${i === 0 && table.hasPk ? ' PRIMARY KEY' : ''}`);
    statements.push(`CREATE TABLE ${table.name} (${defs.join(', ')})`);
    if (rng.chance(0.4)) statements.push(`CREATE INDEX ${table.name}_i ON ${table.name} (${rng.pick(columns.slice(1)).name})`);
    const rows: string[] = [];
    const count = rng.int(0, 14);
    const nullRate = rng.pick([0.1, 0.3, 0.6]);
    for (let r = 0; r < count; r++) {
      const id = table.hasPk ? String(r + 1) : rng.chance(0.2) ? 'NULL' : String(rng.int(1, 8));
      const values = columns.slice(1).map((c) => (rng.chance(nullRate) ? 'NULL' : literalOf(c.kind, rng)));
      rows.push(`(${[id, ...values].join(', ')})`);
    }
    if (rows.length > 0) statements.push(`INSERT INTO ${table.name} VALUES ${rows.join(', ')}`);
  }
  // Half the schemas are analyzed: the planner's choices then follow the row counts.
  if (rng.chance(0.5)) statements.push('ANALYZE');
  return { tables, statements };
}
