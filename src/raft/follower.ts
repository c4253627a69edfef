/**
 * Followers and candidates: accepting appends, heartbeats and snapshots from the leader,
 * forwarding requests to it, and counting votes while campaigning.
 */
import { assert, assertNever } from '../util/index.ts';
import { bcastAppend } from './leader.ts';
import type { Raft } from './raft.ts';
import { confStateToConfig } from './tracker.ts';
import { NO_REPLICA, type Message, type MsgApp, type MsgHeartbeat, type MsgSnap, type Snapshot } from './types.ts';

export function stepFollower(r: Raft, m: Message): void {
  switch (m.kind) {
    case 'app':
      r.electionElapsed = 0;
      r.lead = m.from;
      handleAppend(r, m);
      return;
    case 'heartbeat':
      r.electionElapsed = 0;
      r.lead = m.from;
      handleHeartbeat(r, m);
      return;
    case 'snap':
      r.electionElapsed = 0;
      r.lead = m.from;
      handleSnapshot(r, m);
      return;
    case 'transfer-leader':
      if (r.lead !== NO_REPLICA) r.send({ kind: 'transfer-leader', to: r.lead, transferee: m.transferee });
      return;
    case 'timeout-now':
      // The leader chose us: campaign at once, skipping pre-vote and overriding leases.
      r.hup(true);
      return;
    case 'read-index-resp':
      r.readStates.push({ index: m.index, ctx: m.ctx });
      return;
    case 'prop':
    case 'read-index':
      // Sent to us as if we led; forwarding them again could loop between followers.
      return;
    case 'app-resp':
    case 'heartbeat-resp':
    case 'vote':
    case 'pre-vote':
    case 'vote-resp':
    case 'pre-vote-resp':
      return; // stale replies, or votes (handled before dispatch)
    default:
      assertNever(m, 'message');
  }
}

export function stepCandidate(r: Raft, m: Message): void {
  switch (m.kind) {
    case 'app':
      r.becomeFollower(m.term, m.from); // someone won this term
      handleAppend(r, m);
      return;
    case 'heartbeat':
      r.becomeFollower(m.term, m.from);
      handleHeartbeat(r, m);
      return;
    case 'snap':
      r.becomeFollower(m.term, m.from);
      handleSnapshot(r, m);
      return;
    case 'vote-resp':
    case 'pre-vote-resp': {
      const expected = r.role === 'pre-candidate' ? 'pre-vote-resp' : 'vote-resp';
      if (m.kind !== expected) return;
      const result = r.tracker.recordVote(m.from, !m.reject);
      if (result === 'won') {
        if (r.role === 'pre-candidate') {
          r.campaign('vote', false);
        } else {
          r.becomeLeader();
          bcastAppend(r);
        }
      } else if (result === 'lost') {
        r.becomeFollower(r.term, NO_REPLICA);
      }
      return;
    }
    case 'prop':
    case 'read-index':
    case 'transfer-leader':
    case 'timeout-now':
    case 'read-index-resp':
    case 'app-resp':
    case 'heartbeat-resp':
    case 'vote':
    case 'pre-vote':
      return;
    default:
      assertNever(m, 'message');
  }
}

function handleAppend(r: Raft, m: MsgApp): void {
  if (m.index < r.log.committed) {
    // Already committed here: tell the leader where we are so it skips ahead.
    r.send({ kind: 'app-resp', to: m.from, index: r.log.committed, reject: false, rejectHint: 0, logTerm: 0 });
    return;
  }
  const lastNew = r.log.maybeAppend(m.index, m.logTerm, m.commit, m.entries);
  if (lastNew !== undefined) {
    r.send({ kind: 'app-resp', to: m.from, index: lastNew, reject: false, rejectHint: 0, logTerm: 0 });
    return;
  }
  // Our log lacks (index, logTerm). Hint the leader at our last entry that could match:
  // the largest index <= its probe whose term is <= the probe's term.
  const hint = r.log.findConflictByTerm(Math.min(m.index, r.log.lastIndex()), m.logTerm);
  r.send({ kind: 'app-resp', to: m.from, index: m.index, reject: true, rejectHint: hint.index, logTerm: hint.term });
}

function handleHeartbeat(r: Raft, m: MsgHeartbeat): void {
  // The leader sends min(our match, its commit), so this never exceeds our durable log.
  r.log.commitTo(m.commit);
  r.send({ kind: 'heartbeat-resp', to: m.from, ctx: m.ctx });
  if (m.quiesce && m.commit === r.log.committed && r.log.committed === r.log.lastIndex()) {
    r.quiesced = true;
  }
}

function handleSnapshot(r: Raft, m: MsgSnap): void {
  const restored = restoreSnapshot(r, m.snapshot);
  const index = restored ? r.log.lastIndex() : r.log.committed;
  r.send({ kind: 'app-resp', to: m.from, index, reject: false, rejectHint: 0, logTerm: 0 });
}

/** Installs a leader's snapshot unless we already have everything it covers. */
function restoreSnapshot(r: Raft, snap: Snapshot): boolean {
  const { index, term, confState } = snap.meta;
  if (index <= r.log.committed) return false;
  assert(r.role === 'follower', 'only a follower installs a snapshot');
  const member =
    confState.voters.includes(r.id) || confState.votersOutgoing.includes(r.id) || confState.learners.includes(r.id);
  // A snapshot whose configuration lacks us was not meant for us; installing it would
  // leave a replica that is not a member.
  if (!member) return false;
  if (r.log.matchTerm(index, term)) {
    // We hold the entry already: the snapshot only tells us it is committed.
    r.log.commitTo(index);
    return false;
  }
  r.log.restore(snap);
  r.tracker.setConfig(confStateToConfig(confState), r.log.lastIndex());
  r.tracker.resetProgress(r.log.lastIndex(), r.id);
  return true;
}
