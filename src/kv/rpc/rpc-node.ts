/**
 * RpcNode: one node's end of the node-to-node RPC layer. It listens for peers, dials the
 * addresses it was given (and no others), keeps at most one open connection per peer node,
 * reconnects with backoff after a drop, and routes requests, streams and raft batches.
 *
 * Connection per pair: both nodes may dial each other at once; each keeps the connection
 * dialed by the lower node id and closes the other, so both agree without a round trip.
 * A connection accepted from a peer is used for sending to it too, even when this node has
 * no address for it.
 */
import { createServer, connect, isIPv4, type Server } from 'node:net';
import type { Env } from '../../util/index.ts';
import { assert } from '../../util/index.ts';
import { backoffDelayMs, rpcConfig, type RpcConfig } from './config.ts';
import { Connection, type ConnectionOwner, type RequestContext } from './connection.ts';
import { RpcError, rpcError, unsentError } from './errors.ts';
import type { StreamSender } from './stream.ts';
import { systemTimers, type TimerHandle, type Timers } from './timers.ts';

export interface PeerAddress {
  readonly host: string;
  readonly port: number;
}

export interface RpcNodeOptions {
  readonly env: Env;
  /** Peers in another cluster are refused at the handshake. */
  readonly clusterId: string;
  /** This node's id (a positive integer). */
  readonly nodeId: number;
  readonly config?: Partial<RpcConfig>;
  /** Real timers unless a test or simulator passes its own. */
  readonly timers?: Timers;
}

/** Answers one request. Throw an RpcError to choose the code and retryability. */
export type RequestHandler = (payload: Uint8Array, ctx: RequestContext) => Promise<Uint8Array>;
/** Consumes one stream; `chunks` must be read (or abandoned by returning/throwing). */
export type StreamHandler = (header: Uint8Array, chunks: AsyncIterable<Uint8Array>, ctx: RequestContext) => Promise<Uint8Array>;
export type RaftFrameHandler = (fromNode: number, body: Uint8Array) => void;
export type PeerChangeHandler = (nodeId: number, connected: boolean) => void;

export interface CallOptions {
  /** Deadline in ms from now; defaults to requestTimeoutMs (streamTimeoutMs for streams). */
  readonly timeoutMs?: number;
}

interface Waiter {
  readonly resolve: (c: Connection) => void;
  readonly reject: (e: RpcError) => void;
  readonly timer: TimerHandle;
}

interface Peer {
  readonly nodeId: number;
  address: PeerAddress | undefined;
  /** The open connection in use. */
  conn: Connection | undefined;
  /** Our dial in progress. */
  dialing: Connection | undefined;
  waiters: Waiter[];
  /** Consecutive failed dials: the backoff exponent. */
  attempt: number;
  retryTimer: TimerHandle | undefined;
  lastError: RpcError | undefined;
}

export class RpcNode implements ConnectionOwner {
  readonly env: Env;
  readonly config: RpcConfig;
  readonly timers: Timers;
  readonly clusterId: string;
  readonly nodeId: number;
  private readonly peers = new Map<number, Peer>();
  private readonly connections = new Set<Connection>();
  private readonly handlers = new Map<string, RequestHandler>();
  private readonly streamHandlers = new Map<string, StreamHandler>();
  private raftHandler: RaftFrameHandler = () => undefined;
  private readonly peerHandlers: PeerChangeHandler[] = [];
  private server: Server | null = null;
  /** The address dials leave from (the loopback address the node listens on), or null: the OS picks. */
  private sourceHost: string | null = null;
  private closing = false;

  constructor(options: RpcNodeOptions) {
    assert(Number.isSafeInteger(options.nodeId) && options.nodeId > 0, () => `node id must be positive, got ${options.nodeId}`);
    assert(options.clusterId.length > 0, 'cluster id must not be empty');
    this.env = options.env;
    this.config = rpcConfig(options.config);
    this.timers = options.timers ?? systemTimers;
    this.clusterId = options.clusterId;
    this.nodeId = options.nodeId;
  }

  /** Starts accepting peers. Port 0 lets the OS choose; the bound address is returned. */
  async listen(host: string, port: number): Promise<PeerAddress> {
    assert(this.server === null, 'listen called twice');
    // A node listening on one loopback address (127.x.y.z) also dials from it, so that on
    // one machine each node's connections carry its own source address (a test proxy
    // between nodes tells them apart by it: the Jepsen partition nemesis).
    if (isIPv4(host) && host.startsWith('127.')) this.sourceHost = host;
    const server = createServer((socket) => {
      if (this.closing) return void socket.destroy();
      this.connections.add(new Connection(this, socket, 'acceptor', 0));
    });
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => resolve());
    });
    const addr = server.address();
    assert(addr !== null && typeof addr === 'object', 'server address');
    return { host: addr.address, port: addr.port };
  }

  /**
   * Tells this node where `nodeId` listens (from configuration, the join list or gossip:
   * never from what a dialer claims). `undefined` forgets it: no more dials.
   */
  setPeerAddress(nodeId: number, address: PeerAddress | undefined): void {
    assert(nodeId !== this.nodeId, 'a node has no peer address for itself');
    const peer = this.peer(nodeId);
    peer.address = address;
    if (address === undefined && peer.retryTimer !== undefined) {
      this.timers.clearTimeout(peer.retryTimer);
      peer.retryTimer = undefined;
    }
  }

  handle(method: string, handler: RequestHandler): void {
    assert(!this.handlers.has(method), () => `handler for ${method} registered twice`);
    this.handlers.set(method, handler);
  }

  handleStream(method: string, handler: StreamHandler): void {
    assert(!this.streamHandlers.has(method), () => `stream handler for ${method} registered twice`);
    this.streamHandlers.set(method, handler);
  }

  onRaft(handler: RaftFrameHandler): void {
    this.raftHandler = handler;
  }

  /** Called when a peer's connection opens (true) or is lost (false). */
  onPeerChange(handler: PeerChangeHandler): void {
    this.peerHandlers.push(handler);
  }

  isConnected(nodeId: number): boolean {
    return this.peers.get(nodeId)?.conn?.state === 'open';
  }

  /**
   * Sends a request and resolves with the peer's answer. Rejects with an RpcError:
   * 'rpc-timeout' after the deadline, 'rpc-unavailable' when there is no connection (dial
   * failed, backing off, dropped in flight), both retryable; 'rpc-handshake' when the peer
   * refuses us; 'rpc-frame-too-large'; 'rpc-no-handler'; or the handler's own error.
   * A request to this node itself calls the handler directly.
   */
  request(toNode: number, method: string, payload: Uint8Array, options: CallOptions = {}): Promise<Uint8Array> {
    const timeoutMs = options.timeoutMs ?? this.config.requestTimeoutMs;
    if (toNode === this.nodeId) {
      return this.dispatch(method, payload, { fromNode: this.nodeId, deadlineMs: this.env.clock.monotonicMs() + timeoutMs });
    }
    const conn = this.peers.get(toNode)?.conn;
    // The common case stays synchronous up to the socket write: no extra promise hop.
    if (conn?.state === 'open') return conn.request(method, payload, timeoutMs);
    const start = this.env.clock.monotonicMs();
    return this.connection(toNode, timeoutMs).then(
      (c) => {
        const left = Math.max(1, Math.round(timeoutMs - (this.env.clock.monotonicMs() - start)));
        return c.request(method, payload, left);
      },
      // No connection came up: the request was never written.
      (e: unknown) => Promise.reject(unsentError(e)),
    );
  }

  /** Opens a stream to `toNode`'s handler for `method`; see StreamSender. */
  async openStream(toNode: number, method: string, header: Uint8Array, options: CallOptions = {}): Promise<StreamSender> {
    const timeoutMs = options.timeoutMs ?? this.config.streamTimeoutMs;
    const conn = await this.connection(toNode, Math.min(timeoutMs, this.config.dialTimeoutMs));
    return conn.openStream(method, header, timeoutMs);
  }

  /**
   * Queues one encoded raft batch for `toNode` on its open connection. False if there is
   * none (a dial starts if an address is known) or its queue is full: the caller reports
   * the peer unreachable and Raft retries.
   */
  sendRaft(toNode: number, body: Uint8Array): boolean {
    const peer = this.peer(toNode);
    if (peer.conn?.state === 'open') return peer.conn.sendRaft(body);
    if (peer.dialing === undefined && peer.retryTimer === undefined) this.dial(peer);
    return false;
  }

  /** Stops listening, closes every connection and fails whatever is in flight. */
  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    const reason = rpcError('rpc-unavailable', `node ${this.nodeId} is shutting down`);
    for (const peer of this.peers.values()) {
      if (peer.retryTimer !== undefined) this.timers.clearTimeout(peer.retryTimer);
      peer.retryTimer = undefined;
      this.rejectWaiters(peer, reason);
    }
    for (const c of [...this.connections]) c.close(reason);
    const server = this.server;
    if (server !== null) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  // ---- ConnectionOwner ----

  established(conn: Connection): void {
    if (this.closing) return conn.close(rpcError('rpc-unavailable', 'node closing'));
    const peer = this.peer(conn.peerNodeId);
    if (peer.dialing === conn) peer.dialing = undefined;
    const current = peer.conn;
    let winner = conn;
    if (current !== undefined && current !== conn && current.state === 'open') {
      // Both dialed at once: keep the connection dialed by the lower node id, on both ends.
      const keeper = Math.min(this.nodeId, peer.nodeId);
      winner = current.dialedBy === keeper ? current : conn;
      const loser = winner === conn ? current : conn;
      peer.conn = winner;
      loser.close(rpcError('rpc-unavailable', 'duplicate connection'));
    }
    peer.conn = winner;
    peer.attempt = 0;
    peer.lastError = undefined;
    for (const w of peer.waiters) {
      this.timers.clearTimeout(w.timer);
      w.resolve(winner);
    }
    peer.waiters = [];
    if (current !== winner) {
      this.env.logger.debug({ node: this.nodeId, peer: peer.nodeId, role: winner.role }, 'rpc: connected');
      for (const h of this.peerHandlers) h(peer.nodeId, true);
    }
  }

  closed(conn: Connection, reason: RpcError): void {
    this.connections.delete(conn);
    const peer = this.peers.get(conn.targetNodeId);
    if (peer === undefined) return;
    if (peer.dialing === conn) {
      peer.dialing = undefined;
      peer.attempt++;
      peer.lastError = reason;
      const addr = peer.address === undefined ? '?' : `${peer.address.host}:${peer.address.port}`;
      this.rejectWaiters(
        peer,
        reason.code === 'rpc-handshake' ? reason : new RpcError('rpc-unavailable', `dial node ${peer.nodeId} at ${addr} failed: ${reason.message}`, true),
      );
      this.scheduleRedial(peer);
      return;
    }
    if (peer.conn !== conn) return;
    peer.conn = undefined;
    peer.lastError = reason;
    this.env.logger.debug({ node: this.nodeId, peer: peer.nodeId, why: reason.message }, 'rpc: connection lost');
    for (const h of this.peerHandlers) h(peer.nodeId, false);
    this.scheduleRedial(peer);
  }

  serveRequest(_conn: Connection, method: string, payload: Uint8Array, ctx: RequestContext): Promise<Uint8Array> {
    return this.dispatch(method, payload, ctx);
  }

  serveStream(_conn: Connection, method: string, header: Uint8Array, chunks: AsyncIterable<Uint8Array>, ctx: RequestContext): Promise<Uint8Array> {
    const h = this.streamHandlers.get(method);
    if (h === undefined) return Promise.reject(new RpcError('rpc-no-handler', `node ${this.nodeId} has no stream handler for ${method}`, false));
    return h(header, chunks, ctx);
  }

  deliverRaft(conn: Connection, body: Uint8Array): void {
    this.raftHandler(conn.peerNodeId, body);
  }

  // ---- internals ----

  private dispatch(method: string, payload: Uint8Array, ctx: RequestContext): Promise<Uint8Array> {
    const h = this.handlers.get(method);
    if (h === undefined) return Promise.reject(new RpcError('rpc-no-handler', `node ${this.nodeId} has no handler for ${method}`, false));
    try {
      return h(payload, ctx);
    } catch (e) {
      return Promise.reject(e);
    }
  }

  private peer(nodeId: number): Peer {
    let p = this.peers.get(nodeId);
    if (p === undefined) {
      p = { nodeId, address: undefined, conn: undefined, dialing: undefined, waiters: [], attempt: 0, retryTimer: undefined, lastError: undefined };
      this.peers.set(nodeId, p);
    }
    return p;
  }

  /** The open connection to `nodeId`, dialing if needed; fails fast while backing off. */
  private connection(nodeId: number, timeoutMs: number): Promise<Connection> {
    if (this.closing) return Promise.reject(rpcError('rpc-unavailable', `node ${this.nodeId} is shutting down`));
    const peer = this.peer(nodeId);
    if (peer.conn?.state === 'open') return Promise.resolve(peer.conn);
    if (peer.dialing === undefined) {
      if (peer.address === undefined) {
        return Promise.reject(rpcError('rpc-unavailable', `no connection to node ${nodeId} and no address to dial it`));
      }
      if (peer.retryTimer !== undefined) {
        const last = peer.lastError?.message ?? 'connection lost';
        return Promise.reject(
          peer.lastError?.code === 'rpc-handshake' ? peer.lastError : rpcError('rpc-unavailable', `node ${nodeId} unreachable, reconnecting with backoff (${last})`),
        );
      }
      this.dial(peer);
    }
    return new Promise<Connection>((resolve, reject) => {
      const timer = this.timers.setTimeout(() => {
        peer.waiters = peer.waiters.filter((w) => w !== waiter);
        reject(new RpcError('rpc-timeout', `connecting to node ${nodeId} took over ${timeoutMs} ms`, true));
      }, timeoutMs);
      const waiter: Waiter = { resolve, reject, timer };
      peer.waiters.push(waiter);
    });
  }

  private dial(peer: Peer): void {
    if (this.closing || peer.address === undefined) return;
    assert(peer.dialing === undefined, 'one dial per peer at a time');
    const socket = connect({ host: peer.address.host, port: peer.address.port, ...(this.sourceHost === null ? {} : { localAddress: this.sourceHost }) });
    const conn = new Connection(this, socket, 'dialer', peer.nodeId);
    peer.dialing = conn;
    this.connections.add(conn);
  }

  private scheduleRedial(peer: Peer): void {
    if (this.closing || peer.address === undefined || peer.retryTimer !== undefined || peer.dialing !== undefined) return;
    if (peer.conn?.state === 'open') return;
    const delay = backoffDelayMs(this.config, Math.max(0, peer.attempt - 1), this.env.random.next());
    peer.retryTimer = this.timers.setTimeout(() => {
      peer.retryTimer = undefined;
      if (peer.conn?.state !== 'open' && peer.dialing === undefined) this.dial(peer);
    }, delay);
  }

  private rejectWaiters(peer: Peer, e: RpcError): void {
    for (const w of peer.waiters) {
      this.timers.clearTimeout(w.timer);
      w.reject(e);
    }
    peer.waiters = [];
  }
}
