// Differential testing: random schemas, data and queries run on Tessera (a Session over
// the real kv/txn on memory-level) and on PostgreSQL (PGlite); results must agree, in
// order when the query orders every output column, as multisets otherwise. Seeded: a
// run is replayed by its seed and query count.
import { run, startSql, type TestCluster } from '../harness.ts';
import { Oracle } from '../pglite-oracle.ts';
import { generateQuery } from './query-gen.ts';
import { Rng } from './rng.ts';
import { generateSchema } from './schema-gen.ts';

export interface Mismatch {
  readonly seed: number;
  readonly query: number;
  readonly setup: readonly string[];
  readonly sql: string;
  readonly tessera: string;
  readonly postgres: string;
}

export interface DifferentialReport {
  queries: number;
  /** Both engines returned rows (or both raised the same SQLSTATE) and they agreed. */
  agreed: number;
  /** Tessera answered 0A000 (feature not supported yet). */
  unsupported: number;
  /** PostgreSQL answered 0A000: nothing to compare with. */
  oracleUnsupported: number;
  readonly unsupportedFeatures: Map<string, number>;
  readonly mismatches: Mismatch[];
}

export interface DifferentialOptions {
  readonly seed: number;
  readonly queries: number;
  /** Queries per generated schema. */
  readonly queriesPerSchema: number;
  readonly onMismatch?: (m: Mismatch) => void;
}

type Outcome = { readonly ok: true; readonly rows: string[] } | { readonly ok: false; readonly code: string; readonly message: string };

async function outcomeOf(p: Promise<{ readonly rows: readonly (readonly (string | null)[])[] }>, ordered: boolean): Promise<Outcome> {
  try {
    const r = await p;
    const rows = r.rows.map((row) => JSON.stringify(row));
    return { ok: true, rows: ordered ? rows : rows.sort() };
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    if (typeof code !== 'string') throw err;
    return { ok: false, code, message: String((err as Error).message) };
  }
}

function describe(o: Outcome): string {
  return o.ok ? (o.rows.length === 0 ? '(no rows)' : o.rows.join('\n')) : `ERROR ${o.code}: ${o.message}`;
}

const tablesMax = 3;

export async function runDifferential(opts: DifferentialOptions): Promise<DifferentialReport> {
  const report: DifferentialReport = { queries: 0, agreed: 0, unsupported: 0, oracleUnsupported: 0, unsupportedFeatures: new Map(), mismatches: [] };
  const oracle = await Oracle.open();
  let cluster: TestCluster | null = null;
  try {
    for (let done = 0; done < opts.queries; ) {
      // Each schema round gets a fresh Tessera node and dropped PGlite tables.
      const round = Math.floor(done / opts.queriesPerSchema);
      const rng = new Rng((opts.seed * 1_000_003 + round) >>> 0);
      const schema = generateSchema(rng, rng.int(1, tablesMax));
      await cluster?.close();
      cluster = await startSql();
      const session = await cluster.session();
      for (let t = 0; t < tablesMax; t++) await oracle.run(`DROP TABLE IF EXISTS t${t}`);
      for (const s of schema.statements) {
        await oracle.run(s);
        await run(session, s);
      }
      const n = Math.min(opts.queriesPerSchema, opts.queries - done);
      for (let i = 0; i < n; i++, done++) {
        const q = generateQuery(rng, schema);
        report.queries++;
        const pg = await outcomeOf(oracle.run(q.sql), q.ordered);
        const ours = await outcomeOf(run(session, q.sql), q.ordered);
        if (!pg.ok && pg.code === '0A000') {
          // PostgreSQL's own limits (FULL JOIN on a non-equality condition): no oracle.
          report.oracleUnsupported++;
          continue;
        }
        if (!ours.ok && ours.code === '0A000') {
          report.unsupported++;
          const feature = ours.message.replace(/ (is|are) not supported.*$/, '');
          report.unsupportedFeatures.set(feature, (report.unsupportedFeatures.get(feature) ?? 0) + 1);
          continue;
        }
        const same = pg.ok && ours.ok ? JSON.stringify(pg.rows) === JSON.stringify(ours.rows) : !pg.ok && !ours.ok && pg.code === ours.code;
        if (same) { report.agreed++; continue; }
        const m: Mismatch = { seed: opts.seed, query: done, setup: schema.statements, sql: q.sql, tessera: describe(ours), postgres: describe(pg) };
        report.mismatches.push(m);
        opts.onMismatch?.(m);
      }
    }
  } finally {
    await cluster?.close();
    await oracle.close();
  }
  return report;
}

export function formatMismatch(m: Mismatch): string {
  return [`-- seed ${m.seed}, query ${m.query}`, ...m.setup.map((s) => `${s};`), `${m.sql};`, `-- Tessera:\n${m.tessera}`, `-- PostgreSQL:\n${m.postgres}`].join('\n');
}
