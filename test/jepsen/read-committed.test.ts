// The checker has teeth: list-append at READ COMMITTED (a snapshot per statement) shows
// the anomalies that level allows — read skew (G-single) and write skew (G2) — and none of
// those it forbids (G0, G1a, G1b, G1c). The same workload at SERIALIZABLE shows none
// (workloads.test.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { startCluster } from './cluster.ts';
import { runWorkload } from './runner.ts';
import { listAppendWorkload } from './workloads.ts';

test('list-append at READ COMMITTED: the checker finds G-single and G2, and no G0/G1', { timeout: 90_000 }, async () => {
  const cluster = await startCluster(1);
  try {
    const workload = listAppendWorkload(4, 40);
    const setup = new pg.Client({ connectionString: cluster.nodes[0]!.connectionString() });
    await setup.connect();
    await workload.setup(setup);
    await setup.end();
    const r = await runWorkload({ cluster, workload, clients: 8, timeMs: 6_000, nemeses: [], isolation: 'read committed', seed: 21 });
    const kinds = Object.keys(r.check.anomalies);
    assert.equal(r.check.valid, false);
    assert.ok(kinds.includes('G-single') || kinds.includes('G2'), `anomalies found: ${kinds.join(', ')}`);
    for (const forbidden of ['G0', 'G1a', 'G1b', 'G1c', 'garbage-read', 'incompatible-order', 'duplicate-elements']) {
      assert.ok(!kinds.includes(forbidden), `READ COMMITTED must not show ${forbidden}: ${JSON.stringify(r.check.anomalies[forbidden])}`);
    }
  } finally {
    await cluster.close();
  }
});
