/**
 * Frames: the unit the RPC layer writes to a connection. On the wire a frame is a
 * big-endian u32 length N, then N bytes: one kind byte and the kind's body (see buf.ts for
 * the field encodings). N is at most `frameBytesMax`; a peer announcing more is cut off
 * before we buffer it, so a corrupt or hostile length cannot make us allocate gigabytes.
 *
 * `FrameDecoder` is pure (no socket): it takes byte chunks as they arrive, split anywhere,
 * and returns the complete frames. Payloads it hands out (`payload`, `header`, `data`,
 * `body`) are views into buffers it never reuses, so receivers may keep them.
 */
import { BufReader, BufWriter } from './buf.ts';
import { RpcError, rpcError, toRpcErrorCode, type RpcErrorCode } from './errors.ts';
import { assertNever } from '../../util/index.ts';

export const PROTOCOL_VERSION = 1;
/** Bytes of the length prefix. */
export const FRAME_HEADER_BYTES = 4;

export type Frame =
  /** The dialer's first frame. `toNode` 0: the dialer does not know whom it dials (join). */
  | { readonly kind: 'hello'; readonly version: number; readonly clusterId: string; readonly fromNode: number; readonly toNode: number }
  | { readonly kind: 'hello-ok'; readonly nodeId: number }
  | { readonly kind: 'hello-refused'; readonly message: string }
  | { readonly kind: 'request'; readonly id: number; readonly method: string; readonly timeoutMs: number; readonly payload: Uint8Array }
  /** The success of a request or of a stream (the receiver's result). */
  | { readonly kind: 'response'; readonly id: number; readonly payload: Uint8Array }
  /** The failure of a request or stream (from the side that answers). */
  | { readonly kind: 'error'; readonly id: number; readonly code: RpcErrorCode; readonly message: string; readonly retryable: boolean }
  | { readonly kind: 'stream-open'; readonly id: number; readonly method: string; readonly timeoutMs: number; readonly header: Uint8Array }
  | { readonly kind: 'stream-chunk'; readonly id: number; readonly data: Uint8Array }
  /** The receiver consumed `credits` chunks: the sender may send that many more. */
  | { readonly kind: 'stream-credit'; readonly id: number; readonly credits: number }
  | { readonly kind: 'stream-end'; readonly id: number }
  /** The stream's sender gives up (abort or deadline); the receiver's reader fails. */
  | { readonly kind: 'stream-cancel'; readonly id: number; readonly message: string }
  /** One flush cycle of raft traffic (an encoded `RaftBatch`), one-way. */
  | { readonly kind: 'raft'; readonly body: Uint8Array };

export type FrameKind = Frame['kind'];

const TAGS = {
  hello: 1,
  'hello-ok': 2,
  'hello-refused': 3,
  request: 4,
  response: 5,
  error: 6,
  'stream-open': 7,
  'stream-chunk': 8,
  'stream-credit': 9,
  'stream-end': 10,
  raft: 11,
  'stream-cancel': 12,
} as const satisfies Record<FrameKind, number>;

/**
 * The wire bytes of `f`, length prefix included. Throws 'rpc-frame-too-large' (not
 * retryable) when the frame exceeds `frameBytesMax`: the caller learns at once instead of
 * the peer cutting the connection.
 */
export function encodeFrame(f: Frame, frameBytesMax: number): Uint8Array {
  const w = new BufWriter(64 + payloadBytes(f));
  w.u32(0).u8(TAGS[f.kind]);
  switch (f.kind) {
    case 'hello':
      w.uint(f.version).string(f.clusterId).uint(f.fromNode).uint(f.toNode);
      break;
    case 'hello-ok':
      w.uint(f.nodeId);
      break;
    case 'hello-refused':
      w.string(f.message);
      break;
    case 'request':
      w.uint(f.id).string(f.method).uint(f.timeoutMs).bytes(f.payload);
      break;
    case 'response':
      w.uint(f.id).bytes(f.payload);
      break;
    case 'error':
      w.uint(f.id).string(f.code).string(f.message).bool(f.retryable);
      break;
    case 'stream-open':
      w.uint(f.id).string(f.method).uint(f.timeoutMs).bytes(f.header);
      break;
    case 'stream-chunk':
      w.uint(f.id).bytes(f.data);
      break;
    case 'stream-credit':
      w.uint(f.id).uint(f.credits);
      break;
    case 'stream-end':
      w.uint(f.id);
      break;
    case 'raft':
      w.bytes(f.body);
      break;
    case 'stream-cancel':
      w.uint(f.id).string(f.message);
      break;
    default:
      assertNever(f, 'frame');
  }
  const n = w.length - FRAME_HEADER_BYTES;
  if (n > frameBytesMax) {
    throw new RpcError('rpc-frame-too-large', `${f.kind} frame of ${n} bytes exceeds frameBytesMax ${frameBytesMax}`, false);
  }
  w.patchU32(0, n);
  return w.finish();
}

function payloadBytes(f: Frame): number {
  switch (f.kind) {
    case 'request':
    case 'response':
      return f.payload.length;
    case 'stream-open':
      return f.header.length;
    case 'stream-chunk':
      return f.data.length;
    case 'raft':
      return f.body.length;
    default:
      return 0;
  }
}

/** Decodes one frame's bytes (after the length prefix). Throws 'rpc-protocol' on garbage. */
export function decodeFrame(bytes: Uint8Array): Frame {
  const r = new BufReader(bytes);
  const tag = r.u8();
  let f: Frame;
  switch (tag) {
    case TAGS.hello:
      f = { kind: 'hello', version: r.uint(), clusterId: r.string(), fromNode: r.uint(), toNode: r.uint() };
      break;
    case TAGS['hello-ok']:
      f = { kind: 'hello-ok', nodeId: r.uint() };
      break;
    case TAGS['hello-refused']:
      f = { kind: 'hello-refused', message: r.string() };
      break;
    case TAGS.request:
      f = { kind: 'request', id: r.uint(), method: r.string(), timeoutMs: r.uint(), payload: r.bytesView() };
      break;
    case TAGS.response:
      f = { kind: 'response', id: r.uint(), payload: r.bytesView() };
      break;
    case TAGS.error:
      f = { kind: 'error', id: r.uint(), code: toRpcErrorCode(r.string()), message: r.string(), retryable: r.bool() };
      break;
    case TAGS['stream-open']:
      f = { kind: 'stream-open', id: r.uint(), method: r.string(), timeoutMs: r.uint(), header: r.bytesView() };
      break;
    case TAGS['stream-chunk']:
      f = { kind: 'stream-chunk', id: r.uint(), data: r.bytesView() };
      break;
    case TAGS['stream-credit']:
      f = { kind: 'stream-credit', id: r.uint(), credits: r.uint() };
      break;
    case TAGS['stream-end']:
      f = { kind: 'stream-end', id: r.uint() };
      break;
    case TAGS.raft:
      f = { kind: 'raft', body: r.bytesView() };
      break;
    case TAGS['stream-cancel']:
      f = { kind: 'stream-cancel', id: r.uint(), message: r.string() };
      break;
    default:
      throw rpcError('rpc-protocol', `unknown frame tag ${tag}`);
  }
  r.expectDone(`${f.kind} frame`);
  return f;
}

/**
 * Reassembles frames from a byte stream. A frame that arrives whole inside one chunk is
 * decoded in place; a frame split over chunks is copied once into a buffer of its
 * announced size (no quadratic re-concatenation of a 16 MiB snapshot chunk).
 */
export class FrameDecoder {
  private readonly header = new Uint8Array(FRAME_HEADER_BYTES);
  private headerFilled = 0;
  private body: Uint8Array | null = null;
  private bodyFilled = 0;

  constructor(private readonly frameBytesMax: number) {}

  /** The frames completed by `chunk`, in order. Throws an RpcError on a bad stream. */
  push(chunk: Uint8Array): Frame[] {
    const frames: Frame[] = [];
    let at = 0;
    while (at < chunk.length) {
      if (this.body === null) {
        if (this.headerFilled === 0 && chunk.length - at >= FRAME_HEADER_BYTES) {
          const n = this.frameLength(chunk, at);
          at += FRAME_HEADER_BYTES;
          if (chunk.length - at >= n) {
            frames.push(decodeFrame(chunk.subarray(at, at + n)));
            at += n;
            continue;
          }
          this.body = new Uint8Array(n);
          this.bodyFilled = 0;
        } else {
          const take = Math.min(FRAME_HEADER_BYTES - this.headerFilled, chunk.length - at);
          this.header.set(chunk.subarray(at, at + take), this.headerFilled);
          this.headerFilled += take;
          at += take;
          if (this.headerFilled < FRAME_HEADER_BYTES) break;
          this.headerFilled = 0;
          this.body = new Uint8Array(this.frameLength(this.header, 0));
          this.bodyFilled = 0;
        }
      }
      const take = Math.min(this.body.length - this.bodyFilled, chunk.length - at);
      this.body.set(chunk.subarray(at, at + take), this.bodyFilled);
      this.bodyFilled += take;
      at += take;
      if (this.bodyFilled === this.body.length) {
        const body = this.body;
        this.body = null;
        frames.push(decodeFrame(body));
      }
    }
    return frames;
  }

  /** Bytes of an unfinished frame held (0 at a frame boundary). */
  get bufferedBytes(): number {
    return this.headerFilled + (this.body === null ? 0 : FRAME_HEADER_BYTES + this.bodyFilled);
  }

  private frameLength(b: Uint8Array, at: number): number {
    const n = ((b[at] as number) * 0x1000000) + (((b[at + 1] as number) << 16) | ((b[at + 2] as number) << 8) | (b[at + 3] as number));
    if (n === 0) throw rpcError('rpc-protocol', 'empty frame');
    if (n > this.frameBytesMax) {
      throw new RpcError('rpc-frame-too-large', `peer sent a frame of ${n} bytes, over frameBytesMax ${this.frameBytesMax}`, false);
    }
    return n;
  }
}
