// judgeClockOffsets: a node concludes that its own clock is the wrong one only when more
// than half of the cluster (itself counted) is beyond the maximum offset from it, allowing
// half the round trip as measurement error.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { judgeClockOffsets, type PeerOffset } from '../../src/server/clock-monitor.ts';

const peer = (nodeId: number, offsetMs: number, rttMs = 2): PeerOffset => ({ nodeId, offsetMs, rttMs });

test('the skewed node of three is told to stop; the two good ones are not', () => {
  // Node 3 is 2.5 s ahead: it sees both peers 2.5 s behind.
  const bad = judgeClockOffsets([peer(1, -2_500), peer(2, -2_498)], 500);
  assert.equal(bad.ok, false);
  assert.match(bad.ok ? '' : bad.why, /off from 2 of its 2 peers by more than the maximum offset of 500 ms \(n1 -2500 ms, n2 -2498 ms\)/);
  // Nodes 1 and 2 each see one peer of two far off.
  assert.deepEqual(judgeClockOffsets([peer(2, 2), peer(3, 2_500)], 500), { ok: true });
  assert.deepEqual(judgeClockOffsets([peer(1, -2), peer(3, 2_498)], 500), { ok: true });
});

test('within the maximum offset, or within it once the round trip is allowed for, all is well', () => {
  assert.deepEqual(judgeClockOffsets([peer(1, 450), peer(2, -480)], 500), { ok: true });
  // 600 ms measured over a 300 ms round trip may be 450: not a verdict.
  assert.deepEqual(judgeClockOffsets([peer(1, 600, 300), peer(2, 600, 300)], 500), { ok: true });
  assert.equal(judgeClockOffsets([peer(1, 700, 300), peer(2, 700, 300)], 500).ok, false);
});

test('two nodes far apart cannot tell whose clock is wrong: neither stops; alone, nothing to judge', () => {
  assert.deepEqual(judgeClockOffsets([peer(2, 3_000)], 500), { ok: true });
  assert.deepEqual(judgeClockOffsets([], 500), { ok: true });
  // Five nodes: far from three of four peers is a majority of five; from two is not.
  assert.equal(judgeClockOffsets([peer(1, 900), peer(2, 900), peer(3, 900), peer(4, 0)], 500).ok, false);
  assert.deepEqual(judgeClockOffsets([peer(1, 900), peer(2, 900), peer(3, 0), peer(4, 0)], 500), { ok: true });
});
