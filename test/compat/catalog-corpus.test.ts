// Every catalog query of the client corpus (what psql, pg_dump, Prisma, TypeORM, Sequelize
// and Knex send to learn a database) run against Tessera: the count that succeeds is
// reported and held above a floor that only goes up. Queries with $n parameters are
// prepared and run with NULLs, which binds and plans them exactly like the tools do.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { run, startSql } from '../sql/harness.ts';

const corpusDir = '/work/shared/corpora/sql-corpus/clients';
/** Raised as catalog coverage grows; never lowered. */
const SUCCEEDED_MIN = 122;

function catalogQueries(): { file: string; sql: string }[] {
  const out: { file: string; sql: string }[] = [];
  for (const file of readdirSync(corpusDir).filter((f) => f.endsWith('.sql') && f !== 'pg_dump-output.sql')) {
    for (const chunk of readFileSync(join(corpusDir, file), 'utf8').split(/^-- ;;$/m)) {
      const sql = chunk.split('\n').filter((l) => !l.startsWith('-- @')).join('\n').trim();
      if (sql === '' || !/^\s*(select|with)\b/i.test(sql)) continue;
      if (!/pg_catalog|information_schema|\bpg_[a-z_]+\b|regclass|format_type/i.test(sql)) continue;
      out.push({ file, sql });
    }
  }
  return out;
}

test('catalog queries of the client corpus run on Tessera', { skip: readdirSync('/work/shared/corpora').length === 0 ? 'corpus missing' : false }, async () => {
  const cluster = await startSql();
  try {
    const s = await cluster.session();
    await run(s, 'create table users (id int primary key, name text not null, email varchar(100) unique, created timestamptz default now())');
    await run(s, 'create table posts (id bigint primary key, user_id int, title text)');
    await run(s, 'create index posts_user on posts (user_id)');
    const queries = catalogQueries();
    const failures = new Map<string, number>();
    let ok = 0;
    for (const q of queries) {
      try {
        const n = Math.max(0, ...[...q.sql.matchAll(/\$(\d+)/g)].map((m) => Number(m[1])));
        if (n === 0) await run(s, q.sql);
        else {
          await s.prepare('', q.sql, []);
          await s.bind('', '', new Array(n).fill(null), [], []);
          for await (const e of s.execute('', 0)) void e;
          await s.sync();
        }
        ok++;
      } catch (err) {
        if (n0(q.sql)) await s.sync().catch(() => undefined);
        const msg = (err as Error).message.slice(0, 90);
        failures.set(msg, (failures.get(msg) ?? 0) + 1);
      }
    }
    const top = [...failures].sort((a, b) => b[1] - a[1]).slice(0, 40).map(([m, c]) => `  ${c} × ${m}`).join('\n');
    console.log(`catalog corpus: ${ok} of ${queries.length} queries succeed; most common failures:\n${top}`);
    assert.ok(ok >= SUCCEEDED_MIN, `only ${ok} of ${queries.length} catalog queries succeed (floor ${SUCCEEDED_MIN})`);
  } finally {
    await cluster.close();
  }
});

function n0(sql: string): boolean {
  return /\$\d/.test(sql);
}
