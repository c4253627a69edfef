// A bounded run of the sqllogictest corpus (/work/shared/corpora/slt): the first records
// of every MANIFEST file on Tessera. Wrong answers and unexpected errors fail the test;
// statements Tessera does not support yet (0A000) are counted and printed. The whole
// corpus: `node --import tsx test/sql/slt/main.ts` (or TESSERA_SLT_RECORDS=1000000).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { run, startSql } from './harness.ts';
import { addCounts, emptyCounts, formatCounts, manifest, runSltFile, sltCorpusDir } from './slt/slt-runner.ts';

// Files whose expected results are unreachable before a feature lands, with the reason.
const knownErrors: Readonly<Record<string, string>> = {};

test('sqllogictest corpus (bounded)', { skip: !existsSync(sltCorpusDir) }, async (t) => {
  const recordsMax = Number(process.env['TESSERA_SLT_RECORDS'] ?? 400);
  const total = emptyCounts();
  const failures: string[] = [];
  for (const file of manifest()) {
    const cluster = await startSql();
    try {
      const session = await cluster.session();
      const report = await runSltFile(file, { run: (sql) => run(session, sql) }, { recordsMax, failuresMax: 3 });
      addCounts(total, report.counts);
      t.diagnostic(`${file}: ${formatCounts(report.counts)}`);
      if (knownErrors[file] === undefined) failures.push(...report.failures);
    } finally {
      await cluster.close();
    }
  }
  t.diagnostic(`total: ${formatCounts(total)}`);
  assert.deepEqual(failures, []);
});
