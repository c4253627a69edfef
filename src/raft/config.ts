/**
 * The configuration of one Raft replica. Every limit has a name and a unit; `validateConfig`
 * fills defaults and rejects nonsense before the core sees it.
 */
import { assert, type Random } from '../util/index.ts';
import type { ReplicaId } from './types.ts';

export type ReadOnlyOption =
  /** ReadIndex confirms leadership with a quorum heartbeat round: always linearizable. */
  | 'safe'
  /**
   * The leader answers from its lease without a round trip. Linearizable only if clocks
   * drift boundedly: the lease is "no follower will vote for another candidate within an
   * election timeout of hearing from me", measured in ticks on each replica's own clock.
   * If one replica's ticks run faster than the leader's by more than the slack between
   * the election timeout and the randomized timeout, a new leader can be elected while
   * the old one still serves reads. Requires `checkQuorum`.
   */
  | 'lease-based';

export interface RaftConfig {
  /** This replica's id; must be > 0. */
  readonly id: ReplicaId;
  /** Ticks a follower waits for the leader before campaigning (randomized in [n, 2n)). */
  readonly electionTicks: number;
  /** Ticks between leader heartbeats; must be < electionTicks. */
  readonly heartbeatTicks: number;
  /** The application's applied index at start (it must match the ConfState in storage). */
  readonly applied: number;
  /** Payload bytes per append message (at least one entry is always sent). */
  readonly maxSizePerMsgBytes: number;
  /** Appends in flight to one follower in replicate state. */
  readonly maxInflightMsgs: number;
  /** Payload bytes in flight to one follower; 0 means no byte limit. */
  readonly maxInflightBytes: number;
  /** Payload bytes the leader accepts beyond its commit index before dropping proposals. */
  readonly maxUncommittedEntriesBytes: number;
  /** Payload bytes of committed entries handed out per Ready. */
  readonly maxCommittedBytesPerReady: number;
  /** Pending ReadIndex requests on the leader. */
  readonly maxPendingReads: number;
  /** A leader steps down if it has not heard from a quorum within an election timeout. */
  readonly checkQuorum: boolean;
  /** Campaign with a pre-vote round first, so a partitioned replica cannot bump terms. */
  readonly preVote: boolean;
  readonly readOnly: ReadOnlyOption;
  /** When true, followers drop proposals instead of forwarding them to the leader. */
  readonly disableProposalForwarding: boolean;
  /** Randomness for election timeouts; seeded in simulation. */
  readonly random: Random;
}

export type RaftConfigInput = Pick<RaftConfig, 'id' | 'random'> & Partial<RaftConfig>;

export const DEFAULT_RAFT_CONFIG = {
  electionTicks: 10,
  heartbeatTicks: 1,
  applied: 0,
  maxSizePerMsgBytes: 1 << 20,
  maxInflightMsgs: 256,
  maxInflightBytes: 0,
  maxUncommittedEntriesBytes: 64 << 20,
  maxCommittedBytesPerReady: 64 << 20,
  maxPendingReads: 4096,
  checkQuorum: true,
  preVote: true,
  readOnly: 'safe',
  disableProposalForwarding: false,
} as const satisfies Omit<RaftConfig, 'id' | 'random'>;

function positiveInt(n: number, what: string): void {
  assert(Number.isSafeInteger(n) && n > 0, () => `${what} must be a positive integer, got ${n}`);
}

/** Fills defaults and checks every field. A bad config is a programming error: asserts. */
export function validateConfig(input: RaftConfigInput): RaftConfig {
  const c: RaftConfig = { ...DEFAULT_RAFT_CONFIG, ...input };
  positiveInt(c.id, 'id');
  positiveInt(c.electionTicks, 'electionTicks');
  positiveInt(c.heartbeatTicks, 'heartbeatTicks');
  assert(c.heartbeatTicks < c.electionTicks, 'heartbeatTicks must be less than electionTicks');
  assert(Number.isSafeInteger(c.applied) && c.applied >= 0, 'applied must be a non-negative integer');
  positiveInt(c.maxSizePerMsgBytes, 'maxSizePerMsgBytes');
  positiveInt(c.maxInflightMsgs, 'maxInflightMsgs');
  assert(Number.isSafeInteger(c.maxInflightBytes) && c.maxInflightBytes >= 0, 'maxInflightBytes must be >= 0');
  positiveInt(c.maxUncommittedEntriesBytes, 'maxUncommittedEntriesBytes');
  positiveInt(c.maxCommittedBytesPerReady, 'maxCommittedBytesPerReady');
  positiveInt(c.maxPendingReads, 'maxPendingReads');
  assert(c.readOnly !== 'lease-based' || c.checkQuorum, 'lease-based reads require checkQuorum');
  return c;
}
