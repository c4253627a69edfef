// A byte-level client for tests that must misbehave (garbage, truncation, not reading) or
// look at messages node-postgres hides (PortalSuspended). Responses are parsed by
// pg-protocol's Parser, the independent oracle.
import { connect, type Socket } from 'node:net';
import { serialize } from 'pg-protocol';
import { Parser } from 'pg-protocol/dist/parser.js';
import type { BackendMessage } from 'pg-protocol/dist/messages.js';

export class RawClient {
  readonly messages: BackendMessage[] = [];
  readonly closed: Promise<void>;
  private readonly parser = new Parser();
  private waiters: (() => void)[] = [];

  private constructor(readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.parser.parse(chunk, (message) => this.messages.push(message));
      this.notify();
    });
    this.closed = new Promise((resolve) => socket.on('close', () => resolve()));
    socket.on('error', () => undefined);
    void this.closed.then(() => this.notify());
  }

  static open(port: number): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const socket = connect(port, '127.0.0.1', () => resolve(new RawClient(socket)));
      socket.once('error', reject);
    });
  }

  /** Opens a connection and completes the startup handshake. */
  static async startup(port: number, database = 'db'): Promise<RawClient> {
    const client = await RawClient.open(port);
    client.send(serialize.startup({ user: 'raw', database }));
    await client.waitFor((m) => m.name === 'readyForQuery');
    client.messages.length = 0;
    return client;
  }

  send(bytes: Uint8Array): void {
    this.socket.write(bytes);
  }

  /** Resolves with the first message (from the start of `messages`) that matches; rejects on close or timeout. */
  async waitFor(match: (m: BackendMessage) => boolean, timeoutMs = 5000): Promise<BackendMessage> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.messages.find(match);
      if (found !== undefined) return found;
      if (this.socket.destroyed || Date.now() > deadline) {
        throw new Error(`no matching message; got ${this.messages.map((m) => m.name).join(',')}`);
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 50);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  close(): void {
    this.socket.destroy();
  }

  private notify(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }
}
