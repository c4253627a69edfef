/**
 * The data of the Raft core: ids, log entries, persisted state, configurations and the
 * messages replicas exchange. Everything here is plain readonly data so that drivers can
 * encode it, tests can print it and the simulator can copy it freely.
 *
 * Indexes and terms are plain `number`s, not `bigint`: they are compared and incremented
 * on every message, a group would need 2^53 entries to overflow, and `checkIndex` asserts
 * they stay safe integers wherever they enter the core (storage reads, messages).
 */
import { assert } from '../util/index.ts';

/** The id of one replica of a group. 0 (`NO_REPLICA`) means "none" (no leader, no vote). */
export type ReplicaId = number & { readonly __brand: 'ReplicaId' };

export const NO_REPLICA = 0 as ReplicaId;

/** Brands a positive safe integer as a replica id. */
export function replicaId(n: number): ReplicaId {
  assert(Number.isSafeInteger(n) && n > 0, () => `replica id must be a positive safe integer, got ${n}`);
  return n as ReplicaId;
}

/** Asserts that `n` is a usable log index or term (a non-negative safe integer). */
export function checkIndex(n: number, what: string): number {
  assert(Number.isSafeInteger(n) && n >= 0, () => `${what} must be a non-negative safe integer, got ${n}`);
  return n;
}

/**
 * A log entry. `data` is owned by the log once proposed: neither side mutates it.
 * 'conf-change' entries carry an encoded `ConfChange` (see conf-change-codec.ts).
 */
export interface Entry {
  readonly index: number;
  readonly term: number;
  readonly kind: 'normal' | 'conf-change';
  readonly data: Uint8Array;
}

/** The state that must be durable before any message of the same Ready is sent. */
export interface HardState {
  readonly term: number;
  readonly vote: ReplicaId;
  readonly commit: number;
}

export const EMPTY_HARD_STATE: HardState = { term: 0, vote: NO_REPLICA, commit: 0 };

/**
 * A membership configuration. In a joint configuration `votersOutgoing` is non-empty and
 * decisions need a majority of both voter sets. `learnersNext` are learners that become
 * learners once the joint configuration is left (they are still outgoing voters now).
 */
export interface ConfState {
  readonly voters: readonly ReplicaId[];
  readonly votersOutgoing: readonly ReplicaId[];
  readonly learners: readonly ReplicaId[];
  readonly learnersNext: readonly ReplicaId[];
  /** Leave the joint configuration automatically once it is applied (leader proposes it). */
  readonly autoLeave: boolean;
}

export const EMPTY_CONF_STATE: ConfState = {
  voters: [],
  votersOutgoing: [],
  learners: [],
  learnersNext: [],
  autoLeave: false,
};

export interface SnapshotMeta {
  readonly index: number;
  readonly term: number;
  readonly confState: ConfState;
}

/** A snapshot: the application state at `meta.index`. `data` is opaque to Raft. */
export interface Snapshot {
  readonly meta: SnapshotMeta;
  readonly data: Uint8Array;
}

/** One membership change; several form a `ConfChange`. */
export interface ConfChangeSingle {
  readonly kind: 'add-voter' | 'add-learner' | 'remove';
  readonly id: ReplicaId;
}

/**
 * A membership change. An empty `changes` list means "leave the joint configuration".
 * `transition` says how to apply a non-empty list:
 * - 'auto': a single-step change if at most one voter changes, else joint with auto-leave;
 * - 'joint-implicit': always joint, left automatically;
 * - 'joint-explicit': always joint, left when the application proposes an empty change.
 * `context` is carried through the log untouched for the application.
 */
export interface ConfChange {
  readonly transition: 'auto' | 'joint-implicit' | 'joint-explicit';
  readonly changes: readonly ConfChangeSingle[];
  readonly context: Uint8Array;
}

export type Role = 'follower' | 'pre-candidate' | 'candidate' | 'leader';

/** Volatile state that the application may want to observe (who leads, what we are). */
export interface SoftState {
  readonly leader: ReplicaId;
  readonly role: Role;
}

/** A linearizable read may be served once the application has applied `index`. */
export interface ReadState {
  readonly index: number;
  readonly ctx: Uint8Array;
}

interface MessageBase {
  readonly from: ReplicaId;
  readonly to: ReplicaId;
  /** The sender's term; 0 for forwarded proposals and read requests (term-less). */
  readonly term: number;
}

/** AppendEntries: `entries` follow the entry at (`index`, `logTerm`). */
export interface MsgApp extends MessageBase {
  readonly kind: 'app';
  readonly index: number;
  readonly logTerm: number;
  readonly entries: readonly Entry[];
  readonly commit: number;
}

/**
 * Reply to 'app' or 'snap'. On success `index` is the follower's last matching index.
 * On rejection `index` echoes the probe and (`rejectHint`, `logTerm`) name the follower's
 * last entry that might still match, so the leader can skip a whole term per round trip.
 */
export interface MsgAppResp extends MessageBase {
  readonly kind: 'app-resp';
  readonly index: number;
  readonly reject: boolean;
  readonly rejectHint: number;
  readonly logTerm: number;
}

/** RequestVote and its pre-vote probe (which does not bump anyone's term). */
export interface MsgVote extends MessageBase {
  readonly kind: 'vote' | 'pre-vote';
  readonly lastIndex: number;
  readonly lastTerm: number;
  /** Set when campaigning on a leadership transfer: voters then ignore their leader lease. */
  readonly transfer: boolean;
}

export interface MsgVoteResp extends MessageBase {
  readonly kind: 'vote-resp' | 'pre-vote-resp';
  readonly reject: boolean;
  /**
   * The voter's commit index and the term of that entry. A candidate holding that entry
   * may commit up to it: this is how members learn that a configuration change they hold
   * is committed when its leader is gone (for instance a leader that removed itself).
   */
  readonly commit: number;
  readonly commitTerm: number;
}

export interface MsgHeartbeat extends MessageBase {
  readonly kind: 'heartbeat';
  readonly commit: number;
  /** Non-empty when the heartbeat confirms leadership for a ReadIndex request. */
  readonly ctx: Uint8Array;
  /** The leader is going quiet: the follower may stop ticking if it is caught up. */
  readonly quiesce: boolean;
}

export interface MsgHeartbeatResp extends MessageBase {
  readonly kind: 'heartbeat-resp';
  readonly ctx: Uint8Array;
}

export interface MsgSnap extends MessageBase {
  readonly kind: 'snap';
  readonly snapshot: Snapshot;
}

/** A proposal forwarded by a follower to the leader. */
export interface MsgProp extends MessageBase {
  readonly kind: 'prop';
  readonly entries: readonly Entry[];
}

/** The leader tells a caught-up transferee to campaign now. */
export interface MsgTimeoutNow extends MessageBase {
  readonly kind: 'timeout-now';
}

/** A follower asks the leader to transfer leadership to `from`'s chosen `transferee`. */
export interface MsgTransferLeader extends MessageBase {
  readonly kind: 'transfer-leader';
  readonly transferee: ReplicaId;
}

/** A follower's ReadIndex request, forwarded to the leader. */
export interface MsgReadIndex extends MessageBase {
  readonly kind: 'read-index';
  readonly ctx: Uint8Array;
}

export interface MsgReadIndexResp extends MessageBase {
  readonly kind: 'read-index-resp';
  readonly index: number;
  readonly ctx: Uint8Array;
}

/** Every message replicas exchange. Local events (tick, hup, reports) are methods instead. */
export type Message =
  | MsgApp
  | MsgAppResp
  | MsgVote
  | MsgVoteResp
  | MsgHeartbeat
  | MsgHeartbeatResp
  | MsgSnap
  | MsgProp
  | MsgTimeoutNow
  | MsgTransferLeader
  | MsgReadIndex
  | MsgReadIndexResp;

export type MessageKind = Message['kind'];

/** Why a proposal (or read, or transfer) was not accepted. Proposals may also be lost later. */
export type DropReason =
  | 'no-leader'
  | 'forwarding-disabled'
  | 'leadership-transfer'
  | 'uncommitted-size-limit'
  | 'conf-change-pending'
  | 'invalid-conf-change'
  | 'not-member'
  | 'too-many-reads';

export type ProposeResult = { readonly ok: true } | { readonly ok: false; readonly reason: DropReason };
