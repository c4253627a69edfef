/**
 * The decoding side's cursor and its one way of failing.
 */
import { TesseraError } from '../errors.ts';

/**
 * Throws the error decodeKey reports for bytes that are not a valid encoding. Keys come
 * from storage and from other nodes, so bad bytes are an error with a stable code rather
 * than an assertion about our own code.
 */
export function malformed(message: string): never {
  throw new TesseraError('bad-key-encoding', `bad key encoding: ${message}`);
}

/** What decoding reads from: the key, the position, and the mask (0 asc, 0xff desc). */
export interface KeyReader {
  readonly key: Uint8Array;
  pos: number;
  /** XORed into every byte read: 0xff undoes the inversion of a descending part. */
  mask: number;
}

/** Reads one byte (unmasked), failing on truncation. */
export function readByte(r: KeyReader): number {
  const b = r.key[r.pos];
  if (b === undefined) malformed(`truncated at byte ${r.pos}`);
  r.pos++;
  return b ^ r.mask;
}

/** Fails unless `bytes` more bytes are available at the reader's position. */
export function need(r: KeyReader, bytes: number): void {
  if (r.pos + bytes > r.key.length) malformed(`truncated: need ${bytes} bytes at ${r.pos}`);
}
