// node-postgres (pg, pg-cursor) against a real `tessera` node: every supported type in
// text and binary, parameters sent in binary (Buffers), portals with row limits, settings,
// statement_timeout and cancel.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import Cursor from 'pg-cursor';
import { startNodeProcess, tempStoreDir, type NodeProcess } from '../integration/node-process.ts';

const store = tempStoreDir('tessera-clients-pg-');
let node: NodeProcess;
const clients: pg.Client[] = [];

async function connect(): Promise<pg.Client> {
  const c = new pg.Client({ connectionString: node.connectionString() });
  c.on('error', () => undefined);
  await c.connect();
  clients.push(c);
  return c;
}

before(async () => {
  node = await startNodeProcess(store.path);
  const c = await connect();
  await c.query(`create table typed (id int primary key, i2 int2, i8 int8, f4 float4, f8 float8, b bool, by bytea, t text,
    vc varchar(10), n numeric(12,3), d date, ts timestamp, tz timestamptz, u uuid)`);
  await c.query(`insert into typed values
    (1, -32768, 9223372036854775807, 1.5, -2.25e100, true, '\\x00ff10', 'héllo', 'abc', -12345.678, '2024-02-29', '1999-12-31 23:59:59.123456', '2000-01-01 00:00:00+00', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'),
    (2, null, null, null, null, null, null, null, null, null, null, null, null, null),
    (3, 7, -1, 0, 0, false, '\\x', '', '', 0.001, '1970-01-01', '1970-01-01 00:00:00', '1969-12-31 23:59:59.999999+00', '00000000-0000-0000-0000-000000000000')`);
  const values = Array.from({ length: 500 }, (_, i) => `(${i}, 'row ${i}')`).join(', ');
  await c.query('create table many (k int primary key, v text)');
  await c.query(`insert into many values ${values}`);
});

after(async () => {
  await Promise.allSettled(clients.map((c) => c.end()));
  await node?.kill();
  store.remove();
});

describe('node-postgres', () => {
  test('binary results decode to the same values as text results', async () => {
    const c = await connect();
    // node-postgres reads every DataRow field as a UTF-8 string, even in binary mode, so
    // only values whose binary bytes are all below 0x80 survive it; the byte-exact checks
    // of every type are in test/sql/binary-io.test.ts.
    const sql = "select i2, b, t, vc, $2::int4 as i4, $2::int8 as i8, 'x'::text as x from typed where id = $1";
    for (const id of [2, 3]) {
      const text = await c.query({ text: sql, values: [id, 77] });
      // `binary` is a real node-postgres option that @types/pg does not declare.
      const binary = await c.query({ text: sql, values: [id, 77], binary: true } as pg.QueryConfig);
      assert.deepEqual(binary.rows, text.rows, `row ${id}`);
    }
  });

  test('bytea parameters travel in binary and round-trip', async () => {
    const c = await connect();
    const bytes = Buffer.from([0, 1, 2, 0xfe, 0xff, 0x5c, 0x27]);
    await c.query('insert into typed (id, by) values ($1, $2)', [10, bytes]);
    const r = await c.query('select by from typed where id = $1', [10]);
    assert.deepEqual((r.rows[0] as { by: Buffer }).by, bytes);
  });

  test('text parameters of every type', async () => {
    const c = await connect();
    const r = await c.query(
      'select $1::int2 as a, $2::int8 as b, $3::float8 as c, $4::bool as d, $5::numeric as e, $6::date as f, $7::timestamptz as g, $8::uuid as h',
      [-5, '9007199254740993', 0.1, false, '3.14159', '2020-01-02', '2020-01-02T03:04:05.5Z', 'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11'],
    );
    const row = r.rows[0] as Record<string, unknown>;
    assert.equal(row['a'], -5);
    assert.equal(row['b'], '9007199254740993');
    assert.equal(row['c'], 0.1);
    assert.equal(row['d'], false);
    assert.equal(row['e'], '3.14159');
    assert.equal(row['h'], 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11');
    assert.equal((row['g'] as Date).toISOString(), '2020-01-02T03:04:05.500Z');
  });

  test('pg-cursor reads a table in chunks through one suspended portal', async () => {
    const c = await connect();
    const cursor = c.query(new Cursor('select k, v from many order by k'));
    const seen: number[] = [];
    for (;;) {
      const rows = (await cursor.read(64)) as { k: number }[];
      if (rows.length === 0) break;
      assert.ok(rows.length <= 64);
      seen.push(...rows.map((r) => r.k));
    }
    await cursor.close();
    assert.equal(seen.length, 500);
    assert.deepEqual(seen.slice(0, 3), [0, 1, 2]);
    assert.equal(seen.at(-1), 499);
    assert.equal((await c.query('select count(*) as n from many')).rows[0].n, '500');
  });

  test('SET of a reported setting sends ParameterStatus; SET LOCAL ends with the block', async () => {
    const c = await connect();
    const status = (): Record<string, string> => (c as unknown as { parameterStatus?: Record<string, string> }).parameterStatus ?? {};
    await c.query("set application_name = 'tessera-test'");
    assert.equal((await c.query('show application_name')).rows[0].application_name, 'tessera-test');
    if (Object.keys(status()).length > 0) assert.equal(status()['application_name'], 'tessera-test');
    await c.query('begin');
    await c.query("set local timezone = 'America/New_York'");
    assert.equal((await c.query('show timezone')).rows[0].TimeZone, 'America/New_York');
    await c.query('commit');
    assert.equal((await c.query('show timezone')).rows[0].TimeZone, 'UTC');
    await c.query('begin');
    await c.query("set extra_float_digits = 2");
    await c.query('rollback');
    assert.equal((await c.query('show extra_float_digits')).rows[0].extra_float_digits, '1');
    await c.query("set statement_timeout = '2s'");
    assert.equal((await c.query('show statement_timeout')).rows[0].statement_timeout, '2s');
    await c.query('reset statement_timeout');
    assert.equal((await c.query('show statement_timeout')).rows[0].statement_timeout, '0');
  });

  test('statement_timeout cancels a long statement with 57014', async () => {
    const c = await connect();
    await c.query('set statement_timeout = 1');
    // A cross-page scan with a sort: long enough to cross a few batch boundaries.
    await assert.rejects(c.query("select k, v from many where v like '%9%' order by v desc"), (err: unknown) => {
      assert.equal((err as { code?: string }).code, '57014');
      assert.match((err as Error).message, /statement timeout/);
      return true;
    });
    await c.query('set statement_timeout = 0');
    assert.equal((await c.query('select 1 as one')).rows[0].one, 1);
  });

  test('idle_in_transaction_session_timeout ends an idle open transaction with FATAL 25P03', async () => {
    const c = await connect();
    const fatal = new Promise<unknown>((resolve) => c.once('error', resolve));
    await c.query("set idle_in_transaction_session_timeout = '100ms'");
    // Idle outside a transaction is fine.
    await new Promise((resolve) => setTimeout(resolve, 200));
    await c.query('begin');
    await c.query('select 1');
    const err = await fatal;
    assert.equal((err as { code?: string }).code, '25P03');
    await assert.rejects(c.query('select 1'));
  });

  test('NoticeResponse for warnings, filtered by client_min_messages', async () => {
    const c = await connect();
    const notices: string[] = [];
    c.on('notice', (n) => {
      notices.push(`${n.code}: ${n.message}`);
    });
    await c.query('commit');
    assert.deepEqual(notices, ['25P01: there is no transaction in progress']);
    await c.query('set client_min_messages = error');
    await c.query('commit');
    assert.equal(notices.length, 1);
    await assert.rejects(c.query("set client_min_messages = 'loud'"), { code: '22023' });
  });
});
