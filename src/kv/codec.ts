import { assert } from '../util/index.ts';
import type { Timestamp } from './timestamp.ts';

/**
 * A tiny append-only binary writer and its reader, for kv's stored records (intents, txn
 * records, range descriptors). Integers are big-endian; byte strings are length-prefixed.
 * The reader asserts on truncated input: stored records are written by us, so a bad one is
 * corruption, not an expected outcome.
 */
export class ByteWriter {
  private buf: Uint8Array;
  private view: DataView;
  private length = 0;

  constructor(capacity = 64) {
    this.buf = new Uint8Array(capacity);
    this.view = new DataView(this.buf.buffer);
  }

  private reserve(n: number): void {
    if (this.length + n <= this.buf.length) return;
    const next = new Uint8Array(Math.max(this.buf.length * 2, this.length + n));
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }

  u8(v: number): this {
    this.reserve(1);
    this.view.setUint8(this.length, v);
    this.length += 1;
    return this;
  }

  u32(v: number): this {
    this.reserve(4);
    this.view.setUint32(this.length, v);
    this.length += 4;
    return this;
  }

  u64(v: bigint): this {
    this.reserve(8);
    this.view.setBigUint64(this.length, v);
    this.length += 8;
    return this;
  }

  timestamp(ts: Timestamp): this {
    return this.u64(ts.wall).u32(ts.logical);
  }

  bytes(v: Uint8Array): this {
    this.u32(v.length);
    this.reserve(v.length);
    this.buf.set(v, this.length);
    this.length += v.length;
    return this;
  }

  /** The bytes written so far (a copy-free view; the writer must not be used afterwards). */
  finish(): Uint8Array {
    return this.buf.subarray(0, this.length);
  }
}

export class ByteReader {
  private at = 0;
  private readonly view: DataView;

  constructor(private readonly buf: Uint8Array) {
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }

  private need(n: number): void {
    assert(this.at + n <= this.buf.length, () => `truncated record: need ${n} bytes at ${this.at} of ${this.buf.length}`);
  }

  u8(): number {
    this.need(1);
    const v = this.view.getUint8(this.at);
    this.at += 1;
    return v;
  }

  u32(): number {
    this.need(4);
    const v = this.view.getUint32(this.at);
    this.at += 4;
    return v;
  }

  u64(): bigint {
    this.need(8);
    const v = this.view.getBigUint64(this.at);
    this.at += 8;
    return v;
  }

  timestamp(): Timestamp {
    const wall = this.u64();
    return { wall, logical: this.u32() };
  }

  /** A copy of the next length-prefixed byte string (callers may keep it). */
  bytes(): Uint8Array {
    const n = this.u32();
    this.need(n);
    const v = Uint8Array.prototype.slice.call(this.buf, this.at, this.at + n);
    this.at += n;
    return v;
  }

  get done(): boolean {
    return this.at === this.buf.length;
  }

  expectDone(what: string): void {
    assert(this.done, () => `${what}: ${this.buf.length - this.at} trailing bytes`);
  }
}
