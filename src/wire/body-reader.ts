/**
 * A bounds-checked cursor over one message body. Every read checks the body's end, so a
 * malformed message can never read into the next one. A failed read throws `MalformedMessage`,
 * which only the decoder catches (at its one boundary) and turns into a ProtocolViolation;
 * the throw is a local escape hatch, not part of any API.
 */
export class MalformedMessage extends Error {
  override readonly name = 'MalformedMessage';
}

export class BodyReader {
  private pos: number;

  /** Reads `buf[start, end)`; the caller guarantees that range lies within `buf`. */
  constructor(
    private readonly buf: Buffer,
    start: number,
    private readonly end: number,
  ) {
    this.pos = start;
  }

  remaining(): number {
    return this.end - this.pos;
  }

  byte(): number {
    this.need(1, 'byte');
    const value = this.buf[this.pos] ?? 0;
    this.pos += 1;
    return value;
  }

  int16(): number {
    this.need(2, 'int16');
    const value = this.buf.readInt16BE(this.pos);
    this.pos += 2;
    return value;
  }

  int32(): number {
    this.need(4, 'int32');
    const value = this.buf.readInt32BE(this.pos);
    this.pos += 4;
    return value;
  }

  uint32(): number {
    this.need(4, 'uint32');
    const value = this.buf.readUInt32BE(this.pos);
    this.pos += 4;
    return value;
  }

  /** A NUL-terminated UTF-8 string; the terminator must lie inside the body. */
  cstring(): string {
    const nul = this.buf.indexOf(0, this.pos);
    if (nul < 0 || nul >= this.end) throw new MalformedMessage('invalid string in message');
    const value = this.buf.toString('utf8', this.pos, nul);
    this.pos = nul + 1;
    return value;
  }

  /** `n` raw bytes as a view into the input (no copy). */
  bytes(n: number): Uint8Array {
    if (n < 0) throw new MalformedMessage('invalid length in message');
    this.need(n, 'bytes');
    const value = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return value;
  }

  /** Everything left in the body. */
  rest(): Uint8Array {
    return this.bytes(this.remaining());
  }

  /** A count field (int16) that may not be negative, nor promise more items than bytes left. */
  count16(itemBytesMin: number): number {
    const n = this.int16();
    if (n < 0 || n * itemBytesMin > this.remaining()) throw new MalformedMessage('invalid count in message');
    return n;
  }

  /** PostgreSQL rejects trailing garbage after the last field ("invalid message format"). */
  expectEnd(): void {
    if (this.pos !== this.end) throw new MalformedMessage('invalid message format');
  }

  private need(n: number, what: string): void {
    if (this.end - this.pos < n) throw new MalformedMessage(`insufficient data left in message (reading ${what})`);
  }
}
