// Limits that protect the server from clients that hold resources: a startup deadline and
// a cap on concurrent connections.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { DatabaseError } from 'pg-protocol';
import { testEnv } from '../../src/util/index.ts';
import { RawClient } from './raw-client.ts';
import { startHarness } from './server-harness.ts';

test('a client that never finishes startup is dropped after startupTimeoutMs', async () => {
  const h = await startHarness({ startupTimeoutMs: 100 });
  try {
    const silent = await RawClient.open(h.port);
    const started = Date.now();
    await silent.closed;
    assert.ok(Date.now() - started < 2000);
    // A connection that completed startup is not affected by the deadline.
    const c = await h.connect();
    await new Promise((r) => setTimeout(r, 200));
    assert.equal((await c.query('select 1')).rowCount, 1);
  } finally {
    await h.stop();
  }
});

test('connections beyond connectionsMax get FATAL 53300; a freed slot is reusable', async () => {
  const h = await startHarness({ connectionsMax: 1 });
  try {
    const first = h.client();
    await first.connect();
    await assert.rejects(h.connect(), (err: unknown) => err instanceof DatabaseError && err.code === '53300');
    await first.end();
    for (let i = 0; i < 100 && h.server.connectionCount > 0; i++) await new Promise((r) => setTimeout(r, 10));
    const again = await h.connect();
    assert.equal((await again.query('select 1')).rowCount, 1);
  } finally {
    await h.stop();
  }
});

test('an exception escaping a connection handler closes that connection only, and is logged', async () => {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  const h = await startHarness({}, { ...testEnv(), logger: pino({ level: 'error' }, sink) });
  try {
    const healthy = await h.connect();
    await assert.rejects(h.client('explode').connect());
    assert.equal(h.service.sessions.at(-1)?.closeCount, 1, 'the broken session was still closed');
    assert.equal((await healthy.query('select 1')).rowCount, 1);
    assert.ok(lines.some((l) => l.includes('bug in transactionStatus')), lines.join('\n'));
  } finally {
    await h.stop();
  }
});
