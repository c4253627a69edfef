/**
 * RawNode: the driver-facing handle of one replica. The driver feeds it ticks, messages and
 * proposals, and repeatedly:
 *
 *   if (node.hasReady()) {
 *     const rd = node.ready();
 *     persist rd.snapshot, rd.entries and rd.hardState (fsync if rd.mustSync);
 *     send rd.messages;                        // only now: they promise what was persisted
 *     apply rd.committedEntries (calling applyConfChange for conf changes), serve rd.readStates;
 *     node.advance(rd);
 *   }
 *
 * Between ready() and advance() the driver may keep stepping messages in (e.g. while a
 * group-commit write is in flight), but may not take another Ready.
 */
import { assert } from '../util/index.ts';
import type { RaftConfigInput } from './config.ts';
import { LEAVE_JOINT, changeConfig, encodeConfChange } from './conf-change.ts';
import { bcastAppend, canQuiesce, handOffLeadership, maybeSendAppendAll, reportSnapshot, reportUnreachable, transferLeadership, tryQuiesce } from './leader.ts';
import type { ProgressState } from './progress.ts';
import { Raft } from './raft.ts';
import type { Storage } from './storage.ts';
import { configToConfState } from './tracker.ts';
import {
  NO_REPLICA,
  type ConfChange,
  type ConfState,
  type Entry,
  type HardState,
  type Message,
  type ProposeResult,
  type ReadState,
  type ReplicaId,
  type Role,
  type Snapshot,
  type SoftState,
} from './types.ts';

/** Everything the driver must do next, in the order listed on RawNode. */
export interface Ready {
  /** Set when leader or role changed since the last Ready. */
  readonly softState: SoftState | undefined;
  /** Set when term, vote or commit changed: persist before sending `messages`. */
  readonly hardState: HardState | undefined;
  /** Append to the log, replacing any suffix from entries[0].index on. */
  readonly entries: readonly Entry[];
  /** Install (replacing the log and the application state) before the entries. */
  readonly snapshot: Snapshot | undefined;
  /** Apply in order; they may include entries of this same Ready (persist those first). */
  readonly committedEntries: readonly Entry[];
  /** Send after the above is durable. */
  readonly messages: readonly Message[];
  /** Linearizable reads that may be served once `index` is applied. */
  readonly readStates: readonly ReadState[];
  /** Whether the write must be synced (new entries, term or vote). */
  readonly mustSync: boolean;
}

export interface ProgressStatus {
  readonly match: number;
  readonly next: number;
  readonly state: ProgressState;
  readonly recentActive: boolean;
  readonly isLearner: boolean;
}

export interface Status {
  readonly id: ReplicaId;
  readonly term: number;
  readonly vote: ReplicaId;
  readonly commit: number;
  readonly applied: number;
  readonly firstIndex: number;
  readonly lastIndex: number;
  readonly lead: ReplicaId;
  readonly role: Role;
  readonly quiesced: boolean;
  readonly leadTransferee: ReplicaId;
  readonly confState: ConfState;
  /** Per-member progress; empty unless this replica leads. */
  readonly progress: ReadonlyMap<ReplicaId, ProgressStatus>;
}

const NO_ENTRIES: readonly Entry[] = [];
const EMPTY = new Uint8Array(0);

function sameHardState(a: HardState, b: HardState): boolean {
  return a.term === b.term && a.vote === b.vote && a.commit === b.commit;
}

export class RawNode {
  private readonly raft: Raft;
  private prevSoft: SoftState;
  private prevHard: HardState;
  private outstanding: Ready | undefined;

  /**
   * Builds a replica from its durable state: `storage` supplies hard state, log, snapshot
   * and configuration; `config.applied` is the application's applied index.
   */
  constructor(config: RaftConfigInput, storage: Storage) {
    this.raft = new Raft(config, storage);
    this.prevSoft = this.softState();
    this.prevHard = this.hardState();
  }

  get id(): ReplicaId {
    return this.raft.id;
  }

  private softState(): SoftState {
    return { leader: this.raft.lead, role: this.raft.role };
  }

  private hardState(): HardState {
    return { term: this.raft.term, vote: this.raft.vote, commit: this.raft.log.committed };
  }

  /** Advances logical time by one tick (no-op while quiesced). */
  tick(): void {
    this.raft.tick();
  }

  /** Starts an election now (e.g. on the first replica of a freshly bootstrapped group). */
  campaign(): void {
    this.raft.wake();
    this.raft.hup(false);
  }

  /** Steps a message from a peer. It also wakes a quiesced replica. */
  step(m: Message): void {
    this.raft.step(m);
  }

  propose(data: Uint8Array): ProposeResult {
    return this.raft.propose([{ index: 0, term: 0, kind: 'normal', data }]);
  }

  /** Proposes several payloads as one batch: one append, one message per follower. */
  proposeBatch(data: readonly Uint8Array[]): ProposeResult {
    if (data.length === 0) return { ok: true };
    return this.raft.propose(data.map((d) => ({ index: 0, term: 0, kind: 'normal' as const, data: d })));
  }

  proposeConfChange(cc: ConfChange): ProposeResult {
    return this.raft.propose([{ index: 0, term: 0, kind: 'conf-change', data: encodeConfChange(cc) }]);
  }

  /**
   * Applies a committed conf change (the application calls this when it applies the
   * entry) and returns the resulting configuration, which it persists with its applied
   * index.
   */
  applyConfChange(cc: ConfChange): ConfState {
    const r = this.raft;
    const outcome = changeConfig(r.tracker.config, cc);
    assert(outcome.ok, () => `committed conf change cannot apply: ${outcome.ok ? '' : outcome.reason}`);
    r.tracker.setConfig(outcome.config, r.log.lastIndex());
    if (r.role === 'leader') {
      if (r.leadTransferee !== NO_REPLICA && !r.tracker.isVoter(r.leadTransferee)) r.leadTransferee = NO_REPLICA;
      // A smaller quorum may commit more; new members need their first probe.
      if (r.maybeCommit()) bcastAppend(r);
      else maybeSendAppendAll(r);
      if (!r.tracker.isVoter(r.id)) handOffLeadership(r); // removed or demoted
    }
    return configToConfState(r.tracker.config);
  }

  /** Requests a linearizable read; `ctx` (unique per request) comes back in a ReadState. */
  readIndex(ctx: Uint8Array): ProposeResult {
    return this.raft.readIndex(ctx);
  }

  /** Asks the leader to hand leadership to `transferee` (forwarded if we do not lead). */
  transferLeader(transferee: ReplicaId): void {
    const r = this.raft;
    r.wake();
    if (r.role === 'leader') transferLeadership(r, transferee);
    else if (r.lead !== NO_REPLICA) r.send({ kind: 'transfer-leader', to: r.lead, transferee });
  }

  /** The transport could not deliver to `id`: stop pipelining to it. */
  reportUnreachable(id: ReplicaId): void {
    reportUnreachable(this.raft, id);
  }

  /** The driver's snapshot transfer to `id` finished (`ok`) or failed. */
  reportSnapshot(id: ReplicaId, ok: boolean): void {
    reportSnapshot(this.raft, id, ok);
  }

  /** Whether this leader's group is idle enough to quiesce. */
  canQuiesce(): boolean {
    return canQuiesce(this.raft);
  }

  /**
   * Leader: if the group is idle, tells followers to stop ticking and stops itself.
   * The driver then stops ticking this replica until `quiesced` turns false (any message
   * or proposal wakes it) or it calls `wake()` (e.g. because a peer's node went down).
   */
  tryQuiesce(): boolean {
    return tryQuiesce(this.raft);
  }

  get quiesced(): boolean {
    return this.raft.quiesced;
  }

  wake(): void {
    this.raft.wake();
  }

  hasReady(): boolean {
    if (this.outstanding !== undefined) return false;
    const r = this.raft;
    if (r.msgs.length > 0 || r.readStates.length > 0) return true;
    if (r.log.unstableEntries().length > 0 || r.log.pendingSnapshot() !== undefined) return true;
    if (r.log.hasNextCommittedEntries()) return true;
    if (r.lead !== this.prevSoft.leader || r.role !== this.prevSoft.role) return true;
    return !sameHardState(this.hardState(), this.prevHard);
  }

  ready(): Ready {
    assert(this.outstanding === undefined, 'ready() called again before advance()');
    const r = this.raft;
    const soft = this.softState();
    const hard = this.hardState();
    const softChanged = soft.leader !== this.prevSoft.leader || soft.role !== this.prevSoft.role;
    const hardChanged = !sameHardState(hard, this.prevHard);
    const unstable = r.log.unstableEntries();
    const entries = unstable.length > 0 ? unstable.slice() : NO_ENTRIES;
    const rd: Ready = {
      softState: softChanged ? soft : undefined,
      hardState: hardChanged ? hard : undefined,
      entries,
      snapshot: r.log.pendingSnapshot(),
      committedEntries: r.log.nextCommittedEntries(),
      messages: r.msgs,
      readStates: r.readStates,
      mustSync: entries.length > 0 || hard.term !== this.prevHard.term || hard.vote !== this.prevHard.vote,
    };
    r.msgs = [];
    r.readStates = [];
    this.outstanding = rd;
    return rd;
  }

  /** The driver has done everything `rd` asked for. */
  advance(rd: Ready): void {
    assert(rd === this.outstanding, 'advance() with a Ready that is not the outstanding one');
    this.outstanding = undefined;
    const r = this.raft;
    if (rd.softState !== undefined) this.prevSoft = rd.softState;
    if (rd.hardState !== undefined) this.prevHard = rd.hardState;
    if (rd.snapshot !== undefined) {
      r.log.stableSnapshotTo(rd.snapshot.meta.index);
      if (rd.snapshot.meta.index > r.log.applied) r.log.appliedTo(rd.snapshot.meta.index);
    }
    if (rd.committedEntries.length > 0) {
      r.log.appliedTo(rd.committedEntries[rd.committedEntries.length - 1]!.index);
      r.reduceUncommittedSize(rd.committedEntries);
    }
    if (rd.entries.length > 0) {
      const last = rd.entries[rd.entries.length - 1]!;
      r.log.stableTo(last.index, last.term);
    }
    this.maybeAutoLeave();
  }

  /** A leader leaves an auto-leave joint configuration once it has applied entering it. */
  private maybeAutoLeave(): void {
    const r = this.raft;
    const c = r.tracker.config;
    if (r.role !== 'leader' || !c.autoLeave || c.outgoing.size === 0 || r.pendingConfIndex > r.log.applied) return;
    this.raft.propose([{ index: 0, term: 0, kind: 'conf-change', data: encodeConfChange(LEAVE_JOINT) }]);
  }

  status(): Status {
    const r = this.raft;
    const progress = new Map<ReplicaId, ProgressStatus>();
    if (r.role === 'leader') {
      for (const [id, pr] of r.tracker.progress) {
        progress.set(id, {
          match: pr.match,
          next: pr.next,
          state: pr.state,
          recentActive: pr.recentActive,
          isLearner: pr.isLearner,
        });
      }
    }
    return {
      id: r.id,
      term: r.term,
      vote: r.vote,
      commit: r.log.committed,
      applied: r.log.applied,
      firstIndex: r.log.firstIndex(),
      lastIndex: r.log.lastIndex(),
      lead: r.lead,
      role: r.role,
      quiesced: r.quiesced,
      leadTransferee: r.leadTransferee,
      confState: configToConfState(r.tracker.config),
      progress,
    };
  }
}

/** The index and term of the initial snapshot every replica of a new group starts from. */
export const BOOTSTRAP_INDEX = 1;
export const BOOTSTRAP_TERM = 1;

/**
 * The durable state that every initial replica of a new group starts from: a snapshot at
 * index 1 holding the initial configuration (and application state `data`). Replicas added
 * later start empty and receive a snapshot from the leader.
 */
export function bootstrapState(confState: ConfState, data: Uint8Array = EMPTY): { snapshot: Snapshot; hardState: HardState } {
  assert(confState.voters.length > 0, 'a new group needs at least one voter');
  return {
    snapshot: { meta: { index: BOOTSTRAP_INDEX, term: BOOTSTRAP_TERM, confState }, data },
    hardState: { term: BOOTSTRAP_TERM, vote: NO_REPLICA, commit: BOOTSTRAP_INDEX },
  };
}
