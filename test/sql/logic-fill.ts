// Writes PostgreSQL's answers into a draft logic file: every `query` record gets the rows
// PGlite returns (and one type letter per column when the header has none or the wrong
// count), every bare `statement error` gets PGlite's SQLSTATE. A `statement ok` that
// PostgreSQL rejects, or a query it fails, is reported and left as written, so nothing
// wrong slips in silently. The result is what logic-verify.ts then checks.
//   node --import tsx test/sql/logic-fill.ts test/logic/<file>.test
import { readFileSync, writeFileSync } from 'node:fs';
import { formatLogicValue, parseLogic } from './logic-format.ts';
import { Oracle, OracleError } from './pglite-oracle.ts';

async function fill(path: string): Promise<number> {
  const db = await Oracle.open();
  const out: string[] = [];
  let problems = 0;
  try {
    const lead = readFileSync(path, 'utf8').split('\n');
    for (const rec of parseLogic(lead.join('\n'))) {
      // `query rowsort` (no type letters yet) keeps its option.
      const header = rec.header[0] === 'query' && rec.header[1] === 'rowsort' ? ['query', '', 'rowsort'] : [...rec.header];
      const outcome = await db.run(rec.sql).then((r) => ({ ok: true as const, r }), (e: unknown) => {
        if (e instanceof OracleError) return { ok: false as const, e };
        throw e;
      });
      const comments = commentsBefore(lead, rec.line);
      out.push(...comments);
      if (header[0] === 'query') {
        if (!outcome.ok) {
          problems++;
          console.log(`${path}:${rec.line}: PostgreSQL fails ${outcome.e.code} ${outcome.e.message}\n  ${rec.sql}`);
          out.push(header.join(' '), rec.sql, '----', ...rec.expected, '');
          continue;
        }
        const types = header[1] !== undefined && header[1] !== '' && header[1].length === outcome.r.columns ? header[1] : 'T'.repeat(outcome.r.columns);
        const rows = outcome.r.rows.map((r) => r.map(formatLogicValue).join(' '));
        out.push(['query', types, ...header.slice(2)].join(' '), rec.sql, '----', ...rows, '');
        continue;
      }
      if (header[0] === 'statement' && header[1] === 'error' && header.length === 2) {
        if (outcome.ok) {
          problems++;
          console.log(`${path}:${rec.line}: PostgreSQL succeeds\n  ${rec.sql}`);
        } else header.push(outcome.e.code);
      } else if (header[0] === 'statement' && header[1] === 'ok' && !outcome.ok) {
        problems++;
        console.log(`${path}:${rec.line}: PostgreSQL fails ${outcome.e.code} ${outcome.e.message}\n  ${rec.sql}`);
      }
      out.push(header.join(' '), rec.sql, '');
    }
  } finally {
    await db.close();
  }
  writeFileSync(path, out.join('\n'));
  return problems;
}

/** '#' comment lines directly above a record's header (1-based line), kept in place. */
function commentsBefore(lines: readonly string[], line: number): string[] {
  const out: string[] = [];
  for (let i = line - 2; i >= 0 && lines[i]!.trim().startsWith('#'); i--) out.unshift(lines[i]!);
  return out;
}

let total = 0;
for (const path of process.argv.slice(2)) total += await fill(path);
console.log(`${total} problem(s)`);
process.exitCode = total === 0 ? 0 : 1;
