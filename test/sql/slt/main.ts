// Runs the sqllogictest corpus (MANIFEST order, or the files named) on Tessera, or on
// PGlite with --pglite, and prints counts per file and in total.
//   node --import tsx test/sql/slt/main.ts [--records N] [--pglite] [--failures N] [file...]
import { parseArgs } from 'node:util';
import { Oracle } from '../pglite-oracle.ts';
import { run, startSql } from '../harness.ts';
import { addCounts, emptyCounts, formatCounts, manifest, runSltFile, type SltTarget } from './slt-runner.ts';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { records: { type: 'string', default: '1000000' }, pglite: { type: 'boolean', default: false }, failures: { type: 'string', default: '5' } },
});
const files = positionals.length > 0 ? positionals : manifest();
const total = emptyCounts();
for (const file of files) {
  const started = Date.now();
  let target: SltTarget;
  let close: () => Promise<void>;
  if (values.pglite) {
    const db = await Oracle.open();
    target = db;
    close = () => db.close();
  } else {
    const cluster = await startSql();
    const session = await cluster.session();
    target = { run: (sql) => run(session, sql) };
    close = () => cluster.close();
  }
  try {
    const report = await runSltFile(file, target, { recordsMax: Number(values.records), failuresMax: Number(values.failures) });
    addCounts(total, report.counts);
    console.log(`${file}: ${formatCounts(report.counts)} (${Date.now() - started} ms)`);
    for (const f of report.failures) console.log(`  ${f}`);
  } finally {
    await close();
  }
}
console.log(`total: ${formatCounts(total)}`);
