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

test('declared jsonb, interval and array parameters are 0A000', async () => {
  const s = await cluster.session();
  for (const oid of [3802, 114, 1186, 1007, 1009]) {
    await assert.rejects(s.prepare('', 'select $1', [oid]), { code: '0A000' }, `oid ${oid}`);
    await s.sync();
  }
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
