// `npm run bench`: every benchmark of the project, or some: `npm run bench -- sql raft`.
// BENCH_SECONDS sets the duration of each timed workload (default 5).
import { execFileSync } from 'node:child_process';
import { writeFileSync, mkdirSync } from 'node:fs';
import type { BenchResult } from './result.ts';

interface Suite {
  readonly name: string;
  readonly run: () => Promise<readonly BenchResult[]>;
}

const seconds = Number(process.env['BENCH_SECONDS'] ?? 5);

// Nodes started as processes run dist/, as `npm start` does: compile the current sources first.
console.log('building dist/ (npm run build) so started nodes run the current sources compiled');
execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json'], { stdio: 'inherit' });

const suites: Suite[] = [
  { name: 'sql', run: async () => (await import('./sql-point.ts')).benchSqlPoint(seconds) },
  { name: 'wire', run: async () => (await import('./wire.ts')).benchWire(seconds) },
  { name: 'sql-pglite', run: async () => (await import('./sql-point-pglite.ts')).benchSqlPointPglite(seconds) },
  { name: 'kv', run: async () => (await import('./kv.ts')).benchKv() },
  { name: 'sql-analytic', run: async () => (await import('./sql-analytic.ts')).benchSqlAnalytic() },
  { name: 'raft', run: async () => (await import('./raft.ts')).benchRaft() },
  { name: 'rpc', run: async () => (await import('./rpc.ts')).benchRpc() },
  { name: 'bank', run: async () => (await import('./bank.ts')).benchBank(seconds) },
];

const wanted = process.argv.slice(2);
const all: { suite: string; results: readonly BenchResult[] }[] = [];
for (const suite of suites) {
  if (wanted.length > 0 && !wanted.includes(suite.name)) continue;
  console.log(`\n== ${suite.name} ==`);
  const results = await suite.run();
  all.push({ suite: suite.name, results });
  console.log(`-- ${suite.name} summary --`);
  for (const r of results) {
    const value = r.unit === 'x' ? r.value.toFixed(2) : r.value >= 100 ? r.value.toFixed(0) : r.value.toPrecision(3);
    const who = r.system !== undefined ? ` [${r.system}]` : '';
    console.log(`${r.name}${who}: ${value} ${r.unit}${r.note !== undefined ? `  (${r.note})` : ''}`);
  }
}
mkdirSync('results', { recursive: true });
const file = `results/bench-${new Date().toISOString().replace(/[:.]/g, '-')}.json`;
writeFileSync(file, JSON.stringify({ date: new Date().toISOString(), seconds, suites: all }, null, 2));
console.log(`\nresults written to ${file}`);
