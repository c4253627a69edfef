// Closed-loop load through the `pg` driver: N connections, each issuing one statement at a
// time for a fixed duration. Reports ops/s and latency percentiles.
import pg from 'pg';

export interface LoadResult {
  readonly opsPerSec: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly errors: number;
}

export type Op = (client: pg.Client, worker: number, i: number) => Promise<unknown>;

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!;
}

/** Runs `op` on `connections` clients for `seconds` (plus a short warm-up not counted). */
export async function runLoad(url: string, connections: number, seconds: number, op: Op): Promise<LoadResult> {
  const clients = await Promise.all(
    Array.from({ length: connections }, async () => {
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      return c;
    }),
  );
  try {
    const warmupEnd = performance.now() + 500;
    await Promise.all(clients.map(async (c, w) => {
      for (let i = 0; performance.now() < warmupEnd; i++) await op(c, w, -1 - i).catch(() => undefined);
    }));
    const latencies: number[] = [];
    let errors = 0;
    const start = performance.now();
    const end = start + seconds * 1000;
    await Promise.all(clients.map(async (c, w) => {
      for (let i = 0; performance.now() < end; i++) {
        const t0 = performance.now();
        try {
          await op(c, w, i);
          latencies.push(performance.now() - t0);
        } catch {
          errors++;
        }
      }
    }));
    const elapsed = (performance.now() - start) / 1000;
    const sorted = Float64Array.from(latencies).sort();
    return { opsPerSec: latencies.length / elapsed, p50Ms: percentile(sorted, 0.5), p99Ms: percentile(sorted, 0.99), errors };
  } finally {
    await Promise.all(clients.map((c) => c.end().catch(() => undefined)));
  }
}
