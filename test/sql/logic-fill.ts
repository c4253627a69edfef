// Writes PostgreSQL's answers into test/logic/*.test files: every `query` record gets the
// rows PGlite returns (replacing what was there) and every `statement` record the outcome
// PGlite has (`ok`, or `error <SQLSTATE>`). A record PGlite cannot run as a query is
// reported and left alone. Review the diff before committing: the file then states what
// PostgreSQL does, and logic.test.ts holds Tessera to it.
//   node --import tsx test/sql/logic-fill.ts <file-substring...>
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatLogicValue, logicDir, logicFiles, parseLogic, type LogicRecord } from './logic-format.ts';
import { Oracle, OracleError } from './pglite-oracle.ts';

async function fillRecord(db: Oracle, rec: LogicRecord): Promise<string[]> {
  const [kind, , option] = rec.header;
  const outcome = await db.run(rec.sql).then((r) => ({ ok: true as const, r }), (e: unknown) => {
    if (e instanceof OracleError) return { ok: false as const, e };
    throw e;
  });
  if (kind === 'statement') {
    const header = outcome.ok ? 'statement ok' : `statement error ${outcome.e.code}`;
    return [header, rec.sql];
  }
  if (!outcome.ok) {
    console.log(`line ${rec.line}: PostgreSQL fails ${outcome.e.code} ${outcome.e.message}: ${rec.sql}`);
    return [`statement error ${outcome.e.code}`, rec.sql];
  }
  const types = 'T'.repeat(outcome.r.columns);
  const lines = outcome.r.rows.map((row) => row.map(formatLogicValue).join(' '));
  if (option === 'rowsort') lines.sort();
  return [`query ${types}${option === undefined ? '' : ` ${option}`}`, rec.sql, '----', ...lines];
}

async function fillFile(name: string): Promise<void> {
  const path = join(logicDir, name);
  const text = readFileSync(path, 'utf8');
  const records = parseLogic(text);
  const lines = text.split('\n');
  const db = await Oracle.open();
  const out: string[] = [];
  let next = 0;
  try {
    for (const rec of records) {
      // Keep comments and blank lines between records as they are.
      while (next < rec.line - 1) out.push(lines[next++]!);
      out.push(...(await fillRecord(db, rec)));
      next = rec.line - 1;
      while (next < lines.length && lines[next]!.trim() !== '') next++;
    }
    while (next < lines.length) out.push(lines[next++]!);
  } finally {
    await db.close();
  }
  writeFileSync(path, out.join('\n'));
}

const filters = process.argv.slice(2);
if (filters.length === 0) throw new Error('name the files to fill (substrings of test/logic/*.test)');
for (const name of logicFiles().filter((f) => filters.some((x) => f.includes(x)))) {
  await fillFile(name);
  console.log(`filled ${name}`);
}
