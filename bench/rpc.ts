/**
 * Node-to-node RPC benchmarks, two RpcNodes in this process over loopback TCP:
 *
 * - request/response round trips per second (64-byte payloads) with 1 and 64 in flight,
 *   with p50/p99 latency;
 * - raft batch throughput: flush cycles of 16 ranges x 4 entries of 128 bytes sent by one
 *   node's RpcRaftTransport and decoded by the other's, up to 8 cycles in flight;
 * - coalesced heartbeats: cycles of 1,000 ranges' heartbeats per second;
 * - the hand-written raft codec alone: encode + decode of one busy cycle, in µs.
 *
 * Run standalone: node --import tsx bench/rpc.ts   (BENCH_SECONDS per workload, default 3)
 */
import { RpcNode, RpcRaftTransport, decodeRaftBatch, encodeRaftBatch, type RaftBatch } from '../src/kv/rpc/index.ts';
import type { NodeId, RangeId } from '../src/kv/index.ts';
import { replicaId, type Entry, type Message } from '../src/raft/index.ts';
import { seededRandom, silentLogger, systemClock, type Env } from '../src/util/index.ts';
import type { BenchResult } from './result.ts';

const seconds = Number(process.env['BENCH_SECONDS'] ?? 3);
const env = (seed: number): Env => ({ clock: systemClock, random: seededRandom(seed), logger: silentLogger(), buggify: () => false });
const r1 = replicaId(1);
const r2 = replicaId(2);

async function pair(): Promise<{ a: RpcNode; b: RpcNode }> {
  const a = new RpcNode({ env: env(1), clusterId: 'bench', nodeId: 1 });
  const b = new RpcNode({ env: env(2), clusterId: 'bench', nodeId: 2 });
  await a.listen('127.0.0.1', 0);
  const addr = await b.listen('127.0.0.1', 0);
  a.setPeerAddress(2, addr);
  b.handle('echo', async (p) => p);
  await a.request(2, 'echo', new Uint8Array(1));
  return { a, b };
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? 0;
}

async function roundTrips(a: RpcNode, inflight: number): Promise<BenchResult> {
  const payload = new Uint8Array(64).fill(1);
  const latencies: number[] = [];
  const until = performance.now() + seconds * 1000;
  const worker = async (): Promise<void> => {
    while (performance.now() < until) {
      const t0 = performance.now();
      await a.request(2, 'echo', payload);
      latencies.push(performance.now() - t0);
    }
  };
  const start = performance.now();
  await Promise.all(Array.from({ length: inflight }, worker));
  const elapsed = (performance.now() - start) / 1000;
  latencies.sort((x, y) => x - y);
  return {
    name: `rpc round trips, ${inflight} in flight`,
    value: latencies.length / elapsed,
    unit: 'req/s',
    p50Ms: percentile(latencies, 0.5),
    p99Ms: percentile(latencies, 0.99),
    note: '64-byte echo over loopback, one connection',
  };
}

const rid = (n: number): RangeId => BigInt(n) as RangeId;

function busyCycle(seq: number): { rangeId: RangeId; messages: Message[] }[] {
  return Array.from({ length: 16 }, (_, r) => ({
    rangeId: rid(r + 1),
    messages: [{
      kind: 'app', from: r1, to: r2, term: 3, index: seq * 4, logTerm: 3, commit: seq * 4,
      entries: Array.from({ length: 4 }, (_, e): Entry => ({ index: seq * 4 + e + 1, term: 3, kind: 'normal', data: new Uint8Array(128).fill(e) })),
    }],
  }));
}

async function raftThroughput(a: RpcNode, b: RpcNode): Promise<BenchResult[]> {
  const ta = new RpcRaftTransport(a);
  const tb = new RpcRaftTransport(b);
  let cyclesIn = 0;
  let entriesIn = 0;
  let heartbeatsIn = 0;
  let wake: (() => void) | null = null;
  tb.onMessages((_from, batch) => {
    if (batch.heartbeats.length > 0) heartbeatsIn += batch.heartbeats.length;
    if (batch.ranges.length > 0) cyclesIn++;
    for (const r of batch.ranges) for (const m of r.messages) if (m.kind === 'app') entriesIn += m.entries.length;
    wake?.();
  });
  const results: BenchResult[] = [];
  // Busy cycles, up to 8 in flight (a leader pipelines appends; the window bounds memory).
  let sent = 0;
  let until = performance.now() + seconds * 1000;
  let start = performance.now();
  while (performance.now() < until) {
    while (sent - cyclesIn < 8) {
      for (const { rangeId, messages } of busyCycle(sent)) ta.send(2 as NodeId, rangeId, messages);
      ta.flush();
      sent++;
    }
    await new Promise<void>((resolve) => (wake = resolve));
  }
  let elapsed = (performance.now() - start) / 1000;
  results.push({ name: 'raft batches (16 ranges x 4 entries x 128 B per flush)', value: cyclesIn / elapsed, unit: 'flushes/s', note: `${Math.round(entriesIn / elapsed)} entries/s, ${((entriesIn * 128) / elapsed / 1e6).toFixed(1)} MB/s of entry data` });
  // Coalesced heartbeats of 1,000 ranges per cycle, one cycle in flight at a time.
  const heartbeats = Array.from({ length: 1000 }, (_, i) => ({ rangeId: rid(i + 1), from: r1, to: r2, term: 3, commit: i, quiesce: false }));
  let hbCycles = 0;
  until = performance.now() + seconds * 1000;
  start = performance.now();
  while (performance.now() < until) {
    const target = heartbeatsIn + 1000;
    ta.sendHeartbeats(2 as NodeId, heartbeats, []);
    ta.flush();
    while (heartbeatsIn < target) await new Promise<void>((resolve) => (wake = resolve));
    hbCycles++;
  }
  elapsed = (performance.now() - start) / 1000;
  results.push({ name: 'coalesced heartbeats (1,000 ranges per message)', value: hbCycles / elapsed, unit: 'messages/s', note: `${Math.round((hbCycles * 1000) / elapsed)} range heartbeats/s` });
  return results;
}

function codecMicros(): BenchResult {
  const batch: RaftBatch = { ranges: busyCycle(1000), heartbeats: [], heartbeatResps: [] };
  const bytes = encodeRaftBatch(batch).length;
  let n = 0;
  const start = performance.now();
  while (performance.now() - start < 1000) {
    for (let i = 0; i < 100; i++) decodeRaftBatch(encodeRaftBatch(batch));
    n += 100;
  }
  return { name: 'raft codec encode+decode (16 ranges x 4 entries x 128 B)', value: ((performance.now() - start) * 1000) / n, unit: 'µs', note: `${bytes} bytes on the wire` };
}

export async function benchRpc(): Promise<BenchResult[]> {
  const { a, b } = await pair();
  try {
    const results: BenchResult[] = [];
    for (const inflight of [1, 64]) {
      const r = await roundTrips(a, inflight);
      console.log(`${r.name}: ${Math.round(r.value)} ${r.unit} (p50 ${r.p50Ms?.toFixed(3)} ms, p99 ${r.p99Ms?.toFixed(3)} ms)`);
      results.push(r);
    }
    for (const r of await raftThroughput(a, b)) {
      console.log(`${r.name}: ${Math.round(r.value)} ${r.unit} (${r.note ?? ''})`);
      results.push(r);
    }
    const c = codecMicros();
    console.log(`${c.name}: ${c.value.toFixed(1)} ${c.unit} (${c.note ?? ''})`);
    results.push(c);
    return results;
  } finally {
    await Promise.all([a.close(), b.close()]);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await benchRpc();
