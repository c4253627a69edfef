// lock_timeout bounds how long a statement waits for another transaction's intent:
// 55P03 instead of waiting out the coordinator's own bound (40001).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SqlError } from '../../src/sql/index.ts';
import { run, startSql } from './harness.ts';

test('lock_timeout: a blocked read fails with 55P03; without it the wait ends in 40001', async () => {
  const cluster = await startSql();
  try {
    const a = await cluster.session();
    const b = await cluster.session();
    await run(a, 'create table lt (id int primary key, v int)');
    await run(a, 'insert into lt values (1, 1)');
    await run(a, 'begin');
    await run(a, 'update lt set v = 2 where id = 1');
    await run(b, "set lock_timeout = '5ms'");
    await assert.rejects(run(b, 'select v from lt where id = 1'), (e: unknown) => e instanceof SqlError && e.code === '55P03' && e.message === 'canceling statement due to lock timeout');
    await run(b, 'reset lock_timeout');
    await assert.rejects(run(b, 'select v from lt where id = 1'), (e: unknown) => e instanceof SqlError && e.code === '40001');
    await run(a, 'commit');
    assert.deepEqual((await run(b, 'select v from lt where id = 1')).rows, [['2']]);
  } finally {
    await cluster.close();
  }
});
