// Issue 5's clock rule: a node whose clock is off from the cluster's by more than the
// maximum offset (500 ms) refuses to serve and says why. Three `tessera start` processes;
// node 3's clock is pushed 2.5 s ahead through --testing-clock-offset-file: it stops
// itself with exit code 1 and a message naming the offsets, while nodes 1 and 2 (each
// seeing one peer of two far off, not a majority) keep serving. With its clock back it
// starts and serves again. The verdict itself is unit-tested in clock-verdict.test.ts.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempStoreDir } from '../integration/node-process.ts';
import { freePort, initCluster, startClusterNode, stopAll, type ClusterNodeProcess } from './cluster-process.ts';

const nodes: ClusterNodeProcess[] = [];
const dir = tempStoreDir('tessera-clock-offset-');
after(async () => {
  await stopAll(nodes);
  dir.remove();
});

test('a node whose clock is off by more than the maximum offset stops itself; the others keep serving', { timeout: 180_000 }, async () => {
  const ports = [await freePort(), await freePort(), await freePort()];
  const clockFile = join(dir.path, 'n3.clock-offset');
  ports.forEach((p, i) => nodes.push(startClusterNode(p, ports, join(dir.path, `n${i + 1}`), 60_000, i === 2 ? ['--testing-clock-offset-file', clockFile] : [])));
  const init = await initCluster(ports[0] as number);
  assert.equal(init.code, 0, init.stderr);
  await Promise.all(nodes.map((n) => n.serving));
  const [n1, , n3] = nodes as [ClusterNodeProcess, ClusterNodeProcess, ClusterNodeProcess];
  const c1 = await n1.client();
  try {
    await c1.query('CREATE TABLE t (id int PRIMARY KEY, v text)');
    await c1.query("INSERT INTO t VALUES (1, 'before')");
  } finally {
    await c1.end();
  }

  writeFileSync(clockFile, '2500\n');
  const stoppedWithin = await Promise.race([n3.exited.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 30_000))]);
  assert.ok(stoppedWithin, `node 3 kept running with its clock 2.5 s ahead; stderr:\n${n3.stderr().slice(-2_000)}`);
  assert.equal(n3.child.exitCode, 1);
  assert.match(n3.stderr(), /clock is off from 2 of its 2 peers by more than the maximum offset of 500 ms \(n\d \S+ ms, n\d \S+ ms\)/);

  // Nodes 1 and 2 still serve: a write through node 1 and a read of it through node 2.
  const c1b = await n1.client();
  try {
    await c1b.query("INSERT INTO t VALUES (2, 'after')");
  } finally {
    await c1b.end();
  }
  const c2 = await (nodes[1] as ClusterNodeProcess).client();
  try {
    assert.deepEqual((await c2.query('SELECT id, v FROM t ORDER BY id')).rows, [{ id: 1, v: 'before' }, { id: 2, v: 'after' }]);
  } finally {
    await c2.end();
  }
  assert.equal((nodes[0] as ClusterNodeProcess).child.exitCode, null);
  assert.equal((nodes[1] as ClusterNodeProcess).child.exitCode, null);

  // With its clock corrected, node 3 starts again and serves.
  writeFileSync(clockFile, '0\n');
  n3.restart();
  await n3.serving;
  const c3 = await n3.client();
  try {
    const rows = (await c3.query('SELECT count(*)::int AS n FROM t')).rows;
    assert.deepEqual(rows, [{ n: 2 }]);
  } finally {
    await c3.end();
  }
});
