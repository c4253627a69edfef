// sqllogictest-style runner: every test/sql/logic/*.test file runs in one session on a
// fresh in-memory node. Records are separated by blank lines:
//   statement ok | statement error <sqlstate or /regex/>  then the SQL
//   query <column types> [rowsort]  then the SQL, '----', one row per line (values split by
//   spaces, NULL for null, (empty) for '').
// Expected results are what PostgreSQL 15 returns (hand-checked; PGlite is to become the oracle).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SqlError } from '../../src/sql/index.ts';
import { run, startSql } from './harness.ts';

const dir = join(import.meta.dirname, 'logic');

interface LogicRecord {
  readonly line: number;
  readonly header: string[];
  readonly sql: string;
  readonly expected: string[];
}

function parseFile(text: string): LogicRecord[] {
  const records: LogicRecord[] = [];
  const lines = text.split('\n');
  let i = 0;
  while (i < lines.length) {
    const line = lines[i]!.trim();
    if (line === '' || line.startsWith('#')) { i++; continue; }
    const start = i + 1;
    const header = line.split(/\s+/);
    const sql: string[] = [];
    const expected: string[] = [];
    i++;
    while (i < lines.length && lines[i]!.trim() !== '' && lines[i]!.trim() !== '----') sql.push(lines[i++]!);
    if (i < lines.length && lines[i]!.trim() === '----') {
      i++;
      while (i < lines.length && lines[i]!.trim() !== '') expected.push(lines[i++]!.trim());
    }
    records.push({ line: start, header, sql: sql.join('\n'), expected });
  }
  return records;
}

function formatValue(v: string | null): string {
  return v === null ? 'NULL' : v === '' ? '(empty)' : v;
}

for (const name of readdirSync(dir).filter((f) => f.endsWith('.test')).sort()) {
  test(`logic/${name}`, async () => {
    const cluster = await startSql();
    try {
      const session = await cluster.session();
      for (const rec of parseFile(readFileSync(join(dir, name), 'utf8'))) {
        const where = `${name}:${rec.line}: ${rec.sql}`;
        const [kind, arg, option] = rec.header;
        if (kind === 'statement' && arg === 'ok') {
          await run(session, rec.sql).catch((err: unknown) => assert.fail(`${where}\n  unexpected error: ${String(err)}`));
        } else if (kind === 'statement' && arg === 'error') {
          const pattern = rec.header.slice(2).join(' ');
          const err = await run(session, rec.sql).then(() => null, (e: unknown) => e);
          assert.ok(err instanceof SqlError, `${where}\n  expected error ${pattern}, got ${String(err)}`);
          if (/^[0-9A-Z]{5}$/.test(pattern)) assert.equal(err.code, pattern, `${where}\n  ${err.message}`);
          else assert.match(err.message, new RegExp(pattern.replace(/^\/|\/$/g, '')), where);
        } else if (kind === 'query') {
          const result = await run(session, rec.sql).catch((err: unknown) => assert.fail(`${where}\n  unexpected error: ${String(err)}`));
          let got = result.rows.map((r) => r.map(formatValue).join(' '));
          let want = rec.expected.map((l) => l.split(/\s+/).join(' '));
          if (option === 'rowsort') {
            got = [...got].sort();
            want = [...want].sort();
          }
          assert.deepEqual(got, want, where);
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
