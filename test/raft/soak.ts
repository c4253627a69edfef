/**
 * Runs many simulator seeds with progress output, or replays one:
 *
 *   npm run soak:raft -- --seeds 100000 [--from 1] [--chaos-ticks 200]
 *   npm run soak:raft -- --seed 1234 [--trace]
 *
 * Exits non-zero on the first failing seed, printing the command that replays it.
 */
import { parseArgs } from 'node:util';
import { runSeed } from './sim/simulator.ts';

const { values } = parseArgs({
  options: {
    seeds: { type: 'string', default: '10000' },
    from: { type: 'string', default: '1' },
    seed: { type: 'string' },
    trace: { type: 'boolean', default: false },
    'chaos-ticks': { type: 'string', default: '200' },
  },
});

const chaosTicks = Number(values['chaos-ticks']);

if (values.seed !== undefined) {
  const seed = Number(values.seed);
  const result = runSeed(seed, { chaosTicks, ...(values.trace ? { trace: (line: string) => console.log(line) } : {}) });
  if (result.ok) {
    console.log(`seed ${seed}: ok ${JSON.stringify(result.stats)}`);
  } else {
    console.log(`seed ${seed}: FAILED\n${result.error}\nreplay: ${result.replay}`);
    process.exitCode = 1;
  }
} else {
  const count = Number(values.seeds);
  const from = Number(values.from);
  const started = performance.now();
  let committed = 0;
  for (let k = 0; k < count; k++) {
    const seed = from + k;
    const result = runSeed(seed, { chaosTicks });
    if (!result.ok) {
      console.log(`seed ${seed}: FAILED\n${result.error}\nreplay: ${result.replay}`);
      process.exitCode = 1;
      break;
    }
    committed += result.stats.committed;
    if ((k + 1) % 500 === 0 || k + 1 === count) {
      const secs = (performance.now() - started) / 1000;
      console.log(`${k + 1}/${count} seeds ok (${(secs).toFixed(1)} s, ${((k + 1) / secs).toFixed(0)} seeds/s, ${committed} entries committed)`);
    }
  }
}
