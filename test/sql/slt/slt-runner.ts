// Runs sqlite sqllogictest files (the corpus in /work/shared/corpora/slt) against a SQL
// target and counts outcomes. Nothing is hidden: a statement Tessera does not support
// (0A000) is counted as unsupported, any other unexpected error as an error, a query whose
// values differ as wrong. Records in the corpus's PG_DEVIATIONS list (where PostgreSQL
// legitimately differs from SQLite) run but are not scored.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseSlt, sltMatches, sltValues, type SltRecord } from './slt-format.ts';

export const sltCorpusDir = '/work/shared/corpora/slt';

/** A database to run records on; failures throw an error with a string `code` (SQLSTATE). */
export interface SltTarget {
  run(sql: string): Promise<{ readonly rows: readonly (readonly (string | null)[])[] }>;
}

export interface SltCounts {
  passed: number;
  wrong: number;
  errors: number;
  unsupported: number;
  deviations: number;
  skipped: number;
}

export interface SltFileReport {
  readonly file: string;
  readonly counts: SltCounts;
  /** The first few wrong answers and errors, with file:line. */
  readonly failures: string[];
}

export function emptyCounts(): SltCounts {
  return { passed: 0, wrong: 0, errors: 0, unsupported: 0, deviations: 0, skipped: 0 };
}

export function manifest(): string[] {
  return readFileSync(join(sltCorpusDir, 'MANIFEST'), 'utf8').split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#'));
}

let deviationSet: Set<string> | null = null;
export function deviations(): Set<string> {
  deviationSet ??= new Set(readFileSync(join(sltCorpusDir, 'PG_DEVIATIONS'), 'utf8').split('\n').filter((l) => l !== '' && !l.startsWith('#')).map((l) => l.split('\t')[0]!));
  return deviationSet;
}

function errorCode(err: unknown): string | null {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : null;
}

export interface SltRunOptions {
  /** Stop after this many records of the file (statements and queries). */
  readonly recordsMax: number;
  /** Failures kept in the report. */
  readonly failuresMax: number;
}

export async function runSltFile(file: string, target: SltTarget, opts: SltRunOptions): Promise<SltFileReport> {
  const parsed = parseSlt(readFileSync(join(sltCorpusDir, file), 'utf8'));
  const counts = emptyCounts();
  const failures: string[] = [];
  const fail = (rec: SltRecord, what: string): void => {
    if (failures.length < opts.failuresMax) failures.push(`${file}:${rec.line}: ${rec.sql.replace(/\s+/g, ' ').slice(0, 200)}\n    ${what}`);
  };
  let statementUnsupported = false;
  for (const rec of parsed.records.slice(0, opts.recordsMax)) {
    if (rec.skip) { counts.skipped++; continue; }
    const deviation = deviations().has(`${file}:${rec.line}`);
    const outcome = await target.run(rec.sql).then((r) => ({ ok: true as const, rows: r.rows }), (err: unknown) => ({ ok: false as const, err }));
    if (deviation) { counts.deviations++; continue; }
    if (!outcome.ok) {
      const code = errorCode(outcome.err);
      if (code === null) throw outcome.err;
      if (rec.kind === 'statement' && !rec.ok) counts.passed++;
      else if (code === '0A000' || (code === '42P01' && statementUnsupported)) {
        // A relation whose CREATE was unsupported (a view) is missing later: same cause.
        counts.unsupported++;
        if (rec.kind === 'statement') statementUnsupported = true;
      }
      else { counts.errors++; fail(rec, `error ${code}: ${String((outcome.err as Error).message)}`); }
      continue;
    }
    if (rec.kind === 'statement') {
      if (rec.ok) counts.passed++;
      else { counts.wrong++; fail(rec, 'succeeded, an error was expected'); }
      continue;
    }
    const values = sltValues(rec, outcome.rows);
    if (sltMatches(rec, values, parsed.hashThreshold)) counts.passed++;
    else {
      counts.wrong++;
      const want = rec.expected.kind === 'hash' ? `${rec.expected.count} values hashing to ${rec.expected.md5}` : rec.expected.values.slice(0, 20).join(' ');
      fail(rec, `got ${values.slice(0, 20).join(' ')}${values.length > 20 ? ` ... (${values.length} values)` : ''}\n    want ${want}`);
    }
  }
  return { file, counts, failures };
}

export function addCounts(into: SltCounts, c: SltCounts): void {
  into.passed += c.passed;
  into.wrong += c.wrong;
  into.errors += c.errors;
  into.unsupported += c.unsupported;
  into.deviations += c.deviations;
  into.skipped += c.skipped;
}

export function formatCounts(c: SltCounts): string {
  return `passed ${c.passed}, wrong ${c.wrong}, errors ${c.errors}, unsupported ${c.unsupported}, deviations ${c.deviations}, skipped ${c.skipped}`;
}
