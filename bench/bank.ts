// The bank workload as a benchmark (issue 5): transfers per second between accounts over
// pgwire at 1 and 16 clients, with the share of transfers aborted (40001 / 40P01) and so
// retried by the client, on one node and on a 3-node cluster (clients spread over the
// nodes; every range replicated three ways).
import { join } from 'node:path';
import pg from 'pg';
import { freePort, initCluster, startClusterNode, type ClusterNodeProcess } from '../test/cluster/cluster-process.ts';
import { startNodeProcess, tempStoreDir } from '../test/integration/node-process.ts';
import { seededRng } from '../test/jepsen/runner.ts';
import { bankWorkload, DefiniteFailure } from '../test/jepsen/workloads.ts';
import type { BenchResult } from './result.ts';

const ACCOUNTS = 100;

async function transfers(urls: readonly string[], clients: number, seconds: number): Promise<{ ok: number; aborted: number; other: number }> {
  const workload = bankWorkload(ACCOUNTS, 1_000);
  const rng = seededRng(clients);
  const counts = { ok: 0, aborted: 0, other: 0 };
  const deadline = performance.now() + seconds * 1000;
  await Promise.all(
    Array.from({ length: clients }, async (_c, i) => {
      const c = new pg.Client({ connectionString: urls[i % urls.length] });
      await c.connect();
      try {
        while (performance.now() < deadline) {
          const from = rng.int(ACCOUNTS);
          const to = (from + 1 + rng.int(ACCOUNTS - 1)) % ACCOUNTS;
          try {
            await workload.invoke(c, { f: 'transfer', value: { from, to, amount: 1 + rng.int(5) } }, 'serializable');
            counts.ok++;
          } catch (err) {
            const code = (err as { code?: string }).code;
            if (code === '40001' || code === '40P01') counts.aborted++;
            else if (err instanceof DefiniteFailure) counts.other++;
            else throw err;
          }
        }
      } finally {
        await c.end();
      }
    }),
  );
  return counts;
}

function result(nodes: number, clients: number, seconds: number, r: { ok: number; aborted: number; other: number }): BenchResult {
  const attempts = r.ok + r.aborted + r.other;
  const abortedPct = attempts === 0 ? 0 : (100 * r.aborted) / attempts;
  return {
    name: `bank transfers, ${ACCOUNTS} accounts, ${clients} client${clients === 1 ? '' : 's'}, ${nodes} node${nodes === 1 ? '' : 's'}`,
    value: r.ok / seconds,
    unit: 'transfers/s',
    system: 'tessera',
    note: `${abortedPct.toFixed(1)}% of attempts aborted (40001/40P01) and left to the client to retry`,
  };
}

/** Waits until every node's catalog knows the table (a new table reaches peers within ~1 s). */
async function untilEveryNodeSees(urls: readonly string[], table: string): Promise<void> {
  for (const url of urls) {
    for (let attempt = 0; ; attempt++) {
      const c = new pg.Client({ connectionString: url });
      try {
        await c.connect();
        await c.query(`SELECT count(*) FROM ${table}`);
        break;
      } catch (err) {
        if (attempt >= 100) throw err;
        await new Promise((r) => setTimeout(r, 100));
      } finally {
        await c.end().catch(() => undefined);
      }
    }
  }
}

async function benchOneNode(seconds: number): Promise<BenchResult[]> {
  const dir = tempStoreDir('tessera-bench-bank-');
  const node = await startNodeProcess(dir.path, [], 30_000, { compiled: true });
  const out: BenchResult[] = [];
  try {
    const setup = await node.client();
    await bankWorkload(ACCOUNTS, 1_000).setup(setup);
    await setup.end();
    for (const clients of [1, 16]) out.push(result(1, clients, seconds, await transfers([node.connectionString()], clients, seconds)));
  } finally {
    await node.kill('SIGTERM');
    dir.remove();
  }
  return out;
}

async function benchThreeNodes(seconds: number): Promise<BenchResult[]> {
  const dir = tempStoreDir('tessera-bench-bank3-');
  const ports: number[] = [];
  for (let i = 0; i < 3; i++) ports.push(await freePort());
  const nodes: ClusterNodeProcess[] = ports.map((p, i) => startClusterNode(p, ports, join(dir.path, `n${i}`), 90_000, ['--log-level', 'error'], { compiled: true }));
  const out: BenchResult[] = [];
  try {
    const init = await initCluster(ports[0]!);
    if (init.code !== 0) throw new Error(`tessera init failed: ${init.stderr}`);
    const sqlPorts = await Promise.all(nodes.map((n) => n.serving));
    const urls = sqlPorts.map((p) => `postgres://root@127.0.0.1:${p}/defaultdb`);
    const setup = new pg.Client({ connectionString: urls[0] });
    await setup.connect();
    await bankWorkload(ACCOUNTS, 1_000).setup(setup);
    await setup.end();
    await untilEveryNodeSees(urls, 'bank');
    for (const clients of [1, 16]) out.push(result(3, clients, seconds, await transfers(urls, clients, seconds)));
  } finally {
    await Promise.all(nodes.map((n) => n.kill('SIGTERM')));
    dir.remove();
  }
  return out;
}

export async function benchBank(seconds: number): Promise<BenchResult[]> {
  return [...(await benchOneNode(seconds)), ...(await benchThreeNodes(seconds))];
}
