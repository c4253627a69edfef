/**
 * Shows that the simulator has teeth: plants each classic Raft bug of the catalog into a
 * copy of the core and runs simulator seeds until one catches it.
 *
 *   npm run sim:mutants [-- --budget 2000] [--mutant name]
 *   npm run sim:mutants -- --mutant vote-not-persisted --seed 17 [--trace]
 *
 * Exits non-zero if any mutant survives its budget (the CI seed budget by default).
 */
import { parseArgs } from 'node:util';
import { MUTANTS, hunt, loadMutant } from './mutants/catalog.ts';
import { runSeed } from './sim/simulator.ts';

const { values } = parseArgs({
  options: {
    budget: { type: 'string', default: '2000' },
    mutant: { type: 'string' },
    seed: { type: 'string' },
    trace: { type: 'boolean', default: false },
  },
});

const selected = MUTANTS.filter((m) => values.mutant === undefined || m.name === values.mutant);
if (selected.length === 0) {
  console.error(`no mutant named ${values.mutant}; known: ${MUTANTS.map((m) => m.name).join(', ')}`);
  process.exit(2);
}

if (values.seed !== undefined) {
  const mutant = selected[0]!;
  const { raft, dispose } = await loadMutant(mutant);
  const result = runSeed(Number(values.seed), { raft, ...(values.trace ? { trace: (l: string) => console.log(l) } : {}) });
  dispose();
  console.log(result.ok ? `seed ${values.seed}: mutant ${mutant.name} not caught` : `seed ${values.seed}: caught\n${result.error}`);
} else {
  const budget = Number(values.budget);
  let survivors = 0;
  console.log(`mutant                       caught by seed  (seeds run)  first line of the failure`);
  for (const mutant of selected) {
    const h = await hunt(mutant, budget);
    if (h.seed === undefined) survivors++;
    const firstLine = h.error.split('\n')[0] ?? '';
    const caught = h.seed === undefined ? `SURVIVED ${budget} seeds` : `seed ${h.seed}`.padEnd(15) + ` (${h.seedsRun})`.padEnd(13);
    console.log(`${mutant.name.padEnd(28)} ${caught} ${firstLine.slice(0, 110)}`);
  }
  console.log(survivors === 0 ? `all ${selected.length} mutants caught` : `${survivors} mutant(s) survived`);
  if (survivors > 0) process.exitCode = 1;
}
