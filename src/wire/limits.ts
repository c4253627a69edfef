import { assert } from '../util/index.ts';

/**
 * Every bound of the pgwire layer, with its unit. The defaults follow PostgreSQL where it has
 * one (1 GiB - 1 for large messages, 10,000 bytes for the startup packet and for small control
 * messages) so that clients behave as they do against PostgreSQL; tests shrink them.
 */
export interface WireLimits {
  /** Largest startup-phase packet (StartupMessage, SSLRequest, CancelRequest), length word included. */
  readonly startupMessageBytesMax: number;
  /**
   * Largest message that carries user data (Query, Parse, Bind, CopyData, FunctionCall),
   * length word included, type byte excluded.
   */
  readonly messageBytesMax: number;
  /** Largest control message (Sync, Flush, Describe, Execute, Close, Terminate, Password, CopyDone, CopyFail). */
  readonly smallMessageBytesMax: number;
  /**
   * Output waiting in the socket above which the connection stops pulling rows from the
   * session until the socket drains ('drain'): back-pressure towards the executor.
   */
  readonly writeBufferBytesHighWater: number;
  /** Encoded output in the current batch above which it is written out before the batch ends. */
  readonly batchBytesFlushThreshold: number;
  /**
   * Undecoded input above which the connection pauses reading from the socket until the
   * messages already buffered are handled (a pipelining client cannot make us buffer more).
   */
  readonly readBufferBytesHighWater: number;
  /** Time a new connection has to finish startup before it is dropped (PostgreSQL's authentication_timeout). */
  readonly startupTimeoutMs: number;
  /** Concurrent connections per server; more are refused with FATAL 53300 (PostgreSQL's max_connections). */
  readonly connectionsMax: number;
}

export const defaultWireLimits: WireLimits = {
  startupMessageBytesMax: 10_000,
  messageBytesMax: 0x3fff_ffff,
  smallMessageBytesMax: 10_000,
  writeBufferBytesHighWater: 256 * 1024,
  batchBytesFlushThreshold: 64 * 1024,
  readBufferBytesHighWater: 1024 * 1024,
  startupTimeoutMs: 60_000,
  connectionsMax: 1000,
};

/** Fills in defaults and checks that the limits make sense together; a bad config is a bug. */
export function resolveWireLimits(overrides: Partial<WireLimits> = {}): WireLimits {
  const limits: WireLimits = { ...defaultWireLimits, ...overrides };
  for (const [name, value] of Object.entries(limits)) {
    assert(Number.isSafeInteger(value) && value > 0, () => `wire limit ${name} must be a positive integer, got ${String(value)}`);
  }
  // A startup packet is at least 8 bytes and a typed message at least 4 (its length word).
  assert(limits.startupMessageBytesMax >= 8, 'startupMessageBytesMax must be >= 8');
  assert(limits.smallMessageBytesMax >= 4, 'smallMessageBytesMax must be >= 4');
  assert(limits.messageBytesMax >= limits.smallMessageBytesMax, 'messageBytesMax must be >= smallMessageBytesMax');
  assert(limits.messageBytesMax <= 0x7fff_ffff, 'messageBytesMax must fit the int32 length word');
  return limits;
}
