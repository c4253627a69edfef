import type { Socket } from 'node:net';
import type { Logger } from '../util/index.ts';
import { BackendWriter } from './backend-writer.ts';
import { FrontendDecoder, type DecodeResult } from './frontend-decoder.ts';
import type { WireLimits } from './limits.ts';

/**
 * The I/O edge of one connection: feeds socket bytes into the decoder, batches encoded
 * output and writes each batch with one `socket.write`, and applies back-pressure both
 * ways. The protocol logic (connection.ts) sees only messages and the writer.
 *
 * Input: reading pauses while more than `readBufferBytesHighWater` bytes wait undecoded
 * and resumes when the decoder runs dry. Output: `waitForWritable()` resolves once the
 * socket's buffer is below `writeBufferBytesHighWater`, so a slow client slows the
 * executor instead of growing our memory.
 */
export class SocketChannel {
  readonly out = new BackendWriter();
  readonly decoder: FrontendDecoder;
  /** The peer is gone or the socket failed: nothing more will be read or written. */
  private isClosed = false;
  /** EOF from the peer: no more input will arrive (buffered messages may remain). */
  private inputEnded = false;
  private inputWaiter: (() => void) | null = null;
  private drainWaiter: (() => void) | null = null;

  constructor(
    private readonly socket: Socket,
    private readonly limits: WireLimits,
    private readonly logger: Logger,
  ) {
    this.decoder = new FrontendDecoder(limits);
    socket.setNoDelay(true);
    socket.on('data', this.onData);
    socket.on('end', this.onEnd);
    socket.on('drain', this.onDrain);
    // Without an 'error' listener a reset connection would crash the process.
    socket.on('error', (err) => {
      this.logger.debug({ err }, 'socket error');
      this.markClosed();
    });
    socket.on('close', () => this.markClosed());
  }

  private readonly onData = (chunk: Buffer): void => {
    this.decoder.push(chunk);
    if (this.decoder.bufferedBytes > this.limits.readBufferBytesHighWater) this.socket.pause();
    this.wakeInput();
  };

  private readonly onEnd = (): void => {
    this.inputEnded = true;
    this.wakeInput();
  };

  private readonly onDrain = (): void => this.wakeDrain();

  /**
   * Hands the socket over (to a TLS wrapper): flushes, waits until the kernel has the
   * bytes written so far (the 'S' answer must precede the handshake), and stops listening
   * for input. The caller builds a new channel on the wrapper.
   */
  async detach(): Promise<Socket> {
    this.flush();
    this.socket.pause();
    this.socket.off('data', this.onData);
    this.socket.off('end', this.onEnd);
    this.socket.off('drain', this.onDrain);
    if (this.socket.writable) await new Promise<void>((resolve) => this.socket.write(Buffer.alloc(0), () => resolve()));
    return this.socket;
  }

  get closed(): boolean {
    return this.isClosed;
  }

  /** True when no further input can arrive: EOF or a closed socket. */
  get inputDone(): boolean {
    return this.inputEnded || this.isClosed;
  }

  get remoteAddress(): string {
    return this.socket.remoteAddress ?? '';
  }

  /**
   * Waits until new input arrives, the input ends, or `wakeInput` is called (shutdown).
   * Flushes pending output first: nothing is left unsent while we wait on the client.
   */
  async waitForInput(): Promise<void> {
    this.flush();
    if (this.inputDone) return;
    this.socket.resume();
    await new Promise<void>((resolve) => {
      this.inputWaiter = resolve;
    });
  }

  wakeInput(): void {
    const waiter = this.inputWaiter;
    this.inputWaiter = null;
    waiter?.();
  }

  next(): DecodeResult {
    return this.decoder.next();
  }

  /** Writes the current batch, if any, as one socket write. */
  flush(): void {
    const batch = this.out.take();
    // After the peer's FIN Node ends our side too; writing then would only raise an error.
    if (batch === null || this.isClosed || !this.socket.writable) return;
    this.socket.write(batch);
  }

  /** Cheap test for the hot loop: is a flush or a wait for 'drain' due? */
  needsRelief(): boolean {
    return this.out.length >= this.limits.batchBytesFlushThreshold || this.socket.writableLength > this.limits.writeBufferBytesHighWater;
  }

  /** Flushes a large batch and waits while the socket holds more than the high-water mark. */
  async relieve(): Promise<void> {
    if (this.out.length >= this.limits.batchBytesFlushThreshold) this.flush();
    while (!this.isClosed && this.socket.writableLength > this.limits.writeBufferBytesHighWater) {
      await new Promise<void>((resolve) => {
        this.drainWaiter = resolve;
      });
    }
  }

  /** Flushes and closes gracefully; the socket is destroyed once the output is handed to the kernel. */
  end(): void {
    this.flush();
    if (this.socket.destroyed) return;
    this.socket.end(() => this.socket.destroy());
  }

  /** Closes at once, dropping unsent output. */
  destroy(): void {
    this.socket.destroy();
    this.markClosed();
  }

  private markClosed(): void {
    this.isClosed = true;
    this.wakeInput();
    this.wakeDrain();
  }

  private wakeDrain(): void {
    const waiter = this.drainWaiter;
    this.drainWaiter = null;
    waiter?.();
  }
}
