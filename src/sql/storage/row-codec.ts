/**
 * The row value codec: how a row's columns are stored in a KV value. Compact and
 * schema-tolerant: each non-NULL column is written as (column id, payload), so columns
 * added later read as NULL from old rows and dropped columns are skipped. Payload layouts
 * are fixed per type; the type comes from the descriptor, not from the bytes.
 *
 * Layout: [version byte 1] then repeated: varint columnId, payload.
 *   int2/int4/date: 4 bytes LE signed; int8/timestamp(tz): 8 bytes LE signed;
 *   float4/float8: 8 bytes LE double; bool: 1 byte; uuid: 16 bytes;
 *   text/varchar/bpchar/bytea/numeric/json/jsonb: varint length + bytes (numeric as its
 *   text, jsonb as its normalised text); interval: months int32, days int32, micros int64;
 *   array: varint count, then per element a byte 0 (NULL) or 1 followed by its payload.
 */
import { assert, assertNever } from '../../util/index.ts';
import { Interval } from '../types/interval.ts';
import { Jsonb, parseJson } from '../types/jsonb.ts';
import { Numeric } from '../types/numeric.ts';
import { SqlArray } from '../types/sql-array.ts';
import type { SqlType, Value } from '../types/types.ts';

const FORMAT_VERSION = 1;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

export interface CodecColumn {
  readonly id: number;
  readonly type: SqlType;
}

class Writer {
  buf = new Uint8Array(256);
  view = new DataView(this.buf.buffer);
  len = 0;

  ensure(n: number): void {
    if (this.len + n <= this.buf.length) return;
    const next = new Uint8Array(Math.max(this.buf.length * 2, this.len + n));
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }

  varint(n: number): void {
    this.ensure(5);
    while (n >= 0x80) {
      this.buf[this.len++] = (n & 0x7f) | 0x80;
      n >>>= 7;
    }
    this.buf[this.len++] = n;
  }

  bytes(b: Uint8Array): void {
    this.varint(b.length);
    this.ensure(b.length);
    this.buf.set(b, this.len);
    this.len += b.length;
  }

  string(s: string): void {
    this.bytes(encoder.encode(s));
  }
}

// One scratch writer: encoding is synchronous, so nothing interleaves with its use.
const scratch = new Writer();

/** Encodes `values[i]` of `columns[i]`; returns a fresh array the caller owns. */
export function encodeRow(columns: readonly CodecColumn[], values: readonly Value[]): Uint8Array {
  const w = scratch;
  w.len = 0;
  w.ensure(1);
  w.buf[w.len++] = FORMAT_VERSION;
  for (let i = 0; i < columns.length; i++) {
    const v = values[i];
    if (v === null || v === undefined) continue;
    const col = columns[i]!;
    w.varint(col.id);
    writePayload(w, col.type, v);
  }
  return w.buf.slice(0, w.len);
}

function writePayload(w: Writer, type: SqlType, v: Value): void {
  switch (type.kind) {
    case 'int2': case 'int4':
      w.ensure(4); w.view.setInt32(w.len, Number(v as bigint), true); w.len += 4; return;
    case 'date':
      w.ensure(4); w.view.setInt32(w.len, v as number, true); w.len += 4; return;
    case 'int8': case 'timestamp': case 'timestamptz': case 'time': case 'oid':
      w.ensure(8); w.view.setBigInt64(w.len, v as bigint, true); w.len += 8; return;
    case 'float4': case 'float8':
      w.ensure(8); w.view.setFloat64(w.len, v as number, true); w.len += 8; return;
    case 'bool':
      w.ensure(1); w.buf[w.len++] = v === true ? 1 : 0; return;
    case 'uuid': {
      const hex = (v as string).replace(/-/g, '');
      w.ensure(16);
      for (let i = 0; i < 16; i++) w.buf[w.len++] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
      return;
    }
    case 'text': case 'varchar': case 'bpchar': case 'unknown':
      w.string(v as string); return;
    case 'numeric':
      w.string((v as Numeric).toString()); return;
    case 'bytea':
      w.bytes(v as Uint8Array); return;
    case 'json':
      w.string(v as string); return;
    case 'enum':
      // The label, not its position: positions would move if labels were ever inserted.
      w.string(type.labels[v as number] ?? ''); return;
    case 'jsonb':
      w.string((v as Jsonb).toString()); return;
    case 'interval': {
      const i = v as Interval;
      w.ensure(16);
      w.view.setInt32(w.len, i.months, true);
      w.view.setInt32(w.len + 4, i.days, true);
      w.view.setBigInt64(w.len + 8, i.micros, true);
      w.len += 16;
      return;
    }
    case 'array': {
      const items = (v as SqlArray).items;
      w.varint(items.length);
      for (const item of items) {
        w.ensure(1);
        w.buf[w.len++] = item === null ? 0 : 1;
        if (item !== null) writePayload(w, type.element, item);
      }
      return;
    }
    default:
      assertNever(type, 'type');
  }
}

/**
 * Decodes a row into `out` (length = number of table columns), placing column id c at
 * `positions[c]`. Columns absent from the bytes are left null. An id the descriptor does
 * not know (-1 or beyond the array) is a corrupt row: it is an error, never skipped.
 */
export function decodeRow(
  bytes: Uint8Array,
  positions: Int32Array,
  types: readonly SqlType[],
  out: Value[],
): void {
  if (bytes[0] !== FORMAT_VERSION) throw new Error(`internal: unknown row format ${bytes[0]}`);
  out.fill(null);
  // Made only for the payloads that need it: the common int4 and text columns read bytes.
  let view: DataView | null = null;
  let pos = 1;
  const end = bytes.length;
  while (pos < end) {
    let id = 0;
    let shift = 0;
    for (;;) {
      const b = bytes[pos++]!;
      id |= (b & 0x7f) << shift;
      if (b < 0x80) break;
      shift += 7;
    }
    const index = id < positions.length ? positions[id]! : -1;
    if (index < 0) throw new Error(`internal: row has column id ${id} that the descriptor does not know`);
    const type = types[index]!;
    // The fixed-width and text kinds inline (scans decode millions of these); the rest below.
    switch (type.kind) {
      case 'int2': case 'int4':
        // Little-endian int32, read byte by byte (no DataView for the commonest column).
        out[index] = BigInt(bytes[pos]! | (bytes[pos + 1]! << 8) | (bytes[pos + 2]! << 16) | (bytes[pos + 3]! << 24));
        pos += 4;
        continue;
      case 'text': case 'varchar': case 'bpchar': {
        let len = 0;
        let mul = 1;
        for (;;) {
          const b = bytes[pos++]!;
          len += (b & 0x7f) * mul;
          if (b < 0x80) break;
          mul *= 128;
        }
        out[index] = len === 0 ? '' : len < 24 ? asciiOrDecode(bytes, pos, len) : decoder.decode(bytes.subarray(pos, pos + len));
        pos += len;
        continue;
      }
    }
    view ??= new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    switch (type.kind) {
      case 'int8': case 'timestamp': case 'timestamptz':
        out[index] = view.getBigInt64(pos, true);
        pos += 8;
        continue;
      case 'float4': case 'float8':
        out[index] = view.getFloat64(pos, true);
        pos += 8;
        continue;
      default: {
        const [value, next] = readPayload(bytes, view, pos, type);
        out[index] = value;
        pos = next;
      }
    }
  }
}

/** A short string: built from its bytes when all are ASCII (cheaper than TextDecoder's call). */
function asciiOrDecode(bytes: Uint8Array, pos: number, len: number): string {
  let s = '';
  for (let i = pos; i < pos + len; i++) {
    const b = bytes[i]!;
    if (b >= 0x80) return decoder.decode(bytes.subarray(pos, pos + len));
    s += String.fromCharCode(b);
  }
  return s;
}

function readLength(bytes: Uint8Array, pos: number): [number, number] {
  let n = 0;
  let shift = 0;
  for (;;) {
    const b = bytes[pos++]!;
    n += (b & 0x7f) * 2 ** shift;
    if (b < 0x80) return [n, pos];
    shift += 7;
  }
}

function readPayload(bytes: Uint8Array, view: DataView, pos: number, type: SqlType): [Value, number] {
  switch (type.kind) {
    case 'int2': case 'int4':
      return [BigInt(view.getInt32(pos, true)), pos + 4];
    case 'date':
      return [view.getInt32(pos, true), pos + 4];
    case 'int8': case 'timestamp': case 'timestamptz': case 'time': case 'oid':
      return [view.getBigInt64(pos, true), pos + 8];
    case 'float4': case 'float8':
      return [view.getFloat64(pos, true), pos + 8];
    case 'bool':
      return [bytes[pos] === 1, pos + 1];
    case 'uuid': {
      let hex = '';
      for (let i = 0; i < 16; i++) hex += bytes[pos + i]!.toString(16).padStart(2, '0');
      return [`${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`, pos + 16];
    }
    case 'text': case 'varchar': case 'bpchar': case 'unknown': case 'numeric': case 'bytea': case 'json': case 'jsonb': {
      const [len, start] = readLength(bytes, pos);
      const slice = bytes.subarray(start, start + len);
      if (type.kind === 'bytea') return [slice.slice(), start + len];
      const text = decoder.decode(slice);
      if (type.kind === 'numeric') return [Numeric.fromString(text) ?? Numeric.fromBigInt(0n), start + len];
      if (type.kind === 'jsonb') return [new Jsonb(parseJson(text, 'jsonb')), start + len];
      return [text, start + len];
    }
    case 'enum': {
      const [len, start] = readLength(bytes, pos);
      const label = decoder.decode(bytes.subarray(start, start + len));
      const i = type.labels.indexOf(label);
      assert(i >= 0, () => `enum ${type.name} has no label ${label}`);
      return [i, start + len];
    }
    case 'interval':
      return [new Interval(view.getInt32(pos, true), view.getInt32(pos + 4, true), view.getBigInt64(pos + 8, true)), pos + 16];
    case 'array': {
      const [count, start] = readLength(bytes, pos);
      const items: Value[] = [];
      let at = start;
      for (let i = 0; i < count; i++) {
        if (bytes[at++] === 0) {
          items.push(null);
          continue;
        }
        const [item, next] = readPayload(bytes, view, at, type.element);
        items.push(item);
        at = next;
      }
      return [new SqlArray(items), at];
    }
    default:
      return assertNever(type, 'type');
  }
}
