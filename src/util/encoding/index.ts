/**
 * util/encoding: the order-preserving tuple encoding of keys. A key is a tuple of
 * KeyParts, each ascending or descending; encodeKey turns it into bytes whose unsigned
 * lexicographic order (compareBytes) equals the tuple's value order (compareKeys), and
 * decodeKey reads it back knowing only the number of parts and their directions.
 * The byte layout is documented in key-codec.ts and README.md.
 */
export type { KeyPart, Direction } from './key-part.ts';
export { encodeKey, appendKey, decodeKey } from './tuple.ts';
export { compareBytes, prefixEnd, compareKeyParts, keyPartEquals, compareKeys, compareStrings } from './compare.ts';
export { nul, bool, int, float, decimal, str, bytes, timestamp, uuid, uuidToString } from './parts.ts';
export { canonicalDecimal } from './decimal-codec.ts';
export { INT64_MIN, INT64_MAX } from './int-codec.ts';
