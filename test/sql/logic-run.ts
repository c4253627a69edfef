// Runs test/logic/*.test files on Tessera and prints every record whose outcome differs
// (logic.test.ts stops at a file's first difference; this shows them all while working).
//   node --import tsx test/sql/logic-run.ts <file-substring...>
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SqlError } from '../../src/sql/index.ts';
import { run, startSql } from './harness.ts';
import { errorMatches, expectedLines, logicDir, logicFiles, logicLines, parseLogic } from './logic-format.ts';

const filters = process.argv.slice(2);
let differences = 0;
let records = 0;
for (const name of logicFiles().filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)))) {
  const cluster = await startSql();
  try {
    const session = await cluster.session();
    for (const rec of parseLogic(readFileSync(join(logicDir, name), 'utf8'))) {
      records++;
      const [kind, arg, option] = rec.header;
      const outcome = await run(session, rec.sql).then((r) => ({ ok: true as const, r }), (e: unknown) => ({ ok: false as const, e }));
      let diff: string | null = null;
      if (kind === 'statement' && arg === 'ok') diff = outcome.ok ? null : `error ${String(outcome.e)}`;
      else if (kind === 'statement') {
        const pattern = rec.header.slice(2).join(' ');
        if (outcome.ok) diff = `succeeds, expected ${pattern}`;
        else if (!(outcome.e instanceof SqlError) || !errorMatches(pattern, outcome.e.code, outcome.e.message)) diff = `got ${outcome.e instanceof SqlError ? outcome.e.code : ''} ${String(outcome.e)}, expected ${pattern}`;
      } else if (!outcome.ok) diff = `error ${outcome.e instanceof SqlError ? outcome.e.code : ''} ${String(outcome.e)}`;
      else {
        const got = logicLines(outcome.r.rows, option === 'rowsort');
        const want = expectedLines(rec, option === 'rowsort');
        if (JSON.stringify(got) !== JSON.stringify(want)) diff = `got\n    ${got.join('\n    ')}\n  expected\n    ${want.join('\n    ')}`;
      }
      if (diff !== null) {
        differences++;
        console.log(`${name}:${rec.line}: ${rec.sql}\n  ${diff}`);
      }
    }
  } finally {
    await cluster.close();
  }
}
console.log(`${records} records, ${differences} differences`);
process.exitCode = differences === 0 ? 0 : 1;
