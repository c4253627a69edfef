// The foundation benchmark: point selects by primary key and durable single-row inserts,
// at 1 and 16 connections, against Tessera and (when installed) PostgreSQL in the same run.
import pg from 'pg';
import { runLoad, type LoadResult } from './workload.ts';
import { startPostgres } from './postgres.ts';
import { startNodeProcess, tempStoreDir } from '../test/integration/node-process.ts';
import type { BenchResult } from './result.ts';

const ROWS = 10_000;

async function prepare(url: string): Promise<void> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    await c.query('drop table if exists bench_kv');
    await c.query('drop table if exists bench_ins');
    await c.query('create table bench_kv (id int primary key, v text not null)');
    await c.query('create table bench_ins (id bigint primary key, v text not null)');
    for (let i = 0; i < ROWS; i += 500) {
      const values: string[] = [];
      for (let j = i; j < Math.min(ROWS, i + 500); j++) values.push(`(${j}, 'value-${j}-${'x'.repeat(40)}')`);
      await c.query(`insert into bench_kv values ${values.join(',')}`);
    }
  } finally {
    await c.end();
  }
}

interface Workload {
  readonly name: string;
  readonly run: (url: string, connections: number, seconds: number) => Promise<LoadResult>;
}

const workloads: Workload[] = [
  {
    name: 'point select by pk',
    run: (url, conns, secs) =>
      runLoad(url, conns, secs, (c) =>
        c.query({ name: 'point', text: 'select v from bench_kv where id = $1', values: [Math.floor(Math.random() * ROWS)] }),
      ),
  },
  {
    name: 'durable single-row insert',
    run: (url, conns, secs) => {
      const base = Date.now() * 1000 + Math.floor(Math.random() * 1000) * 1_000_000_000;
      return runLoad(url, conns, secs, (c, w, i) =>
        c.query({ name: 'ins', text: 'insert into bench_ins values ($1, $2)', values: [base + w * 100_000_000 + i + 50_000_000, 'payload'] }),
      );
    },
  },
];

function fmt(r: LoadResult): string {
  return `${r.opsPerSec.toFixed(0).padStart(8)} ops/s  p50 ${r.p50Ms.toFixed(2).padStart(6)} ms  p99 ${r.p99Ms.toFixed(2).padStart(6)} ms${r.errors > 0 ? `  errors ${r.errors}` : ''}`;
}

export async function benchSqlPoint(seconds: number): Promise<BenchResult[]> {
  const results: BenchResult[] = [];
  const store = tempStoreDir('tessera-bench-');
  const node = await startNodeProcess(store.path, ['--log-level', 'error'], 30_000, { compiled: true });
  const pgServer = await startPostgres();
  try {
    await prepare(node.connectionString());
    if (pgServer !== null) {
      await prepare(pgServer.url);
      console.log(`comparing with ${pgServer.version}`);
    }
    for (const w of workloads) {
      for (const conns of [1, 16]) {
        const t = await w.run(node.connectionString(), conns, seconds);
        console.log(`${w.name}, ${conns} conn: tessera  ${fmt(t)}`);
        const base = { name: `${w.name} @${conns}` };
        results.push({ ...base, system: 'tessera', value: t.opsPerSec, unit: 'ops/s', p50Ms: t.p50Ms, p99Ms: t.p99Ms });
        if (pgServer !== null) {
          const p = await w.run(pgServer.url, conns, seconds);
          console.log(`${w.name}, ${conns} conn: postgres ${fmt(p)}`);
          console.log(`${w.name}, ${conns} conn: ratio tessera/postgres = ${(t.opsPerSec / p.opsPerSec).toFixed(2)}x`);
          results.push({ ...base, system: 'postgres', value: p.opsPerSec, unit: 'ops/s', p50Ms: p.p50Ms, p99Ms: p.p99Ms });
          results.push({ ...base, system: 'ratio', value: t.opsPerSec / p.opsPerSec, unit: 'x' });
        }
      }
    }
  } finally {
    await node.kill('SIGTERM');
    await pgServer?.stop();
    store.remove();
  }
  return results;
}
