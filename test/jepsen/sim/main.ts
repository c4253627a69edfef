/**
 * `npm run jepsen:sim -- [--workload bank,register,list-append] [--seeds N] [--seed FIRST]
 *  [--ops N] [--isolation serializable|read-committed] [--results DIR]`
 *
 * Runs the workloads in the in-process simulator for seeds FIRST .. FIRST+N-1 and prints a
 * line per run. A seed that checks invalid has its history, nemesis log and verdict written
 * under the results folder (default results/jepsen-sim) and makes the exit code 1; running
 * the same seed again replays the same run.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { historyToJsonl } from '../history.ts';
import { simulate, simWorkload, SIM_WORKLOADS } from './simulate.ts';

const { values } = parseArgs({
  options: {
    workload: { type: 'string', default: SIM_WORKLOADS.join(',') },
    seeds: { type: 'string', default: '1' },
    seed: { type: 'string', default: '1' },
    ops: { type: 'string', default: '600' },
    isolation: { type: 'string', default: 'serializable' },
    results: { type: 'string', default: 'results/jepsen-sim' },
  },
});
const isolation = values.isolation === 'read-committed' ? 'read committed' : 'serializable';
let invalid = 0;
let checked = 0;
for (const name of values.workload.split(',')) {
  for (let seed = Number(values.seed); seed < Number(values.seed) + Number(values.seeds); seed++) {
    const r = await simulate({ seed, workload: simWorkload(name), ops: Number(values.ops), isolation });
    checked += r.check.checked;
    const verdict = r.check.valid ? 'valid' : `INVALID: ${Object.keys(r.check.anomalies).join(', ')}`;
    console.log(`${name} seed ${seed}: ${verdict}; ok/fail/info ${r.counts.ok}/${r.counts.fail}/${r.counts.info}, checked ${r.check.checked}, ${r.nemesisLog.length / 2} faults, ${r.virtualMs} virtual ms, ${r.fingerprint.slice(0, 12)}`);
    if (r.check.valid) continue;
    invalid++;
    const dir = resolve(values.results, `${name}-seed-${seed}`);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'history.jsonl'), historyToJsonl(r.events));
    writeFileSync(join(dir, 'nemesis.jsonl'), r.nemesisLog.map((e) => JSON.stringify(e)).join('\n') + '\n');
    writeFileSync(join(dir, 'result.json'), JSON.stringify({ seed, workload: name, isolation, check: r.check, counts: r.counts, errors: r.errors, errorSamples: r.errorSamples }, null, 2) + '\n');
    console.log(`  written to ${dir}`);
  }
}
console.log(`operations checked: ${checked}; invalid runs: ${invalid}`);
process.exit(invalid === 0 ? 0 : 1);
