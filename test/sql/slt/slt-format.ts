// The sqlite sqllogictest format (the corpus in /work/shared/corpora/slt): records
// separated by blank lines, `skipif <db>` / `onlyif <db>` conditions before a record,
// `query <types> <nosort|rowsort|valuesort> [label]` with one value per line or
// `N values hashing to <md5>`, and `hash-threshold N`.
import { createHash } from 'node:crypto';

export type SltRecord =
  | { readonly kind: 'statement'; readonly line: number; readonly ok: boolean; readonly sql: string; readonly skip: boolean }
  | {
      readonly kind: 'query';
      readonly line: number;
      readonly types: string;
      readonly sort: 'nosort' | 'rowsort' | 'valuesort';
      readonly sql: string;
      /** Expected values one per entry, or a hash. */
      readonly expected: { readonly kind: 'values'; readonly values: readonly string[] } | { readonly kind: 'hash'; readonly count: number; readonly md5: string };
      readonly skip: boolean;
    };

export interface SltFile {
  readonly records: readonly SltRecord[];
  readonly hashThreshold: number;
}

/** Whether a record guarded by these conditions runs on PostgreSQL. */
function skipped(conditions: readonly string[][]): boolean {
  return conditions.some(([cond, db]) => (cond === 'skipif' && db === 'postgresql') || (cond === 'onlyif' && db !== 'postgresql'));
}

export function parseSlt(text: string): SltFile {
  const lines = text.split('\n').map((l) => l.replace(/\r$/, ''));
  const records: SltRecord[] = [];
  let hashThreshold = 0;
  let conditions: string[][] = [];
  // A record's line (as PG_DEVIATIONS cites it) is that of its first condition, if any.
  let conditionLine = 0;
  let i = 0;
  const block = (): string[] => {
    const out: string[] = [];
    while (i < lines.length && lines[i]!.trim() !== '' && lines[i] !== '----') out.push(lines[i++]!);
    return out;
  };
  while (i < lines.length) {
    const text = lines[i]!.trim();
    const words = text.split(/\s+/);
    const start = i + 1;
    i++;
    if (text === '' || text.startsWith('#')) continue;
    if (words[0] === 'halt') {
      // `onlyif mssql` + `halt` stops the file only on that database.
      if (!skipped(conditions)) break;
      conditions = [];
      continue;
    }
    if (words[0] === 'hash-threshold') { hashThreshold = Number(words[1]); continue; }
    if (words[0] === 'skipif' || words[0] === 'onlyif') {
      if (conditions.length === 0) conditionLine = start;
      conditions.push(words);
      continue;
    }
    const skip = skipped(conditions);
    const line = conditions.length > 0 ? conditionLine : start;
    conditions = [];
    if (words[0] === 'statement') {
      records.push({ kind: 'statement', line, ok: words[1] === 'ok', sql: block().join('\n'), skip });
    } else if (words[0] === 'query') {
      const sql = block().join('\n');
      const values: string[] = [];
      if (lines[i] === '----') {
        i++;
        while (i < lines.length && lines[i]!.trim() !== '') values.push(lines[i++]!.trim());
      }
      const hash = values.length === 1 ? /^(\d+) values hashing to ([0-9a-f]{32})$/.exec(values[0]!) : null;
      const sort = words[2] === 'rowsort' || words[2] === 'valuesort' ? words[2] : 'nosort';
      const expected = hash === null ? { kind: 'values' as const, values } : { kind: 'hash' as const, count: Number(hash[1]), md5: hash[2]! };
      records.push({ kind: 'query', line, types: words[1] ?? '', sort, sql, expected, skip });
    } else {
      throw new Error(`line ${start}: unknown record ${text}`);
    }
  }
  return { records, hashThreshold };
}

/** One value as sqllogictest prints it for a column of type I, R or T. */
export function sltValue(type: string, v: string | null): string {
  if (v === null) return 'NULL';
  if (type === 'I') {
    // Printed as an integer, like sqllogictest's %d: a float -0 (PostgreSQL prints "-0") is 0.
    if (/^-?\d+$/.test(v)) return BigInt(v).toString();
    if (v === 't' || v === 'f') return v === 't' ? '1' : '0';
    const n = Number(v);
    return Number.isFinite(n) ? String(Math.trunc(n)) : v;
  }
  if (type === 'R') {
    const n = Number(v);
    return Number.isFinite(n) ? n.toFixed(3) : v;
  }
  if (v === '') return '(empty)';
  // sqllogictest prints control and non-ASCII characters as '@'.
  return v.replace(/[^\x20-\x7e]/g, '@');
}

/** The values of a result in the record's order, formatted and sorted as it asks. */
export function sltValues(rec: Extract<SltRecord, { kind: 'query' }>, rows: readonly (readonly (string | null)[])[]): string[] {
  const formatted = rows.map((r) => r.map((v, c) => sltValue(rec.types[c] ?? 'T', v)));
  if (rec.sort === 'rowsort') formatted.sort((a, b) => compareRows(a, b));
  const values = formatted.flat();
  if (rec.sort === 'valuesort') values.sort();
  return values;
}

function compareRows(a: readonly string[], b: readonly string[]): number {
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}

/** Whether actual values match the record's expectation (hashing as the file does). */
export function sltMatches(rec: Extract<SltRecord, { kind: 'query' }>, values: readonly string[], hashThreshold: number): boolean {
  const exp = rec.expected;
  if (exp.kind === 'hash') return values.length === exp.count && md5Values(values) === exp.md5;
  if (hashThreshold > 0 && values.length > hashThreshold && exp.values.length === 1) return false;
  return values.length === exp.values.length && values.every((v, i) => v === exp.values[i]);
}

export function md5Values(values: readonly string[]): string {
  const h = createHash('md5');
  for (const v of values) h.update(v + '\n');
  return h.digest('hex');
}
