// COPY's text and CSV formats: the reader gives the same rows however the data is cut
// into chunks (every byte boundary, including inside UTF-8 characters and quoted fields),
// and what the writer prints reads back as the same values.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { copyOptions, CopyReader, formatCopyRow, type CopyOptions, type CopyRow } from '../../src/sql/session/copy-format.ts';

function readAll(o: CopyOptions, chunks: readonly Uint8Array[]): CopyRow[] {
  const r = new CopyReader(o);
  const rows: CopyRow[] = [];
  for (const c of chunks) rows.push(...r.push(c));
  rows.push(...r.finish());
  return rows;
}

function everySplit(o: CopyOptions, text: string): void {
  const bytes = Buffer.from(text, 'utf8');
  const whole = readAll(o, [bytes]);
  for (let i = 0; i <= bytes.length; i++) {
    assert.deepEqual(readAll(o, [bytes.subarray(0, i), bytes.subarray(i)]), whole, `split at ${i}`);
  }
}

const text = copyOptions(new Map());
const csv = copyOptions(new Map([['format', 'csv'], ['header', 'true']]));

test('text format: escapes, \\N, line numbers, end marker, CRLF', () => {
  const rows = readAll(text, [Buffer.from('a\\tb\t\\N\tx\\\\y\r\n\\101\\x42\t\t\\n\n\\.\nignored\n')]);
  assert.deepEqual(rows, [
    { line: 1, fields: ['a\tb', null, 'x\\y'] },
    { line: 2, fields: ['AB', '', '\n'] },
  ]);
  everySplit(text, 'é\tü\n€\t\\N\n');
});

test('CSV: header skipped, quotes, doubled quotes, newlines inside quotes count as lines', () => {
  const data = 'k,v\n1,"a,b"\n2,"say ""hi""\nthere"\n3,\n4,""\n';
  const rows = readAll(csv, [Buffer.from(data)]);
  assert.deepEqual(rows, [
    { line: 2, fields: ['1', 'a,b'] },
    { line: 3, fields: ['2', 'say "hi"\nthere'] },
    { line: 5, fields: ['3', null] },
    { line: 6, fields: ['4', ''] },
  ]);
  everySplit(csv, data);
});

test('options are checked as PostgreSQL checks them', () => {
  assert.throws(() => copyOptions(new Map([['format', 'binary']])), { code: '0A000' });
  assert.throws(() => copyOptions(new Map([['quote', "'"]])), { code: '0A000' });
  assert.throws(() => copyOptions(new Map([['delimiter', ';;']])), { code: '0A000' });
  assert.throws(() => copyOptions(new Map([['format', 'csv'], ['delimiter', '"']])), { code: '22023' });
  assert.throws(() => copyOptions(new Map([['freeze', 'true']])), { code: '42601' });
});

test('what the writer prints reads back the same, in text and CSV', () => {
  const noHeader = copyOptions(new Map([['format', 'csv']]));
  const field = fc.option(fc.string({ unit: fc.constantFrom('a', ',', '"', '\n', '\r', '\t', '\\', 'é', ' ', 'N') }), { nil: null });
  fc.assert(
    fc.property(fc.array(fc.array(field, { minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 5 }), (rows) => {
      for (const o of [text, noHeader]) {
        const printed = rows.filter((r) => r.length === rows[0]!.length).map((r) => formatCopyRow(r, o)).join('');
        const back = readAll(o, [Buffer.from(printed)]).map((r) => r.fields);
        assert.deepEqual(back, rows.filter((r) => r.length === rows[0]!.length));
      }
    }),
  );
});
