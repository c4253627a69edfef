/**
 * The raft transport kv's multi-raft driver uses: raft messages of every range go to a
 * peer node through one connection, batched per flush cycle, with the plain heartbeats
 * (and responses) of all ranges the two nodes share coalesced into two compact lists.
 *
 *   driver Ready cycle ── send(n2, r7, msgs) ─┐
 *                      ── send(n2, r9, msgs) ─┼─> outbox[n2] ── flush() ─> one 'raft' frame ─> n2
 *                      ── send(n3, r7, msgs) ─┘   outbox[n3] ──────────> one 'raft' frame ─> n3
 *
 * Delivery is best effort, as Raft expects of its network: messages for a node without an
 * open connection (or whose socket queue is full) are dropped and `onUnreachable` names
 * the ranges affected, so the driver can call `reportUnreachable` on those replicas. Order
 * is kept per (node pair, range) as long as the connection lives.
 */
import type { Message, Snapshot } from '../../raft/index.ts';
import { assert } from '../../util/index.ts';
import type { NodeId, RangeId } from '../range-descriptor.ts';
import { BufWriter } from './buf.ts';
import { RpcError } from './errors.ts';
import {
  coalesceHeartbeat,
  decodeRaftBatch,
  encodeRaftBatch,
  type RaftBatch,
  type RangeHeartbeat,
  type RangeHeartbeatResp,
  type RangeMessages,
} from './raft-codec.ts';
import type { RpcNode } from './rpc-node.ts';

export interface RaftTransport {
  /**
   * Queues `messages` of range `rangeId` for `toNode`, in order, until the next flush.
   * Plain heartbeats and heartbeat responses (empty ctx) travel in the coalesced lists.
   * Never throws for an unreachable node: see `onUnreachable`. The messages (and their
   * byte arrays) must not be mutated afterwards.
   */
  send(toNode: NodeId, rangeId: RangeId, messages: readonly Message[]): void;
  /** Queues heartbeats already in the coalesced form (a node-level heartbeat loop). */
  sendHeartbeats(toNode: NodeId, heartbeats: readonly RangeHeartbeat[], responses: readonly RangeHeartbeatResp[]): void;
  /**
   * Sends everything queued: one frame per destination node (more only when a batch
   * passes `raftBatchBytesTarget`). The driver calls it at the end of each Ready cycle;
   * a flush is also scheduled automatically after the first send of a cycle.
   */
  flush(): void;
  /** Receives every batch from every peer; heartbeats stay coalesced (see heartbeatMessage). */
  onMessages(handler: (fromNode: NodeId, batch: RaftBatch) => void): void;
  /** Called with the ranges whose messages to `toNode` were dropped. */
  onUnreachable(handler: (toNode: NodeId, rangeIds: readonly RangeId[]) => void): void;
  /**
   * Sends a 'snap' message with its snapshot data as a stream (chunked, flow-controlled),
   * outside the batches; the peer delivers it as an ordinary one-message batch once all of
   * it arrived. Resolves when the peer has it (the driver then calls reportSnapshot(ok)).
   */
  sendSnapshot(toNode: NodeId, rangeId: RangeId, message: Extract<Message, { kind: 'snap' }>): Promise<void>;
}

export interface RaftTransportStats {
  framesSent: number;
  messagesSent: number;
  heartbeatsSent: number;
  messagesDropped: number;
}

export interface RaftTransportOptions {
  /** A received snapshot larger than this is refused (its bytes are buffered whole). */
  readonly snapshotBytesMax?: number;
}

interface Outbox {
  ranges: Map<RangeId, Message[]>;
  heartbeats: RangeHeartbeat[];
  responses: RangeHeartbeatResp[];
}

const SNAPSHOT_METHOD = 'raft.snapshot';
const EMPTY = new Uint8Array(0);

/** RaftTransport over an RpcNode. */
export class RpcRaftTransport implements RaftTransport {
  readonly stats: RaftTransportStats = { framesSent: 0, messagesSent: 0, heartbeatsSent: 0, messagesDropped: 0 };
  private outboxes = new Map<NodeId, Outbox>();
  private flushScheduled = false;
  private messagesHandler: (fromNode: NodeId, batch: RaftBatch) => void = () => undefined;
  private unreachableHandler: (toNode: NodeId, rangeIds: readonly RangeId[]) => void = () => undefined;
  private readonly snapshotBytesMax: number;

  constructor(
    private readonly rpc: RpcNode,
    options: RaftTransportOptions = {},
  ) {
    this.snapshotBytesMax = options.snapshotBytesMax ?? 512 * 1024 * 1024;
    rpc.onRaft((from, body) => this.receive(from as NodeId, body));
    rpc.handleStream(SNAPSHOT_METHOD, (header, chunks, ctx) => this.receiveSnapshot(ctx.fromNode as NodeId, header, chunks));
  }

  send(toNode: NodeId, rangeId: RangeId, messages: readonly Message[]): void {
    const box = this.outbox(toNode);
    let list: Message[] | undefined;
    for (const m of messages) {
      const hb = coalesceHeartbeat(rangeId, m);
      if (hb !== undefined) {
        if ('commit' in hb) box.heartbeats.push(hb);
        else box.responses.push(hb);
        continue;
      }
      list ??= box.ranges.get(rangeId);
      if (list === undefined) {
        list = [];
        box.ranges.set(rangeId, list);
      }
      list.push(m);
    }
  }

  sendHeartbeats(toNode: NodeId, heartbeats: readonly RangeHeartbeat[], responses: readonly RangeHeartbeatResp[]): void {
    const box = this.outbox(toNode);
    box.heartbeats.push(...heartbeats);
    box.responses.push(...responses);
  }

  flush(): void {
    const boxes = this.outboxes;
    this.outboxes = new Map();
    for (const [toNode, box] of boxes) {
      for (const batch of splitBatch(box, this.rpc.config.raftBatchBytesTarget)) this.sendBatch(toNode, batch);
    }
  }

  onMessages(handler: (fromNode: NodeId, batch: RaftBatch) => void): void {
    this.messagesHandler = handler;
  }

  onUnreachable(handler: (toNode: NodeId, rangeIds: readonly RangeId[]) => void): void {
    this.unreachableHandler = handler;
  }

  async sendSnapshot(toNode: NodeId, rangeId: RangeId, message: Extract<Message, { kind: 'snap' }>): Promise<void> {
    const header = encodeRaftBatch({
      ranges: [{ rangeId, messages: [{ ...message, snapshot: { meta: message.snapshot.meta, data: EMPTY } }] }],
      heartbeats: [],
      heartbeatResps: [],
    });
    const stream = await this.rpc.openStream(toNode, SNAPSHOT_METHOD, header);
    try {
      await stream.write(message.snapshot.data);
    } catch (e) {
      stream.abort(e instanceof Error ? e.message : String(e));
      throw e;
    }
    await stream.end();
  }

  private outbox(toNode: NodeId): Outbox {
    let box = this.outboxes.get(toNode);
    if (box === undefined) {
      box = { ranges: new Map(), heartbeats: [], responses: [] };
      this.outboxes.set(toNode, box);
    }
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      // The safety net for drivers that forget to flush; one Ready cycle runs synchronously,
      // so everything it sends is queued before this fires.
      setImmediate(() => {
        this.flushScheduled = false;
        this.flush();
      });
    }
    return box;
  }

  private sendBatch(toNode: NodeId, batch: RaftBatch): void {
    const messages = batch.ranges.reduce((n, r) => n + r.messages.length, 0);
    let sent = false;
    try {
      sent = this.rpc.sendRaft(toNode, encodeRaftBatch(batch, new BufWriter(1024)));
    } catch (e) {
      // A single message over frameBytesMax: Raft's maxSizePerMsg should prevent it.
      if (!(e instanceof RpcError)) throw e;
      this.rpc.env.logger.warn({ toNode, err: e.message }, 'rpc: raft batch not sendable');
    }
    if (sent) {
      this.stats.framesSent++;
      this.stats.messagesSent += messages;
      this.stats.heartbeatsSent += batch.heartbeats.length + batch.heartbeatResps.length;
      return;
    }
    this.stats.messagesDropped += messages + batch.heartbeats.length + batch.heartbeatResps.length;
    const ids = new Set<RangeId>(batch.ranges.map((r) => r.rangeId));
    for (const h of batch.heartbeats) ids.add(h.rangeId);
    for (const h of batch.heartbeatResps) ids.add(h.rangeId);
    this.unreachableHandler(toNode, [...ids]);
  }

  private receive(fromNode: NodeId, body: Uint8Array): void {
    let batch: RaftBatch;
    try {
      batch = decodeRaftBatch(body);
    } catch (e) {
      this.rpc.env.logger.warn({ fromNode, err: e instanceof Error ? e.message : String(e) }, 'rpc: undecodable raft batch dropped');
      return;
    }
    this.messagesHandler(fromNode, batch);
  }

  private async receiveSnapshot(fromNode: NodeId, header: Uint8Array, chunks: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
    const head = decodeRaftBatch(header);
    const range = head.ranges[0];
    const m = range?.messages[0];
    if (range === undefined || m?.kind !== 'snap') throw new RpcError('rpc-remote', 'snapshot stream without a snap message', false);
    const parts: Uint8Array[] = [];
    let bytes = 0;
    for await (const chunk of chunks) {
      bytes += chunk.length;
      if (bytes > this.snapshotBytesMax) throw new RpcError('rpc-remote', `snapshot over snapshotBytesMax ${this.snapshotBytesMax}`, false);
      parts.push(chunk);
    }
    const snapshot: Snapshot = { meta: m.snapshot.meta, data: concat(parts, bytes) };
    this.messagesHandler(fromNode, { ranges: [{ rangeId: range.rangeId, messages: [{ ...m, snapshot }] }], heartbeats: [], heartbeatResps: [] });
    return EMPTY;
  }
}

function concat(parts: readonly Uint8Array[], bytes: number): Uint8Array {
  const out = new Uint8Array(bytes);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  assert(at === bytes, 'snapshot length');
  return out;
}

/** A rough encoded size, for cutting batches: payload bytes plus a fixed overhead. */
function messageBytes(m: Message): number {
  switch (m.kind) {
    case 'app':
    case 'prop':
      return m.entries.reduce((n, e) => n + e.data.length + 12, 24);
    case 'snap':
      return m.snapshot.data.length + 64;
    default:
      return 32;
  }
}

/** Cuts an outbox into batches of about `target` bytes, keeping each range's order. */
function splitBatch(box: Outbox, target: number): RaftBatch[] {
  const batches: RaftBatch[] = [];
  let ranges: RangeMessages[] = [];
  let bytes = 0;
  for (const [rangeId, messages] of box.ranges) {
    let run: Message[] = [];
    for (const m of messages) {
      const n = messageBytes(m);
      if (bytes + n > target && (bytes > 0 || run.length > 0)) {
        if (run.length > 0) ranges.push({ rangeId, messages: run });
        batches.push({ ranges, heartbeats: [], heartbeatResps: [] });
        ranges = [];
        run = [];
        bytes = 0;
      }
      run.push(m);
      bytes += n;
    }
    if (run.length > 0) ranges.push({ rangeId, messages: run });
  }
  // Heartbeats are tiny (~8 bytes each): they ride with the last batch.
  batches.push({ ranges, heartbeats: box.heartbeats, heartbeatResps: box.responses });
  return batches.filter((b) => b.ranges.length > 0 || b.heartbeats.length > 0 || b.heartbeatResps.length > 0);
}
