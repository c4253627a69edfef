// Issue 4, acceptance 4 across processes, and the end of acceptance 2: three `tessera
// start` processes with a small --range-max-bytes. A growing table splits into many ranges
// whose leases spread over all nodes; SQL scans across the range boundaries, run all along
// with concurrent writes, splits and lease moves, return every row exactly once. Then the
// node holding the most leases is killed: the others take its ranges; restarted, it
// catches up and gets leases back (lease rebalancing).
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { freePort, initCluster, startClusterNode, stopAll, until, type ClusterNodeProcess, type RangeStatus } from './cluster-process.ts';

const nodes: ClusterNodeProcess[] = [];
after(() => stopAll(nodes));

/** Valid leases per node id, each range counted at the node that says it holds the lease. */
async function leaseCounts(live: readonly ClusterNodeProcess[]): Promise<{ counts: Map<number, number>; ranges: Map<string, RangeStatus> }> {
  const counts = new Map<number, number>();
  const ranges = new Map<string, RangeStatus>();
  for (const n of live) {
    const s = await n.status();
    for (const r of s.ranges) {
      if (!r.initialized || r.role !== 'leader' || r.leaseholder !== s.nodeId) continue;
      ranges.set(r.rangeId, r);
      counts.set(s.nodeId, (counts.get(s.nodeId) ?? 0) + 1);
    }
  }
  return { counts, ranges };
}

test('many ranges over three processes: scans see every row once during splits and lease moves; a killed node gets leases back', { timeout: 300_000 }, async () => {
  const ports = [await freePort(), await freePort(), await freePort()];
  for (const p of ports) nodes.push(startClusterNode(p, ports, undefined, 60_000, ['--range-max-bytes', '16384']));
  assert.equal((await initCluster(ports[0] as number)).code, 0);
  await Promise.all(nodes.map((n) => n.serving));
  const ids = await Promise.all(nodes.map(async (n) => (await n.status()).nodeId));
  const c = await (nodes[0] as ClusterNodeProcess).client();
  await c.query('CREATE TABLE g (id int PRIMARY KEY, pad text)');

  // Writers grow the table in batches while a reader on another node scans it whole.
  const rows = 3_000;
  let written = 0;
  let scans = 0;
  let writing = true;
  const reading = (async () => {
    const r = await (nodes[1] as ClusterNodeProcess).client();
    try {
      while (writing) {
        const floor = written;
        const res = (await r.query('SELECT id FROM g ORDER BY id')).rows as { id: number }[];
        const got = res.map((x) => Number(x.id));
        // Every row written before the scan began, each once, in order.
        assert.equal(new Set(got).size, got.length, 'a row seen twice');
        for (let i = 1; i < got.length; i++) assert.ok((got[i] as number) > (got[i - 1] as number), 'out of order');
        assert.ok(got.length >= floor, `scan saw ${got.length} rows, ${floor} were committed before it`);
        for (let i = 0; i < floor; i++) assert.equal(got[i], i + 1, `row ${i + 1} missing`);
        scans++;
      }
    } finally {
      await r.end();
    }
  })();
  try {
    for (let id = 1; id <= rows; id += 100) {
      const values = Array.from({ length: 100 }, (_, k) => `(${id + k}, repeat('x', 40))`).join(', ');
      await c.query(`INSERT INTO g VALUES ${values}`);
      written = id + 99;
    }
    let state = await leaseCounts(nodes);
    await until('at least 6 ranges, each with 3 voters, leases on every node', async () => {
      state = await leaseCounts(nodes);
      const full = [...state.ranges.values()].every((r) => r.voters.length === 3 && r.learners.length === 0);
      return full && state.ranges.size >= 6 && ids.every((id) => (state.counts.get(id) ?? 0) >= 1);
    }, 120_000, () => `${JSON.stringify([...state.counts])} ${[...state.ranges.values()].map((r) => `r${r.rangeId}:${r.voters.join(',')}/${r.learners.join(',')}`).join(' ')}`);
  } finally {
    writing = false;
    await reading;
  }
  assert.ok(scans >= 3, `only ${scans} scans ran during the splits`);
  await c.end();

  // Kill the node with the most leases; the others take its ranges over.
  const before = await leaseCounts(nodes);
  const victimId = [...before.counts.entries()].sort((a, b) => b[1] - a[1])[0]?.[0] as number;
  const victim = nodes[ids.indexOf(victimId)] as ClusterNodeProcess;
  await victim.kill('SIGKILL');
  const survivors = nodes.filter((n) => n !== victim);
  let led = new Map<string, RangeStatus>();
  await until('every range led by a survivor', async () => {
    led = (await leaseCounts(survivors)).ranges;
    return [...before.ranges.keys()].every((id) => led.has(id));
  }, 60_000, () => {
    const missing = [...before.ranges.values()].filter((r) => !led.has(r.rangeId));
    return `missing ${missing.map((r) => `r${r.rangeId} (voters ${r.voters.join(',')}, learners ${r.learners.join(',')})`).join('; ')}; ` +
      survivors.map((n) => n.stderr().split('\n').filter((l) => /"level":(40|50)/.test(l)).slice(-5).join('\n')).join('\n');
  });
  const reader = await (survivors[0] as ClusterNodeProcess).client();
  try {
    assert.deepEqual((await reader.query('SELECT count(*)::int AS n FROM g')).rows, [{ n: rows }]);
  } finally {
    await reader.end();
  }

  // Back: it catches up and, as leases rebalance, holds some again.
  victim.restart();
  await victim.serving;
  let after: Map<number, number> = new Map();
  await until(`n${victimId} holds leases again`, async () => {
    after = (await leaseCounts(nodes)).counts;
    return (after.get(victimId) ?? 0) >= 1;
  }, 90_000, () => JSON.stringify([...after]));
});
