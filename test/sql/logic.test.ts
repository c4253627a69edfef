// sqllogictest-style runner: every test/logic/*.test file runs in one session on a fresh
// in-memory node (format: logic-format.ts). Expected results are PostgreSQL's: run
// `node --import tsx test/sql/logic-verify.ts` to check every file against PGlite.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SqlError } from '../../src/sql/index.ts';
import { run, startSql } from './harness.ts';
import { errorMatches, expectedLines, logicDir, logicFiles, logicLines, parseLogic } from './logic-format.ts';

for (const name of logicFiles()) {
  test(`logic/${name}`, async () => {
    const cluster = await startSql();
    try {
      const session = await cluster.session();
      for (const rec of parseLogic(readFileSync(join(logicDir, name), 'utf8'))) {
        const where = `${name}:${rec.line}: ${rec.sql}`;
        const [kind, arg, option] = rec.header;
        if (kind === 'statement' && arg === 'ok') {
          await run(session, rec.sql).catch((err: unknown) => assert.fail(`${where}\n  unexpected error: ${String(err)}`));
        } else if (kind === 'statement' && arg === 'error') {
          const pattern = rec.header.slice(2).join(' ');
          const err = await run(session, rec.sql).then(() => null, (e: unknown) => e);
          assert.ok(err instanceof SqlError, `${where}\n  expected error ${pattern}, got ${String(err)}`);
          assert.ok(errorMatches(pattern, err.code, err.message), `${where}\n  expected ${pattern}, got ${err.code} ${err.message}`);
        } else if (kind === 'query') {
          const result = await run(session, rec.sql).catch((err: unknown) => assert.fail(`${where}\n  unexpected error: ${String(err)}`));
          const rowsort = option === 'rowsort';
          assert.deepEqual(logicLines(result.rows, rowsort), expectedLines(rec, rowsort), where);
          assert.ok(arg === undefined || result.columns.length === arg.length, `${where}\n  ${result.columns.length} columns, types say ${arg}`);
        } else {
          assert.fail(`${where}: unknown record ${rec.header.join(' ')}`);
        }
      }
    } finally {
      await cluster.close();
    }
  });
}
