import { BodyReader, MalformedMessage } from './body-reader.ts';
import {
  cancelRequestCode,
  gssEncRequestCode,
  sslRequestCode,
  type DescribeTarget,
  type FrontendMessage,
  type ProtocolViolation,
  type ProtocolViolationReason,
} from './frontend-messages.ts';
import type { WireLimits } from './limits.ts';

export type DecodeResult =
  | { readonly kind: 'message'; readonly message: FrontendMessage }
  | { readonly kind: 'need-more' }
  | { readonly kind: 'error'; readonly error: ProtocolViolation };

export type DecoderPhase = 'startup' | 'typed';

/** Which limit bounds a typed message, as PostgreSQL's SocketBackend() decides it. */
type SizeClass = 'large' | 'small';
const sizeClassByType: ReadonlyMap<number, SizeClass> = new Map<number, SizeClass>([
  ['Q', 'large'], ['P', 'large'], ['B', 'large'], ['d', 'large'], ['F', 'large'],
  ['D', 'small'], ['E', 'small'], ['C', 'small'], ['S', 'small'], ['H', 'small'],
  ['X', 'small'], ['p', 'small'], ['c', 'small'], ['f', 'small'],
].map(([type, sizeClass]) => [(type as string).charCodeAt(0), sizeClass as SizeClass]));

const needMore: DecodeResult = { kind: 'need-more' };

/**
 * Turns a stream of frontend bytes, cut into arbitrary chunks, into complete messages.
 * Pure and synchronous: no sockets, timers or awaits.
 *
 * It starts in the startup phase (packets without a type byte) and moves to typed messages
 * after the first StartupMessage. Lengths are checked against the limits as soon as the
 * header is in, so it never buffers more than one message's declared length (plus the
 * rest of the chunk that message ended in). The first violation is sticky: every later
 * `next()` returns it and further input is dropped, since the stream has lost its framing.
 *
 * Buffers: chunks passed to `push` are kept (not copied) until consumed, and decoded byte
 * fields may be views into them; the caller must not reuse a chunk after pushing it.
 */
export class FrontendDecoder {
  private chunks: Buffer[] = [];
  /** Read position inside chunks[0]. */
  private offset = 0;
  private buffered = 0;
  private failure: ProtocolViolation | null = null;

  constructor(
    private readonly limits: Pick<WireLimits, 'startupMessageBytesMax' | 'messageBytesMax' | 'smallMessageBytesMax'>,
    private currentPhase: DecoderPhase = 'startup',
  ) {}

  get phase(): DecoderPhase {
    return this.currentPhase;
  }

  /** Bytes received and not yet returned as messages. */
  get bufferedBytes(): number {
    return this.buffered;
  }

  get failed(): boolean {
    return this.failure !== null;
  }

  push(chunk: Uint8Array): void {
    if (this.failure !== null || chunk.length === 0) return;
    const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length);
    this.chunks.push(buf);
    this.buffered += buf.length;
  }

  /**
   * The type byte of the next message if it is already fully buffered, else null. Lets the
   * connection see that an Execute is directly followed by Sync (and so may commit an
   * implicit transaction before answering it).
   */
  peekCompleteType(): number | null {
    if (this.failure !== null || this.currentPhase !== 'typed' || this.buffered < 5) return null;
    const length = this.int32At(1);
    return length >= 4 && this.buffered >= 1 + length ? this.byteAt(0) : null;
  }

  /** The next complete message, 'need-more' when the buffered bytes end mid-message, or the violation. */
  next(): DecodeResult {
    if (this.failure !== null) return { kind: 'error', error: this.failure };
    return this.currentPhase === 'startup' ? this.nextStartup() : this.nextTyped();
  }

  private nextStartup(): DecodeResult {
    if (this.buffered < 4) return needMore;
    const length = this.int32At(0);
    if (length < 8 || length > this.limits.startupMessageBytesMax) {
      return this.fail('startup-length', `invalid length of startup packet: ${length}`);
    }
    if (this.buffered < length) return needMore;
    const packet = this.take(length);
    try {
      const message = decodeStartup(new BodyReader(packet, 4, length));
      if (message.kind === 'startup') this.currentPhase = 'typed';
      return { kind: 'message', message };
    } catch (err) {
      return this.failMalformed(err);
    }
  }

  private nextTyped(): DecodeResult {
    if (this.buffered < 1) return needMore;
    const type = this.byteAt(0);
    const sizeClass = sizeClassByType.get(type);
    if (sizeClass === undefined) {
      return this.fail('unknown-message-type', `invalid frontend message type ${type}`);
    }
    if (this.buffered < 5) return needMore;
    const length = this.int32At(1);
    if (length < 4) return this.fail('message-length', `invalid message length ${length}`);
    const max = sizeClass === 'large' ? this.limits.messageBytesMax : this.limits.smallMessageBytesMax;
    if (length > max) return this.fail('message-too-large', `message of ${length} bytes exceeds the limit of ${max} bytes`);
    if (this.buffered < 1 + length) return needMore;
    const packet = this.take(1 + length);
    try {
      return { kind: 'message', message: decodeTyped(type, new BodyReader(packet, 5, 1 + length)) };
    } catch (err) {
      return this.failMalformed(err);
    }
  }

  private failMalformed(err: unknown): DecodeResult {
    // Anything else escaping the body decoders would be a bug in them, not bad input.
    if (!(err instanceof MalformedMessage)) throw err;
    return this.fail('malformed-message', err.message);
  }

  private fail(reason: ProtocolViolationReason, message: string): DecodeResult {
    this.failure = { code: '08P01', reason, message };
    // The stream has lost its framing; nothing after this point can be decoded.
    this.chunks = [];
    this.offset = 0;
    this.buffered = 0;
    return { kind: 'error', error: this.failure };
  }

  private byteAt(index: number): number {
    let i = index + this.offset;
    for (const chunk of this.chunks) {
      if (i < chunk.length) return chunk[i] ?? 0;
      i -= chunk.length;
    }
    throw new RangeError('byteAt past buffered input');
  }

  private int32At(index: number): number {
    const first = this.chunks[0];
    if (first !== undefined && first.length - this.offset >= index + 4) return first.readInt32BE(this.offset + index);
    return ((this.byteAt(index) << 24) | (this.byteAt(index + 1) << 16) | (this.byteAt(index + 2) << 8) | this.byteAt(index + 3)) | 0;
  }

  /** Removes and returns the next `n` buffered bytes: a view when they lie in one chunk, else one copy. */
  private take(n: number): Buffer {
    const first = this.chunks[0];
    if (first === undefined) throw new RangeError('take from empty decoder');
    let result: Buffer;
    if (first.length - this.offset >= n) {
      result = first.subarray(this.offset, this.offset + n);
      this.offset += n;
      if (this.offset === first.length) {
        this.chunks.shift();
        this.offset = 0;
      }
    } else {
      result = Buffer.allocUnsafe(n);
      let filled = 0;
      while (filled < n) {
        const chunk = this.chunks[0];
        if (chunk === undefined) throw new RangeError('take past buffered input');
        const count = Math.min(n - filled, chunk.length - this.offset);
        chunk.copy(result, filled, this.offset, this.offset + count);
        filled += count;
        this.offset += count;
        if (this.offset === chunk.length) {
          this.chunks.shift();
          this.offset = 0;
        }
      }
    }
    this.buffered -= n;
    return result;
  }
}

function decodeStartup(r: BodyReader): FrontendMessage {
  const code = r.int32();
  if (code === sslRequestCode || code === gssEncRequestCode) {
    r.expectEnd();
    return { kind: code === sslRequestCode ? 'ssl-request' : 'gssenc-request' };
  }
  if (code === cancelRequestCode) {
    const processId = r.int32();
    const secretKey = r.int32();
    r.expectEnd();
    return { kind: 'cancel-request', processId, secretKey };
  }
  const protocolMajor = code >>> 16;
  const protocolMinor = code & 0xffff;
  const params = new Map<string, string>();
  // Only protocol 3 has this layout; other versions are refused by the connection anyway.
  if (protocolMajor === 3) {
    for (;;) {
      const name = r.cstring();
      if (name === '') break;
      params.set(name, r.cstring());
    }
    r.expectEnd();
  }
  return { kind: 'startup', protocolMajor, protocolMinor, params };
}

function target(r: BodyReader): DescribeTarget {
  const byte = r.byte();
  if (byte === 0x53) return 'statement'; // 'S'
  if (byte === 0x50) return 'portal'; // 'P'
  throw new MalformedMessage(`invalid DESCRIBE/CLOSE message subtype ${byte}`);
}

function int16List(r: BodyReader): number[] {
  const n = r.count16(2);
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) out[i] = r.int16();
  return out;
}

function decodeBind(r: BodyReader): FrontendMessage {
  const portal = r.cstring();
  const statement = r.cstring();
  const paramFormats = int16List(r);
  const paramCount = r.count16(4);
  const params = new Array<Uint8Array | null>(paramCount);
  for (let i = 0; i < paramCount; i++) {
    const length = r.int32();
    if (length < -1) throw new MalformedMessage(`invalid parameter length ${length}`);
    params[i] = length === -1 ? null : r.bytes(length);
  }
  const resultFormats = int16List(r);
  r.expectEnd();
  return { kind: 'bind', portal, statement, paramFormats, params, resultFormats };
}

/** One typed message body; `type` has already been checked against the known types. */
function decodeTyped(type: number, r: BodyReader): FrontendMessage {
  let message: FrontendMessage;
  switch (String.fromCharCode(type)) {
    case 'Q':
      message = { kind: 'query', sql: r.cstring() };
      break;
    case 'P': {
      const name = r.cstring();
      const sql = r.cstring();
      const n = r.count16(4);
      const paramTypeOids = new Array<number>(n);
      for (let i = 0; i < n; i++) paramTypeOids[i] = r.uint32();
      message = { kind: 'parse', name, sql, paramTypeOids };
      break;
    }
    case 'B':
      return decodeBind(r);
    case 'D':
      message = { kind: 'describe', target: target(r), name: r.cstring() };
      break;
    case 'E': {
      const portal = r.cstring();
      message = { kind: 'execute', portal, maxRows: Math.max(0, r.int32()) };
      break;
    }
    case 'C':
      message = { kind: 'close', target: target(r), name: r.cstring() };
      break;
    case 'S':
      message = { kind: 'sync' };
      break;
    case 'H':
      message = { kind: 'flush' };
      break;
    case 'X':
      message = { kind: 'terminate' };
      break;
    case 'p':
      return { kind: 'password', data: r.rest() };
    case 'd':
      return { kind: 'copy-data', data: r.rest() };
    case 'c':
      message = { kind: 'copy-done' };
      break;
    case 'f':
      message = { kind: 'copy-fail', message: r.cstring() };
      break;
    case 'F':
      r.rest();
      return { kind: 'function-call' };
    default:
      throw new MalformedMessage(`invalid frontend message type ${type}`);
  }
  r.expectEnd();
  return message;
}
