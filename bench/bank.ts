// The bank workload as a benchmark (issue 5): transfers per second between accounts over
// pgwire at 1 and 16 clients, with the share of transfers aborted (40001 / 40P01) and so
// retried by the client. One node; three need the multi-node cluster (issue 4).
import pg from 'pg';
import { startNodeProcess, tempStoreDir } from '../test/integration/node-process.ts';
import { seededRng } from '../test/jepsen/runner.ts';
import { bankWorkload, DefiniteFailure } from '../test/jepsen/workloads.ts';
import type { BenchResult } from './result.ts';

const ACCOUNTS = 100;

async function transfers(url: string, clients: number, seconds: number): Promise<{ ok: number; aborted: number; other: number }> {
  const workload = bankWorkload(ACCOUNTS, 1_000);
  const rng = seededRng(clients);
  const counts = { ok: 0, aborted: 0, other: 0 };
  const deadline = performance.now() + seconds * 1000;
  await Promise.all(
    Array.from({ length: clients }, async () => {
      const c = new pg.Client({ connectionString: url });
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

export async function benchBank(seconds: number): Promise<BenchResult[]> {
  const dir = tempStoreDir('tessera-bench-bank-');
  const node = await startNodeProcess(dir.path, [], 30_000, { compiled: true });
  const out: BenchResult[] = [];
  try {
    const setup = await node.client();
    await bankWorkload(ACCOUNTS, 1_000).setup(setup);
    await setup.end();
    for (const clients of [1, 16]) {
      const r = await transfers(node.connectionString(), clients, seconds);
      const attempts = r.ok + r.aborted + r.other;
      const abortedPct = attempts === 0 ? 0 : (100 * r.aborted) / attempts;
      out.push({
        name: `bank transfers, ${ACCOUNTS} accounts, ${clients} client${clients === 1 ? '' : 's'}, 1 node`,
        value: r.ok / seconds,
        unit: 'transfers/s',
        system: 'tessera',
        note: `${abortedPct.toFixed(1)}% of attempts aborted (40001/40P01) and left to the client to retry`,
      });
    }
  } finally {
    await node.kill('SIGTERM');
    dir.remove();
  }
  return out;
}
