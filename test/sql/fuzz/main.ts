// Differential SQL fuzzing against PGlite: `npm run fuzz:sql -- --queries N --seed S`.
// Prints every mismatch (schema, data, query, both results) and a summary; exits 1 when
// any mismatch was found. Replays exactly with the same --seed and --queries.
import { parseArgs } from 'node:util';
import { formatMismatch, runDifferential } from './differential.ts';

const { values } = parseArgs({
  options: {
    queries: { type: 'string', default: '1000' },
    seed: { type: 'string', default: String(Date.now() % 1_000_000) },
    'per-schema': { type: 'string', default: '50' },
  },
});
const seed = Number(values.seed);
const started = Date.now();
const report = await runDifferential({
  seed,
  queries: Number(values.queries),
  queriesPerSchema: Number(values['per-schema']),
  onMismatch: (m) => console.log(`${formatMismatch(m)}\n`),
});
const features = [...report.unsupportedFeatures].sort((a, b) => b[1] - a[1]).map(([f, n]) => `${f}: ${n}`);
console.log(`seed ${seed}: ${report.queries} queries, ${report.agreed} agreed, ${report.unsupported} unsupported, ${report.mismatches.length} mismatches (${Date.now() - started} ms)`);
if (features.length > 0) console.log(`unsupported: ${features.join('; ')}`);
process.exitCode = report.mismatches.length === 0 ? 0 : 1;
