// Acceptance 1 of the multi-raft issue: three `tessera start --join` processes and one
// `tessera init` form a cluster that serves SQL on every node; a table written through
// node 1 is read through node 3. A second init is a clear error.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { freePort, initCluster, startClusterNode, stopAll, type ClusterNodeProcess } from './cluster-process.ts';

const nodes: ClusterNodeProcess[] = [];
after(() => stopAll(nodes));

async function eventually<T>(what: string, f: () => Promise<T>, ms: number): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    try {
      return await f();
    } catch (err) {
      if (Date.now() > until) throw new Error(`${what}: not within ${ms} ms: ${String(err)}`, { cause: err });
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

test('three nodes join, init bootstraps once, SQL written through node 1 is read through node 3', { timeout: 120_000 }, async () => {
  const ports = [await freePort(), await freePort(), await freePort()];
  for (const p of ports) nodes.push(startClusterNode(p, ports));
  const init = await initCluster(ports[0] as number);
  assert.equal(init.code, 0, init.stderr);
  assert.match(init.stdout, /cluster initialized/);
  await Promise.all(nodes.map((n) => n.serving));

  const again = await initCluster(ports[1] as number);
  assert.equal(again.code, 1);
  assert.match(again.stderr, /already initialized/);

  const c1 = await (nodes[0] as ClusterNodeProcess).client();
  try {
    await c1.query('CREATE TABLE kv (k INT PRIMARY KEY, v TEXT)');
    await c1.query("INSERT INTO kv VALUES (1, 'one'), (2, 'two'), (3, 'three')");
  } finally {
    await c1.end();
  }
  const c3 = await (nodes[2] as ClusterNodeProcess).client();
  try {
    const rows = await eventually('node 3 reads the table', async () => (await c3.query('SELECT k, v FROM kv ORDER BY k')).rows, 20_000);
    assert.deepEqual(rows, [{ k: 1, v: 'one' }, { k: 2, v: 'two' }, { k: 3, v: 'three' }]);
    await c3.query("INSERT INTO kv VALUES (4, 'four')");
  } finally {
    await c3.end();
  }
  const c2 = await (nodes[1] as ClusterNodeProcess).client();
  try {
    const count = await eventually('node 2 counts', async () => (await c2.query('SELECT count(*) AS n FROM kv')).rows, 20_000);
    assert.equal(Number(count[0]?.n), 4);
  } finally {
    await c2.end();
  }
});
