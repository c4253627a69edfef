// Acceptance: committed data survives `kill -9` of the node and a restart; a graceful
// stop (SIGTERM) exits 0; the store cannot be opened twice.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { runCli, startNodeProcess, tempStoreDir, type NodeProcess } from './node-process.ts';

const store = tempStoreDir();
const nodes: NodeProcess[] = [];
after(async () => {
  for (const n of nodes) await n.kill();
  store.remove();
});

test('committed rows survive kill -9 and a restart; uncommitted ones do not', async () => {
  const first = await startNodeProcess(store.path);
  nodes.push(first);
  const c = await first.client();
  await c.query('create table kv (k int primary key, v text not null)');
  for (let i = 0; i < 50; i++) await c.query('insert into kv values ($1, $2)', [i, `v${i}`]);
  await c.query('begin');
  await c.query("insert into kv values (1000, 'committed in a block')");
  await c.query('commit');
  const open = await first.client();
  await open.query('begin');
  await open.query("insert into kv values (2000, 'never committed')");
  const killed = first.kill('SIGKILL');
  await Promise.allSettled([c.end(), open.end()]);
  await killed;

  const second = await startNodeProcess(store.path);
  nodes.push(second);
  const d = await second.client();
  try {
    const { rows } = await d.query('select count(*)::int as n, sum(k)::int as s from kv where k < 1000');
    assert.deepEqual(rows, [{ n: 50, s: (49 * 50) / 2 }]);
    const block = await d.query('select v from kv where k = 1000');
    assert.deepEqual(block.rows, [{ v: 'committed in a block' }]);
    const lost = await d.query('select v from kv where k = 2000');
    assert.deepEqual(lost.rows, []);
    // The dead transaction's intent must not block a new write of the same key forever.
    await d.query("insert into kv values (2000, 'new')");
  } finally {
    await d.end();
  }
});

test('a second node on a locked store fails with a clear error and exit code 1', async () => {
  const running = nodes.at(-1);
  assert.ok(running, 'previous test left a node running');
  const failed = startNodeProcess(store.path);
  await assert.rejects(failed, /locked/i);
});

test('SIGTERM drains and exits 0; the data is there after restart', async () => {
  const running = nodes.at(-1)!;
  running.child.kill('SIGTERM');
  const { code } = await running.exited;
  assert.equal(code, 0);
  const again = await startNodeProcess(store.path);
  nodes.push(again);
  const c = await again.client();
  try {
    const { rows } = await c.query('select count(*)::int as n from kv');
    assert.deepEqual(rows, [{ n: 52 }]);
  } finally {
    await c.end();
  }
});

test('a store written by an incompatible version is refused with exit code 1', async () => {
  for (const n of nodes) await n.kill('SIGTERM');
  const other = tempStoreDir();
  try {
    // A store from a future format: the version marker (store-local key 'store-version')
    // says 99. Written with classic-level directly, as another build would have.
    const { ClassicLevel } = await import('classic-level');
    const db = new ClassicLevel<Uint8Array, Uint8Array>(join(other.path, 'data'), { keyEncoding: 'view', valueEncoding: 'view' });
    const key = Uint8Array.from([0x01, 0x00, ...new TextEncoder().encode('store-version')]);
    await db.put(key, Uint8Array.of(0, 0, 0, 99));
    await db.close();
    const { code, stderr } = await runCli(['start-single-node', '--store', other.path, '--sql-addr', '127.0.0.1:0', '--http-addr', '127.0.0.1:0']);
    assert.equal(code, 1);
    assert.match(stderr, /format version 99/);
  } finally {
    other.remove();
  }
});
