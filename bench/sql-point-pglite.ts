// Issue 7's point-select comparison: Tessera (a node process, 8 node-postgres connections,
// prepared point selects by primary key) against PGlite in this process (one connection:
// PGlite serves one at a time) on the same 10,000-row table, in the same run.
// Target: Tessera's rate at 8 connections >= 1x PGlite's.
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { startNodeProcess, tempStoreDir } from '../test/integration/node-process.ts';
import type { BenchResult } from './result.ts';
import { runLoad } from './workload.ts';

const ROWS = 10_000;
const CONNECTIONS = 8;

function loadStatements(): string[] {
  const out = ['create table bench_kv (id int primary key, v text not null)'];
  for (let i = 0; i < ROWS; i += 500) {
    const values: string[] = [];
    for (let j = i; j < Math.min(ROWS, i + 500); j++) values.push(`(${j}, 'value-${j}')`);
    out.push(`insert into bench_kv values ${values.join(',')}`);
  }
  return out;
}

async function pgliteRate(seconds: number): Promise<number> {
  const db = await PGlite.create();
  try {
    for (const s of loadStatements()) await db.exec(s);
    const query = (): Promise<unknown> => db.query('select v from bench_kv where id = $1', [Math.floor(Math.random() * ROWS)]);
    const warmupEnd = performance.now() + 500;
    while (performance.now() < warmupEnd) await query();
    let n = 0;
    const start = performance.now();
    const end = start + seconds * 1000;
    while (performance.now() < end) {
      await query();
      n++;
    }
    return n / ((performance.now() - start) / 1000);
  } finally {
    await db.close();
  }
}

export async function benchSqlPointPglite(seconds: number): Promise<BenchResult[]> {
  const store = tempStoreDir('tessera-bench-pglite-');
  const node = await startNodeProcess(store.path, ['--log-level', 'error'], 30_000, { compiled: true });
  try {
    const c = new pg.Client({ connectionString: node.connectionString() });
    await c.connect();
    for (const s of loadStatements()) await c.query(s);
    await c.end();
    const ours = await runLoad(node.connectionString(), CONNECTIONS, seconds, (client) =>
      client.query({ name: 'point', text: 'select v from bench_kv where id = $1', values: [Math.floor(Math.random() * ROWS)] }),
    );
    const theirs = await pgliteRate(seconds);
    const name = 'point select by pk';
    return [
      { name: `${name} @${CONNECTIONS} connections`, system: 'tessera', value: ours.opsPerSec, unit: 'ops/s', p50Ms: ours.p50Ms, p99Ms: ours.p99Ms },
      { name: `${name} (one connection, in process)`, system: 'pglite', value: theirs, unit: 'ops/s' },
      { name: `${name} rate vs PGlite`, system: 'ratio', value: ours.opsPerSec / theirs, unit: 'x (target >= 1)' },
    ];
  } finally {
    await node.kill('SIGTERM');
    store.remove();
  }
}
