// The sqllogictest dialect of test/logic/*.test, shared by the Tessera runner
// (logic.test.ts) and the PGlite verifier (logic-verify.ts). Records are separated by
// blank lines:
//   statement ok | statement error <sqlstate or /regex/>   then the SQL
//   query <column types> [rowsort]   then the SQL, '----', one row per line (values split
//   by spaces, NULL for null, (empty) for '').
// Lines starting with '#' are comments.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

export interface LogicRecord {
  /** 1-based line of the record's header. */
  readonly line: number;
  readonly header: readonly string[];
  readonly sql: string;
  readonly expected: readonly string[];
}

export const logicDir = join(import.meta.dirname, '..', 'logic');

export function logicFiles(): string[] {
  return readdirSync(logicDir).filter((f) => f.endsWith('.test')).sort();
}

export function parseLogic(text: string): LogicRecord[] {
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

/** One result value as the files write it. */
export function formatLogicValue(v: string | null): string {
  return v === null ? 'NULL' : v === '' ? '(empty)' : v;
}

/** Result rows as comparable lines: values joined by one space, sorted for rowsort. */
export function logicLines(rows: readonly (readonly (string | null)[])[], rowsort: boolean): string[] {
  // Whitespace is normalised as the file's expected lines are (runs of blanks are one space,
  // no trailing blanks): a value's padding cannot be written in this format.
  const lines = rows.map((r) => r.map(formatLogicValue).join(' ').split(/\s+/).join(' ').trim());
  return rowsort ? lines.sort() : lines;
}

export function expectedLines(rec: LogicRecord, rowsort: boolean): string[] {
  const lines = rec.expected.map((l) => l.split(/\s+/).join(' ').trim());
  return rowsort ? lines.sort() : lines;
}

/** Whether an error matches `statement error <pattern>`: a SQLSTATE or a /regex/. */
export function errorMatches(pattern: string, code: string, message: string): boolean {
  if (/^[0-9A-Z]{5}$/.test(pattern)) return code === pattern;
  return new RegExp(pattern.replace(/^\/|\/$/g, '')).test(message);
}
