// CI's bounded differential run: random schemas, data and queries on Tessera and on
// PostgreSQL (PGlite) must agree. More: `npm run fuzz:sql -- --queries N --seed S`.
// TESSERA_FUZZ_QUERIES overrides the count. Unsupported queries (0A000) are counted and
// printed, never treated as agreement; any mismatch fails with its replayable report.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatMismatch, runDifferential } from './fuzz/differential.ts';

test('differential: Tessera agrees with PGlite on random queries', async (t) => {
  const queries = Number(process.env['TESSERA_FUZZ_QUERIES'] ?? 300);
  const report = await runDifferential({ seed: 20261122, queries, queriesPerSchema: 50 });
  const features = [...report.unsupportedFeatures].map(([f, n]) => `${f}: ${n}`).join('; ');
  t.diagnostic(`${report.queries} queries: ${report.agreed} agreed, ${report.unsupported} unsupported (${features}), ${report.mismatches.length} mismatches`);
  assert.equal(report.mismatches.length, 0, report.mismatches.slice(0, 3).map(formatMismatch).join('\n\n'));
  assert.ok(report.agreed > queries / 3, `only ${report.agreed} of ${queries} queries compared`);
});
