/**
 * Rule-by-rule tests in the style of etcd's raft tests: one replica, hand-built messages,
 * and assertions on exactly what it answers.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Message, MsgAppResp, MsgVoteResp } from '../../src/raft/types.ts';
import { drain, entry, m, newNode } from './helpers.ts';

function only<K extends Message['kind']>(msgs: Message[], kind: K): Extract<Message, { kind: K }> {
  const found = msgs.filter((x) => x.kind === kind);
  assert.equal(found.length, 1, `expected one '${kind}', got ${JSON.stringify(msgs.map((x) => x.kind))}`);
  return found[0] as Extract<Message, { kind: K }>;
}

describe('vote granting', () => {
  // Log of the voter: index 2 term 1, index 3 term 2 (after the bootstrap snapshot at 1).
  const log = [entry(2, 1), entry(3, 2)];
  const cases: { name: string; lastIndex: number; lastTerm: number; granted: boolean }[] = [
    { name: 'higher last term, shorter log', lastIndex: 2, lastTerm: 3, granted: true },
    { name: 'same last term, same length', lastIndex: 3, lastTerm: 2, granted: true },
    { name: 'same last term, longer log', lastIndex: 4, lastTerm: 2, granted: true },
    { name: 'same last term, shorter log', lastIndex: 2, lastTerm: 2, granted: false },
    { name: 'lower last term, longer log', lastIndex: 9, lastTerm: 1, granted: false },
  ];
  for (const c of cases) {
    test(`${c.name}: ${c.granted ? 'granted' : 'rejected'}`, () => {
      const { node, storage } = newNode(1, [1, 2, 3], {}, log);
      node.step(m.vote(2, 1, 5, c.lastIndex, c.lastTerm));
      const resp = only(drain(node, storage), 'vote-resp') as MsgVoteResp;
      assert.equal(resp.reject, !c.granted);
      assert.equal(node.status().term, 5, 'a vote request of a higher term bumps the term either way');
      assert.equal(storage.initialState().hardState.vote, c.granted ? 2 : 0, 'the vote is persisted before the reply');
    });
  }

  test('one vote per term, but the same candidate may ask again', () => {
    const { node, storage } = newNode(1, [1, 2, 3]);
    node.step(m.vote(2, 1, 2, 1, 1));
    assert.equal((only(drain(node, storage), 'vote-resp') as MsgVoteResp).reject, false);
    node.step(m.vote(3, 1, 2, 1, 1));
    assert.equal((only(drain(node, storage), 'vote-resp') as MsgVoteResp).reject, true);
    node.step(m.vote(2, 1, 2, 1, 1));
    assert.equal((only(drain(node, storage), 'vote-resp') as MsgVoteResp).reject, false);
  });

  test('a pre-vote changes neither term nor vote, and is answered with the future term', () => {
    const { node, storage } = newNode(1, [1, 2, 3]);
    node.step(m.vote(2, 1, 3, 1, 1, 'pre-vote'));
    const resp = only(drain(node, storage), 'pre-vote-resp') as MsgVoteResp;
    assert.equal(resp.reject, false);
    assert.equal(resp.term, 3);
    assert.equal(node.status().term, 1);
    assert.equal(node.status().vote, 0);
  });

  test('with CheckQuorum, a replica that hears from its leader ignores vote requests unless it is a transfer', () => {
    const { node, storage } = newNode(1, [1, 2, 3], { checkQuorum: true });
    node.step(m.heartbeat(2, 1, 2, 1));
    drain(node, storage);
    node.step(m.vote(3, 1, 3, 1, 1));
    assert.deepEqual(drain(node, storage), [], 'ignored inside the lease');
    assert.equal(node.status().term, 2);
    node.step(m.vote(3, 1, 3, 1, 1, 'vote', true));
    assert.equal((only(drain(node, storage), 'vote-resp') as MsgVoteResp).reject, false);
  });
});

describe('AppendEntries on a follower', () => {
  const log = [entry(2, 1), entry(3, 2), entry(4, 2)];

  test('appends after a matching entry and acknowledges the last index', () => {
    const { node, storage } = newNode(1, [1, 2, 3], {}, log);
    node.step(m.app(2, 1, 2, 4, 2, [entry(5, 2, 'x')], 4));
    const resp = only(drain(node, storage), 'app-resp') as MsgAppResp;
    assert.deepEqual([resp.reject, resp.index], [false, 5]);
    assert.equal(storage.lastIndex(), 5);
    assert.equal(node.status().commit, 4, 'commit follows the leader, bounded by the new entries');
  });

  test('rejects a missing previous entry with a hint at its last index', () => {
    const { node, storage } = newNode(1, [1, 2, 3], {}, log);
    node.step(m.app(2, 1, 3, 7, 3, [entry(8, 3)], 4));
    const resp = only(drain(node, storage), 'app-resp') as MsgAppResp;
    assert.deepEqual([resp.reject, resp.index, resp.rejectHint, resp.logTerm], [true, 7, 4, 2]);
  });

  test('fast back-off: the hint skips every entry whose term is above the probe term', () => {
    // Follower: 2:t1 3:t2 4:t2 5:t4 6:t4; the leader probes (6, t3): nothing of term 4 can match.
    const { node, storage } = newNode(1, [1, 2, 3], {}, [...log, entry(5, 4), entry(6, 4)]);
    node.step(m.app(2, 1, 5, 6, 3, [], 1));
    const resp = only(drain(node, storage), 'app-resp') as MsgAppResp;
    assert.deepEqual([resp.reject, resp.rejectHint, resp.logTerm], [true, 4, 2]);
  });

  test('a conflicting suffix is replaced; matching entries are kept', () => {
    const { node, storage } = newNode(1, [1, 2, 3], {}, log);
    node.step(m.app(2, 1, 3, 2, 1, [entry(3, 2), entry(4, 3, 'new')], 1));
    drain(node, storage);
    assert.deepEqual([storage.term(3), storage.term(4), storage.lastIndex()], [2, 3, 4]);
  });

  test('a duplicate or delayed append never truncates entries beyond it', () => {
    const { node, storage } = newNode(1, [1, 2, 3], {}, log);
    node.step(m.app(2, 1, 2, 2, 1, [entry(3, 2)], 1));
    const resp = only(drain(node, storage), 'app-resp') as MsgAppResp;
    assert.equal(resp.index, 3);
    assert.equal(storage.lastIndex(), 4);
  });

  test('an append from an older term is refused and answered with the current term', () => {
    const { node, storage } = newNode(1, [1, 2, 3], { checkQuorum: true }, log);
    node.step(m.heartbeat(3, 1, 5, 1));
    drain(node, storage);
    node.step(m.app(2, 1, 4, 4, 2, [entry(5, 4)], 4));
    const resp = only(drain(node, storage), 'app-resp') as MsgAppResp;
    assert.equal(resp.term, 5);
    assert.equal(storage.lastIndex(), 4, 'nothing appended');
  });
});

describe('term handling', () => {
  test('a message of a higher term turns a leader into a follower of that term', () => {
    const { node, storage } = newNode(1, [1]);
    node.campaign();
    drain(node, storage);
    assert.equal(node.status().role, 'leader');
    node.step(m.heartbeat(2, 1, 9, 1));
    drain(node, storage);
    assert.deepEqual([node.status().role, node.status().term, node.status().lead], ['follower', 9, 2]);
  });

  test('a leader steps down when told of a higher term by an append response', () => {
    const { node, storage } = newNode(1, [1, 2, 3]);
    node.campaign();
    drain(node, storage);
    node.step({ kind: 'pre-vote-resp', from: 2 as never, to: 1 as never, term: 2, reject: false, commit: 1, commitTerm: 1 });
    node.step({ kind: 'vote-resp', from: 2 as never, to: 1 as never, term: 2, reject: false, commit: 1, commitTerm: 1 });
    drain(node, storage);
    assert.equal(node.status().role, 'leader');
    node.step({ kind: 'app-resp', from: 3 as never, to: 1 as never, term: 7, index: 0, reject: false, rejectHint: 0, logTerm: 0 });
    drain(node, storage);
    assert.deepEqual([node.status().role, node.status().term], ['follower', 7]);
  });
});

describe('commit rules', () => {
  test('a leader does not commit an earlier-term entry by counting replicas', () => {
    // The leader (1) holds 2:t1 3:t2 and campaigns to term 3 (after a no-op at index 4).
    const { node, storage } = newNode(1, [1, 2, 3], { preVote: false }, [entry(2, 1), entry(3, 2)]);
    node.step(m.vote(9, 1, 2, 3, 2)); // moves to term 2
    drain(node, storage);
    node.campaign();
    node.step({ kind: 'vote-resp', from: 2 as never, to: 1 as never, term: 3, reject: false, commit: 1, commitTerm: 1 });
    drain(node, storage);
    assert.equal(node.status().role, 'leader');
    assert.equal(node.status().term, 3);
    // Follower 2 acknowledges index 3 (term 2) but not the no-op of term 3.
    node.step({ kind: 'app-resp', from: 2 as never, to: 1 as never, term: 3, index: 3, reject: false, rejectHint: 0, logTerm: 0 });
    drain(node, storage);
    assert.equal(node.status().commit, 1, 'index 3 is on a majority but is of term 2');
    node.step({ kind: 'app-resp', from: 2 as never, to: 1 as never, term: 3, index: 4, reject: false, rejectHint: 0, logTerm: 0 });
    drain(node, storage);
    assert.equal(node.status().commit, 4, 'the current-term entry commits, and everything before it');
  });

  test('five voters need three acknowledgements', () => {
    const { node, storage } = newNode(1, [1, 2, 3, 4, 5], { preVote: false });
    node.campaign();
    for (const v of [2, 3]) node.step({ kind: 'vote-resp', from: v as never, to: 1 as never, term: 2, reject: false, commit: 1, commitTerm: 1 });
    drain(node, storage);
    assert.equal(node.status().role, 'leader');
    node.step({ kind: 'app-resp', from: 2 as never, to: 1 as never, term: 2, index: 2, reject: false, rejectHint: 0, logTerm: 0 });
    drain(node, storage);
    assert.equal(node.status().commit, 1);
    node.step({ kind: 'app-resp', from: 4 as never, to: 1 as never, term: 2, index: 2, reject: false, rejectHint: 0, logTerm: 0 });
    drain(node, storage);
    assert.equal(node.status().commit, 2);
  });

  test('a follower never commits beyond what it holds from the leader', () => {
    const { node, storage } = newNode(1, [1, 2, 3], {}, [entry(2, 1)]);
    node.step(m.app(2, 1, 2, 2, 1, [], 9));
    drain(node, storage);
    assert.equal(node.status().commit, 2);
  });
});
