import { TesseraError } from '../../util/index.ts';

/**
 * The failures the RPC layer reports. Every one is an `RpcError` with a stable code and a
 * `retryable` flag that tells the caller whether sending the same thing again (after a
 * backoff, possibly to another node) can succeed:
 *
 * - 'rpc-timeout'        (retryable) the deadline passed before a response arrived;
 *                        the request may or may not have been executed.
 * - 'rpc-unavailable'    (retryable) no connection to the peer (dial failed, dropped
 *                        in flight, backing off, or the node is closing); a request failed
 *                        this way may have been executed if it was already written.
 * - 'rpc-frame-too-large' (not retryable) the frame exceeds `frameBytesMax`.
 * - 'rpc-handshake'      (not retryable) the peer refused us or we refused it (cluster id
 *                        or node id mismatch, unknown protocol version).
 * - 'rpc-protocol'       (not retryable) malformed bytes from the peer; the connection
 *                        is closed.
 * - 'rpc-no-handler'     (not retryable) the peer has no handler for the method.
 * - 'rpc-remote'         the handler failed; `retryable` is what the handler said.
 *
 * Separately, `unsent` says the request never left this node (no connection, backing off,
 * too many in flight, too large): the peer cannot have acted on it. Any other failure of a
 * request may come after the peer executed it.
 */
export type RpcErrorCode =
  | 'rpc-timeout'
  | 'rpc-unavailable'
  | 'rpc-frame-too-large'
  | 'rpc-handshake'
  | 'rpc-protocol'
  | 'rpc-no-handler'
  | 'rpc-remote';

export class RpcError extends TesseraError {
  constructor(
    override readonly code: RpcErrorCode,
    message: string,
    readonly retryable: boolean,
    options?: { cause?: unknown; unsent?: boolean },
  ) {
    super(code, message, options);
    this.name = 'RpcError';
    this.unsent = options?.unsent ?? false;
  }

  /** True when the request was never written to the peer. */
  readonly unsent: boolean;
}

/** The same failure, marked as raised before the request was written (see `unsent`). */
export function unsentError(e: unknown): unknown {
  if (!(e instanceof RpcError) || e.unsent) return e;
  return new RpcError(e.code, e.message, e.retryable, { cause: e.cause, unsent: true });
}

/** Whether the peer may have executed a request that failed with `e` (true unless known unsent). */
export function mayHaveBeenDelivered(e: unknown): boolean {
  return !(e instanceof RpcError && e.unsent);
}

/** Whether an error thrown by this layer may be retried (false for anything foreign). */
export function isRetryableRpcError(e: unknown): boolean {
  return e instanceof RpcError && e.retryable;
}

const RETRYABLE_BY_DEFAULT: ReadonlySet<RpcErrorCode> = new Set(['rpc-timeout', 'rpc-unavailable']);

/** An RpcError whose retryability follows its code (used for errors decoded off the wire). */
export function rpcError(code: RpcErrorCode, message: string, retryable = RETRYABLE_BY_DEFAULT.has(code)): RpcError {
  return new RpcError(code, message, retryable);
}

const CODES: ReadonlySet<string> = new Set<RpcErrorCode>([
  'rpc-timeout',
  'rpc-unavailable',
  'rpc-frame-too-large',
  'rpc-handshake',
  'rpc-protocol',
  'rpc-no-handler',
  'rpc-remote',
]);

/** Narrows a code read off the wire; unknown codes become 'rpc-remote'. */
export function toRpcErrorCode(s: string): RpcErrorCode {
  return CODES.has(s) ? (s as RpcErrorCode) : 'rpc-remote';
}
