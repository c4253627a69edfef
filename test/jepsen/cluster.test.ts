// The fault hooks the nemeses rely on: a node's wall clock follows its offset file, and a
// killed node comes back on the same store and port.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { parseClockOffsetMs } from '../../src/server/clock-offset.ts';
import { startCluster } from './cluster.ts';

test('clock offset file text', () => {
  assert.equal(parseClockOffsetMs(''), 0);
  assert.equal(parseClockOffsetMs(' -250\n'), -250);
  assert.equal(parseClockOffsetMs('+1.5'), 1.5);
  assert.equal(parseClockOffsetMs('soon'), null);
});

test('--testing-clock-offset-file moves the node clock; kill -9 and restart keep store and port', { timeout: 90_000 }, async () => {
  const cluster = await startCluster(1);
  const query = async (sql: string): Promise<pg.QueryResult> => {
    const c = new pg.Client({ connectionString: cluster.nodes[0]!.connectionString() });
    await c.connect();
    try {
      return await c.query(sql);
    } finally {
      await c.end();
    }
  };
  try {
    const nowMs = async (): Promise<number> => new Date((await query('SELECT now() AS t')).rows[0].t as string).getTime();
    assert.ok(Math.abs((await nowMs()) - Date.now()) < 5_000);
    cluster.setClockOffsetMs(0, 3_600_000);
    let skew = 0;
    for (let i = 0; i < 40 && skew < 3_000_000; i++) {
      await new Promise((r) => setTimeout(r, 100));
      skew = (await nowMs()) - Date.now();
    }
    assert.ok(skew > 3_500_000 && skew < 3_700_000, `node clock ${skew} ms ahead`);
    await query('CREATE TABLE kept (k INT PRIMARY KEY)');
    await query('INSERT INTO kept VALUES (1)');
    const before = cluster.nodes[0]!.connectionString();
    await cluster.kill(0);
    cluster.setClockOffsetMs(0, 0);
    await cluster.restart(0);
    assert.equal(cluster.nodes[0]!.connectionString(), before);
    assert.deepEqual((await query('SELECT k FROM kept')).rows, [{ k: 1 }]);
  } finally {
    await cluster.close();
  }
});
