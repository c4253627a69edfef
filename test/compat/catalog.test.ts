// pg_catalog and information_schema over Tessera's catalog: what tools read to learn a
// schema. Where an answer does not depend on OIDs it is checked against PGlite (real
// PostgreSQL); OIDs themselves are Tessera's (derived from descriptor ids, docs/catalog.md).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Session } from '../../src/sql/index.ts';
import { rows, run, sqlErrorOf, startSql, type TestCluster } from '../sql/harness.ts';
import { Oracle } from '../sql/pglite-oracle.ts';

let cluster: TestCluster;
let s: Session;
let pg: Oracle;

const schema = [
  'create table users (id int primary key, name text not null, email varchar(100) unique, score numeric(10,2), created timestamptz default now())',
  'create table posts (id bigint primary key, user_id int not null, title text, body text)',
  'create index posts_user on posts (user_id)',
  'create unique index posts_title on posts (title desc)',
  'create table nokey (a int, b text)',
  "create table defaults (a text default 'x', b varchar(10) default 'it''s', c int default 5, d numeric(10,2) default 1.5, e bool default true, f timestamptz default now(), h int default -1, i date default current_date, j uuid default gen_random_uuid(), k bigint default (1+2), l text default lower('A'), m bigint default 7)",
];

before(async () => {
  cluster = await startSql();
  s = await cluster.session();
  pg = await Oracle.open();
  for (const q of schema) {
    await run(s, q);
    await pg.run(q);
  }
});
after(async () => {
  await cluster.close();
  await pg.close();
});

/** The same query on Tessera and PostgreSQL gives the same rows. */
async function same(sql: string): Promise<void> {
  const mine = await rows(s, sql);
  const theirs = (await pg.run(sql)).rows.map((r) => r.map((v) => v ?? 'NULL').join('|'));
  assert.deepEqual(mine, theirs, sql);
}

test('pg_class, pg_namespace and pg_index describe tables and indexes as PostgreSQL does', async () => {
  await same("select c.relname, c.relkind, c.relnatts, c.relhasindex from pg_class c join pg_namespace n on n.oid = c.relnamespace where n.nspname = 'public' order by 1");
  await same("select i.relname, t.relname, x.indisunique, x.indisprimary, x.indkey, x.indoption from pg_index x join pg_class i on i.oid = x.indexrelid join pg_class t on t.oid = x.indrelid where t.relname in ('users', 'posts') order by 1");
  // PostgreSQL 18 (PGlite) also lists NOT NULL constraints here; Tessera answers as 15 does.
  await same("select conname, contype, conkey from pg_constraint where conrelid = 'users'::regclass and contype in ('p', 'u') order by 1");
});

test('pg_attribute, format_type and pg_attrdef describe columns as PostgreSQL does', async () => {
  await same("select a.attnum, a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull, a.atthasdef from pg_attribute a where a.attrelid = 'users'::regclass and a.attnum > 0 and not a.attisdropped order by a.attnum");
  await same("select pg_get_expr(d.adbin, d.adrelid) from pg_attrdef d join pg_attribute a on a.attrelid = d.adrelid and a.attnum = d.adnum where a.attrelid = 'users'::regclass");
  await same("select a.attname, pg_get_expr(d.adbin, d.adrelid) from pg_attrdef d join pg_attribute a on a.attrelid = d.adrelid and a.attnum = d.adnum where d.adrelid = 'defaults'::regclass order by a.attnum");
  await same("select column_name, column_default from information_schema.columns where table_name = 'defaults' order by ordinal_position");
  await same('select format_type(1043, 104), format_type(1700, 655366), format_type(1184, null), format_type(1007, null), format_type(23, -1)');
});

test('pg_get_indexdef and pg_get_constraintdef print definitions as PostgreSQL does', async () => {
  await same("select pg_get_indexdef(i.indexrelid) from pg_index i where i.indrelid = 'posts'::regclass order by 1");
  await same("select pg_get_indexdef(i.indexrelid, 0, true) from pg_index i where i.indrelid = 'users'::regclass order by 1");
  await same("select pg_get_constraintdef(oid, true) from pg_constraint where conrelid = 'users'::regclass and contype in ('p', 'u') order by 1");
  await same("select indexname, indexdef from pg_indexes where tablename = 'posts' order by 1");
});

test('pg_depend ties indexes to their constraints and tables as PostgreSQL does', async () => {
  // PostgreSQL 18 adds TOAST tables and NOT NULL constraints, which Tessera (like 15 for the latter) has not.
  await same(`select * from (
      select classid::regclass as c, case when classid = 'pg_class'::regclass then objid::regclass::text else (select conname::text from pg_constraint where oid = objid) end as obj,
             refclassid::regclass as rc, case when refclassid = 'pg_class'::regclass then refobjid::regclass::text else (select conname::text from pg_constraint where oid = refobjid) end as ref,
             refobjsubid, deptype
      from pg_depend where deptype in ('a', 'i')) d
    where (ref in ('users', 'posts') or obj in ('users_pkey', 'users_email_key', 'posts_pkey', 'posts_user', 'posts_title'))
    and obj not like 'pg_toast%' and obj not like '%not_null'
    order by 2, 4, 5`);
});

test('information_schema tables, columns and constraints match PostgreSQL', async () => {
  await same("select table_schema, table_name, table_type from information_schema.tables where table_schema = 'public' order by 2");
  await same("select column_name, ordinal_position, is_nullable, data_type, character_maximum_length, numeric_precision, numeric_scale, udt_name from information_schema.columns where table_name = 'users' order by ordinal_position");
  await same("select constraint_name, constraint_type from information_schema.table_constraints where table_name = 'users' and constraint_type in ('PRIMARY KEY', 'UNIQUE') order by 1");
  await same("select constraint_name, column_name, ordinal_position from information_schema.key_column_usage where table_name = 'users' order by 1");
});

test('regclass and friends read and print names; OIDs follow descriptor ids', async () => {
  const [oid] = await rows(s, "select 'users'::regclass::oid");
  assert.deepEqual(await rows(s, `select ${oid}::regclass, '${oid}'::regclass, 'public.users'::regclass, '"users"'::regclass`), ['users|users|users|users']);
  assert.deepEqual(await rows(s, "select 'pg_class'::regclass::oid, 'pg_catalog.pg_type'::regclass::oid, 'int4'::regtype, 'integer'::regtype::oid, 'pg_catalog'::regnamespace::oid"), ['1259|1247|integer|23|11']);
  assert.deepEqual(await rows(s, "select to_regclass('nosuch'), to_regclass('posts_user') is not null, 0::regclass"), ['NULL|t|-']);
  assert.equal((await sqlErrorOf(s, "select 'nosuch'::regclass")).code, '42P01');
  assert.equal((await sqlErrorOf(s, "select 'nosuch'::regtype")).code, '42704');
  // The same table has the same OID in a new session and after other DDL.
  await run(s, 'create table later (x int)');
  const s2 = await cluster.session();
  assert.deepEqual(await rows(s2, "select 'users'::regclass::oid"), [oid]);
  assert.deepEqual(await rows(s2, "select oid from pg_class where relname = 'users'"), [oid]);
});

test('drivers may declare oid and regclass parameters', async () => {
  const [oid] = await rows(s, "select 'posts'::regclass::oid");
  const described = await s.prepare('', 'select relname from pg_class where oid = $1 and $2::regclass = oid', [26, 2205]);
  assert.deepEqual(described.paramTypeOids, [26, 2205]);
  await s.bind('', '', [Buffer.from(oid!), Buffer.from('posts')], [], []);
  const out: string[] = [];
  for await (const e of s.execute('', 0)) if (e.kind === 'rows') out.push(...e.rows.map((r) => String(r[0])));
  await s.sync();
  assert.deepEqual(out, ['posts']);
});

test('a hidden rowid is not a column or an index; catalog rows carry tableoid', async () => {
  assert.deepEqual(await rows(s, "select attname from pg_attribute where attrelid = 'nokey'::regclass and attnum > 0 order by attnum"), ['a', 'b']);
  assert.deepEqual(await rows(s, "select count(*) from pg_index where indrelid = 'nokey'::regclass"), ['0']);
  assert.deepEqual(await rows(s, "select distinct tableoid::regclass from pg_namespace"), ['pg_namespace']);
});

test('DDL in a transaction shows in its own pg_class only until commit', async () => {
  const other = await cluster.session();
  await run(s, 'begin');
  await run(s, 'create table txn_only (x int primary key)');
  assert.deepEqual(await rows(s, "select relname from pg_class where relname = 'txn_only'"), ['txn_only']);
  assert.deepEqual(await rows(other, "select relname from pg_class where relname = 'txn_only'"), []);
  await run(s, 'rollback');
  assert.deepEqual(await rows(s, "select relname from pg_class where relname = 'txn_only'"), []);
});

test('catalog functions: visibility, schemas, privileges, sizes, quoting, regex', async () => {
  assert.deepEqual(await rows(s, "select pg_table_is_visible('users'::regclass), current_schema(), current_schemas(true), current_schemas(false)"), ['t|public|{pg_catalog,public}|{public}']);
  assert.deepEqual(await rows(s, "select has_table_privilege('users', 'select'), has_schema_privilege('public', 'usage'), pg_get_userbyid(10)"), ['t|t|root']);
  await same("select pg_size_pretty(0::bigint), pg_size_pretty(10239::bigint), pg_size_pretty(10240::bigint), pg_size_pretty(123456789::bigint), pg_encoding_to_char(6)");
  await same("select quote_ident('users'), quote_ident('User Table'), quote_ident('select'), quote_literal('it''s'), quote_nullable(null)");
  await same("select 'users' ~ '^us', 'users' !~ 'x$', 'USERS' ~* 'us', 'abc' OPERATOR(pg_catalog.~) '^(abc)$' COLLATE pg_catalog.default");
  assert.equal((await sqlErrorOf(s, "select 'a' ~ '('")).code, '2201B');
  assert.deepEqual(await rows(s, "select set_config('application_name', 'tool', false), current_setting('application_name')"), ['tool|tool']);
});

test('LOCK TABLE in ACCESS SHARE MODE (pg_dump) is accepted in a transaction block', async () => {
  assert.equal((await sqlErrorOf(s, 'lock table users in access share mode')).code, '25P01');
  await run(s, 'begin');
  assert.deepEqual((await run(s, 'lock table public.users, posts in access share mode')).tags, ['LOCK TABLE']);
  assert.equal((await sqlErrorOf(s, 'lock table nosuch in access share mode')).code, '42P01');
  await run(s, 'rollback');
  await run(s, 'begin');
  assert.equal((await sqlErrorOf(s, 'lock table users in exclusive mode')).code, '0A000');
  await run(s, 'rollback');
});

test('system catalogs cannot be written', async () => {
  assert.equal((await sqlErrorOf(s, "insert into pg_class (relname) values ('x')")).code, '42501');
  assert.equal((await sqlErrorOf(s, 'delete from pg_catalog.pg_namespace')).code, '42501');
});
