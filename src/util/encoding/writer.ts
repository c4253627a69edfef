/**
 * A growable byte buffer that the encoders write into. Encoding a key touches every
 * byte once; growing a Uint8Array by doubling keeps that linear without the per-byte cost
 * of pushing numbers into a JS array.
 */
export class ByteWriter {
  buf: Uint8Array;
  view: DataView;
  pos = 0;

  constructor(capacityBytes: number) {
    this.buf = new Uint8Array(capacityBytes);
    this.view = new DataView(this.buf.buffer);
  }

  /** Makes room for `bytes` more bytes after `pos`. */
  ensure(bytes: number): void {
    const needed = this.pos + bytes;
    if (needed <= this.buf.length) return;
    let capacity = this.buf.length * 2;
    while (capacity < needed) capacity *= 2;
    const grown = new Uint8Array(capacity);
    grown.set(this.buf.subarray(0, this.pos));
    this.buf = grown;
    this.view = new DataView(grown.buffer);
  }

  /** Appends `bytes` verbatim. */
  writeBytes(bytes: Uint8Array): void {
    this.ensure(bytes.length);
    this.buf.set(bytes, this.pos);
    this.pos += bytes.length;
  }

  /** Inverts bytes [from, pos): how a descending part is made from its ascending form. */
  invertFrom(from: number): void {
    const buf = this.buf;
    for (let i = from; i < this.pos; i++) buf[i] = ~buf[i]! & 0xff;
  }

  /** A fresh copy of what was written; the caller owns it. */
  copyOut(): Uint8Array {
    return this.buf.slice(0, this.pos);
  }
}
