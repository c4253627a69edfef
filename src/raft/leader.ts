/**
 * The leader's side of Raft: proposals, replication to each follower according to its
 * Progress, the commit rule, ReadIndex, leadership transfer, snapshot reports and
 * quiescence.
 */
import { assert, assertNever } from '../util/index.ts';
import { changeConfig, decodeConfChange } from './conf-change.ts';
import { jointVoteResult } from './quorum.ts';
import type { Progress } from './progress.ts';
import { drop, type Raft } from './raft.ts';
import { entriesSize } from './storage.ts';
import { NO_REPLICA, type Entry, type Message, type MsgAppResp, type MsgHeartbeatResp, type ProposeResult, type ReplicaId } from './types.ts';

const OK: ProposeResult = { ok: true };
const EMPTY_CTX = new Uint8Array(0);

export function stepLeader(r: Raft, m: Message): void {
  switch (m.kind) {
    case 'prop':
      handleLeaderPropose(r, m.entries);
      return;
    case 'read-index':
      leaderReadIndex(r, m.from, m.ctx);
      return;
    case 'transfer-leader':
      transferLeadership(r, m.transferee);
      return;
    case 'app-resp':
      handleAppResp(r, m);
      return;
    case 'heartbeat-resp':
      handleHeartbeatResp(r, m);
      return;
    case 'app':
    case 'heartbeat':
    case 'snap':
      assert(false, () => `leader ${r.id} of term ${r.term} got '${m.kind}' from ${m.from} in the same term`);
      return;
    case 'vote':
    case 'pre-vote':
    case 'vote-resp':
    case 'pre-vote-resp':
    case 'timeout-now':
    case 'read-index-resp':
      return; // stale or irrelevant once leading
    default:
      assertNever(m, 'message');
  }
}

/** Validates and appends a batch of proposals, then replicates it. */
export function handleLeaderPropose(r: Raft, entries: readonly Entry[]): ProposeResult {
  if (!r.tracker.isMember(r.id)) return drop('not-member');
  if (r.leadTransferee !== NO_REPLICA) return drop('leadership-transfer');
  let confIndex = 0;
  for (let k = 0; k < entries.length; k++) {
    const e = entries[k]!;
    if (e.kind !== 'conf-change') continue;
    if (confIndex !== 0) return drop('invalid-conf-change'); // one per batch
    // The previous change must be applied first: changes are validated against the
    // current configuration, and two in flight could together skip the joint step.
    if (r.pendingConfIndex > r.log.applied) return drop('conf-change-pending');
    if (!changeConfig(r.tracker.config, decodeConfChange(e.data)).ok) return drop('invalid-conf-change');
    confIndex = r.log.lastIndex() + 1 + k;
  }
  if (!r.appendEntries(entries)) return drop('uncommitted-size-limit');
  if (confIndex !== 0) r.pendingConfIndex = confIndex;
  bcastAppend(r);
  return OK;
}

/**
 * Sends `to` the entries it needs next, or a snapshot if they are compacted. Returns false
 * if nothing was sent (paused, or nothing new and `sendIfEmpty` is false).
 */
export function sendAppend(r: Raft, to: ReplicaId, sendIfEmpty: boolean): boolean {
  const pr = r.tracker.progress.get(to);
  if (pr === undefined || pr.isPaused()) return false;
  const prevIndex = pr.next - 1;
  const prevTerm = r.log.term(prevIndex);
  const lastIndex = r.log.lastIndex();
  const entries = prevTerm === undefined ? undefined : r.log.slice(pr.next, lastIndex + 1, r.cfg.maxSizePerMsgBytes);
  if (prevTerm === undefined || entries === undefined) return sendSnapshot(r, to, pr);
  if (entries.length === 0 && !sendIfEmpty) return false;
  r.send({ kind: 'app', to, index: prevIndex, logTerm: prevTerm, entries, commit: r.log.committed });
  const last = entries.length > 0 ? entries[entries.length - 1]!.index : prevIndex;
  pr.sentEntries(entries.length, entriesSize(entries), last);
  return true;
}

function sendSnapshot(r: Raft, to: ReplicaId, pr: Progress): boolean {
  // An inactive follower would not take it; a snapshot is too costly to send blind.
  if (!pr.recentActive) return false;
  const snap = r.log.snapshot();
  if (snap === undefined) return false; // being generated: retried on a later heartbeat reply
  assert(snap.meta.index >= r.log.firstIndex() - 1, () =>
    `the snapshot (${snap.meta.index}) must cover the compacted log (first index ${r.log.firstIndex()})`);
  pr.becomeSnapshot(snap.meta.index);
  r.send({ kind: 'snap', to, snapshot: snap });
  return true;
}

/** Sends appends (possibly empty, to carry the commit index) to every follower. */
export function bcastAppend(r: Raft): void {
  for (const id of r.tracker.progress.keys()) if (id !== r.id) sendAppend(r, id, true);
}

/** Sends whatever each follower is missing, without empty appends. */
export function maybeSendAppendAll(r: Raft): void {
  for (const id of r.tracker.progress.keys()) if (id !== r.id) sendAppend(r, id, false);
}

export function bcastHeartbeat(r: Raft, quiesce: boolean): void {
  const ctx = r.reads.lastCtx() ?? EMPTY_CTX;
  for (const [id, pr] of r.tracker.progress) {
    if (id === r.id) continue;
    // Never tell a follower to commit beyond what it is known to hold.
    const commit = Math.min(pr.match, r.log.committed);
    r.send({ kind: 'heartbeat', to: id, commit, ctx, quiesce });
  }
}

function handleAppResp(r: Raft, m: MsgAppResp): void {
  const pr = r.tracker.progress.get(m.from);
  if (pr === undefined) return;
  pr.recentActive = true;
  if (m.reject) {
    // Fast back-off: skip every entry of ours whose term cannot match the follower's hint.
    const hint = m.logTerm > 0 ? r.log.findConflictByTerm(m.rejectHint, m.logTerm).index : m.rejectHint;
    if (pr.maybeDecrTo(m.index, hint)) {
      if (pr.state === 'replicate') pr.becomeProbe();
      sendAppend(r, m.from, true);
    }
    return;
  }
  const wasPaused = pr.isPaused();
  if (!pr.maybeUpdate(m.index)) return;
  switch (pr.state) {
    case 'probe':
      pr.becomeReplicate();
      break;
    case 'snapshot':
      if (pr.match + 1 >= r.log.firstIndex()) {
        pr.becomeProbe();
        pr.becomeReplicate();
      }
      break;
    case 'replicate':
      pr.inflights.freeLE(m.index);
      break;
    default:
      assertNever(pr.state, 'progress state');
  }
  if (r.maybeCommit()) {
    releasePendingReads(r);
    bcastAppend(r);
  } else if (wasPaused) {
    sendAppend(r, m.from, true);
  }
  // Fill the pipeline up to the in-flight bound.
  while (sendAppend(r, m.from, false)) {
    /* keep sending */
  }
  if (m.from === r.leadTransferee && pr.match === r.log.lastIndex()) {
    r.send({ kind: 'timeout-now', to: m.from });
  }
}

function handleHeartbeatResp(r: Raft, m: MsgHeartbeatResp): void {
  const pr = r.tracker.progress.get(m.from);
  if (pr === undefined) return;
  pr.recentActive = true;
  pr.probeSent = false;
  // A lost append would otherwise hold the window shut forever.
  if (pr.state === 'replicate' && pr.inflights.full()) pr.inflights.freeFirst();
  if (pr.match < r.log.lastIndex() || pr.state === 'probe') sendAppend(r, m.from, true);
  if (m.ctx.length === 0 || r.cfg.readOnly !== 'safe') return;
  const acks = r.reads.recordAck(m.from, m.ctx);
  if (acks === undefined) return;
  const votes = new Map<ReplicaId, boolean>();
  for (const id of acks) votes.set(id, true);
  if (jointVoteResult(r.tracker.config.incoming, r.tracker.config.outgoing, votes) !== 'won') return;
  for (const p of r.reads.releaseThrough(m.ctx)) respondRead(r, p.from, p.ctx, p.index);
}

function respondRead(r: Raft, from: ReplicaId, ctx: Uint8Array, index: number): void {
  if (from === r.id) r.readStates.push({ index, ctx });
  else r.send({ kind: 'read-index-resp', to: from, index, ctx });
}

/** A ReadIndex request on the leader, from itself or forwarded by `from`. */
export function leaderReadIndex(r: Raft, from: ReplicaId, ctx: Uint8Array): ProposeResult {
  const { incoming, outgoing } = r.tracker.config;
  if (outgoing.size === 0 && incoming.size === 1 && incoming.has(r.id)) {
    respondRead(r, from, ctx, r.log.committed); // a lone voter is its own quorum
    return OK;
  }
  // Until an entry of our term commits we do not know the group's commit index.
  if (!r.committedEntryInCurrentTerm()) {
    if (r.pendingReadRequests.length >= r.cfg.maxPendingReads) return drop('too-many-reads');
    r.pendingReadRequests.push({ from, ctx });
    return OK;
  }
  return processRead(r, from, ctx);
}

function processRead(r: Raft, from: ReplicaId, ctx: Uint8Array): ProposeResult {
  switch (r.cfg.readOnly) {
    case 'lease-based':
      respondRead(r, from, ctx, r.log.committed);
      return OK;
    case 'safe': {
      const added = r.reads.add(r.log.committed, from, ctx, r.id);
      if (added === 'full') return drop('too-many-reads');
      if (added === 'added') bcastHeartbeat(r, false);
      return OK;
    }
    default:
      return assertNever(r.cfg.readOnly, 'read-only option');
  }
}

function releasePendingReads(r: Raft): void {
  if (r.pendingReadRequests.length === 0 || !r.committedEntryInCurrentTerm()) return;
  const pending = r.pendingReadRequests;
  r.pendingReadRequests = [];
  for (const p of pending) processRead(r, p.from, p.ctx);
}

export function transferLeadership(r: Raft, transferee: ReplicaId): void {
  const pr = r.tracker.progress.get(transferee);
  if (pr === undefined || pr.isLearner || transferee === r.id) return;
  if (r.leadTransferee === transferee) return;
  // Proposals are refused from now on so the transferee can catch up; the transfer is
  // abandoned if it does not finish within an election timeout.
  r.electionElapsed = 0;
  r.leadTransferee = transferee;
  if (pr.match === r.log.lastIndex()) r.send({ kind: 'timeout-now', to: transferee });
  else sendAppend(r, transferee, true);
}

/**
 * A leader that is no longer a voter (it applied its own removal or demotion) hands
 * leadership to the most caught-up voter instead of just stepping down: the remaining
 * voters may not yet know that the change is committed, and under the configuration they
 * have applied they could need the votes of replicas that are gone, or of this one, whose
 * longer log would refuse them. Retried every election timeout until someone takes over.
 */
export function handOffLeadership(r: Raft): void {
  let best: ReplicaId = NO_REPLICA;
  let bestMatch = -1;
  for (const [id, pr] of r.tracker.progress) {
    if (id !== r.id && !pr.isLearner && pr.match > bestMatch) {
      best = id;
      bestMatch = pr.match;
    }
  }
  if (best === NO_REPLICA) {
    r.becomeFollower(r.term, NO_REPLICA);
    return;
  }
  transferLeadership(r, best);
}

export function reportUnreachable(r: Raft, id: ReplicaId): void {
  const pr = r.tracker.progress.get(id);
  if (r.role === 'leader' && pr !== undefined && pr.state === 'replicate') pr.becomeProbe();
}

/** The driver's report on a snapshot transfer to `id`. */
export function reportSnapshot(r: Raft, id: ReplicaId, ok: boolean): void {
  const pr = r.tracker.progress.get(id);
  if (r.role !== 'leader' || pr === undefined || pr.state !== 'snapshot') return;
  if (!ok) pr.pendingSnapshot = 0; // resume from match: the next attempt picks a fresh snapshot
  pr.becomeProbe();
  // Wait for the follower's reply (or a heartbeat reply) before sending more.
  pr.probeSent = true;
}

/**
 * Whether the leader's group is idle: everything committed and acknowledged by every
 * member, no reads, transfer or conf change in progress.
 */
export function canQuiesce(r: Raft): boolean {
  if (r.role !== 'leader' || r.quiesced) return false;
  if (r.leadTransferee !== NO_REPLICA || r.reads.size > 0 || r.pendingReadRequests.length > 0) return false;
  const last = r.log.lastIndex();
  if (r.log.committed !== last || r.log.applied !== last || r.log.unstableEntries().length > 0) return false;
  if (r.tracker.isJoint() || r.pendingConfIndex > r.log.applied) return false;
  for (const [id, pr] of r.tracker.progress) {
    if (id !== r.id && (pr.match !== last || pr.state !== 'replicate')) return false;
  }
  return true;
}

/** Tells followers to stop ticking and stops ticking ourselves, if the group is idle. */
export function tryQuiesce(r: Raft): boolean {
  if (!canQuiesce(r)) return false;
  bcastHeartbeat(r, true);
  r.quiesced = true;
  return true;
}
