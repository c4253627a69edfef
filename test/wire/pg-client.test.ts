// End to end with the real node-postgres client against a WireServer on a free port.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DatabaseError, serialize } from 'pg-protocol';
import { RawClient } from './raw-client.ts';
import { startHarness, type Harness } from './server-harness.ts';

describe('node-postgres against the wire server', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness();
  });
  after(async () => {
    await h.stop();
  });

  test('connects and runs a simple query', async () => {
    const c = await h.connect();
    const result = await c.query('select 1');
    assert.deepEqual(result.rows, [{ '?column?': 1 }]);
    assert.equal(result.command, 'SELECT');
    assert.equal(result.rowCount, 1);
  });

  test('passes startup parameters and reports initial parameter status', async () => {
    const c = h.client();
    await c.connect();
    const session = h.service.sessions.at(-1);
    assert.equal(session?.params.user, 'tester');
    assert.equal(session?.params.database, 'db');
    assert.equal(session?.params.remoteAddress, '127.0.0.1');
    assert.equal(session?.params.options.has('user'), false);
    const status = (c as unknown as { parameterStatus?: Record<string, string> }).parameterStatus;
    if (status !== undefined) assert.equal(status['server_version'], '16.0 (Tessera test)');
  });

  test('parameterized query goes through the extended protocol', async () => {
    const c = await h.connect();
    const result = await c.query('select $1::text', ['hello, wörld']);
    assert.deepEqual(result.rows, [{ text: 'hello, wörld' }]);
    const nullResult = await c.query('select $1::text', [null]);
    assert.deepEqual(nullResult.rows, [{ text: null }]);
  });

  test('named prepared statements are reused', async () => {
    const c = await h.connect();
    for (let i = 0; i < 3; i++) {
      const result = await c.query({ name: 'echo', text: 'select $1::text', values: [`v${i}`] });
      assert.deepEqual(result.rows, [{ text: `v${i}` }]);
    }
  });

  test('errors carry SQLSTATE and fields; the connection keeps working', async () => {
    const c = await h.connect();
    await assert.rejects(c.query('bad'), (err: unknown) => {
      assert.ok(err instanceof DatabaseError);
      assert.equal(err.code, '42601');
      assert.equal(err.severity, 'ERROR');
      assert.equal(err.position, '1');
      assert.equal(err.detail, 'a detail');
      assert.equal(err.hint, 'a hint');
      return true;
    });
    await assert.rejects(c.query('bad', []), { code: '42601' });
    await assert.rejects(c.query('select $1::text', [1, 2]), { code: '08P01' });
    assert.deepEqual((await c.query('select 1')).rows, [{ '?column?': 1 }]);
  });

  test('a non-SqlError from the session becomes XX000', async () => {
    const c = await h.connect();
    await assert.rejects(c.query('boom'), { code: 'XX000' });
    assert.equal((await c.query('select 1')).rowCount, 1);
  });

  test('several statements in one simple query', async () => {
    const c = await h.connect();
    const results = (await c.query('select 1; rows 3; begin; commit')) as unknown as { command: string; rows: unknown[] }[];
    assert.deepEqual(
      results.map((r) => [r.command, r.rows.length]),
      [['SELECT', 1], ['SELECT', 3], ['BEGIN', 0], ['COMMIT', 0]],
    );
    // An error stops the rest of the string.
    await assert.rejects(c.query('select 1; bad; select 1'), { code: '42601' });
    const session = h.service.sessions.at(-1);
    assert.equal(session?.queries.at(-1), 'select 1; bad; select 1');
  });

  test('empty query', async () => {
    const c = await h.connect();
    const result = await c.query('');
    assert.equal(result.rowCount, null);
  });

  test('transaction status follows the session (I/T/E)', async () => {
    const c = await h.connect();
    await c.query('begin');
    await assert.rejects(c.query('bad'), { code: '42601' });
    await assert.rejects(c.query('select 1'), { code: '25P02' });
    await c.query('rollback');
    assert.equal((await c.query('select 1')).rowCount, 1);
  });

  test('many rows, and rows after a parameter status and a notice', async () => {
    const c = await h.connect();
    const result = await c.query('rows 2500');
    assert.equal(result.rows.length, 2500);
    assert.deepEqual(result.rows[2499], { n: 2499 });
    const notices: string[] = [];
    c.on('notice', (n) => notices.push(`${n.severity ?? ''}:${n.code ?? ''}:${n.message}`));
    await c.query('notice');
    await c.query('set application_name x');
    assert.deepEqual(notices, ['NOTICE:00000:a notice']);
  });

  test('unknown database: FATAL 3D000 at connect', async () => {
    const c = h.client('nope');
    await assert.rejects(c.connect(), (err: unknown) => {
      assert.ok(err instanceof DatabaseError);
      assert.equal(err.code, '3D000');
      assert.equal(err.severity, 'FATAL');
      return true;
    });
  });

  test('end() closes the session', async () => {
    const c = h.client();
    await c.connect();
    const session = h.service.sessions.at(-1);
    await c.end();
    for (let i = 0; i < 100 && session?.closeCount === 0; i++) await new Promise((r) => setTimeout(r, 10));
    assert.equal(session?.closeCount, 1);
  });

  test('a CancelRequest with the wrong secret does nothing', async () => {
    const c = await h.connect();
    const key = c as unknown as { processID: number; secretKey: number };
    const raw = await RawClient.open(h.port);
    raw.send(serialize.cancel(key.processID, key.secretKey ^ 1));
    await raw.closed;
    assert.equal(h.service.sessions.at(-1)?.cancelCount, 0);
  });

  test('CancelRequest cancels the running statement', async () => {
    const c = await h.connect();
    const session = h.service.sessions.at(-1);
    // Settled at once so the rejection is never unhandled while the cancel travels.
    const pending = c.query('sleep 5000').then(
      () => null,
      (err: unknown) => err,
    );
    // PostgreSQL ignores a cancel that arrives before the statement; so wait for it to run.
    for (let i = 0; i < 200 && session?.queries.length === 0; i++) await new Promise((r) => setTimeout(r, 5));
    // What a client's cancel does: a new connection carrying the BackendKeyData it was given.
    const key = c as unknown as { processID: number; secretKey: number };
    const raw = await RawClient.open(h.port);
    raw.send(serialize.cancel(key.processID, key.secretKey));
    await raw.closed;
    assert.equal((await pending as { code?: string } | null)?.code, '57014');
  });
});
