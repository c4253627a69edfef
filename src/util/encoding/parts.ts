/**
 * Constructors for key parts, so callers write int(5) rather than object literals. They
 * check the domain where a mistake would otherwise surface far away (in encodeKey).
 */
import { assert } from '../assert.ts';
import type { KeyPart } from './key-part.ts';
import { INT64_MAX, INT64_MIN } from './int-codec.ts';
import { canonicalDecimal } from './decimal-codec.ts';
import { UUID_BYTES } from './key-codec.ts';

type PartOf<K extends KeyPart['kind']> = Extract<KeyPart, { kind: K }>;

const NULL_PART: PartOf<'null'> = Object.freeze({ kind: 'null' });

/** The SQL NULL. */
export function nul(): PartOf<'null'> {
  return NULL_PART;
}

export function bool(value: boolean): PartOf<'bool'> {
  return { kind: 'bool', value };
}

function toInt64(value: bigint | number, what: string): bigint {
  if (typeof value === 'number') {
    assert(Number.isSafeInteger(value), () => `${what} ${value} is not a safe integer; pass a bigint`);
    return BigInt(value);
  }
  assert(value >= INT64_MIN && value <= INT64_MAX, () => `${what} ${value} is outside the 64-bit range`);
  return value;
}

/** A 64-bit integer; a number must be a safe integer. */
export function int(value: bigint | number): PartOf<'int'> {
  return { kind: 'int', value: toInt64(value, 'int') };
}

export function float(value: number): PartOf<'float'> {
  return { kind: 'float', value };
}

/** A decimal from its text, stored canonically (decimal('1.50').value === '1.5'). */
export function decimal(text: string): PartOf<'decimal'> {
  return { kind: 'decimal', value: canonicalDecimal(text) };
}

export function str(value: string): PartOf<'string'> {
  return { kind: 'string', value };
}

/** Bytes; the part keeps a reference to `value`, which the caller must not mutate. */
export function bytes(value: Uint8Array): PartOf<'bytes'> {
  return { kind: 'bytes', value };
}

/** Microseconds since the Unix epoch. */
export function timestamp(micros: bigint | number): PartOf<'timestamp'> {
  return { kind: 'timestamp', value: toInt64(micros, 'timestamp') };
}

const UUID_TEXT = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;

/** A uuid from its 16 bytes or its text ('123e4567-e89b-12d3-a456-426614174000'). */
export function uuid(value: Uint8Array | string): PartOf<'uuid'> {
  if (typeof value !== 'string') {
    assert(value.length === UUID_BYTES, () => `uuid must be ${UUID_BYTES} bytes, got ${value.length}`);
    return { kind: 'uuid', value };
  }
  assert(UUID_TEXT.test(value), () => `not a uuid: ${JSON.stringify(value)}`);
  const hex = value.replaceAll('-', '');
  const out = new Uint8Array(UUID_BYTES);
  for (let i = 0; i < UUID_BYTES; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return { kind: 'uuid', value: out };
}

/** The canonical text of a uuid's bytes: lower-case hex in 8-4-4-4-12 groups. */
export function uuidToString(value: Uint8Array): string {
  assert(value.length === UUID_BYTES, () => `uuid must be ${UUID_BYTES} bytes, got ${value.length}`);
  let hex = '';
  for (const b of value) hex += b.toString(16).padStart(2, '0');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
