import { rpcError } from './errors.ts';

/**
 * The byte writer and reader of the RPC wire format. Unlike kv's stored-record codec,
 * these bytes come from another process: a malformed input is the peer's fault, not a bug
 * of ours, so the reader throws `RpcError('rpc-protocol')` (the connection is closed)
 * instead of asserting. Integers are unsigned LEB128 varints up to 2^53 (raft indexes,
 * terms and ids are small, so most take one or two bytes); byte strings are
 * varint-length-prefixed.
 */
export class BufWriter {
  private buf: Uint8Array;
  private at = 0;

  constructor(capacity = 256) {
    this.buf = new Uint8Array(capacity);
  }

  get length(): number {
    return this.at;
  }

  private reserve(n: number): void {
    if (this.at + n <= this.buf.length) return;
    const next = new Uint8Array(Math.max(this.buf.length * 2, this.at + n));
    next.set(this.buf.subarray(0, this.at));
    this.buf = next;
  }

  u8(v: number): this {
    this.reserve(1);
    this.buf[this.at++] = v;
    return this;
  }

  /** A fixed big-endian u32 at `pos` (already written): for back-patched lengths. */
  patchU32(pos: number, v: number): void {
    this.buf[pos] = v >>> 24;
    this.buf[pos + 1] = (v >>> 16) & 0xff;
    this.buf[pos + 2] = (v >>> 8) & 0xff;
    this.buf[pos + 3] = v & 0xff;
  }

  u32(v: number): this {
    this.reserve(4);
    this.patchU32(this.at, v);
    this.at += 4;
    return this;
  }

  /** A non-negative safe integer as a varint. */
  uint(v: number): this {
    this.reserve(8);
    // Below 2^31 bit operations are exact and fast; above, arithmetic keeps 53 bits.
    while (v >= 0x80) {
      this.buf[this.at++] = (v >= 0x80000000 ? v % 128 : v & 0x7f) | 0x80;
      v = v >= 0x80000000 ? Math.floor(v / 128) : v >>> 7;
    }
    this.buf[this.at++] = v;
    return this;
  }

  bool(v: boolean): this {
    return this.u8(v ? 1 : 0);
  }

  bytes(v: Uint8Array): this {
    this.uint(v.length);
    this.reserve(v.length);
    this.buf.set(v, this.at);
    this.at += v.length;
    return this;
  }

  string(s: string): this {
    return this.bytes(textEncoder.encode(s));
  }

  /** The bytes written (a view: the writer must not be used afterwards). */
  finish(): Uint8Array {
    return this.buf.subarray(0, this.at);
  }
}

const textEncoder = new TextEncoder();
const textDecoder = new TextDecoder('utf-8', { fatal: true });

export class BufReader {
  private at = 0;

  constructor(private readonly buf: Uint8Array) {}

  private need(n: number): void {
    if (this.at + n > this.buf.length) {
      throw rpcError('rpc-protocol', `truncated message: need ${n} bytes at ${this.at} of ${this.buf.length}`);
    }
  }

  u8(): number {
    this.need(1);
    return this.buf[this.at++] as number;
  }

  u32(): number {
    this.need(4);
    const b = this.buf;
    const v = ((b[this.at] as number) * 0x1000000 + (((b[this.at + 1] as number) << 16) | ((b[this.at + 2] as number) << 8) | (b[this.at + 3] as number)));
    this.at += 4;
    return v;
  }

  uint(): number {
    let v = 0;
    let scale = 1;
    for (let i = 0; i < 8; i++) {
      const b = this.u8();
      v += (b & 0x7f) * scale;
      if (b < 0x80) {
        if (!Number.isSafeInteger(v)) break;
        return v;
      }
      scale *= 128;
    }
    throw rpcError('rpc-protocol', 'varint out of range');
  }

  bool(): boolean {
    const b = this.u8();
    if (b > 1) throw rpcError('rpc-protocol', `bad boolean byte ${b}`);
    return b === 1;
  }

  /** A copy of the next byte string: the caller may keep it beyond the frame's life. */
  bytes(): Uint8Array {
    const n = this.uint();
    this.need(n);
    const v = this.buf.slice(this.at, this.at + n);
    this.at += n;
    return v;
  }

  /** The next byte string as a view into the frame (zero-copy; valid as long as the frame). */
  bytesView(): Uint8Array {
    const n = this.uint();
    this.need(n);
    const v = this.buf.subarray(this.at, this.at + n);
    this.at += n;
    return v;
  }

  string(): string {
    try {
      return textDecoder.decode(this.bytesView());
    } catch {
      throw rpcError('rpc-protocol', 'bad utf-8 string', false);
    }
  }

  /** Bounds a count read off the wire so that a hostile length cannot allocate wildly. */
  count(what: string): number {
    const n = this.uint();
    if (n > this.buf.length - this.at) throw rpcError('rpc-protocol', `${what} count ${n} exceeds the message`);
    return n;
  }

  expectDone(what: string): void {
    if (this.at !== this.buf.length) throw rpcError('rpc-protocol', `${what}: ${this.buf.length - this.at} trailing bytes`);
  }
}
