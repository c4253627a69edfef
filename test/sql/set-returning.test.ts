// The set-returning functions' rows (expr/set-returning.ts) against PostgreSQL: each call
// is bound by Tessera's binder and compared, as text rows, with `SELECT * FROM call` on
// PGlite, including the errors for the wrong JSON kind.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createParser, type Parser } from '../../src/sql/parser/parse.ts';
import { Binder } from '../../src/sql/expr/bind-expr.ts';
import { bindSetReturning } from '../../src/sql/expr/set-returning.ts';
import { UTC } from '../../src/sql/types/datetime.ts';
import { formatValue } from '../../src/sql/types/text-io.ts';
import { SqlError } from '../../src/sql/index.ts';
import { Oracle, OracleError } from './pglite-oracle.ts';

const format = { timeZone: UTC, extraFloatDigits: 1 };
let parser: Parser;
let pg: Oracle;
before(async () => {
  parser = await createParser();
  pg = await Oracle.open();
});
after(async () => {
  await pg.close();
});

type Outcome = { rows: (string | null)[][]; columns: number } | { code: string };

function tessera(call: string): Outcome {
  const stmt = parser.parse(`SELECT ${call}`)[0]!.statement;
  assert.ok(stmt.kind === 'select');
  const e = stmt.items[0]!.expr;
  assert.ok(e.kind === 'func');
  const binder = new Binder([], format);
  try {
    const srf = bindSetReturning(e.name, e.args.map((a) => binder.bind(a, [])), binder, -1);
    assert.ok(srf !== null, call);
    const args = srf.args.map((a) => a.eval([], { ...format, params: [], user: 'root', database: 'd', txnMicros: 0n, setting: () => null }));
    const rows = srf.rows(args).map((r) => r.map((v, i) => formatValue(srf.columns[i]!.type, v, format)));
    return { rows, columns: srf.columns.length };
  } catch (err) {
    if (err instanceof SqlError) return { code: err.code };
    throw err;
  }
}

async function postgres(call: string): Promise<Outcome> {
  try {
    const r = await pg.run(`SELECT * FROM ${call}`);
    return { rows: r.rows, columns: r.columns };
  } catch (err) {
    if (err instanceof OracleError) return { code: err.code };
    throw err;
  }
}

const calls = [
  "unnest(ARRAY[3, 1, NULL, 2])",
  "unnest('{}'::int[])",
  "unnest(ARRAY['a b', NULL, ''])",
  "unnest(NULL::text[])",
  "unnest(ARRAY['{\"a\": 1}'::jsonb, '[]'])",
  "jsonb_array_elements('[1, \"two\", null, [3], {\"b\": 2, \"a\": 1}]')",
  "jsonb_array_elements_text('[1, \"two\", null, [3], {\"x\": true}]')",
  "jsonb_array_elements('{\"a\": 1}')",
  "jsonb_array_elements('5')",
  "jsonb_each('{\"b\": 1, \"a\": [true], \"cc\": null}')",
  "jsonb_each_text('{\"b\": \"x\", \"a\": [true], \"cc\": null}')",
  "jsonb_each('[1]')",
  "jsonb_object_keys('{\"b\": 1, \"a\": 2, \"aaa\": 3}')",
  "jsonb_object_keys('[1]')",
  "jsonb_object_keys('\"s\"')",
  "json_array_elements('[1,  \"two\" , {\"z\":1,  \"a\":2}]')",
  "json_array_elements_text('[\"a\\\\tb\", null, 3]')",
  "json_each('{\"b\": [1,  2], \"a\": \"x\"}')",
  "json_each_text('{\"b\": [1,  2], \"a\": \"x\", \"n\": null}')",
  "json_object_keys('{\"b\": 1, \"a\": 2, \"b\": 3}')",
  "json_array_elements('{}')",
  "json_object_keys('[]')",
];

test('set-returning functions give PostgreSQL rows and errors', async () => {
  for (const call of calls) {
    const want = await postgres(call);
    const got = tessera(call);
    if ('code' in want) {
      assert.deepEqual(got, want, call);
      continue;
    }
    assert.ok(!('code' in got), `${call}: ${JSON.stringify(got)}`);
    assert.equal(got.columns, want.columns, call);
    assert.deepEqual(got.rows, want.rows, call);
  }
});
