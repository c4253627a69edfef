/**
 * Clock offset monitoring between the nodes of a cluster. Transactions are only correct
 * while every clock is within the maximum offset of the others (read uncertainty intervals
 * are that wide), so a node whose clock is off by more must stop serving instead of
 * handing out timestamps the others cannot account for.
 *
 * Every `intervalMs` the node asks each live peer for its wall clock ('clock.ping') and
 * estimates the offset as the peer's reading minus this node's clock at the middle of the
 * round trip; half the round trip bounds the error. A peer is out of reach of this node's
 * clock when |offset| minus that error exceeds the maximum offset. When more than half of
 * the cluster (this node counted, agreeing with itself) is out of reach, `judgeClockOffsets`
 * says this node's clock is the wrong one; after `strikes` such judgements in a row the
 * monitor calls `onFatal` with a message naming the offsets. With a single bad clock among
 * three nodes only the bad node reaches that verdict: each good node sees one peer of two
 * out of reach, not a majority.
 */
import type { Env } from '../util/index.ts';
import { decodeValue, encodeValue, type RpcNode } from '../kv/index.ts';

export interface PeerOffset {
  readonly nodeId: number;
  /** The peer's clock minus this node's, in ms. */
  readonly offsetMs: number;
  /** The measurement's round trip, in ms (half of it bounds the error). */
  readonly rttMs: number;
}

export type ClockVerdict = { readonly ok: true } | { readonly ok: false; readonly why: string };

export function judgeClockOffsets(samples: readonly PeerOffset[], maxOffsetMs: number): ClockVerdict {
  const far = samples.filter((s) => Math.abs(s.offsetMs) - s.rttMs / 2 > maxOffsetMs);
  if (far.length === 0 || far.length <= (samples.length + 1) / 2) return { ok: true };
  const listed = far.map((s) => `n${s.nodeId} ${s.offsetMs > 0 ? '+' : ''}${Math.round(s.offsetMs)} ms`).join(', ');
  return {
    ok: false,
    why: `this node's clock is off from ${far.length} of its ${samples.length} peers by more than the maximum offset of ${maxOffsetMs} ms (${listed}); it stops serving so that no transaction gets a timestamp the others cannot account for`,
  };
}

export interface ClockMonitorOptions {
  readonly maxOffsetMs: number;
  /** Live peers (this node excluded). */
  readonly peers: () => readonly number[];
  readonly intervalMs?: number;
  /** Judgements in a row before giving up (a single slow round is not a verdict). */
  readonly strikes?: number;
  readonly onFatal: (why: string) => void;
}

const SAMPLE_TTL_MS = 10_000;

/** Starts answering and sending clock pings; returns what stops it. */
export function startClockMonitor(env: Env, rpc: RpcNode, o: ClockMonitorOptions): () => void {
  rpc.handle('clock.ping', async () => encodeValue(String(env.clock.nowNanos())));
  const samples = new Map<number, PeerOffset & { readonly atMs: number }>();
  let strikes = 0;
  let fatal = false;
  let running = false;
  const measure = async (peer: number): Promise<void> => {
    const t0 = env.clock.monotonicMs();
    const wall0 = env.clock.nowNanos();
    const remote = BigInt(decodeValue(await rpc.request(peer, 'clock.ping', new Uint8Array(0), { timeoutMs: 2_000 })) as string);
    const rttMs = env.clock.monotonicMs() - t0;
    const middle = wall0 + BigInt(Math.round((rttMs / 2) * 1e6));
    samples.set(peer, { nodeId: peer, offsetMs: Number(remote - middle) / 1e6, rttMs, atMs: env.clock.monotonicMs() });
  };
  const round = async (): Promise<void> => {
    const peers = o.peers();
    await Promise.all(peers.map((p) => measure(p).catch(() => undefined)));
    const now = env.clock.monotonicMs();
    const fresh = [...samples.values()].filter((s) => peers.includes(s.nodeId) && now - s.atMs < SAMPLE_TTL_MS);
    const verdict = judgeClockOffsets(fresh, o.maxOffsetMs);
    if (verdict.ok) {
      strikes = 0;
      return;
    }
    strikes++;
    env.logger.warn({ offsets: fresh.map((s) => ({ node: s.nodeId, offsetMs: Math.round(s.offsetMs), rttMs: Math.round(s.rttMs) })), strikes }, 'clock offset beyond the maximum');
    if (strikes >= (o.strikes ?? 3) && !fatal) {
      fatal = true;
      o.onFatal(verdict.why);
    }
  };
  const timer = setInterval(() => {
    if (running || fatal) return;
    running = true;
    round().finally(() => (running = false));
  }, o.intervalMs ?? 1_000);
  timer.unref();
  return () => clearInterval(timer);
}
