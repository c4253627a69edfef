/**
 * Streams: a sender pushes chunks to a receiver on the same connection, and the receiver
 * answers once with a result, like a request whose payload arrives piece by piece (raft
 * snapshots). Flow control is by credit: the sender may have at most `streamWindowChunks`
 * chunks unconsumed by the receiver's reader; each chunk the reader takes returns one
 * credit. So a slow receiver (say, one writing the snapshot to disk) slows the sender
 * instead of filling memory on either side, and a chunk is at most `streamChunkBytesMax`.
 */
import type { Frame } from './frame.ts';
import { RpcError } from './errors.ts';

/** The sending half, returned by `RpcNode.openStream`. */
export interface StreamSender {
  /**
   * Sends `data` as chunks of at most `streamChunkBytesMax` bytes. Resolves once every chunk
   * is queued on the connection, which may wait for the receiver's credit (back-pressure).
   * Rejects with the stream's failure (timeout, connection lost, receiver error). Writes
   * are sent in call order; the sender must not mutate `data` until the promise resolves.
   */
  write(data: Uint8Array): Promise<void>;
  /** Ends the stream; resolves with the receiver's result or rejects with its error. */
  end(): Promise<Uint8Array>;
  /** Gives up: the receiver's reader fails with `message`; `end()` rejects. */
  abort(message: string): void;
}

/** What a stream needs from its connection. */
export interface StreamSink {
  send(frame: Frame): void;
  /** The stream is settled: forget its id. */
  forget(id: number): void;
}

export class OutStream implements StreamSender {
  private credits: number;
  private wake: (() => void) | null = null;
  private failure: RpcError | null = null;
  private settled = false;
  private ended = false;
  private tail: Promise<void> = Promise.resolve();
  private readonly result: Promise<Uint8Array>;
  private resolveResult!: (v: Uint8Array) => void;
  private rejectResult!: (e: RpcError) => void;

  constructor(
    readonly id: number,
    private readonly sink: StreamSink,
    private readonly chunkBytesMax: number,
    window: number,
  ) {
    this.credits = window;
    this.result = new Promise<Uint8Array>((resolve, reject) => {
      this.resolveResult = resolve;
      this.rejectResult = reject;
    });
    // The result may never be awaited (the caller aborts or only writes): no unhandled rejection.
    this.result.catch(() => undefined);
  }

  /** Settles with the stream (never rejects): for the owner's cleanup. */
  get done(): Promise<unknown> {
    return this.result.catch(() => undefined);
  }

  write(data: Uint8Array): Promise<void> {
    const run = this.tail.then(() => this.writeChunks(data));
    this.tail = run.catch(() => undefined);
    return run;
  }

  private async writeChunks(data: Uint8Array): Promise<void> {
    for (let at = 0; at < data.length; at += this.chunkBytesMax) {
      while (this.credits === 0 && this.failure === null) await new Promise<void>((resolve) => (this.wake = resolve));
      // Re-read after the await: the stream may have failed while we waited.
      if (this.failure !== null) throw this.failure;
      if (this.ended) throw new RpcError('rpc-protocol', 'write after end on a stream', false);
      this.credits--;
      this.sink.send({ kind: 'stream-chunk', id: this.id, data: data.subarray(at, at + this.chunkBytesMax) });
    }
  }

  end(): Promise<Uint8Array> {
    if (!this.ended) {
      this.ended = true;
      // After the queued writes, so that 'stream-end' follows the last chunk.
      void this.tail.then(() => {
        if (this.failure === null && !this.settled) this.sink.send({ kind: 'stream-end', id: this.id });
      });
    }
    return this.result;
  }

  abort(message: string): void {
    if (this.settled) return;
    this.sink.send({ kind: 'stream-cancel', id: this.id, message });
    this.fail(new RpcError('rpc-remote', `stream aborted: ${message}`, false));
  }

  /** The receiver consumed `n` chunks. */
  grant(n: number): void {
    this.credits += n;
    this.wakeWriter();
  }

  /** The receiver's result arrived. */
  succeed(payload: Uint8Array): void {
    if (this.settled) return;
    this.settled = true;
    this.sink.forget(this.id);
    // A receiver may answer before the sender ended (it needed no more): later writes fail.
    this.failure = new RpcError('rpc-remote', 'stream already answered by the receiver', false);
    this.wakeWriter();
    this.resolveResult(payload);
  }

  fail(e: RpcError): void {
    if (this.settled) return;
    this.settled = true;
    this.failure = e;
    this.sink.forget(this.id);
    this.wakeWriter();
    this.rejectResult(e);
  }

  private wakeWriter(): void {
    const w = this.wake;
    this.wake = null;
    w?.();
  }
}

/** The receiving half: an async iterable of chunks handed to the stream handler. */
export class InStream implements AsyncIterable<Uint8Array> {
  private readonly queue: Uint8Array[] = [];
  private ended = false;
  private failure: RpcError | null = null;
  private wake: (() => void) | null = null;
  private iterating = false;

  constructor(
    readonly id: number,
    private readonly sink: StreamSink,
    private readonly window: number,
  ) {}

  /** A chunk arrived. False if the sender overran its window (a protocol violation). */
  push(data: Uint8Array): boolean {
    if (this.ended || this.failure !== null) return true;
    if (this.queue.length >= this.window) return false;
    this.queue.push(data);
    this.wakeReader();
    return true;
  }

  end(): void {
    this.ended = true;
    this.wakeReader();
  }

  fail(e: RpcError): void {
    if (this.failure !== null) return;
    this.failure = e;
    this.wakeReader();
  }

  [Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    if (this.iterating) throw new RpcError('rpc-protocol', 'a stream can be read once', false);
    this.iterating = true;
    return { next: () => this.next() };
  }

  private async next(): Promise<IteratorResult<Uint8Array>> {
    for (;;) {
      if (this.failure !== null) throw this.failure;
      const chunk = this.queue.shift();
      if (chunk !== undefined) {
        // One credit per consumed chunk: the sender's window reopens as the reader advances.
        this.sink.send({ kind: 'stream-credit', id: this.id, credits: 1 });
        return { done: false, value: chunk };
      }
      if (this.ended) return { done: true, value: undefined };
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
  }

  private wakeReader(): void {
    const w = this.wake;
    this.wake = null;
    w?.();
  }
}
