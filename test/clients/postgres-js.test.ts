// postgres.js against a real `tessera` node: it describes every statement first (parameter
// type inference), pipelines queries on one connection, reads with cursors (Execute with a
// row limit) and cancels with CancelRequest.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import postgres from 'postgres';
import { startNodeProcess, tempStoreDir, type NodeProcess } from '../integration/node-process.ts';

const store = tempStoreDir('tessera-clients-postgresjs-');
let node: NodeProcess;
let sql: postgres.Sql;

const bigRows = 20_000;

before(async () => {
  node = await startNodeProcess(store.path);
  // fetch_types reads pg_type with a JOIN, which the SQL layer does not have yet (issue 7).
  sql = postgres(node.connectionString(), { max: 1, onnotice: () => undefined, fetch_types: false });
  await sql`create table big (k int primary key, v text, n numeric(10,2), ts timestamptz)`;
  for (let start = 0; start < bigRows; start += 2000) {
    const values = Array.from({ length: 2000 }, (_, i) => `(${start + i}, 'v${start + i}', ${(start + i) / 100}, '2024-01-01 00:00:00+00')`).join(', ');
    await sql.unsafe(`insert into big values ${values}`);
  }
});

after(async () => {
  await sql?.end({ timeout: 1 });
  await node?.kill();
  store.remove();
});

describe('postgres.js', () => {
  test('parameters of inferred types', async () => {
    const rows = await sql`select k, v, n, ts from big where k = ${42} and v = ${'v42'}`;
    assert.equal(rows.length, 1);
    assert.equal(rows[0]!['k'], 42);
    assert.equal(rows[0]!['n'], '0.42');
    assert.equal((rows[0]!['ts'] as Date).toISOString(), '2024-01-01T00:00:00.000Z');
    const [row] = await sql`select ${new Date('2020-05-06T07:08:09.123Z')}::timestamptz as t, ${true}::bool as b, ${1.25}::float8 as f`;
    assert.equal((row!['t'] as Date).toISOString(), '2020-05-06T07:08:09.123Z');
    assert.equal(row!['b'], true);
    assert.equal(row!['f'], 1.25);
  });

  test('pipelined queries on one connection answer in order', async () => {
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => sql`select k from big where k = ${i * 7}`));
    assert.deepEqual(results.map((r) => r[0]!['k']), Array.from({ length: 50 }, (_, i) => i * 7));
  });

  test('an error in a pipeline fails only its own query', async () => {
    const [a, b, c] = await Promise.allSettled([sql`select 1 as x`, sql`select * from missing_table`, sql`select 2 as x`]);
    assert.equal(a.status === 'fulfilled' && a.value[0]!['x'], 1);
    assert.equal(b.status === 'rejected' && (b.reason as { code: string }).code, '42P01');
    assert.equal(c.status === 'fulfilled' && c.value[0]!['x'], 2);
  });

  test('a cursor reads in chunks through a suspended portal', async () => {
    let total = 0;
    let chunks = 0;
    for await (const rows of sql`select k from big where k < ${1000} order by k`.cursor(100)) {
      assert.ok(rows.length <= 100);
      assert.equal(rows[0]!['k'], chunks * 100);
      total += rows.length;
      chunks++;
    }
    assert.equal(total, 1000);
    assert.equal(chunks, 10);
  });

  test('transactions commit and roll back', async () => {
    await sql.begin(async (tx) => {
      await tx`insert into big (k, v) values (${-1}, ${'tx'})`;
    });
    await assert.rejects(
      sql.begin(async (tx) => {
        await tx`insert into big (k, v) values (${-2}, ${'tx'})`;
        throw new Error('roll back');
      }),
      /roll back/,
    );
    const rows = await sql`select k from big where k < ${0} order by k`;
    assert.deepEqual(rows.map((r) => r['k']), [-1]);
  });

  test('CancelRequest stops a running statement with 57014', async () => {
    const running = sql`select v from big where v like ${'%99%'} order by v desc`;
    const settled = running.then(
      () => 'finished',
      (err: unknown) => (err as { code?: string }).code ?? String(err),
    );
    await new Promise((resolve) => setTimeout(resolve, 15));
    running.cancel();
    const outcome = await settled;
    // A statement that finished before the cancel arrived is not an error in PostgreSQL either.
    assert.ok(outcome === '57014' || outcome === 'finished', outcome);
    if (outcome === '57014') assert.equal((await sql`select 1 as one`)[0]!['one'], 1);
  });
});
