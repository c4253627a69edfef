import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { createParser } from '../../src/sql/parser/parse.ts';
import { SqlError } from '../../src/sql/sql-error.ts';

const parser = await createParser();
const corpusRoot = '/work/shared/corpora/sql-corpus';

function readCorpus(file: string): string[] {
  return readFileSync(file, 'utf8')
    .split(/^-- ;;$/m)
    .map((block) => block.split('\n').filter((l) => !l.startsWith('-- @ ')).join('\n').trim())
    .filter((s) => s.length > 0);
}

test('parses a select into our AST', () => {
  const [stmt] = parser.parse('SELECT a, count(*) AS c FROM t WHERE id = $1 ORDER BY a DESC NULLS LAST LIMIT 10');
  assert.ok(stmt);
  assert.equal(stmt.paramCount, 1);
  const s = stmt.statement;
  assert.equal(s.kind, 'select');
  if (s.kind !== 'select') return;
  assert.equal(s.items.length, 2);
  assert.equal(s.items[1]?.alias, 'c');
  assert.deepEqual(s.orderBy[0]?.descending, true);
  assert.deepEqual(s.orderBy[0]?.nullsFirst, false);
  assert.equal(s.from[0]?.kind === 'table' ? s.from[0].ref.name : null, 't');
});

test('splits a multi-statement string and keeps statement texts', () => {
  const stmts = parser.parse('begin; select 1 ;commit');
  assert.deepEqual(stmts.map((s) => s.statement.kind), ['begin', 'select', 'commit']);
  assert.deepEqual(stmts.map((s) => s.text.trim()), ['begin', 'select 1', 'commit']);
  assert.deepEqual(parser.parse('  ;; -- nothing'), []);
});

test('integer literal zero and negatives survive the JSON tree', () => {
  const [stmt] = parser.parse('select 0, -3, 1.5, 12345678901234');
  const s = stmt?.statement;
  assert.ok(s && s.kind === 'select');
  const lits = s.items.map((i) => (i.expr.kind === 'literal' ? i.expr.value : null));
  assert.deepEqual(lits, [
    { kind: 'integer', text: '0' },
    { kind: 'integer', text: '-3' },
    { kind: 'decimal', text: '1.5' },
    { kind: 'integer', text: '12345678901234' },
  ]);
});

test('syntax errors carry 42601, the message and a 1-based position', () => {
  assert.throws(() => parser.parse('SELEC 1'), (err: unknown) => {
    assert.ok(err instanceof SqlError);
    assert.equal(err.code, '42601');
    assert.equal(err.message, 'syntax error at or near "SELEC"');
    assert.equal(err.position, 1);
    return true;
  });
  assert.throws(() => parser.parse('select 1 from t where'), (err: unknown) => {
    assert.ok(err instanceof SqlError);
    assert.equal(err.message, 'syntax error at end of input');
    assert.equal(err.position, 22);
    return true;
  });
});

test('valid but unsupported syntax becomes an unsupported node', () => {
  const kinds = parser.parse('COPY t FROM STDIN; LISTEN a; NOTIFY a').map((s) => s.statement);
  assert.deepEqual(kinds.map((s) => s.kind), ['unsupported', 'unsupported', 'unsupported']);
  assert.equal(kinds[0]?.kind === 'unsupported' && kinds[0].what, 'COPY');
});

for (const dir of ['clients', 'oltp']) {
  test(`parses every statement of the ${dir} corpus without throwing`, () => {
    let count = 0;
    for (const name of readdirSync(join(corpusRoot, dir))) {
      for (const sql of readCorpus(join(corpusRoot, dir, name))) {
        const stmts = parser.parse(sql);
        assert.ok(stmts.length >= 1, `${name}: ${sql.slice(0, 80)}`);
        count += stmts.length;
      }
    }
    assert.ok(count > 50);
  });
}

test('repeated query strings come from the parse cache, frozen, and callers get their own arrays', () => {
  const a = parser.parse('select 1; select 2');
  const b = parser.parse('select 1; select 2');
  assert.notEqual(a, b);
  assert.equal(a[0], b[0], 'the same cached statement');
  assert.ok(Object.isFrozen(a[0]!.statement));
  a.pop();
  assert.equal(parser.parse('select 1; select 2').length, 2, 'changing a result array does not change the cache');
  assert.throws(() => parser.parse('selec 1'), (e: unknown) => (e as { code?: string }).code === '42601');
  assert.throws(() => parser.parse('selec 1'), (e: unknown) => (e as { code?: string }).code === '42601', 'errors are not cached as results');
});
