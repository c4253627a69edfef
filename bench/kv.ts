// Raw kv/txn throughput in process, on classic-level in a temp dir: transactional point
// gets (1 and 16 in flight) over 10k rows, and implicit single-key durable puts (1, 16 and
// 64 writers) with the group commit's commits per synced write. No SQL, no sockets: what
// the layers below sql cost per operation.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLocalKv, openEngine, tableKey, type LocalKv } from '../src/kv/index.ts';
import { createTxnCoordinator, type TxnCoordinator } from '../src/txn/index.ts';
import { silentLogger, systemEnv } from '../src/util/index.ts';
import type { BenchResult } from './result.ts';

const ROWS = 10_000;
const seconds = Number(process.env['BENCH_SECONDS'] ?? 5);

function rowKey(i: number): Uint8Array {
  const k = new Uint8Array(8);
  new DataView(k.buffer).setUint32(0, 1000); // a table-ish prefix
  new DataView(k.buffer).setUint32(4, i);
  return tableKey(k);
}

async function load(coord: TxnCoordinator): Promise<void> {
  const value = new TextEncoder().encode(`value-${'x'.repeat(40)}`);
  for (let i = 0; i < ROWS; i += 500) {
    const t = coord.begin();
    for (let j = i; j < Math.min(ROWS, i + 500); j++) t.put(rowKey(j), value);
    await t.commit();
  }
}

/** Runs `op` from `inflight` loops for `secs`; ops per second and latency percentiles. */
async function timed(
  inflight: number,
  secs: number,
  op: (worker: number, i: number) => Promise<void>,
): Promise<{ ops: number; opsPerSec: number; p50Ms: number; p99Ms: number; cpuUsPerOp: number }> {
  const latencies: number[] = [];
  const cpu0 = process.cpuUsage();
  const deadline = performance.now() + secs * 1000;
  let done = 0;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: inflight }, async (_x, w) => {
      for (let i = 0; performance.now() < deadline; i++) {
        const t0 = performance.now();
        await op(w, i);
        latencies.push(performance.now() - t0);
        done++;
      }
    }),
  );
  const elapsed = (performance.now() - start) / 1000;
  const cpu = process.cpuUsage(cpu0);
  latencies.sort((a, b) => a - b);
  const pct = (p: number): number => latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))] ?? 0;
  // CPU of the whole process (main thread and libuv's pool) per operation: on a 2-core
  // machine shared with clients, this is what bounds throughput.
  return { ops: done, opsPerSec: done / elapsed, p50Ms: pct(0.5), p99Ms: pct(0.99), cpuUsPerOp: (cpu.user + cpu.system) / Math.max(1, done) };
}

function line(r: BenchResult): void {
  const extra = r.note !== undefined ? `  (${r.note})` : '';
  console.log(`${r.name}: ${r.value.toFixed(0)} ${r.unit}  p50 ${(r.p50Ms ?? 0).toFixed(3)} ms  p99 ${(r.p99Ms ?? 0).toFixed(3)} ms${extra}`);
}

export async function benchKv(): Promise<BenchResult[]> {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-bench-kv-'));
  const engine = await openEngine({ path: dir });
  const env = systemEnv(silentLogger());
  let kv: LocalKv | null = null;
  const results: BenchResult[] = [];
  try {
    kv = await createLocalKv(env, engine);
    const coord = createTxnCoordinator(env, kv.sender);
    await load(coord);
    for (const inflight of [1, 16]) {
      const r = await timed(inflight, seconds, async () => {
        const t = coord.begin({ implicit: true });
        await t.get(rowKey(Math.floor(Math.random() * ROWS)));
        await t.commit();
      });
      const result: BenchResult = {
        name: `kv point get @${inflight}`,
        system: 'tessera',
        value: r.opsPerSec,
        unit: 'ops/s',
        p50Ms: r.p50Ms,
        p99Ms: r.p99Ms,
        note: `${r.cpuUsPerOp.toFixed(0)} µs CPU per get`,
      };
      line(result);
      results.push(result);
    }
    const value = new TextEncoder().encode('payload');
    for (const writers of [1, 16, 64]) {
      // Every synced write is one Raft driver cycle carrying the commands of many writers.
      const driver = kv.store.driver.stats;
      const syncs0 = driver.syncedWrites;
      const base = 1_000_000 + writers * 10_000_000;
      const r = await timed(writers, seconds, async (w, i) => {
        const t = coord.begin({ implicit: true });
        t.insert(rowKey(base + w * 100_000 + i), value);
        await t.commit();
      });
      const perSync = r.ops / Math.max(1, driver.syncedWrites - syncs0);
      const result: BenchResult = {
        name: `kv durable implicit put @${writers}`,
        system: 'tessera',
        value: r.opsPerSec,
        unit: 'commits/s',
        p50Ms: r.p50Ms,
        p99Ms: r.p99Ms,
        note: `${perSync.toFixed(1)} commits per synced write, ${r.cpuUsPerOp.toFixed(0)} µs CPU per commit`,
      };
      line(result);
      results.push(result);
    }
  } finally {
    await kv?.close();
    await engine.close();
    rmSync(dir, { recursive: true, force: true });
  }
  return results;
}
