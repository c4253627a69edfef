/**
 * One request from a party without a node id or cluster id: a node that has not joined a
 * cluster yet, or `tessera init`. It dials, says hello as node 0 of cluster '' (the
 * acceptor then allows only JOINER_METHODS), sends one request and closes. `PreInitServer`
 * is the other side on a node that has no identity yet: it answers those requests on the
 * node's listen address until the node has joined or been initialized.
 */
import { connect, createServer, type Server, type Socket } from 'node:net';
import { RpcError } from './errors.ts';
import { FrameDecoder, PROTOCOL_VERSION, encodeFrame, type Frame } from './frame.ts';
import type { PeerAddress } from './rpc-node.ts';

const FRAME_BYTES_MAX = 16 * 1024 * 1024;

export async function oneShotRequest(addr: PeerAddress, method: string, payload: Uint8Array, timeoutMs: number): Promise<Uint8Array> {
  return new Promise<Uint8Array>((resolve, reject) => {
    const socket = connect({ host: addr.host, port: addr.port });
    const decoder = new FrameDecoder(FRAME_BYTES_MAX);
    const finish = (err: RpcError | null, value?: Uint8Array): void => {
      clearTimeout(timer);
      socket.destroy();
      if (err !== null) reject(err);
      else resolve(value as Uint8Array);
    };
    const timer = setTimeout(() => finish(new RpcError('rpc-timeout', `${method} to ${addr.host}:${addr.port} timed out after ${timeoutMs} ms`, true)), timeoutMs);
    socket.on('error', (e) => finish(new RpcError('rpc-unavailable', `cannot reach ${addr.host}:${addr.port}: ${e.message}`, true)));
    socket.on('connect', () => {
      socket.write(encodeFrame({ kind: 'hello', version: PROTOCOL_VERSION, clusterId: '', fromNode: 0, toNode: 0 }, FRAME_BYTES_MAX));
    });
    socket.on('close', () => finish(new RpcError('rpc-unavailable', `${addr.host}:${addr.port} closed the connection`, true)));
    socket.on('data', (chunk: Buffer) => {
      let frames: Frame[];
      try {
        frames = decoder.push(chunk);
      } catch (e) {
        return finish(e instanceof RpcError ? e : new RpcError('rpc-protocol', String(e), false));
      }
      for (const f of frames) {
        if (f.kind === 'hello-ok') {
          socket.write(encodeFrame({ kind: 'request', id: 1, method, timeoutMs, payload }, FRAME_BYTES_MAX));
        } else if (f.kind === 'hello-refused') {
          return finish(new RpcError('rpc-handshake', f.message, false));
        } else if (f.kind === 'response') {
          return finish(null, f.payload.slice());
        } else if (f.kind === 'error') {
          return finish(new RpcError(f.code, f.message, f.retryable));
        }
      }
    });
  });
}

export type OneShotHandler = (method: string, payload: Uint8Array) => Promise<Uint8Array>;

/** Answers one-shot requests on a node that has no identity yet. */
export class PreInitServer {
  private server: Server | null = null;
  private readonly sockets = new Set<Socket>();
  /** Answers being computed: close() lets them reach their callers first. */
  private readonly inflight = new Set<Promise<void>>();

  constructor(private readonly handler: OneShotHandler) {}

  async listen(host: string, port: number): Promise<PeerAddress> {
    const server = createServer((socket) => this.serve(socket));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => resolve());
    });
    const a = server.address();
    if (a === null || typeof a !== 'object') throw new Error('no server address');
    return { host: a.address, port: a.port };
  }

  private serve(socket: Socket): void {
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    const decoder = new FrameDecoder(FRAME_BYTES_MAX);
    socket.on('data', (chunk: Buffer) => {
      let frames: Frame[];
      try {
        frames = decoder.push(chunk);
      } catch {
        return void socket.destroy();
      }
      for (const f of frames) {
        if (f.kind === 'hello') {
          socket.write(encodeFrame({ kind: 'hello-ok', nodeId: 0 }, FRAME_BYTES_MAX));
        } else if (f.kind === 'request') {
          const id = f.id;
          const answered = this.handler(f.method, f.payload.slice()).then(
            (payload) => void socket.write(encodeFrame({ kind: 'response', id, payload }, FRAME_BYTES_MAX)),
            (e: unknown) => {
              const err = e instanceof RpcError ? e : new RpcError('rpc-remote', e instanceof Error ? e.message : String(e), false);
              socket.write(encodeFrame({ kind: 'error', id, code: err.code, message: err.message, retryable: err.retryable }, FRAME_BYTES_MAX));
            },
          );
          this.inflight.add(answered);
          void answered.finally(() => this.inflight.delete(answered));
        } else {
          socket.destroy();
        }
      }
    });
  }

  /** Stops accepting; answers in flight are written and flushed before the sockets close. */
  async close(): Promise<void> {
    await Promise.allSettled([...this.inflight]);
    await Promise.all([...this.sockets].map((s) => new Promise<void>((resolve) => {
      const timer = setTimeout(() => s.destroy(), 1_000);
      s.end(() => {
        clearTimeout(timer);
        resolve();
      });
      s.once('close', () => resolve());
    })));
    const server = this.server;
    this.server = null;
    if (server !== null) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
