// The analytic benchmark: a join-and-aggregate query over 100k rows, on Tessera (in
// process: the real sql/txn/kv layers over memory-level) and on PGlite in the same run,
// reported as a ratio of times (target: Tessera within 3x of PGlite).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run, startSql } from '../test/sql/harness.ts';
import { Oracle } from '../test/sql/pglite-oracle.ts';
import type { BenchResult } from './result.ts';

const ORDERS = 100_000;
const CUSTOMERS = 1_000;
const INSERT_BATCH_ROWS = 1_000;
// Both systems get the same treatment: warm-ups until the JIT has settled (PGlite's
// and our caches alike), then the median of several runs, which a GC pause cannot move.
const WARMUPS = 3;
const RUNS = 9;

const QUERY = 'SELECT c.region, count(*), sum(o.amount) FROM orders o JOIN customers c ON o.customer = c.id GROUP BY c.region ORDER BY 1';

function setupStatements(): string[] {
  const out = ['CREATE TABLE customers (id int PRIMARY KEY, region text NOT NULL)', 'CREATE TABLE orders (id int PRIMARY KEY, customer int NOT NULL, amount int NOT NULL)'];
  const customers: string[] = [];
  for (let i = 0; i < CUSTOMERS; i++) customers.push(`(${i}, 'region-${i % 7}')`);
  out.push(`INSERT INTO customers VALUES ${customers.join(', ')}`);
  for (let i = 0; i < ORDERS; i += INSERT_BATCH_ROWS) {
    const rows: string[] = [];
    // Deterministic spread of customers and amounts (no Math.random: both systems get the same data).
    for (let j = i; j < i + INSERT_BATCH_ROWS; j++) rows.push(`(${j}, ${(j * 7919) % CUSTOMERS}, ${(j * 31) % 1000})`);
    out.push(`INSERT INTO orders VALUES ${rows.join(', ')}`);
  }
  return out;
}

async function timeRuns(exec: () => Promise<readonly unknown[]>): Promise<{ medianMs: number; rows: number }> {
  const times: number[] = [];
  let rows = 0;
  for (let i = 0; i < WARMUPS; i++) await exec(); // not counted
  for (let i = 0; i < RUNS; i++) {
    const started = performance.now();
    rows = (await exec()).length;
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  return { medianMs: times[Math.floor(times.length / 2)]!, rows };
}

/** The query's median time on Tessera in process, over memory-level or classic-level in a temp dir. */
async function timeTessera(statements: readonly string[], storePath?: string): Promise<{ medianMs: number; rows: number }> {
  const cluster = await startSql(storePath === undefined ? {} : { storePath });
  try {
    const session = await cluster.session();
    for (const s of statements) await run(session, s);
    return await timeRuns(async () => (await run(session, QUERY)).rows);
  } finally {
    await cluster.close();
  }
}

export async function benchSqlAnalytic(): Promise<BenchResult[]> {
  const statements = setupStatements();
  const oracle = await Oracle.open();
  const dir = mkdtempSync(join(tmpdir(), 'tessera-bench-analytic-'));
  try {
    for (const s of statements) await oracle.run(s);
    const theirs = await timeRuns(async () => (await oracle.run(QUERY)).rows);
    const ours = await timeTessera(statements);
    const onDisk = await timeTessera(statements, join(dir, 'store'));
    for (const r of [ours, onDisk]) if (r.rows !== theirs.rows) throw new Error(`result sizes differ: Tessera ${r.rows}, PGlite ${theirs.rows}`);
    const note = `${ORDERS} orders joined with ${CUSTOMERS} customers, grouped; median of ${RUNS} after ${WARMUPS} warm-ups`;
    return [
      { name: 'join + aggregate over 100k rows', value: ours.medianMs, unit: 'ms', system: 'tessera (memory-level)', note },
      { name: 'join + aggregate over 100k rows', value: onDisk.medianMs, unit: 'ms', system: 'tessera (classic-level)', note },
      { name: 'join + aggregate over 100k rows', value: theirs.medianMs, unit: 'ms', system: 'pglite', note },
      { name: 'join + aggregate time vs PGlite (both in memory)', value: ours.medianMs / theirs.medianMs, unit: 'x (target <= 3)', system: 'tessera' },
    ];
  } finally {
    await oracle.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] !== undefined && import.meta.filename === process.argv[1]) {
  for (const r of await benchSqlAnalytic()) console.log(`${r.name} [${r.system ?? ''}]: ${r.value.toFixed(2)} ${r.unit}`);
}
