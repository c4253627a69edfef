import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { QueryEvent, Session } from '../../src/sql/index.ts';
import { SqlError } from '../../src/sql/index.ts';
import { collect, rows, run, sqlErrorOf, startSql, type Result } from './harness.ts';

async function withSql(fn: (open: () => Promise<Session>) => Promise<void>): Promise<void> {
  const c = await startSql();
  try {
    await fn(() => c.session());
  } finally {
    await c.close();
  }
}

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);

async function drain(it: AsyncIterable<QueryEvent>): Promise<Result> {
  const r: Result = { columns: [], rows: [], tags: [], notices: [] };
  for await (const e of it) collect(r, e);
  return r;
}

test('transaction blocks: read-your-writes, rollback, failed block, commit of a failed block', () =>
  withSql(async (open) => {
    const s = await open();
    await run(s, 'CREATE TABLE t (id int PRIMARY KEY, v int)');
    assert.deepEqual((await run(s, 'BEGIN')).tags, ['BEGIN']);
    assert.equal(s.transactionStatus(), 'in-transaction');
    await run(s, 'INSERT INTO t VALUES (1, 10)');
    assert.deepEqual(await rows(s, 'SELECT v FROM t WHERE id = 1'), ['10']);
    assert.deepEqual((await run(s, 'ROLLBACK')).tags, ['ROLLBACK']);
    assert.deepEqual(await rows(s, 'SELECT v FROM t'), []);

    await run(s, 'BEGIN');
    await run(s, 'INSERT INTO t VALUES (1, 10)');
    assert.equal((await sqlErrorOf(s, 'SELECT 1/0')).code, '22012');
    assert.equal(s.transactionStatus(), 'failed');
    const blocked = await sqlErrorOf(s, 'SELECT 1');
    assert.equal(blocked.code, '25P02');
    assert.equal(blocked.message, 'current transaction is aborted, commands ignored until end of transaction block');
    assert.deepEqual((await run(s, 'COMMIT')).tags, ['ROLLBACK']);
    await run(s, 'BEGIN');
    await run(s, 'INSERT INTO t VALUES (5, 1)');
    assert.equal((await sqlErrorOf(s, 'INSERT INTO t VALUES (5, 2)')).code, '23505');
    await run(s, 'ROLLBACK');
    assert.equal(s.transactionStatus(), 'idle');
    assert.deepEqual(await rows(s, 'SELECT v FROM t'), []);
  }));

test('an error in a multi-statement string rolls back the implicit transaction', () =>
  withSql(async (open) => {
    const s = await open();
    await run(s, 'CREATE TABLE t (id int PRIMARY KEY)');
    assert.equal((await sqlErrorOf(s, 'INSERT INTO t VALUES (1); INSERT INTO t VALUES (1)')).code, '23505');
    assert.deepEqual(await rows(s, 'SELECT count(*) FROM t'), ['0']);
  }));

test('a write-write conflict between two sessions surfaces as 40001', () =>
  withSql(async (open) => {
    const a = await open();
    const b = await open();
    await run(a, 'CREATE TABLE t (id int PRIMARY KEY, v int)');
    await run(a, 'INSERT INTO t VALUES (1, 0)');
    await run(a, 'BEGIN');
    await run(b, 'BEGIN');
    // Serializable: the conflict may surface at either UPDATE or at a COMMIT.
    const outcomes: (string | null)[] = [];
    const steps = [
      [a, 'SELECT v FROM t WHERE id = 1'], [b, 'SELECT v FROM t WHERE id = 1'], [a, 'UPDATE t SET v = 1 WHERE id = 1'],
      [b, 'UPDATE t SET v = 2 WHERE id = 1'], [a, 'COMMIT'], [b, 'COMMIT'],
    ] as const;
    for (const [s, sql] of steps) {
      const err = await run(s, sql).then(() => null, (e: unknown) => e);
      outcomes.push(err instanceof SqlError ? err.code : null);
    }
    assert.ok(outcomes.includes('40001'), `expected a 40001 among ${JSON.stringify(outcomes)}`);
    for (const s of [a, b]) await run(s, 'ROLLBACK');
    assert.equal(a.transactionStatus(), 'idle');
    assert.equal(b.transactionStatus(), 'idle');
  }));

test('prepared statements: parameter types inferred, plan reused, bad input 22P02', () =>
  withSql(async (open) => {
    const s = await open();
    await run(s, "CREATE TABLE t (id int PRIMARY KEY, v text); INSERT INTO t VALUES (1, 'a'), (2, 'b')");
    const d = await s.prepare('q', 'SELECT v FROM t WHERE id = $1', []);
    assert.deepEqual(d.paramTypeOids, [23]);
    assert.deepEqual(d.columns?.map((c) => [c.name, c.typeOid]), [['v', 25]]);
    for (const [id, want] of [['2', 'b'], ['1', 'a']] as const) {
      await s.bind('', 'q', [enc(id)], [], []);
      const r = await drain(s.execute('', 0));
      assert.deepEqual(r.rows, [[want]]);
      assert.deepEqual(r.tags, ['SELECT 1']);
      await s.sync();
    }
    await assert.rejects(s.bind('', 'q', [enc('abc')], [], []), (e: unknown) => e instanceof SqlError && e.code === '22P02');
    await s.sync();
    const u = await s.prepare('', 'SELECT $1 || v FROM t WHERE id = 1', []);
    assert.deepEqual(u.paramTypeOids, [25]);
    const ins = await s.prepare('ins', 'INSERT INTO t VALUES ($1, $2)', []);
    assert.deepEqual(ins.paramTypeOids, [23, 25]);
    await s.bind('', 'ins', [enc('3'), null], [], []);
    assert.deepEqual((await drain(s.execute('', 0))).tags, ['INSERT 0 1']);
    await s.sync();
    assert.deepEqual(await rows(s, 'SELECT id, v FROM t WHERE id = 3'), ['3|NULL']);
  }));

test('portal suspension returns rows in chunks', () =>
  withSql(async (open) => {
    const s = await open();
    await run(s, 'CREATE TABLE t (id int PRIMARY KEY); INSERT INTO t VALUES (1), (2), (3)');
    await s.prepare('', 'SELECT id FROM t ORDER BY id', []);
    await s.bind('p', '', [], [], []);
    const kinds: string[] = [];
    for await (const e of s.execute('p', 2)) kinds.push(e.kind === 'rows' ? `rows:${e.rows.length}` : e.kind);
    for await (const e of s.execute('p', 2)) kinds.push(e.kind === 'rows' ? `rows:${e.rows.length}` : e.kind);
    assert.deepEqual(kinds, ['rows:2', 'portal-suspended', 'rows:1', 'command-complete']);
    await s.sync();
  }));

test('index selection: point lookups, ranges, secondary indexes, full scans', () =>
  withSql(async (open) => {
    const s = await open();
    await run(s, 'CREATE TABLE t (id int PRIMARY KEY, a int, b text, UNIQUE (b))');
    await run(s, "INSERT INTO t VALUES (1, 10, 'x'), (2, 20, 'y'), (3, 10, 'z')");
    await run(s, 'CREATE INDEX t_a_idx ON t (a)');
    const plan = async (sql: string): Promise<string> => (await rows(s, `EXPLAIN ${sql}`)).join('\n');
    assert.match(await plan('SELECT * FROM t WHERE id = 2'), /^Point Lookup on t using t_pkey \(1 key/);
    assert.match(await plan('SELECT * FROM t WHERE id IN (1, 2)'), /Point Lookup .*2 keys/);
    assert.match(await plan('SELECT * FROM t WHERE id > 1 AND id <= 3'), /Range Scan on t using t_pkey \(> 1; <= 3\)/);
    assert.match(await plan('SELECT * FROM t WHERE a = 10'), /Index Scan on t using t_a_idx \(eq: 10\)/);
    assert.match(await plan('SELECT id FROM t WHERE a = 10'), /Index Only Scan on t using t_a_idx/);
    assert.match(await plan("SELECT * FROM t WHERE b = 'y'"), /Index Scan on t using t_b_key/);
    assert.match(await plan('SELECT * FROM t WHERE b > a::text'), /Filter[\s\S]*Full Scan on t using t_pkey/);
    assert.match(await plan('SELECT * FROM t ORDER BY id DESC LIMIT 1'), /Full Scan on t using t_pkey \(reverse; limit: 1\)/);
    assert.deepEqual(await rows(s, 'SELECT id FROM t WHERE a = 10 ORDER BY id'), ['1', '3']);
    assert.deepEqual(await rows(s, "SELECT id, a FROM t WHERE b = 'z'"), ['3|10']);
    assert.deepEqual(await rows(s, 'SELECT id FROM t ORDER BY id DESC LIMIT 1'), ['3']);
    // Index maintenance on UPDATE and DELETE.
    await run(s, 'UPDATE t SET a = 30 WHERE id = 1');
    assert.deepEqual(await rows(s, 'SELECT id FROM t WHERE a = 10'), ['3']);
    assert.deepEqual(await rows(s, 'SELECT id FROM t WHERE a = 30'), ['1']);
    await run(s, 'DELETE FROM t WHERE id = 3');
    assert.deepEqual(await rows(s, 'SELECT id FROM t WHERE a = 10'), []);
    const dup = await sqlErrorOf(s, "INSERT INTO t VALUES (9, 1, 'y')");
    assert.equal(dup.code, '23505');
    assert.equal(dup.message, 'duplicate key value violates unique constraint "t_b_key"');
    assert.equal(dup.detail, 'Key (b)=(y) already exists.');
    await run(s, 'DROP INDEX t_a_idx');
    assert.match(await plan('SELECT * FROM t WHERE a = 10'), /Full Scan/);
  }));

test('SET, SHOW, RESET, current_setting and session functions', () =>
  withSql(async (open) => {
    const s = await open();
    assert.deepEqual(await rows(s, 'SHOW TimeZone'), ['UTC']);
    const r = await run(s, "SET application_name = 'app'");
    assert.deepEqual(r.tags, ['SET']);
    assert.deepEqual(await rows(s, "SELECT current_setting('application_name')"), ['app']);
    assert.deepEqual(await rows(s, 'SHOW extra_float_digits'), ['1']);
    await run(s, 'RESET application_name');
    assert.deepEqual(await rows(s, 'SHOW application_name'), ['']);
    assert.equal((await sqlErrorOf(s, 'SET no_such_thing = 1')).code, '42704');
    assert.equal((await sqlErrorOf(s, 'SHOW no_such_thing')).code, '42704');
    assert.deepEqual(await rows(s, 'SELECT current_database(), current_user'), ['defaultdb|root']);
    assert.match((await rows(s, 'SELECT version()'))[0] ?? '', /^PostgreSQL 15\.4 \(Tessera/);
    const status = new Map(s.initialParameterStatus());
    assert.match(status.get('server_version') ?? '', /^15\./);
    assert.equal(status.get('DateStyle'), 'ISO, MDY');
  }));

test('errors: syntax with position, unsupported, unknown table and column', () =>
  withSql(async (open) => {
    const s = await open();
    const syntax = await sqlErrorOf(s, 'SELEC 1');
    assert.equal(syntax.code, '42601');
    assert.equal(syntax.position, 1);
    assert.equal((await sqlErrorOf(s, 'LISTEN channel')).code, '0A000');
    // VACUUM and ANALYZE are one node in PostgreSQL's grammar: ANALYZE runs, VACUUM is refused by name.
    assert.deepEqual((await run(s, 'ANALYZE')).tags, ['ANALYZE']);
    assert.equal((await sqlErrorOf(s, 'VACUUM')).message, 'VACUUM is not supported');
    assert.equal((await sqlErrorOf(s, 'SAVEPOINT a')).code, '25P01', 'supported now: outside a block, as in PostgreSQL');
    const missing = await sqlErrorOf(s, 'SELECT * FROM nope');
    assert.equal(missing.code, '42P01');
    assert.equal(missing.message, 'relation "nope" does not exist');
    assert.equal(missing.position, 15);
    await run(s, 'CREATE TABLE t (id int PRIMARY KEY, v int NOT NULL)');
    assert.equal((await sqlErrorOf(s, 'SELECT nope FROM t')).code, '42703');
    const nn = await sqlErrorOf(s, 'INSERT INTO t (id) VALUES (1)');
    assert.equal(nn.code, '23502');
    assert.equal(nn.message, 'null value in column "v" of relation "t" violates not-null constraint');
    assert.equal((await sqlErrorOf(s, "SELECT 'abc'::int")).message, 'invalid input syntax for type integer: "abc"');
    assert.equal((await sqlErrorOf(s, 'SELECT 2147483647::int + 1')).message, 'integer out of range');
    assert.deepEqual((await run(s, 'SELECT 1; ; SELECT 2')).tags, ['SELECT 1', 'SELECT 1']);
  }));

test('RETURNING and INSERT ... SELECT', () =>
  withSql(async (open) => {
    const s = await open();
    await run(s, 'CREATE TABLE t (id int PRIMARY KEY, v int DEFAULT 5)');
    const r = await run(s, 'INSERT INTO t (id) VALUES (1), (2) RETURNING id, v * 2 AS dbl');
    assert.deepEqual(r.columns, ['id', 'dbl']);
    assert.deepEqual(r.rows, [['1', '10'], ['2', '10']]);
    assert.deepEqual(r.tags, ['INSERT 0 2']);
    await run(s, 'CREATE TABLE u (id int PRIMARY KEY, v int)');
    assert.deepEqual((await run(s, 'INSERT INTO u SELECT id + 10, v FROM t')).tags, ['INSERT 0 2']);
    assert.deepEqual(await rows(s, 'SELECT id FROM u ORDER BY id'), ['11', '12']);
    assert.deepEqual((await run(s, 'DELETE FROM u WHERE id = 11 RETURNING *')).rows, [['11', '5']]);
  }));

test('EXPLAIN ANALYZE runs the statement and reports rows and loops per node', async () => {
  const cluster = await startSql();
  try {
    const s = await cluster.session();
    await run(s, 'CREATE TABLE ea (id int PRIMARY KEY, g int)');
    await run(s, 'INSERT INTO ea SELECT x, x % 3 FROM generate_series(1, 30) x');
    const plan = (await run(s, 'EXPLAIN ANALYZE SELECT g, count(*) FROM ea WHERE id > 5 GROUP BY g ORDER BY g')).rows.map((r) => r[0]!);
    assert.match(plan[0]!, /^Sort \(.*\) \(actual rows=3 loops=1 time=\d+\.\d{3} ms\)$/);
    assert.ok(plan.some((l) => /Aggregate .* \(actual rows=3 loops=1 /.test(l)), plan.join('\n'));
    assert.ok(plan.some((l) => /Range Scan on ea .* \(actual rows=25 loops=1 /.test(l)), plan.join('\n'));
    assert.match(plan[plan.length - 1]!, /^Execution Time: \d+\.\d{3} ms$/);
    // A correlated subquery's plan runs once per outer row: its loops say so.
    const corr = (await run(s, 'EXPLAIN (ANALYZE, COSTS OFF) SELECT id, (SELECT count(*) FROM ea b WHERE b.g = a.g) FROM ea a WHERE id <= 4')).rows.map((r) => r[0]!);
    assert.ok(corr.some((l) => /loops=4/.test(l)), corr.join('\n'));
    // DML runs (as in PostgreSQL) and says how many rows it changed.
    const del = (await run(s, 'EXPLAIN ANALYZE DELETE FROM ea WHERE g = 0')).rows.map((r) => r[0]!);
    assert.match(del[0]!, /^Delete on ea \(actual rows=10\)$/);
    assert.deepEqual((await run(s, 'SELECT count(*) FROM ea')).rows, [['20']]);
    // A node that never ran is marked.
    const never = (await run(s, 'EXPLAIN ANALYZE SELECT * FROM ea a JOIN ea b ON a.id = b.id WHERE b.id > 1000')).rows.map((r) => r[0]!);
    assert.ok(never.some((l) => l.includes('(never executed)') || /rows=0/.test(l)), never.join('\n'));
  } finally {
    await cluster.close();
  }
});
