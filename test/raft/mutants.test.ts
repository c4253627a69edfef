/**
 * Keeps the simulator's teeth sharp: every planted bug of the catalog must be caught
 * within the CI seed budget (RAFT_MUTANT_SEEDS, default 2000; hunting stops at the first
 * failing seed, so this is quick while mutants are caught early).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MUTANTS, hunt } from './mutants/catalog.ts';

const BUDGET = Number(process.env.RAFT_MUTANT_SEEDS ?? 2000);

test('the catalog has at least five classic bugs', () => {
  assert.ok(MUTANTS.length >= 5);
});

for (const mutant of MUTANTS) {
  test(`mutant ${mutant.name} is caught within ${BUDGET} seeds`, async () => {
    const h = await hunt(mutant, BUDGET);
    assert.notEqual(h.seed, undefined, `mutant ${mutant.name} (${mutant.bug}) survived ${BUDGET} seeds`);
  });
}
