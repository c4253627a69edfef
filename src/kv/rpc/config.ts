import { assert } from '../../util/index.ts';

/** The RPC layer's limits and timings. Every field has a default (`defaultRpcConfig`). */
export interface RpcConfig {
  /** A frame (length prefix excluded) carries at most this many bytes, in both directions. */
  readonly frameBytesMax: number;
  /** Deadline of a request when the caller names none. */
  readonly requestTimeoutMs: number;
  /** Requests in flight on one connection, at most; more fail with 'rpc-unavailable'. */
  readonly requestsInflightMax: number;
  /** A dial (TCP connect plus handshake) that takes longer than this fails. */
  readonly dialTimeoutMs: number;
  /** Reconnect backoff: the first delay, the cap, and the jitter fraction taken off. */
  readonly backoffInitialMs: number;
  readonly backoffMaxMs: number;
  readonly backoffJitter: number;
  /** A stream sends chunks of at most this many bytes (larger writes are split). */
  readonly streamChunkBytesMax: number;
  /** Chunks a stream sender may have unacknowledged: the receiver's window. */
  readonly streamWindowChunks: number;
  /** Deadline of a whole stream when the caller names none. */
  readonly streamTimeoutMs: number;
  /**
   * Bytes queued on a connection's socket above which raft batches are dropped rather
   * than queued: Raft retransmits, and a stale queue only delays the fresh messages.
   */
  readonly raftQueueBytesMax: number;
  /** A raft frame is cut once its encoding exceeds this many bytes. */
  readonly raftBatchBytesTarget: number;
}

export const defaultRpcConfig: RpcConfig = {
  frameBytesMax: 16 * 1024 * 1024,
  requestTimeoutMs: 5_000,
  requestsInflightMax: 10_000,
  dialTimeoutMs: 3_000,
  backoffInitialMs: 50,
  backoffMaxMs: 5_000,
  backoffJitter: 0.5,
  streamChunkBytesMax: 256 * 1024,
  streamWindowChunks: 8,
  streamTimeoutMs: 60_000,
  raftQueueBytesMax: 32 * 1024 * 1024,
  raftBatchBytesTarget: 1024 * 1024,
};

/** Fills defaults and validates. Throws an AssertionError on nonsense values. */
export function rpcConfig(overrides: Partial<RpcConfig> = {}): RpcConfig {
  const c: RpcConfig = { ...defaultRpcConfig, ...overrides };
  for (const [name, value] of Object.entries(c)) {
    if (name === 'backoffJitter') continue;
    assert(Number.isInteger(value) && (value as number) >= 1, () => `rpc config ${name} must be an integer >= 1, got ${String(value)}`);
  }
  assert(c.backoffJitter >= 0 && c.backoffJitter <= 1, () => `rpc config backoffJitter must be in [0, 1], got ${c.backoffJitter}`);
  assert(c.backoffInitialMs <= c.backoffMaxMs, 'rpc config backoffInitialMs must not exceed backoffMaxMs');
  // A chunk plus its frame header (kind, stream id) must fit a frame.
  assert(c.streamChunkBytesMax + 16 <= c.frameBytesMax, 'rpc config streamChunkBytesMax must leave room in frameBytesMax');
  assert(c.raftBatchBytesTarget <= c.frameBytesMax, 'rpc config raftBatchBytesTarget must not exceed frameBytesMax');
  return c;
}

/**
 * The delay before reconnect attempt `attempt` (0 = first retry after a drop): exponential
 * from `backoffInitialMs`, capped at `backoffMaxMs`, with up to `backoffJitter` of it taken
 * off at random so that the nodes of a cluster that lost the same peer do not all redial
 * in the same instant. Pure: `random` is a number in [0, 1).
 */
export function backoffDelayMs(config: RpcConfig, attempt: number, random: number): number {
  assert(attempt >= 0 && random >= 0 && random < 1, 'backoff: attempt >= 0 and random in [0, 1)');
  const exp = Math.min(config.backoffMaxMs, config.backoffInitialMs * 2 ** Math.min(attempt, 30));
  return Math.max(1, Math.round(exp * (1 - config.backoffJitter * random)));
}
