// The wire benchmark (issue 6): `SELECT 1` round trips through the simple and the extended
// protocol at 1 and 16 connections, and COPY FROM / COPY TO of 100k rows through
// pg-copy-streams, against Tessera and (when installed) PostgreSQL in the same run.
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import { from as copyFrom, to as copyTo } from 'pg-copy-streams';
import { runLoad, type LoadResult } from './workload.ts';
import { startPostgres } from './postgres.ts';
import { startNodeProcess, tempStoreDir } from '../test/integration/node-process.ts';
import type { BenchResult } from './result.ts';

const COPY_ROWS = 100_000;

const roundTrips: { readonly name: string; readonly op: (c: pg.Client) => Promise<unknown> }[] = [
  { name: 'SELECT 1, simple protocol', op: (c) => c.query('select 1') },
  { name: 'SELECT 1, extended protocol (prepared)', op: (c) => c.query({ name: 'one', text: 'select 1' }) },
];

function* copyLines(): Generator<string> {
  let chunk = '';
  for (let i = 0; i < COPY_ROWS; i++) {
    chunk += `${i}\tname-${i}\t${i * 3}\t2024-01-0${(i % 9) + 1}\n`;
    if (chunk.length > 64_000) {
      yield chunk;
      chunk = '';
    }
  }
  if (chunk !== '') yield chunk;
}

/** Seconds for COPY FROM and COPY TO of COPY_ROWS rows (a fresh table each run). */
async function copyTimes(url: string): Promise<{ fromSec: number; toSec: number }> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    await c.query('drop table if exists bench_copy');
    await c.query('create table bench_copy (id int primary key, name text, n bigint, d date)');
    let t0 = performance.now();
    await pipeline(Readable.from(copyLines()), c.query(copyFrom('COPY bench_copy FROM STDIN')));
    const fromSec = (performance.now() - t0) / 1000;
    let bytes = 0;
    t0 = performance.now();
    await pipeline(
      c.query(copyTo('COPY bench_copy TO STDOUT')),
      new Writable({
        write(chunk: Buffer, _enc, done) {
          bytes += chunk.length;
          done();
        },
      }),
    );
    const toSec = (performance.now() - t0) / 1000;
    if (bytes === 0) throw new Error('COPY TO returned nothing');
    await c.query('drop table bench_copy');
    return { fromSec, toSec };
  } finally {
    await c.end();
  }
}

function fmt(r: LoadResult): string {
  return `${r.opsPerSec.toFixed(0).padStart(8)} ops/s  p50 ${r.p50Ms.toFixed(2).padStart(6)} ms  p99 ${r.p99Ms.toFixed(2).padStart(6)} ms`;
}

export async function benchWire(seconds: number): Promise<BenchResult[]> {
  const results: BenchResult[] = [];
  const store = tempStoreDir('tessera-bench-wire-');
  const node = await startNodeProcess(store.path, ['--log-level', 'error'], 30_000, { compiled: true });
  const pgServer = await startPostgres();
  const pair = (name: string, unit: string, ours: number, theirs: number | null): void => {
    results.push({ name, system: 'tessera', value: ours, unit });
    if (theirs === null) return;
    results.push({ name, system: 'postgres', value: theirs, unit });
    results.push({ name, system: 'ratio', value: ours / theirs, unit: 'x (target >= 0.5)' });
  };
  try {
    if (pgServer !== null) console.log(`comparing with ${pgServer.version}`);
    for (const rt of roundTrips) {
      for (const conns of [1, 16]) {
        const t = await runLoad(node.connectionString(), conns, seconds, (c) => rt.op(c));
        console.log(`${rt.name}, ${conns} conn: tessera  ${fmt(t)}`);
        const p = pgServer === null ? null : await runLoad(pgServer.url, conns, seconds, (c) => rt.op(c));
        if (p !== null) console.log(`${rt.name}, ${conns} conn: postgres ${fmt(p)}`);
        pair(`${rt.name} @${conns}`, 'round trips/s', t.opsPerSec, p?.opsPerSec ?? null);
      }
    }
    const t = await copyTimes(node.connectionString());
    const p = pgServer === null ? null : await copyTimes(pgServer.url);
    console.log(`COPY ${COPY_ROWS} rows: tessera from ${t.fromSec.toFixed(2)} s, to ${t.toSec.toFixed(2)} s${p === null ? '' : `; postgres from ${p.fromSec.toFixed(2)} s, to ${p.toSec.toFixed(2)} s`}`);
    pair('COPY FROM STDIN, 4 columns', 'rows/s', COPY_ROWS / t.fromSec, p === null ? null : COPY_ROWS / p.fromSec);
    pair('COPY TO STDOUT, 4 columns', 'rows/s', COPY_ROWS / t.toSec, p === null ? null : COPY_ROWS / p.toSec);
  } finally {
    await node.kill('SIGTERM');
    await pgServer?.stop();
    store.remove();
  }
  return results;
}
