/**
 * Messages a PostgreSQL client sends, as the decoder yields them. Byte fields (`Uint8Array`)
 * are views into the input chunks the decoder was given: they stay valid for as long as the
 * caller keeps them, and nobody may write into them.
 */

/** Protocol 3.0 in the startup packet's version word: major << 16 | minor. */
export const protocolVersion30 = 196608;
export const sslRequestCode = 80877103;
export const gssEncRequestCode = 80877104;
export const cancelRequestCode = 80877102;

export type DescribeTarget = 'statement' | 'portal';

export type FrontendMessage =
  // Startup phase: packets without a type byte.
  | {
      readonly kind: 'startup';
      readonly protocolMajor: number;
      readonly protocolMinor: number;
      /** Name/value pairs in the order sent (user, database, options, _pq_.* ...). */
      readonly params: ReadonlyMap<string, string>;
    }
  | { readonly kind: 'ssl-request' }
  | { readonly kind: 'gssenc-request' }
  | { readonly kind: 'cancel-request'; readonly processId: number; readonly secretKey: number }
  // Typed messages.
  | { readonly kind: 'query'; readonly sql: string }
  | { readonly kind: 'parse'; readonly name: string; readonly sql: string; readonly paramTypeOids: readonly number[] }
  | {
      readonly kind: 'bind';
      readonly portal: string;
      readonly statement: string;
      readonly paramFormats: readonly number[];
      /** Raw parameter bytes; null is SQL NULL. */
      readonly params: readonly (Uint8Array | null)[];
      readonly resultFormats: readonly number[];
    }
  | { readonly kind: 'describe'; readonly target: DescribeTarget; readonly name: string }
  /** maxRows 0 means all rows (the wire's negative values are normalised to 0). */
  | { readonly kind: 'execute'; readonly portal: string; readonly maxRows: number }
  | { readonly kind: 'close'; readonly target: DescribeTarget; readonly name: string }
  | { readonly kind: 'sync' }
  | { readonly kind: 'flush' }
  | { readonly kind: 'terminate' }
  /**
   * 'p': PasswordMessage, SASLInitialResponse or SASLResponse share the type byte; which one
   * it is depends on the authentication exchange, so the body is left raw for the
   * authenticator to read.
   */
  | { readonly kind: 'password'; readonly data: Uint8Array }
  | { readonly kind: 'copy-data'; readonly data: Uint8Array }
  | { readonly kind: 'copy-done' }
  | { readonly kind: 'copy-fail'; readonly message: string }
  /** 'F': the legacy fast-path function call; decoded only far enough to refuse it. */
  | { readonly kind: 'function-call' };

export type FrontendMessageKind = FrontendMessage['kind'];

/** Why the decoder stopped. Always reported to the client as SQLSTATE 08P01, then the connection closes. */
export type ProtocolViolationReason =
  | 'startup-length'
  | 'message-length'
  | 'unknown-message-type'
  | 'malformed-message'
  | 'message-too-large';

export interface ProtocolViolation {
  readonly code: '08P01';
  readonly reason: ProtocolViolationReason;
  readonly message: string;
}
