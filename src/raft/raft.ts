/**
 * The Raft state machine of one replica: terms, roles, elections and message dispatch.
 * Replication (leader side) lives in leader.ts and the follower/candidate handlers in
 * follower.ts; they operate on this class's fields, which are therefore public but not
 * exported from the layer. Everything is synchronous and deterministic: output is
 * appended to `msgs` and `readStates` and collected by RawNode into a Ready.
 */
import { assert, assertNever } from '../util/index.ts';
import { validateConfig, type RaftConfig, type RaftConfigInput } from './config.ts';
import { bcastAppend, bcastHeartbeat, handOffLeadership, handleLeaderPropose, leaderReadIndex, maybeSendAppendAll, stepLeader } from './leader.ts';
import { stepCandidate, stepFollower } from './follower.ts';
import { RaftLog } from './raft-log.ts';
import { ReadOnlyQueue } from './read-only.ts';
import type { Storage } from './storage.ts';
import { ProgressTracker, confStateToConfig } from './tracker.ts';
import {
  NO_REPLICA,
  checkIndex,
  type DropReason,
  type Entry,
  type Message,
  type ProposeResult,
  type ReadState,
  type ReplicaId,
  type Role,
} from './types.ts';

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
/** A message as handlers write it: `from` and (usually) `term` are filled in by `send`. */
export type Outgoing = DistributiveOmit<Message, 'from' | 'term'>;

const OK: ProposeResult = { ok: true };

export function drop(reason: DropReason): ProposeResult {
  return { ok: false, reason };
}

export class Raft {
  readonly id: ReplicaId;
  readonly cfg: RaftConfig;
  term = 0;
  vote: ReplicaId = NO_REPLICA;
  lead: ReplicaId = NO_REPLICA;
  role: Role = 'follower';
  readonly log: RaftLog;
  readonly tracker: ProgressTracker;
  electionElapsed = 0;
  heartbeatElapsed = 0;
  randomizedElectionTimeout = 0;
  msgs: Message[] = [];
  readStates: ReadState[] = [];
  /** Index of the last conf change the leader appended; no new one until it is applied. */
  pendingConfIndex = 0;
  /** Payload bytes appended by this leader and not yet committed (handed out). */
  uncommittedBytes = 0;
  leadTransferee: ReplicaId = NO_REPLICA;
  readonly reads: ReadOnlyQueue;
  /** Reads received before this leader committed an entry of its term. */
  pendingReadRequests: { from: ReplicaId; ctx: Uint8Array }[] = [];
  /** The group is idle: the driver may stop ticking it until a message arrives. */
  quiesced = false;

  constructor(input: RaftConfigInput, storage: Storage) {
    this.cfg = validateConfig(input);
    this.id = this.cfg.id;
    this.log = new RaftLog(storage, this.cfg.maxCommittedBytesPerReady);
    this.tracker = new ProgressTracker(this.cfg.maxInflightMsgs, this.cfg.maxInflightBytes);
    this.reads = new ReadOnlyQueue(this.cfg.maxPendingReads);
    const { hardState, confState } = storage.initialState();
    this.tracker.setConfig(confStateToConfig(confState), this.log.lastIndex());
    checkIndex(hardState.term, 'hard state term');
    checkIndex(hardState.commit, 'hard state commit');
    if (hardState.commit > 0 || hardState.term > 0) {
      assert(hardState.commit >= this.log.committed && hardState.commit <= this.log.lastIndex(), () =>
        `hard state commit ${hardState.commit} outside [${this.log.committed}, ${this.log.lastIndex()}]`);
      this.log.committed = hardState.commit;
      this.term = hardState.term;
      this.vote = hardState.vote;
    }
    if (this.cfg.applied > 0) {
      assert(this.cfg.applied >= this.log.applied, 'applied below the snapshot index');
      this.log.appliedTo(this.cfg.applied);
    }
    this.becomeFollower(this.term, NO_REPLICA);
  }

  /** Queues a message; `term` defaults to ours (term-less kinds pass 0). */
  send(m: Outgoing, term: number = this.term): void {
    assert(m.to !== this.id, 'sending a message to self');
    this.msgs.push({ ...m, from: this.id, term } as Message);
  }

  /** A replica may campaign only as a voter and not while a snapshot is being installed. */
  promotable(): boolean {
    const pr = this.tracker.progress.get(this.id);
    return pr !== undefined && !pr.isLearner && this.log.pendingSnapshot() === undefined;
  }

  private reset(term: number): void {
    if (term !== this.term) {
      this.term = term;
      this.vote = NO_REPLICA;
    }
    this.lead = NO_REPLICA;
    this.electionElapsed = 0;
    this.heartbeatElapsed = 0;
    this.randomizedElectionTimeout = this.cfg.electionTicks + this.cfg.random.int(this.cfg.electionTicks);
    this.leadTransferee = NO_REPLICA;
    this.tracker.resetVotes();
    this.tracker.resetProgress(this.log.lastIndex(), this.id);
    this.pendingConfIndex = 0;
    this.uncommittedBytes = 0;
    this.reads.clear();
    this.pendingReadRequests = [];
    this.quiesced = false;
  }

  becomeFollower(term: number, lead: ReplicaId): void {
    this.reset(term);
    this.lead = lead;
    this.role = 'follower';
  }

  becomePreCandidate(): void {
    assert(this.role !== 'leader', 'a leader cannot become a pre-candidate');
    // A pre-vote round changes neither term nor vote, so a partitioned replica that keeps
    // failing it does not disrupt the group when it rejoins.
    this.tracker.resetVotes();
    this.lead = NO_REPLICA;
    this.role = 'pre-candidate';
  }

  becomeCandidate(): void {
    assert(this.role !== 'leader', 'a leader cannot become a candidate');
    this.reset(this.term + 1);
    this.vote = this.id;
    this.role = 'candidate';
  }

  becomeLeader(): void {
    assert(this.role !== 'follower', 'a follower must campaign before leading');
    this.reset(this.term);
    this.lead = this.id;
    this.role = 'leader';
    this.tracker.progress.get(this.id)?.becomeReplicate();
    // We may hold an unapplied conf change; delay new ones until our whole log is applied.
    this.pendingConfIndex = this.log.lastIndex();
    // An empty entry of our term lets us commit (and learn the commit of) earlier entries.
    const appended = this.appendEntries([{ index: 0, term: 0, kind: 'normal', data: new Uint8Array(0) }]);
    assert(appended, 'the empty leader entry is never refused');
  }

  /**
   * Leader: appends entries (indexes and term assigned here) to its own log, counting their
   * payload against the uncommitted budget. Returns false, appending nothing, if over budget.
   */
  appendEntries(entries: readonly Entry[]): boolean {
    let size = 0;
    for (const e of entries) size += e.data.length;
    // An empty leader has room for one proposal of any size, so large ones still progress.
    if (this.uncommittedBytes > 0 && size > 0 && this.uncommittedBytes + size > this.cfg.maxUncommittedEntriesBytes) {
      return false;
    }
    this.uncommittedBytes += size;
    let index = this.log.lastIndex();
    const stamped = entries.map((e) => ({ index: ++index, term: this.term, kind: e.kind, data: e.data }));
    const last = this.log.append(stamped);
    this.tracker.progress.get(this.id)?.maybeUpdate(last);
    this.maybeCommit();
    return true;
  }

  /** Returns committed payload to the uncommitted budget once it is handed out. */
  reduceUncommittedSize(entries: readonly Entry[]): void {
    if (this.role !== 'leader') return;
    let size = 0;
    for (const e of entries) size += e.data.length;
    this.uncommittedBytes = Math.max(0, this.uncommittedBytes - size);
  }

  /** Advances the commit index to what a quorum has (current-term entries only). */
  maybeCommit(): boolean {
    return this.log.maybeCommit(this.tracker.committed(), this.term);
  }

  committedEntryInCurrentTerm(): boolean {
    return this.log.term(this.log.committed) === this.term;
  }

  tick(): void {
    if (this.quiesced) return;
    if (this.role === 'leader') this.tickLeader();
    else this.tickElection();
  }

  private tickElection(): void {
    this.electionElapsed++;
    if (this.promotable() && this.electionElapsed >= this.randomizedElectionTimeout) {
      this.electionElapsed = 0;
      this.hup(false);
    }
  }

  private tickLeader(): void {
    this.heartbeatElapsed++;
    this.electionElapsed++;
    if (this.electionElapsed >= this.cfg.electionTicks) {
      this.electionElapsed = 0;
      if (this.cfg.checkQuorum) {
        if (!this.tracker.quorumActive(this.id)) {
          this.becomeFollower(this.term, NO_REPLICA);
          return;
        }
        for (const [id, pr] of this.tracker.progress) if (id !== this.id) pr.recentActive = false;
      }
      // A transfer that did not finish within an election timeout is abandoned.
      this.leadTransferee = NO_REPLICA;
      if (!this.tracker.isVoter(this.id)) handOffLeadership(this);
    }
    if (this.heartbeatElapsed >= this.cfg.heartbeatTicks) {
      this.heartbeatElapsed = 0;
      bcastHeartbeat(this, false);
    }
  }

  /** Whether committed but unapplied entries include a conf change. */
  private hasUnappliedConfChange(): boolean {
    let lo = this.log.applied + 1;
    const hi = this.log.committed + 1;
    while (lo < hi) {
      const ents = this.log.slice(lo, hi, 1 << 20);
      if (ents === undefined) return false;
      for (const e of ents) if (e.kind === 'conf-change') return true;
      lo += ents.length;
    }
    return false;
  }

  /** Starts an election (with a pre-vote round unless it is a leadership transfer). */
  hup(transfer: boolean): void {
    if (this.role === 'leader' || !this.promotable()) return;
    // Campaigning before applying a committed conf change could count the wrong voters.
    if (this.hasUnappliedConfChange()) return;
    this.campaign(this.cfg.preVote && !transfer ? 'pre-vote' : 'vote', transfer);
  }

  campaign(kind: 'vote' | 'pre-vote', transfer: boolean): void {
    let voteTerm: number;
    if (kind === 'pre-vote') {
      this.becomePreCandidate();
      voteTerm = this.term + 1; // the term we would campaign in
    } else {
      this.becomeCandidate();
      voteTerm = this.term;
    }
    if (this.tracker.recordVote(this.id, true) === 'won') {
      // A single voter wins on its own vote.
      if (kind === 'pre-vote') {
        this.campaign('vote', transfer);
      } else {
        this.becomeLeader();
        bcastAppend(this); // learners, if any
      }
      return;
    }
    const lastIndex = this.log.lastIndex();
    const lastTerm = this.log.lastTerm();
    for (const to of this.tracker.voterIds()) {
      if (to === this.id) continue;
      this.send({ kind, to, lastIndex, lastTerm, transfer }, voteTerm);
    }
  }

  /** Handles one message from a peer. Messages for other replicas are a driver bug. */
  step(m: Message): void {
    assert(m.to === this.id, () => `message for ${m.to} stepped into ${this.id}`);
    checkIndex(m.term, 'message term');
    // The quiescing heartbeat and the replies to it must not undo quiescence.
    if (this.quiesced && !(m.kind === 'heartbeat' && m.quiesce) && m.kind !== 'heartbeat-resp') this.wake();
    if (m.term === 0) {
      if (m.kind === 'prop' || m.kind === 'read-index') this.stepRole(m);
      return;
    }
    if ((m.kind === 'vote-resp' || m.kind === 'pre-vote-resp') && m.reject && this.role !== 'leader') {
      this.learnCommit(m.commit, m.commitTerm);
    }
    if (m.term > this.term) {
      if (!this.acceptHigherTerm(m)) return;
    } else if (m.term < this.term) {
      this.handleStaleTerm(m);
      return;
    }
    if (m.kind === 'vote' || m.kind === 'pre-vote') {
      this.handleVoteRequest(m);
      return;
    }
    this.stepRole(m);
  }

  /** A message from a higher term: usually we follow it; returns false to ignore it. */
  private acceptHigherTerm(m: Message): boolean {
    if (m.kind === 'vote' || m.kind === 'pre-vote') {
      // Leader lease (with CheckQuorum): while we hear from a leader, a candidate that
      // cannot reach it must not depose it. A transfer campaign overrides the lease.
      const inLease = this.cfg.checkQuorum && this.lead !== NO_REPLICA && this.electionElapsed < this.cfg.electionTicks;
      if (inLease && !m.transfer) return false;
    }
    if (m.kind === 'pre-vote') return true; // a pre-vote changes no term
    if (m.kind === 'pre-vote-resp' && !m.reject) return true; // we bump on winning
    if (m.kind === 'app' || m.kind === 'heartbeat' || m.kind === 'snap') this.becomeFollower(m.term, m.from);
    else this.becomeFollower(m.term, NO_REPLICA);
    return true;
  }

  /**
   * A commit index is a fact independent of terms: if our log holds the entry (index,
   * term) that a peer knows committed, log matching makes our prefix up to it the
   * committed one.
   */
  private learnCommit(index: number, term: number): void {
    if (index > this.log.committed && this.log.matchTerm(index, term)) this.log.commitTo(index);
  }

  private commitInfo(): { commit: number; commitTerm: number } {
    return { commit: this.log.committed, commitTerm: this.log.term(this.log.committed) ?? 0 };
  }

  private handleStaleTerm(m: Message): void {
    if ((this.cfg.checkQuorum || this.cfg.preVote) && (m.kind === 'app' || m.kind === 'heartbeat')) {
      // A leader cut off by a partition keeps its old term; with CheckQuorum or PreVote the
      // group may have moved on without it ever hearing a higher term. Replying with our
      // term makes it step down instead of sending stale appends forever.
      this.send({ kind: 'app-resp', to: m.from, index: 0, reject: false, rejectHint: 0, logTerm: 0 });
    } else if (m.kind === 'pre-vote') {
      this.send({ kind: 'pre-vote-resp', to: m.from, reject: true, ...this.commitInfo() });
    }
  }

  private handleVoteRequest(m: Message & { kind: 'vote' | 'pre-vote' }): void {
    const respKind = m.kind === 'vote' ? 'vote-resp' : 'pre-vote-resp';
    const canVote =
      this.vote === m.from ||
      (this.vote === NO_REPLICA && this.lead === NO_REPLICA) ||
      (m.kind === 'pre-vote' && m.term > this.term);
    const uptodate = this.log.isUpToDate(m.lastIndex, m.lastTerm);
    if (canVote && uptodate) {
      // A grant carries the candidate's term, so a pre-candidate counts it for the term
      // it would campaign in.
      this.send({ kind: respKind, to: m.from, reject: false, ...this.commitInfo() }, m.term);
      if (m.kind === 'vote') {
        this.electionElapsed = 0;
        this.vote = m.from;
      }
    } else {
      this.send({ kind: respKind, to: m.from, reject: true, ...this.commitInfo() });
      // We voted for ourselves (or another) this term, yet this candidate's log beats ours,
      // so we cannot win where it could. Back off: without pre-vote, a replica with a
      // stale log whose timer keeps firing first would otherwise win every race to the
      // next term and starve the candidate that can win.
      if (m.kind === 'vote' && this.role !== 'leader' && uptodate) this.electionElapsed = 0;
    }
  }

  private stepRole(m: Message): void {
    switch (this.role) {
      case 'leader':
        stepLeader(this, m);
        return;
      case 'candidate':
      case 'pre-candidate':
        stepCandidate(this, m);
        return;
      case 'follower':
        stepFollower(this, m);
        return;
      default:
        assertNever(this.role, 'role');
    }
  }

  /** Proposes entries (indexes and terms are assigned by the leader). */
  propose(entries: readonly Entry[]): ProposeResult {
    if (this.quiesced) this.wake();
    switch (this.role) {
      case 'leader':
        return handleLeaderPropose(this, entries);
      case 'follower':
        if (this.lead === NO_REPLICA) return drop('no-leader');
        if (this.cfg.disableProposalForwarding) return drop('forwarding-disabled');
        this.send({ kind: 'prop', to: this.lead, entries }, 0);
        return OK;
      case 'candidate':
      case 'pre-candidate':
        return drop('no-leader');
      default:
        return assertNever(this.role, 'role');
    }
  }

  readIndex(ctx: Uint8Array): ProposeResult {
    if (this.quiesced) this.wake();
    if (this.role === 'leader') return leaderReadIndex(this, this.id, ctx);
    if (this.lead === NO_REPLICA) return drop('no-leader');
    this.send({ kind: 'read-index', to: this.lead, ctx }, 0);
    return OK;
  }

  /** Leaves quiescence: a follower restarts its election timer from zero. */
  wake(): void {
    if (!this.quiesced) return;
    this.quiesced = false;
    this.electionElapsed = 0;
    if (this.role === 'leader') {
      this.heartbeatElapsed = 0;
      bcastHeartbeat(this, false);
      maybeSendAppendAll(this);
    }
  }
}
