/**
 * One TCP connection between two nodes, after or during its handshake. It multiplexes
 * requests, streams and raft batches over the socket, writes every frame produced in one
 * turn of the event loop with one socket write, and fails everything in flight when the
 * socket goes away. Who owns it (the RpcNode) decides what requests mean and when to
 * reconnect; see rpc-node.ts.
 *
 *   dialer                              acceptor
 *     hello {version, cluster, from, to} ->
 *                                    <- hello-ok {nodeId} | hello-refused {why}, close
 *     request/stream/raft frames in both directions from then on
 */
import type { Socket } from 'node:net';
import { assertNever, type Env } from '../../util/index.ts';
import type { RpcConfig } from './config.ts';
import { RpcError, rpcError, unsentError } from './errors.ts';
import { FrameDecoder, PROTOCOL_VERSION, encodeFrame, type Frame } from './frame.ts';
import { InStream, OutStream, type StreamSender } from './stream.ts';
import type { TimerHandle, Timers } from './timers.ts';

/** What a handler learns about a request besides its payload. */
export interface RequestContext {
  readonly fromNode: number;
  /** When the caller stops waiting (Env monotonic ms): work past it is wasted. */
  readonly deadlineMs: number;
}

/** The connection's view of its owner. */
export interface ConnectionOwner {
  readonly env: Env;
  readonly config: RpcConfig;
  readonly timers: Timers;
  readonly clusterId: string;
  readonly nodeId: number;
  established(conn: Connection): void;
  closed(conn: Connection, reason: RpcError): void;
  /** Answers a request; a thrown RpcError travels back as is, anything else as 'rpc-remote'. */
  serveRequest(conn: Connection, method: string, payload: Uint8Array, ctx: RequestContext): Promise<Uint8Array>;
  serveStream(conn: Connection, method: string, header: Uint8Array, chunks: AsyncIterable<Uint8Array>, ctx: RequestContext): Promise<Uint8Array>;
  deliverRaft(conn: Connection, body: Uint8Array): void;
}

const KEEPALIVE_DELAY_MS = 10_000;
/** What a dialer without a node id or cluster id (a joining node, `tessera init`, `tessera node ls`) may call. */
export const JOINER_METHODS: ReadonlySet<string> = new Set(['join', 'init', 'status', 'decommission', 'decommission.progress']);

/** How long a closing connection may take to deliver what it already wrote. */
const CLOSE_GRACE_MS = 1_000;

interface Pending {
  readonly resolve: (v: Uint8Array) => void;
  readonly reject: (e: RpcError) => void;
  readonly timer: TimerHandle;
}

export type ConnectionState = 'handshaking' | 'open' | 'closed';

export class Connection {
  private stateValue: ConnectionState = 'handshaking';
  /** Accepted from a node without an identity: only JOINER_METHODS may be called. */
  private joiner = false;
  private peer = 0;
  private dialer = 0;
  private readonly decoder: FrameDecoder;
  private readonly pending = new Map<number, Pending>();
  private readonly outStreams = new Map<number, OutStream>();
  private readonly inStreams = new Map<number, InStream>();
  private nextId = 1;
  private out: Uint8Array[] = [];
  private outBytes = 0;
  private flushScheduled = false;
  private handshakeTimer: TimerHandle | null;
  /** Why the connection closed, once it has. */
  closeReason: RpcError | null = null;

  /**
   * `expectedPeer` is the node id the dialer means to reach (0 if unknown); the acceptor
   * passes 0 and learns the id from the hello.
   */
  constructor(
    private readonly owner: ConnectionOwner,
    private readonly socket: Socket,
    readonly role: 'dialer' | 'acceptor',
    private readonly expectedPeer: number,
  ) {
    this.decoder = new FrameDecoder(owner.config.frameBytesMax);
    socket.setNoDelay(true);
    // The kernel notices a peer that vanished without a FIN (power loss, partition) on an
    // idle connection; busy ones notice through request deadlines first.
    socket.setKeepAlive(true, KEEPALIVE_DELAY_MS);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (e) => this.close(rpcError('rpc-unavailable', `socket error: ${e.message}`)));
    socket.on('close', () => this.close(rpcError('rpc-unavailable', 'connection closed by peer')));
    this.handshakeTimer = owner.timers.setTimeout(
      () => this.close(rpcError('rpc-unavailable', `no handshake within ${owner.config.dialTimeoutMs} ms`)),
      owner.config.dialTimeoutMs,
    );
    if (role === 'dialer') {
      this.dialer = owner.nodeId;
      this.send({ kind: 'hello', version: PROTOCOL_VERSION, clusterId: owner.clusterId, fromNode: owner.nodeId, toNode: expectedPeer });
    }
  }

  get state(): ConnectionState {
    return this.stateValue;
  }

  /** The peer's node id (0 until the handshake is done). */
  get peerNodeId(): number {
    return this.peer;
  }

  /** The peer's id if known, else the id the dialer means to reach (0 for an acceptor). */
  get targetNodeId(): number {
    return this.peer !== 0 ? this.peer : this.expectedPeer;
  }

  /** The node id of the side that dialed: ties between duplicate connections break on it. */
  get dialedBy(): number {
    return this.dialer;
  }

  get inflightRequests(): number {
    return this.pending.size;
  }

  /** Sends a request; see RpcNode.request for the contract. */
  request(method: string, payload: Uint8Array, timeoutMs: number): Promise<Uint8Array> {
    // Failures before the frame is queued are `unsent`: the peer cannot have seen the request.
    if (this.stateValue !== 'open') return Promise.reject(unsentError(this.unavailable()));
    if (this.pending.size >= this.owner.config.requestsInflightMax) {
      return Promise.reject(unsentError(rpcError('rpc-unavailable', `node ${this.peer}: ${this.pending.size} requests in flight (requestsInflightMax)`)));
    }
    const id = this.nextId++;
    // Encode before registering: an oversized request fails here, synchronously, untracked.
    let bytes: Uint8Array;
    try {
      bytes = encodeFrame({ kind: 'request', id, method, timeoutMs, payload }, this.owner.config.frameBytesMax);
    } catch (e) {
      return Promise.reject(unsentError(e));
    }
    return new Promise<Uint8Array>((resolve, reject) => {
      const timer = this.owner.timers.setTimeout(() => {
        this.pending.delete(id);
        reject(new RpcError('rpc-timeout', `${method} to node ${this.peer} timed out after ${timeoutMs} ms`, true));
      }, timeoutMs);
      this.pending.set(id, { resolve, reject, timer });
      this.queue(bytes);
    });
  }

  /** Opens a stream; see RpcNode.openStream. */
  openStream(method: string, header: Uint8Array, timeoutMs: number): StreamSender {
    const id = this.nextId++;
    const { streamChunkBytesMax, streamWindowChunks } = this.owner.config;
    const s = new OutStream(id, { send: (f) => this.send(f), forget: (i) => this.outStreams.delete(i) }, streamChunkBytesMax, streamWindowChunks);
    if (this.stateValue !== 'open') {
      s.fail(this.unavailable());
      return s;
    }
    this.outStreams.set(id, s);
    const timer = this.owner.timers.setTimeout(() => {
      if (!this.outStreams.has(id)) return;
      this.send({ kind: 'stream-cancel', id, message: `deadline of ${timeoutMs} ms passed` });
      s.fail(new RpcError('rpc-timeout', `stream ${method} to node ${this.peer} timed out after ${timeoutMs} ms`, true));
    }, timeoutMs);
    const clear = (): void => this.owner.timers.clearTimeout(timer);
    s.done.then(clear, clear);
    try {
      this.send({ kind: 'stream-open', id, method, timeoutMs, header });
    } catch (e) {
      s.fail(e instanceof RpcError ? e : rpcError('rpc-protocol', String(e), false));
    }
    return s;
  }

  /**
   * Queues an encoded raft batch. False (dropped) if the connection is not open or its
   * socket already holds `raftQueueBytesMax`: raft recovers lost messages by retrying.
   */
  sendRaft(body: Uint8Array): boolean {
    if (this.stateValue !== 'open') return false;
    if (this.socket.writableLength + this.outBytes + body.length > this.owner.config.raftQueueBytesMax) return false;
    this.send({ kind: 'raft', body });
    return true;
  }

  /** Closes the connection and fails everything in flight with a retryable error. */
  close(reason: RpcError): void {
    if (this.stateValue === 'closed') return;
    this.stateValue = 'closed';
    this.closeReason = reason;
    if (this.handshakeTimer !== null) this.owner.timers.clearTimeout(this.handshakeTimer);
    this.flush();
    // A graceful end lets frames already written (a hello-refused, the last answers) reach
    // the peer; a peer that never finishes its side is cut off after a grace period.
    const socket = this.socket;
    if (socket.writableLength === 0) {
      socket.destroy();
    } else {
      socket.end();
      socket.once('finish', () => socket.destroy());
      setTimeout(() => socket.destroy(), CLOSE_GRACE_MS).unref();
    }
    const lost = new RpcError('rpc-unavailable', `connection to node ${this.peer || this.expectedPeer} lost: ${reason.message}`, true, { cause: reason });
    for (const p of this.pending.values()) {
      this.owner.timers.clearTimeout(p.timer);
      p.reject(lost);
    }
    this.pending.clear();
    for (const s of [...this.outStreams.values()]) s.fail(lost);
    for (const s of this.inStreams.values()) s.fail(lost);
    this.inStreams.clear();
    this.owner.closed(this, reason);
  }

  private unavailable(): RpcError {
    return this.closeReason !== null
      ? new RpcError('rpc-unavailable', `connection to node ${this.peer || this.expectedPeer} lost: ${this.closeReason.message}`, true)
      : rpcError('rpc-unavailable', `connection to node ${this.peer || this.expectedPeer} is not open`);
  }

  private send(f: Frame): void {
    if (this.stateValue === 'closed') return;
    this.queue(encodeFrame(f, this.owner.config.frameBytesMax));
  }

  private queue(bytes: Uint8Array): void {
    this.out.push(bytes);
    this.outBytes += bytes.length;
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    // setImmediate, not a microtask: responses to all requests that arrived in one socket
    // read (whose handlers resolve over several microtask hops) then share one write.
    setImmediate(() => this.flush());
  }

  private flush(): void {
    this.flushScheduled = false;
    if (this.out.length === 0 || this.socket.destroyed) return;
    const data = this.out.length === 1 ? (this.out[0] as Uint8Array) : Buffer.concat(this.out, this.outBytes);
    this.out = [];
    this.outBytes = 0;
    this.socket.write(data);
  }

  private onData(chunk: Buffer): void {
    if (this.stateValue === 'closed') return;
    let frames: Frame[];
    try {
      frames = this.decoder.push(chunk);
    } catch (e) {
      const err = e instanceof RpcError ? e : rpcError('rpc-protocol', String(e), false);
      this.owner.env.logger.warn({ peer: this.peer, err: err.message }, 'rpc: bad bytes from peer, closing');
      this.close(err);
      return;
    }
    for (const f of frames) {
      // A frame may close the connection (a refused hello, a protocol error): re-read.
      const state = this.state;
      if (state === 'closed') return;
      if (state === 'handshaking') this.onHandshakeFrame(f);
      else this.onFrame(f);
    }
  }

  private onHandshakeFrame(f: Frame): void {
    const { clusterId, nodeId } = this.owner;
    if (this.role === 'acceptor') {
      if (f.kind !== 'hello') return this.close(rpcError('rpc-protocol', `expected hello, got ${f.kind}`, false));
      if (f.fromNode === 0 && f.clusterId === '' && f.version === PROTOCOL_VERSION) {
        // A node without an identity yet (joining) or `tessera init`: one-shot requests only.
        this.joiner = true;
        this.send({ kind: 'hello-ok', nodeId });
        if (this.handshakeTimer !== null) this.owner.timers.clearTimeout(this.handshakeTimer);
        this.handshakeTimer = null;
        this.stateValue = 'open';
        return;
      }
      const why =
        f.version !== PROTOCOL_VERSION ? `protocol version ${f.version}, this node speaks ${PROTOCOL_VERSION}`
        : f.clusterId !== clusterId ? `cluster id mismatch: dialer is in cluster '${f.clusterId}', this node (n${nodeId}) in '${clusterId}'`
        : f.toNode !== 0 && f.toNode !== nodeId ? `dialer wanted node ${f.toNode}, this is node ${nodeId}`
        : f.fromNode === 0 || f.fromNode === nodeId ? `bad dialer node id ${f.fromNode}`
        : null;
      if (why !== null) {
        this.owner.env.logger.warn({ fromNode: f.fromNode, why }, 'rpc: refused a connection');
        this.send({ kind: 'hello-refused', message: why });
        return this.close(new RpcError('rpc-handshake', `refused a dialer: ${why}`, false));
      }
      this.peer = f.fromNode;
      this.dialer = f.fromNode;
      this.send({ kind: 'hello-ok', nodeId });
      return this.open();
    }
    if (f.kind === 'hello-refused') {
      return this.close(new RpcError('rpc-handshake', `node ${this.expectedPeer || '?'} refused the handshake: ${f.message}`, false));
    }
    if (f.kind !== 'hello-ok') return this.close(rpcError('rpc-protocol', `expected hello-ok, got ${f.kind}`, false));
    if (this.expectedPeer !== 0 && f.nodeId !== this.expectedPeer) {
      return this.close(new RpcError('rpc-handshake', `dialed node ${this.expectedPeer} but node ${f.nodeId} answered`, false));
    }
    this.peer = f.nodeId;
    this.open();
  }

  private open(): void {
    if (this.handshakeTimer !== null) this.owner.timers.clearTimeout(this.handshakeTimer);
    this.handshakeTimer = null;
    this.stateValue = 'open';
    this.owner.established(this);
  }

  private onFrame(f: Frame): void {
    if (this.joiner) {
      if (f.kind === 'request' && JOINER_METHODS.has(f.method)) return this.serveRequest(f.id, f.method, f.payload, f.timeoutMs);
      return this.close(rpcError('rpc-protocol', `a joiner may only call ${[...JOINER_METHODS].join(', ')}`, false));
    }
    switch (f.kind) {
      case 'request':
        return this.serveRequest(f.id, f.method, f.payload, f.timeoutMs);
      case 'response':
      case 'error': {
        const err = f.kind === 'error' ? new RpcError(f.code, f.message, f.retryable) : null;
        const p = this.pending.get(f.id);
        if (p !== undefined) {
          this.pending.delete(f.id);
          this.owner.timers.clearTimeout(p.timer);
          if (err !== null) p.reject(err);
          else if (f.kind === 'response') p.resolve(f.payload);
          return;
        }
        const s = this.outStreams.get(f.id);
        if (s !== undefined && err !== null) s.fail(err);
        else if (s !== undefined && f.kind === 'response') s.succeed(f.payload);
        // Else: an answer after its deadline. Dropped.
        return;
      }
      case 'stream-open':
        return this.serveStream(f.id, f.method, f.header, f.timeoutMs);
      case 'stream-chunk': {
        const s = this.inStreams.get(f.id);
        if (s !== undefined && !s.push(f.data)) this.close(rpcError('rpc-protocol', `stream ${f.id} overran its window`, false));
        return;
      }
      case 'stream-end':
        this.inStreams.get(f.id)?.end();
        return;
      case 'stream-cancel':
        this.inStreams.get(f.id)?.fail(new RpcError('rpc-remote', `stream cancelled by node ${this.peer}: ${f.message}`, false));
        this.inStreams.delete(f.id);
        return;
      case 'stream-credit':
        this.outStreams.get(f.id)?.grant(f.credits);
        return;
      case 'raft':
        this.owner.deliverRaft(this, f.body);
        return;
      case 'hello':
      case 'hello-ok':
      case 'hello-refused':
        return this.close(rpcError('rpc-protocol', `${f.kind} after the handshake`, false));
      default:
        assertNever(f, 'frame');
    }
  }

  private ctx(timeoutMs: number): RequestContext {
    return { fromNode: this.peer, deadlineMs: this.owner.env.clock.monotonicMs() + timeoutMs };
  }

  private serveRequest(id: number, method: string, payload: Uint8Array, timeoutMs: number): void {
    this.owner.serveRequest(this, method, payload, this.ctx(timeoutMs)).then(
      (result) => this.answer(id, result),
      (e: unknown) => this.answerError(id, e),
    );
  }

  private serveStream(id: number, method: string, header: Uint8Array, timeoutMs: number): void {
    const s = new InStream(id, { send: (f) => this.send(f), forget: (i) => this.inStreams.delete(i) }, this.owner.config.streamWindowChunks);
    this.inStreams.set(id, s);
    this.owner.serveStream(this, method, header, s, this.ctx(timeoutMs)).then(
      (result) => {
        this.inStreams.delete(id);
        this.answer(id, result);
      },
      (e: unknown) => {
        this.inStreams.delete(id);
        this.answerError(id, e);
      },
    );
  }

  private answer(id: number, payload: Uint8Array): void {
    if (this.stateValue !== 'open') return;
    try {
      this.send({ kind: 'response', id, payload });
    } catch (e) {
      this.answerError(id, e);
    }
  }

  private answerError(id: number, e: unknown): void {
    if (this.stateValue !== 'open') return;
    const err = e instanceof RpcError ? e : null;
    const message = e instanceof Error ? e.message : String(e);
    if (err === null) this.owner.env.logger.warn({ peer: this.peer, err: message }, 'rpc: handler failed');
    this.send({ kind: 'error', id, code: err?.code ?? 'rpc-remote', message, retryable: err?.retryable ?? false });
  }
}
