/**
 * The hand-written binary codec of raft traffic between two nodes (see
 * docs/decisions/0003-rpc-codec.md for why hand-written). A `RaftBatch` is everything one
 * node sends another in one flush cycle: per range, its messages in send order; and the
 * heartbeats and heartbeat responses of all ranges the two nodes share, coalesced into two
 * compact lists (a heartbeat costs ~6 bytes instead of a message frame of its own).
 *
 * Decoding copies the batch once (see decodeRaftBatch): the caller hands the byte strings to
 * Raft, which keeps them in its log, and they must not pin the socket's buffers.
 */
import {
  replicaId,
  type ConfState,
  type Entry,
  type Message,
  type ReplicaId,
} from '../../raft/index.ts';
import { assert, assertNever } from '../../util/index.ts';
import type { RangeId } from '../range-descriptor.ts';
import { BufReader, BufWriter } from './buf.ts';
import { rpcError } from './errors.ts';

/** The heartbeat of one range, in the coalesced form (a MsgHeartbeat with an empty ctx). */
export interface RangeHeartbeat {
  readonly rangeId: RangeId;
  readonly from: ReplicaId;
  readonly to: ReplicaId;
  readonly term: number;
  readonly commit: number;
  readonly quiesce: boolean;
}

/** The heartbeat response of one range, coalesced (a MsgHeartbeatResp with an empty ctx). */
export interface RangeHeartbeatResp {
  readonly rangeId: RangeId;
  readonly from: ReplicaId;
  readonly to: ReplicaId;
  readonly term: number;
}

export interface RangeMessages {
  readonly rangeId: RangeId;
  readonly messages: readonly Message[];
}

/** What one node sends another in one flush cycle. */
export interface RaftBatch {
  readonly ranges: readonly RangeMessages[];
  readonly heartbeats: readonly RangeHeartbeat[];
  readonly heartbeatResps: readonly RangeHeartbeatResp[];
}

type MsgHeartbeat = Extract<Message, { kind: 'heartbeat' }>;
type MsgHeartbeatResp = Extract<Message, { kind: 'heartbeat-resp' }>;

const KIND_TAGS = {
  app: 1,
  'app-resp': 2,
  vote: 3,
  'pre-vote': 4,
  'vote-resp': 5,
  'pre-vote-resp': 6,
  heartbeat: 7,
  'heartbeat-resp': 8,
  snap: 9,
  prop: 10,
  'timeout-now': 11,
  'transfer-leader': 12,
  'read-index': 13,
  'read-index-resp': 14,
} as const satisfies Record<Message['kind'], number>;

const BATCH_FORMAT = 1;

/** The coalesced form of `m` if it is a plain heartbeat (or response), else undefined. */
export function coalesceHeartbeat(rangeId: RangeId, m: Message): RangeHeartbeat | RangeHeartbeatResp | undefined {
  if (m.kind === 'heartbeat' && m.ctx.length === 0) {
    return { rangeId, from: m.from, to: m.to, term: m.term, commit: m.commit, quiesce: m.quiesce };
  }
  if (m.kind === 'heartbeat-resp' && m.ctx.length === 0) return { rangeId, from: m.from, to: m.to, term: m.term };
  return undefined;
}

const EMPTY = new Uint8Array(0);

/** The raft message a coalesced heartbeat stands for. */
export function heartbeatMessage(h: RangeHeartbeat): MsgHeartbeat {
  return { kind: 'heartbeat', from: h.from, to: h.to, term: h.term, commit: h.commit, ctx: EMPTY, quiesce: h.quiesce };
}

export function heartbeatRespMessage(h: RangeHeartbeatResp): MsgHeartbeatResp {
  return { kind: 'heartbeat-resp', from: h.from, to: h.to, term: h.term, ctx: EMPTY };
}

const RANGE_ID_MAX = BigInt(Number.MAX_SAFE_INTEGER);

function rangeIdToWire(id: RangeId): number {
  assert(id >= 0n && id <= RANGE_ID_MAX, () => `range id ${id} out of the codec's range`);
  return Number(id);
}

/** A capacity that holds the encoding of `b` without regrowing in the common case. */
function estimateBytes(b: RaftBatch): number {
  let n = 16 + b.heartbeats.length * 24 + b.heartbeatResps.length * 16;
  for (const r of b.ranges) {
    n += 12;
    for (const m of r.messages) {
      n += 48;
      if (m.kind === 'app' || m.kind === 'prop') for (const e of m.entries) n += e.data.length + 24;
      else if (m.kind === 'snap') n += m.snapshot.data.length + 64;
    }
  }
  return n;
}

/** The encoding of `b` (a view of the writer's buffer, which the caller then owns). */
export function encodeRaftBatch(b: RaftBatch, w: BufWriter = new BufWriter(estimateBytes(b))): Uint8Array {
  w.u8(BATCH_FORMAT).uint(b.ranges.length);
  for (const r of b.ranges) {
    w.uint(rangeIdToWire(r.rangeId)).uint(r.messages.length);
    for (const m of r.messages) encodeMessage(w, m);
  }
  w.uint(b.heartbeats.length);
  for (const h of b.heartbeats) {
    w.uint(rangeIdToWire(h.rangeId)).uint(h.from).uint(h.to).uint(h.term).uint(h.commit).bool(h.quiesce);
  }
  w.uint(b.heartbeatResps.length);
  for (const h of b.heartbeatResps) w.uint(rangeIdToWire(h.rangeId)).uint(h.from).uint(h.to).uint(h.term);
  return w.finish();
}

/**
 * Decodes a batch. The byte strings in the result (entry data, contexts, snapshot data)
 * are views into one private copy of `bytes`: one memcpy per batch instead of one
 * allocation per entry, and the caller's (socket's) buffer is not retained. Entries of one
 * batch are appended and truncated together, so sharing their backing buffer costs little.
 */
export function decodeRaftBatch(bytes: Uint8Array): RaftBatch {
  const r = new BufReader(bytes.slice());
  const format = r.u8();
  if (format !== BATCH_FORMAT) throw rpcError('rpc-protocol', `unknown raft batch format ${format}`);
  const ranges: RangeMessages[] = [];
  for (let n = r.count('ranges'); n > 0; n--) {
    const rangeId = BigInt(r.uint()) as RangeId;
    const messages: Message[] = [];
    for (let k = r.count('messages'); k > 0; k--) messages.push(decodeMessage(r));
    ranges.push({ rangeId, messages });
  }
  const heartbeats: RangeHeartbeat[] = [];
  for (let n = r.count('heartbeats'); n > 0; n--) {
    const rangeId = BigInt(r.uint()) as RangeId;
    heartbeats.push({ rangeId, from: rid(r), to: rid(r), term: r.uint(), commit: r.uint(), quiesce: r.bool() });
  }
  const heartbeatResps: RangeHeartbeatResp[] = [];
  for (let n = r.count('heartbeat responses'); n > 0; n--) {
    const rangeId = BigInt(r.uint()) as RangeId;
    heartbeatResps.push({ rangeId, from: rid(r), to: rid(r), term: r.uint() });
  }
  r.expectDone('raft batch');
  return { ranges, heartbeats, heartbeatResps };
}

/** A replica id off the wire: 0 (`NO_REPLICA`) is legal in messages, so no branding check. */
function rid(r: BufReader): ReplicaId {
  return r.uint() as ReplicaId;
}

function encodeMessage(w: BufWriter, m: Message): void {
  w.u8(KIND_TAGS[m.kind]).uint(m.from).uint(m.to).uint(m.term);
  switch (m.kind) {
    case 'app':
      w.uint(m.index).uint(m.logTerm).uint(m.commit);
      encodeEntries(w, m.entries);
      return;
    case 'app-resp':
      w.uint(m.index).bool(m.reject).uint(m.rejectHint).uint(m.logTerm);
      return;
    case 'vote':
    case 'pre-vote':
      w.uint(m.lastIndex).uint(m.lastTerm).bool(m.transfer);
      return;
    case 'vote-resp':
    case 'pre-vote-resp':
      w.bool(m.reject).uint(m.commit).uint(m.commitTerm);
      return;
    case 'heartbeat':
      w.uint(m.commit).bytes(m.ctx).bool(m.quiesce);
      return;
    case 'heartbeat-resp':
      w.bytes(m.ctx);
      return;
    case 'snap':
      w.uint(m.snapshot.meta.index).uint(m.snapshot.meta.term);
      encodeConfState(w, m.snapshot.meta.confState);
      w.bytes(m.snapshot.data);
      return;
    case 'prop':
      encodeEntries(w, m.entries);
      return;
    case 'timeout-now':
      return;
    case 'transfer-leader':
      w.uint(m.transferee);
      return;
    case 'read-index':
      w.bytes(m.ctx);
      return;
    case 'read-index-resp':
      w.uint(m.index).bytes(m.ctx);
      return;
    default:
      assertNever(m, 'raft message');
  }
}

function decodeMessage(r: BufReader): Message {
  const tag = r.u8();
  const from = rid(r);
  const to = rid(r);
  const term = r.uint();
  switch (tag) {
    case KIND_TAGS.app: {
      const index = r.uint();
      const logTerm = r.uint();
      const commit = r.uint();
      return { kind: 'app', from, to, term, index, logTerm, commit, entries: decodeEntries(r) };
    }
    case KIND_TAGS['app-resp']:
      return { kind: 'app-resp', from, to, term, index: r.uint(), reject: r.bool(), rejectHint: r.uint(), logTerm: r.uint() };
    case KIND_TAGS.vote:
    case KIND_TAGS['pre-vote']:
      return { kind: tag === KIND_TAGS.vote ? 'vote' : 'pre-vote', from, to, term, lastIndex: r.uint(), lastTerm: r.uint(), transfer: r.bool() };
    case KIND_TAGS['vote-resp']:
    case KIND_TAGS['pre-vote-resp']:
      return { kind: tag === KIND_TAGS['vote-resp'] ? 'vote-resp' : 'pre-vote-resp', from, to, term, reject: r.bool(), commit: r.uint(), commitTerm: r.uint() };
    case KIND_TAGS.heartbeat:
      return { kind: 'heartbeat', from, to, term, commit: r.uint(), ctx: r.bytesView(), quiesce: r.bool() };
    case KIND_TAGS['heartbeat-resp']:
      return { kind: 'heartbeat-resp', from, to, term, ctx: r.bytesView() };
    case KIND_TAGS.snap: {
      const index = r.uint();
      const snapTerm = r.uint();
      const confState = decodeConfState(r);
      return { kind: 'snap', from, to, term, snapshot: { meta: { index, term: snapTerm, confState }, data: r.bytesView() } };
    }
    case KIND_TAGS.prop:
      return { kind: 'prop', from, to, term, entries: decodeEntries(r) };
    case KIND_TAGS['timeout-now']:
      return { kind: 'timeout-now', from, to, term };
    case KIND_TAGS['transfer-leader']:
      return { kind: 'transfer-leader', from, to, term, transferee: rid(r) };
    case KIND_TAGS['read-index']:
      return { kind: 'read-index', from, to, term, ctx: r.bytesView() };
    case KIND_TAGS['read-index-resp']:
      return { kind: 'read-index-resp', from, to, term, index: r.uint(), ctx: r.bytesView() };
    default:
      throw rpcError('rpc-protocol', `unknown raft message tag ${tag}`);
  }
}

function encodeEntries(w: BufWriter, entries: readonly Entry[]): void {
  w.uint(entries.length);
  for (const e of entries) w.uint(e.index).uint(e.term).u8(e.kind === 'normal' ? 0 : 1).bytes(e.data);
}

function decodeEntries(r: BufReader): Entry[] {
  const entries: Entry[] = [];
  for (let n = r.count('entries'); n > 0; n--) {
    const index = r.uint();
    const term = r.uint();
    const k = r.u8();
    if (k > 1) throw rpcError('rpc-protocol', `unknown entry kind ${k}`);
    entries.push({ index, term, kind: k === 0 ? 'normal' : 'conf-change', data: r.bytesView() });
  }
  return entries;
}

function encodeIds(w: BufWriter, ids: readonly ReplicaId[]): void {
  w.uint(ids.length);
  for (const id of ids) w.uint(id);
}

function decodeIds(r: BufReader): ReplicaId[] {
  const ids: ReplicaId[] = [];
  for (let n = r.count('replica ids'); n > 0; n--) {
    const id = r.uint();
    if (id === 0) throw rpcError('rpc-protocol', 'replica id 0 in a configuration');
    ids.push(replicaId(id));
  }
  return ids;
}

function encodeConfState(w: BufWriter, c: ConfState): void {
  encodeIds(w, c.voters);
  encodeIds(w, c.votersOutgoing);
  encodeIds(w, c.learners);
  encodeIds(w, c.learnersNext);
  w.bool(c.autoLeave);
}

function decodeConfState(r: BufReader): ConfState {
  return { voters: decodeIds(r), votersOutgoing: decodeIds(r), learners: decodeIds(r), learnersNext: decodeIds(r), autoLeave: r.bool() };
}
