// Acceptance: two sessions over pgwire (node-postgres) against a started node update the
// same rows in opposite order; one gets 40P01 (or 40001) within a second, the other commits.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startNodeProcess, tempStoreDir } from '../integration/node-process.ts';

test('pgwire: opposite-order updates deadlock; the victim gets 40P01 at once, the other commits', { timeout: 60_000 }, async () => {
  const dir = tempStoreDir();
  const node = await startNodeProcess(dir.path);
  try {
    const c1 = await node.client();
    const c2 = await node.client();
    await c1.query('CREATE TABLE accounts (id INT PRIMARY KEY, balance INT NOT NULL)');
    await c1.query('INSERT INTO accounts VALUES (1, 100), (2, 100)');
    for (let round = 0; round < 3; round++) {
      await c1.query('BEGIN');
      await c2.query('BEGIN');
      await c1.query('UPDATE accounts SET balance = balance - 1 WHERE id = 1');
      await c2.query('UPDATE accounts SET balance = balance - 1 WHERE id = 2');
      const started = performance.now();
      const outcome = (p: Promise<unknown>): Promise<string> => p.then(() => 'ok', (err: { code?: string }) => err.code ?? String(err));
      const first = outcome(c1.query('UPDATE accounts SET balance = balance + 1 WHERE id = 2'));
      await new Promise((r) => setTimeout(r, 50));
      const second = outcome(c2.query('UPDATE accounts SET balance = balance + 1 WHERE id = 1'));
      const codes = await Promise.all([first, second]);
      const ms = performance.now() - started;
      assert.ok(ms < 1_000, `round ${round}: settled in ${ms.toFixed(0)} ms`);
      assert.equal(codes.filter((c) => c === 'ok').length, 1, `round ${round}: ${codes.join(', ')}`);
      assert.ok(codes.some((c) => c === '40P01' || c === '40001'), `round ${round}: ${codes.join(', ')}`);
      const [winner, loser] = codes[0] === 'ok' ? [c1, c2] : [c2, c1];
      await winner.query('COMMIT');
      const end = await loser.query('COMMIT'); // a failed block: COMMIT answers ROLLBACK
      assert.equal(end.command, 'ROLLBACK');
    }
    const r = await c1.query('SELECT sum(balance)::INT AS total FROM accounts');
    assert.equal(Number(r.rows[0].total), 200);
    await c1.end();
    await c2.end();
  } finally {
    await node.kill();
    dir.remove();
  }
});
