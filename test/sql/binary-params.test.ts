// Parse with declared parameter types the SQL layer does not have yet is refused with
// 0A000 (not silently read as text), and binary parameters with wrong lengths are 22P03.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startSql, type TestCluster } from './harness.ts';

let cluster: TestCluster;
before(async () => {
  cluster = await startSql();
});
after(async () => {
  await cluster.close();
});

test('declared time and bit parameters are 0A000 (oid ones work: test/compat/catalog.test.ts)', async () => {
  const s = await cluster.session();
  for (const oid of [1083, 1266, 1560]) {
    await assert.rejects(s.prepare('', 'select $1', [oid]), { code: '0A000' }, `oid ${oid}`);
    await s.sync();
  }
});

test('jsonb, json, interval and array parameters in text and binary form', async () => {
  const s = await cluster.session();
  await s.prepare('q', "select $1::jsonb -> 'a', $2::json, $3::interval * 2, $4::int4[], cardinality($5::text[])", [3802, 114, 1186, 1007, 1009]);
  const interval = Buffer.alloc(16);
  interval.writeBigInt64BE(3_600_000_000n, 0);
  interval.writeInt32BE(1, 8);
  interval.writeInt32BE(2, 12);
  // array_send of int4[] {7,NULL}: 1 dimension, has nulls, element oid 23, size 2, lower bound 1.
  const ints = Buffer.from('00000001' + '00000001' + '00000017' + '00000002' + '00000001' + '00000004' + '00000007' + 'ffffffff', 'hex');
  const params = [Buffer.concat([Buffer.from([1]), Buffer.from('{"a": [1, 2]}')]), Buffer.from('{"x" : 1}'), interval, ints, Buffer.from('{a,b,c}')];
  await s.bind('', 'q', params, [1, 0, 1, 1, 0], []);
  const rows: unknown[] = [];
  for await (const e of s.execute('', 0)) if (e.kind === 'rows') rows.push(...e.rows);
  assert.deepEqual(rows, [['[1, 2]', '{"x" : 1}', '4 mons 2 days 02:00:00', '{7,NULL}', '3']]);
  await s.sync();
  const textParams = ['{"a": 3}', '[]', '1 day', '{1,2}', '{}'].map((t) => Buffer.from(t));
  await s.bind('', 'q', textParams, [0], []);
  const textRows: unknown[] = [];
  for await (const e of s.execute('', 0)) if (e.kind === 'rows') textRows.push(...e.rows);
  assert.deepEqual(textRows, [['3', '[]', '2 days', '{1,2}', '0']]);
  await s.sync();
  // An int8[] sent where int4[] is declared: the element OID does not match (42804).
  const wrong = Buffer.from(ints);
  wrong.writeUInt32BE(20, 8);
  await assert.rejects(s.bind('', 'q', [params[0]!, params[1]!, interval, wrong, params[4]!], [1, 0, 1, 1, 0], []), { code: '42804' });
  await s.sync();
});

test('binary parameters: decoded by type, wrong length 22P03, unknown format 08P01', async () => {
  const s = await cluster.session();
  await s.prepare('p', 'select $1::int4 + 1, $2::numeric', [23, 1700]);
  const int4 = Buffer.alloc(4);
  int4.writeInt32BE(41);
  const numeric = Buffer.from('0002000040000002000c1388', 'hex'); // -12.50
  await s.bind('', 'p', [int4, numeric], [1], []);
  const rows: unknown[] = [];
  for await (const e of s.execute('', 0)) if (e.kind === 'rows') rows.push(...e.rows);
  assert.deepEqual(rows, [['42', '-12.50']]);
  await s.sync();
  await assert.rejects(s.bind('', 'p', [Buffer.alloc(3), numeric], [1], []), { code: '22P03' });
  await s.sync();
  await assert.rejects(s.bind('', 'p', [int4, numeric], [2], []), { code: '08P01' });
  await s.sync();
});
