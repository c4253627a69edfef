/**
 * The randomized simulation as part of `npm test`: RAFT_SIM_SEEDS seeds (default 2000),
 * each a few hundred ticks of faults, crashes, membership changes and transfers followed
 * by a liveness check. A failure names the seed and the command that replays it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runSeed } from './sim/simulator.ts';

const SEEDS = Number(process.env.RAFT_SIM_SEEDS ?? 2000);
const FIRST = Number(process.env.RAFT_SIM_FIRST_SEED ?? 1);

test(`raft simulation: ${SEEDS} seeds from ${FIRST}`, () => {
  let committed = 0;
  for (let seed = FIRST; seed < FIRST + SEEDS; seed++) {
    const result = runSeed(seed);
    if (!result.ok) assert.fail(`seed ${seed} failed:\n${result.error}\nreplay: ${result.replay}`);
    committed += result.stats.committed;
  }
  assert.ok(committed > SEEDS * 10, 'the simulation commits entries');
});

test('raft simulation replays a seed exactly', () => {
  for (const seed of [7, 1234]) {
    const a = runSeed(seed);
    const b = runSeed(seed);
    assert.deepEqual(a, b);
  }
});
