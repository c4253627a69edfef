/**
 * The values the order-preserving key encoding understands. Each part of a key is one of
 * these; `encodeKey` turns a tuple of parts into bytes whose unsigned lexicographic order
 * equals the tuple order (part by part, each part in its direction).
 *
 * Ordering within a kind follows PostgreSQL's default btree order:
 * - ascending puts NULL after every value (NULLS LAST); descending before (NULLS FIRST);
 * - floats: -Infinity < ... < -0 = 0 < ... < Infinity < NaN (-0 encodes like 0);
 * - decimals: by numeric value (1.0 and 1.00 encode equal), NaN greatest;
 * - strings: by UTF-8 bytes (the C collation); bytes: unsigned lexicographic;
 * - timestamps: microseconds since the Unix epoch (dates are ints of days).
 */
export type KeyPart =
  | { readonly kind: 'null' }
  | { readonly kind: 'bool'; readonly value: boolean }
  /** A signed integer that fits in 64 bits. */
  | { readonly kind: 'int'; readonly value: bigint }
  | { readonly kind: 'float'; readonly value: number }
  /** A decimal in canonical text form ('-12.50', 'NaN', 'Infinity', '-Infinity'). */
  | { readonly kind: 'decimal'; readonly value: string }
  | { readonly kind: 'string'; readonly value: string }
  | { readonly kind: 'bytes'; readonly value: Uint8Array }
  /** Microseconds since 1970-01-01 00:00:00 UTC. */
  | { readonly kind: 'timestamp'; readonly value: bigint }
  /** Exactly 16 bytes. */
  | { readonly kind: 'uuid'; readonly value: Uint8Array };

export type Direction = 'asc' | 'desc';
