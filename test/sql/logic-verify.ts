// Checks every test/logic/*.test file against PostgreSQL (PGlite): each file runs in a
// fresh PGlite database and every record's expected outcome (ok, error code, rows) must
// be what PostgreSQL does. Prints each difference; exits 1 if there is any.
//   node --import tsx test/sql/logic-verify.ts [file-substring...]
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { errorMatches, expectedLines, logicDir, logicFiles, logicLines, parseLogic, type LogicRecord } from './logic-format.ts';
import { Oracle, OracleError } from './pglite-oracle.ts';

export interface VerifyReport {
  readonly records: number;
  readonly queries: number;
  readonly differences: string[];
}

async function checkRecord(db: Oracle, rec: LogicRecord): Promise<string | null> {
  const [kind, arg, option] = rec.header;
  const outcome = await db.run(rec.sql).then((r) => ({ ok: true as const, r }), (e: unknown) => {
    if (e instanceof OracleError) return { ok: false as const, e };
    throw e;
  });
  if (kind === 'statement' && arg === 'ok') return outcome.ok ? null : `PostgreSQL fails: ${outcome.e.code} ${outcome.e.message}`;
  if (kind === 'statement' && arg === 'error') {
    const pattern = rec.header.slice(2).join(' ');
    if (outcome.ok) return `PostgreSQL succeeds where ${pattern} is expected`;
    return errorMatches(pattern, outcome.e.code, outcome.e.message) ? null : `PostgreSQL: ${outcome.e.code} ${outcome.e.message}; expected ${pattern}`;
  }
  if (kind === 'query') {
    if (!outcome.ok) return `PostgreSQL fails: ${outcome.e.code} ${outcome.e.message}`;
    const rowsort = option === 'rowsort';
    const got = logicLines(outcome.r.rows, rowsort);
    const want = expectedLines(rec, rowsort);
    if (JSON.stringify(got) !== JSON.stringify(want)) return `PostgreSQL returns\n    ${got.join('\n    ')}\n  expected\n    ${want.join('\n    ')}`;
    if (arg !== undefined && arg.length !== outcome.r.columns) return `PostgreSQL returns ${outcome.r.columns} columns, types say ${arg}`;
    return null;
  }
  return `unknown record ${rec.header.join(' ')}`;
}

export async function verifyLogicFiles(filters: readonly string[] = []): Promise<VerifyReport> {
  const differences: string[] = [];
  let records = 0;
  let queries = 0;
  for (const name of logicFiles().filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)))) {
    const db = await Oracle.open();
    try {
      for (const rec of parseLogic(readFileSync(join(logicDir, name), 'utf8'))) {
        records++;
        if (rec.header[0] === 'query') queries++;
        const diff = await checkRecord(db, rec);
        if (diff !== null) differences.push(`${name}:${rec.line}: ${rec.sql}\n  ${diff}`);
      }
    } finally {
      await db.close();
    }
  }
  return { records, queries, differences };
}

if (process.argv[1] !== undefined && import.meta.filename === process.argv[1]) {
  const report = await verifyLogicFiles(process.argv.slice(2));
  for (const d of report.differences) console.log(d);
  console.log(`${report.records} records (${report.queries} queries) checked against PGlite: ${report.differences.length} differences`);
  process.exitCode = report.differences.length === 0 ? 0 : 1;
}
