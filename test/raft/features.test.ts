/**
 * Feature tests over a small fault-free cluster: elections, replication, CheckQuorum,
 * ReadIndex, leadership transfer, proposal handling, snapshots, membership changes and
 * quiescence; plus MemoryStorage and the ConfChange codec.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { LEAVE_JOINT, MemoryStorage, decodeConfChange, encodeConfChange, type ConfChange } from '../../src/raft/index.ts';
import { Cluster, bytes, entry, id } from './helpers.ts';

const none = new Uint8Array(0);

describe('elections and replication', () => {
  test('a campaign elects a leader and proposals are applied everywhere', () => {
    const c = new Cluster([1, 2, 3]);
    c.elect(1);
    assert.equal(c.leader(), 1);
    assert.deepEqual(c.get(1).propose(bytes('a')), { ok: true });
    assert.deepEqual(c.get(2).propose(bytes('b')), { ok: true }, 'forwarded to the leader');
    c.stabilize();
    c.tick(2); // heartbeats carry the final commit index to followers
    for (const n of [1, 2, 3]) assert.deepEqual(c.applied(n), ['a', 'b']);
  });

  test('election timeouts elect someone without a campaign call', () => {
    const c = new Cluster([1, 2, 3]);
    c.tick(25);
    assert.notEqual(c.leader(), undefined);
  });

  test('CheckQuorum: a leader cut off from its quorum steps down', () => {
    const c = new Cluster([1, 2, 3], { checkQuorum: true });
    c.elect(1);
    c.isolate(1);
    c.tick(25);
    assert.notEqual(c.get(1).status().role, 'leader');
  });

  test('PreVote: an isolated replica does not inflate its term', () => {
    const c = new Cluster([1, 2, 3], { preVote: true });
    c.elect(1);
    const term = c.get(1).status().term;
    c.isolate(3);
    c.tick(60);
    assert.equal(c.get(3).status().term, term);
    c.heal();
    c.tick(3);
    assert.equal(c.leader(), 1, 'rejoining does not disrupt the leader');
  });

  test('batched proposals travel as one append per follower', () => {
    const c = new Cluster([1, 2, 3]);
    c.elect(1);
    c.get(1).proposeBatch([bytes('x'), bytes('y'), bytes('z')]);
    const rd = c.get(1).ready();
    const apps = rd.messages.filter((msg) => msg.kind === 'app');
    assert.equal(apps.length, 2);
    for (const a of apps) assert.equal(a.kind === 'app' ? a.entries.length : 0, 3);
    c.get(1).advance(rd);
  });
});

describe('proposals that cannot be accepted', () => {
  test('no leader', () => {
    const c = new Cluster([1, 2, 3]);
    assert.deepEqual(c.get(1).propose(bytes('a')), { ok: false, reason: 'no-leader' });
  });

  test('forwarding disabled', () => {
    const c = new Cluster([1, 2, 3], { disableProposalForwarding: true });
    c.elect(1);
    assert.deepEqual(c.get(2).propose(bytes('a')), { ok: false, reason: 'forwarding-disabled' });
  });

  test('the uncommitted log is bounded', () => {
    const c = new Cluster([1, 2, 3], { maxUncommittedEntriesBytes: 10 });
    c.elect(1);
    c.isolate(1);
    assert.deepEqual(c.get(1).propose(new Uint8Array(8)), { ok: true });
    assert.deepEqual(c.get(1).propose(new Uint8Array(8)), { ok: false, reason: 'uncommitted-size-limit' });
  });

  test('one conf change at a time', () => {
    const c = new Cluster([1, 2, 3]);
    c.elect(1);
    const add: ConfChange = { transition: 'auto', changes: [{ kind: 'add-learner', id: id(4) }], context: none };
    c.isolate(1);
    assert.deepEqual(c.get(1).proposeConfChange(add), { ok: true });
    assert.deepEqual(c.get(1).proposeConfChange(add), { ok: false, reason: 'conf-change-pending' });
  });

  test('a single step may not change two voters', () => {
    const c = new Cluster([1, 2, 3]);
    c.elect(1);
    const r = c.get(1).proposeConfChange({ transition: 'auto', changes: [{ kind: 'remove', id: id(1) }, { kind: 'remove', id: id(2) }, { kind: 'remove', id: id(3) }], context: none });
    assert.deepEqual(r, { ok: false, reason: 'invalid-conf-change' });
  });
});

describe('reads', () => {
  test('ReadIndex on the leader and on a follower', () => {
    const c = new Cluster([1, 2, 3], { readOnly: 'safe' });
    c.elect(1);
    c.get(1).propose(bytes('a'));
    c.stabilize();
    c.get(1).readIndex(bytes('r1'));
    c.get(2).readIndex(bytes('r2'));
    c.stabilize();
    const commit = c.get(1).status().commit;
    assert.deepEqual(c.reads(1).map((r) => [new TextDecoder().decode(r.ctx), r.index]), [['r1', commit]]);
    assert.deepEqual(c.reads(2).map((r) => [new TextDecoder().decode(r.ctx), r.index]), [['r2', commit]]);
  });

  test('a safe read on a leader cut off from its quorum is never answered', () => {
    const c = new Cluster([1, 2, 3], { readOnly: 'safe' });
    c.elect(1);
    c.isolate(1);
    c.get(1).readIndex(bytes('r'));
    c.stabilize();
    assert.equal(c.reads(1).length, 0);
  });

  test('lease-based reads answer without a round trip', () => {
    const c = new Cluster([1, 2, 3], { readOnly: 'lease-based', checkQuorum: true });
    c.elect(1);
    c.isolate(1);
    c.get(1).readIndex(bytes('r'));
    c.stabilize();
    assert.equal(c.reads(1).length, 1);
  });
});

describe('leadership transfer', () => {
  test('the transferee takes over', () => {
    const c = new Cluster([1, 2, 3]);
    c.elect(1);
    c.get(1).propose(bytes('a'));
    c.stabilize();
    c.get(1).transferLeader(id(3));
    c.stabilize();
    assert.equal(c.leader(), 3);
  });

  test('proposals are refused while a transfer is under way', () => {
    const c = new Cluster([1, 2, 3]);
    c.elect(1);
    c.isolate(3);
    c.get(1).transferLeader(id(3));
    assert.deepEqual(c.get(1).propose(bytes('a')), { ok: false, reason: 'leadership-transfer' });
    c.tick(11); // abandoned after an election timeout
    assert.deepEqual(c.get(1).propose(bytes('a')), { ok: true });
  });
});

describe('snapshots', () => {
  test('a follower behind the compacted log receives a snapshot and catches up', () => {
    const c = new Cluster([1, 2, 3]);
    c.elect(1);
    c.isolate(3);
    for (let k = 0; k < 10; k++) c.get(1).propose(bytes(`p${k}`));
    c.stabilize();
    const leader = c.nodes.get(id(1))!;
    const applied = leader.node.status().applied;
    leader.storage.createSnapshot(applied, leader.node.status().confState, none);
    leader.storage.compact(applied);
    c.heal();
    c.tick(3);
    const s = leader.node.status().progress.get(id(3))!;
    assert.equal(s.state === 'snapshot' || s.match >= applied, true);
    c.get(1).reportSnapshot(id(3), true); // the driver reports the transfer
    c.tick(3);
    assert.equal(c.get(3).status().commit, c.get(1).status().commit);
    assert.equal(c.nodes.get(id(3))!.storage.firstIndex(), applied + 1);
  });
});

describe('membership', () => {
  test('add a learner, let it catch up, promote it', () => {
    const c = new Cluster([1, 2, 3]);
    c.elect(1);
    c.get(1).propose(bytes('a'));
    c.stabilize();
    assert.deepEqual(c.get(1).proposeConfChange({ transition: 'auto', changes: [{ kind: 'add-learner', id: id(4) }], context: none }), { ok: true });
    c.stabilize();
    assert.deepEqual(c.get(1).status().confState.learners, [4]);
    assert.equal(c.get(1).status().progress.get(id(4))?.isLearner, true);
    assert.deepEqual(c.get(1).proposeConfChange({ transition: 'auto', changes: [{ kind: 'add-voter', id: id(4) }], context: none }), { ok: true });
    c.stabilize();
    assert.deepEqual(c.get(1).status().confState.voters, [1, 2, 3, 4]);
  });

  test('a joint change enters and (automatically) leaves the joint configuration', () => {
    const c = new Cluster([1, 2, 3], {}, [4]);
    c.elect(1);
    const swap: ConfChange = { transition: 'auto', changes: [{ kind: 'remove', id: id(3) }, { kind: 'add-voter', id: id(4) }], context: none };
    assert.deepEqual(c.get(1).proposeConfChange(swap), { ok: true });
    c.stabilize();
    const cs = c.get(1).status().confState;
    assert.deepEqual([cs.voters, cs.votersOutgoing], [[1, 2, 4], []]);
  });

  test('an explicit joint change waits for the application to leave it', () => {
    const c = new Cluster([1, 2, 3], {}, [4]);
    c.elect(1);
    c.get(1).proposeConfChange({ transition: 'joint-explicit', changes: [{ kind: 'add-voter', id: id(4) }], context: none });
    c.stabilize();
    assert.deepEqual(c.get(1).status().confState.votersOutgoing, [1, 2, 3]);
    c.get(1).proposeConfChange(LEAVE_JOINT);
    c.stabilize();
    assert.deepEqual(c.get(1).status().confState.votersOutgoing, []);
  });

  test('a leader that removes itself hands leadership to a remaining voter', () => {
    const c = new Cluster([1, 2, 3]);
    c.elect(1);
    c.get(1).proposeConfChange({ transition: 'auto', changes: [{ kind: 'remove', id: id(1) }], context: none });
    c.stabilize();
    c.tick(2);
    const l = c.leader();
    assert.ok(l === 2 || l === 3, `leader is ${l}`);
  });
});

describe('quiescence', () => {
  test('an idle group quiesces, stays silent, and a proposal wakes it', () => {
    const c = new Cluster([1, 2, 3]);
    c.elect(1);
    c.tick(2);
    assert.equal(c.get(1).tryQuiesce(), true);
    c.stabilize();
    for (const n of [1, 2, 3]) assert.equal(c.get(n).quiesced, true);
    c.tick(50);
    assert.equal(c.queue.length, 0);
    assert.equal(c.leader(), 1, 'quiesced followers do not campaign');
    c.get(1).propose(bytes('a'));
    c.stabilize();
    c.tick(2);
    for (const n of [1, 2, 3]) {
      assert.equal(c.get(n).quiesced, false);
      assert.deepEqual(c.applied(n), ['a']);
    }
  });
});

describe('MemoryStorage and the ConfChange codec', () => {
  test('append replaces a conflicting suffix; compact keeps the boundary term', () => {
    const s = new MemoryStorage();
    s.append([entry(1, 1), entry(2, 1), entry(3, 2)]);
    s.append([entry(3, 3, 'abc'), entry(4, 3, 'def')]);
    assert.deepEqual([s.firstIndex(), s.lastIndex(), s.term(3)], [1, 4, 3]);
    s.compact(2);
    assert.deepEqual([s.firstIndex(), s.term(2)], [3, 1]);
    assert.deepEqual(s.entries(3, 5, 1).map((e) => e.index), [3], 'byte limit, but at least one entry');
  });

  test('ConfChange round trip', () => {
    const cc: ConfChange = { transition: 'joint-explicit', changes: [{ kind: 'add-learner', id: id(7) }, { kind: 'remove', id: id(2 ** 40) }], context: bytes('ctx') };
    assert.deepEqual(decodeConfChange(encodeConfChange(cc)), cc);
  });
});
