// Byte-level clients against a WireServer: what node-postgres never sends (garbage,
// truncation, oversized lengths, row limits, a client that stops reading) and shutdown.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { serialize } from 'pg-protocol';
import type { BackendMessage } from 'pg-protocol/dist/messages.js';
import { RawClient } from './raw-client.ts';
import { startHarness, type Harness } from './server-harness.ts';

const names = (messages: readonly BackendMessage[]): string[] => messages.map((m) => m.name);
const field = (m: BackendMessage | undefined, key: string): unknown => (m as unknown as Record<string, unknown> | undefined)?.[key];

async function eventually(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (check()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  assert.fail(`timed out waiting for ${what}`);
}

describe('protocol edges', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness({ messageBytesMax: 64 * 1024 });
  });
  after(async () => {
    await h.stop();
  });

  test('random bytes on a new connection: FATAL 08P01, closed; others unaffected', async () => {
    const bystander = await h.connect();
    const raw = await RawClient.open(h.port);
    raw.send(Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n'));
    await raw.closed;
    const error = raw.messages.find((m) => m.name === 'error');
    assert.equal(field(error, 'code'), '08P01');
    assert.equal(field(error, 'severity'), 'FATAL');
    assert.equal((await bystander.query('select 1')).rowCount, 1);
    const fresh = await h.connect();
    assert.equal((await fresh.query('select 1')).rowCount, 1);
  });

  test('unknown message type after startup: FATAL 08P01 and the session is closed', async () => {
    const raw = await RawClient.startup(h.port);
    const session = h.service.sessions.at(-1);
    raw.send(Buffer.from([0x7a, 1, 2, 3, 4, 5]));
    await raw.closed;
    assert.equal(field(raw.messages.find((m) => m.name === 'error'), 'code'), '08P01');
    await eventually(() => session?.closeCount === 1, 'session close');
  });

  test('truncated message then EOF: session closed, server fine', async () => {
    const raw = await RawClient.startup(h.port);
    const session = h.service.sessions.at(-1);
    const query = Buffer.from(serialize.query('select 1'));
    raw.socket.end(query.subarray(0, query.length - 3));
    await raw.closed;
    await eventually(() => session?.closeCount === 1, 'session close');
    assert.deepEqual(session?.queries, []);
    const c = await h.connect();
    assert.equal((await c.query('select 1')).rowCount, 1);
  });

  test('oversized length: refused from the header, without waiting for the body', async () => {
    const raw = await RawClient.startup(h.port);
    const header = Buffer.from([0x51, 0, 0, 0, 0]);
    header.writeInt32BE(1 << 30, 1);
    raw.send(header);
    await raw.closed;
    const error = raw.messages.find((m) => m.name === 'error');
    assert.equal(field(error, 'code'), '08P01');
    assert.match(String(field(error, 'message')), /exceeds the limit/);
  });

  test('oversized startup packet and unsupported protocol version', async () => {
    const big = await RawClient.open(h.port);
    big.send(Buffer.from([0, 0, 0x40, 0, 0, 3, 0, 0]));
    await big.closed;
    assert.equal(field(big.messages.find((m) => m.name === 'error'), 'code'), '08P01');

    const v2 = await RawClient.open(h.port);
    const packet = Buffer.from([0, 0, 0, 9, 0, 2, 0, 0, 0]);
    v2.send(packet);
    await v2.closed;
    assert.equal(field(v2.messages.find((m) => m.name === 'error'), 'code'), '0A000');
  });

  test('SSLRequest is answered N and startup continues in plain text', async () => {
    const raw = await RawClient.open(h.port);
    // Read the one-byte answer raw: it is not a framed message the Parser would understand.
    raw.socket.removeAllListeners('data');
    const answer = new Promise<Buffer>((resolve) => raw.socket.once('data', resolve));
    raw.send(serialize.requestSsl());
    assert.deepEqual(await answer, Buffer.from('N'));
    raw.close();
    const c = await h.connect();
    assert.equal((await c.query('select 1')).rowCount, 1);
  });

  test('Execute with a row limit ends in PortalSuspended; the portal resumes', async () => {
    const raw = await RawClient.startup(h.port);
    raw.send(
      Buffer.concat([
        serialize.parse({ name: 'five', text: 'rows 5' }),
        serialize.describe({ type: 'S', name: 'five' }),
        serialize.bind({ statement: 'five', portal: 'p' }),
        serialize.describe({ type: 'P', name: 'p' }),
        serialize.execute({ portal: 'p', rows: 2 }),
        serialize.execute({ portal: 'p', rows: 2 }),
        serialize.execute({ portal: 'p', rows: 2 }),
        serialize.close({ type: 'P', name: 'p' }),
        serialize.close({ type: 'S', name: 'five' }),
        serialize.sync(),
      ].map((b) => Buffer.from(b))),
    );
    await raw.waitFor((m) => m.name === 'readyForQuery');
    assert.deepEqual(names(raw.messages), [
      'parseComplete', 'parameterDescription', 'rowDescription', 'bindComplete', 'rowDescription',
      'dataRow', 'dataRow', 'portalSuspended',
      'dataRow', 'dataRow', 'portalSuspended',
      'dataRow', 'commandComplete',
      'closeComplete', 'closeComplete', 'readyForQuery',
    ]);
    assert.equal(field(raw.messages[12], 'text'), 'SELECT 5');
    raw.close();
  });

  test('after an extended-protocol error, messages are skipped until Sync; Flush flushes', async () => {
    const raw = await RawClient.startup(h.port);
    raw.send(Buffer.concat([serialize.parse({ text: 'select 1' }), serialize.flush()].map((b) => Buffer.from(b))));
    await raw.waitFor((m) => m.name === 'parseComplete');
    raw.messages.length = 0;
    raw.send(
      Buffer.concat([
        serialize.parse({ text: 'bad' }),
        serialize.bind({}),
        serialize.execute({}),
        serialize.sync(),
        serialize.parse({ text: 'select 1' }),
        serialize.bind({}),
        serialize.execute({}),
        serialize.sync(),
      ].map((b) => Buffer.from(b))),
    );
    await raw.waitFor((m) => m.name === 'commandComplete');
    await raw.waitFor((m) => m.name === 'readyForQuery' && raw.messages.filter((x) => x.name === 'readyForQuery').length === 2);
    assert.deepEqual(names(raw.messages), ['error', 'readyForQuery', 'parseComplete', 'bindComplete', 'dataRow', 'commandComplete', 'readyForQuery']);
    raw.close();
  });

  test('a client that stops reading stops the producer (back-pressure)', async () => {
    const raw = await RawClient.startup(h.port);
    const session = h.service.sessions.at(-1);
    raw.socket.pause();
    raw.send(serialize.query('stream'));
    await new Promise((r) => setTimeout(r, 300));
    const pulled = session?.rowsPulled ?? 0;
    await new Promise((r) => setTimeout(r, 200));
    const pulledLater = session?.rowsPulled ?? 0;
    // Kernel socket buffers plus our high-water mark hold a few MiB at most; without
    // back-pressure the endless stream would have produced far more by now.
    assert.ok(pulled > 0 && pulled < 50_000, `pulled ${pulled} rows of 1 KiB`);
    assert.ok(pulledLater - pulled < 1000, `kept pulling: ${pulled} -> ${pulledLater}`);
    raw.close();
    await eventually(() => session?.closeCount === 1, 'session close after the client vanished');
  });
});

describe('graceful shutdown', () => {
  test('running statements finish, idle connections get 57P01, then close resolves', async () => {
    const h = await startHarness();
    try {
      const busy = await h.connect();
      const idle = await h.connect();
      const idleError = new Promise<unknown>((resolve) => idle.once('error', resolve));
      const running = busy.query('sleep 150');
      await new Promise((r) => setTimeout(r, 30));
      const closing = h.server.close({ drainMs: 3000 });
      assert.equal(field(await idleError as BackendMessage, 'code'), '57P01');
      assert.equal((await running).command, 'SLEEP');
      await closing;
      assert.equal(h.server.connectionCount, 0);
      assert.ok(h.service.sessions.every((s) => s.closeCount === 1));
      await assert.rejects(h.connect());
    } finally {
      await h.stop();
    }
  });

  test('statements past drainMs are cancelled and their connections dropped', async () => {
    const h = await startHarness();
    try {
      const busy = await h.connect();
      const running = busy.query('sleep 10000').catch((err: unknown) => err);
      await new Promise((r) => setTimeout(r, 30));
      const started = Date.now();
      await h.server.close({ drainMs: 100 });
      assert.ok(Date.now() - started < 2000);
      assert.ok((await running) instanceof Error);
      assert.equal(h.service.sessions[0]?.cancelCount, 1);
      assert.equal(h.service.sessions[0]?.closeCount, 1);
    } finally {
      await h.stop();
    }
  });
});
