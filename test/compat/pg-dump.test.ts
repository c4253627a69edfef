// Acceptance 2 of issue 8: `pg_dump --schema-only` and a full `pg_dump` of a Tessera
// database run without error, and the dump restores into a fresh Tessera (through psql,
// COPY and all) and into PostgreSQL (PGlite) with equal contents. PGlite runs in process
// and has no COPY FROM STDIN there, so its restore turns each COPY block into INSERTs; every
// other statement runs as pg_dump wrote it. Skips visibly when pg_dump or psql is missing.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { startNodeProcess, tempStoreDir, type NodeProcess } from '../integration/node-process.ts';

const exec = promisify(execFile);
const which = (tool: string): string => spawnSync('sh', ['-c', `command -v ${tool}`], { encoding: 'utf8' }).stdout.trim();
const pgDump = which('pg_dump');
const psql = which('psql');
const skip = pgDump === '' || psql === '' ? 'pg_dump or psql is not installed (apt-get install postgresql-client)' : false;

// A realistic schema: two schemas, an enum, serial, identity and uuid keys, jsonb, arrays,
// numeric, timestamptz, defaults, CHECK, UNIQUE, FOREIGN KEY, partial and DESC indexes,
// a free-standing sequence that has been used.
const schema = [
  "CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy')",
  'CREATE SCHEMA app',
  "CREATE TABLE users (id serial PRIMARY KEY, email text NOT NULL UNIQUE, mood mood DEFAULT 'ok', meta jsonb, tags text[], created timestamptz NOT NULL DEFAULT '2024-01-01 00:00:00+00', score numeric(8,2) CHECK (score >= 0))",
  'CREATE TABLE app.posts (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, user_id int REFERENCES users (id) ON DELETE CASCADE, title varchar(100) NOT NULL, body text, views int NOT NULL DEFAULT 0)',
  'CREATE TABLE app.tokens (token uuid PRIMARY KEY DEFAULT gen_random_uuid(), user_id int NOT NULL, issued date, UNIQUE (user_id, issued))',
  'CREATE INDEX posts_title ON app.posts (title DESC)',
  'CREATE UNIQUE INDEX users_scored_email ON users (email) WHERE score > 0',
  'CREATE SEQUENCE invoice_no START 1000',
  "SELECT nextval('invoice_no'), nextval('invoice_no')",
  "INSERT INTO users (email, meta, tags, score) VALUES ('ann@example.com', '{\"k\": [1, 2]}', '{a,\"b c\"}', 12.5), ('bob@example.com', NULL, NULL, 0), (E'tab\\there', '[]', '{}', 3), ('quote''s \"dq\" \\\\ ünïcödé', '{\"x\": null}', '{NULL,z}', NULL)",
  "INSERT INTO app.posts (user_id, title, body, views) VALUES (1, 'hello', E'multi\\nline\\r\\n', 10), (2, 'yo', NULL, 0), (1, 'tabs', E'a\\tb\\\\c', 3)",
  "INSERT INTO app.tokens (token, user_id, issued) VALUES ('a5f0c9e8-1b2c-4d3e-8f4a-5b6c7d8e9f00', 1, '2024-02-29'), ('00000000-0000-0000-0000-000000000001', 2, NULL)",
  // Views (named to sort before the tables they read: pg_dump orders them by pg_depend), one
  // over another, with a CTE, a join, aggregates and a subquery.
  "CREATE VIEW app.a_post_stats (author, posts, total_views) AS WITH p AS (SELECT * FROM app.posts WHERE views >= 0) SELECT u.email, count(*), sum(p.views) FROM users u JOIN p ON p.user_id = u.id GROUP BY u.email",
  "CREATE VIEW a_busy_authors AS SELECT author, total_views FROM app.a_post_stats WHERE total_views > (SELECT min(views) FROM app.posts) ORDER BY author",
  // Comments on a schema, a table, a column, an index and a view.
  "COMMENT ON SCHEMA app IS 'the application''s tables'",
  "COMMENT ON TABLE users IS 'people who sign in'",
  "COMMENT ON COLUMN app.posts.title IS 'shown in lists'",
  "COMMENT ON INDEX app.posts_title IS 'newest titles first'",
  "COMMENT ON VIEW a_busy_authors IS 'authors above the quietest post'",
];

// What is compared: every table's rows in key order, and every sequence's position.
const contentQueries = [
  'SELECT * FROM users ORDER BY id',
  'SELECT * FROM app.posts ORDER BY id',
  'SELECT * FROM app.tokens ORDER BY token',
  'SELECT last_value FROM users_id_seq',
  'SELECT last_value FROM app.posts_id_seq',
  'SELECT last_value, is_called FROM invoice_no',
  'SELECT * FROM app.a_post_stats ORDER BY author',
  'SELECT * FROM a_busy_authors',
  "SELECT obj_description('app'::regnamespace, 'pg_namespace'), obj_description('users'::regclass, 'pg_class'), col_description('app.posts'::regclass, 3), obj_description('app.posts_title'::regclass, 'pg_class'), obj_description('a_busy_authors'::regclass, 'pg_class')",
];

const storeA = tempStoreDir();
const storeB = tempStoreDir();
let source: NodeProcess | undefined;
let target: NodeProcess | undefined;

before(async () => {
  if (skip !== false) return;
  source = await startNodeProcess(storeA.path);
  const c = await source.client();
  for (const s of schema) await c.query(s);
  await c.end();
});
after(async () => {
  await source?.kill();
  await target?.kill();
  storeA.remove();
  storeB.remove();
});

async function dump(args: readonly string[]): Promise<string> {
  const { stdout } = await exec(pgDump, [...args, source!.connectionString()], { maxBuffer: 64 << 20, timeout: 60_000 });
  return stdout;
}

/** Each content query's rows as text (TimeZone UTC) through node-postgres. */
async function contents(connect: () => Promise<{ query(sql: string): Promise<{ rows: unknown[][] }>; end(): Promise<void> }>): Promise<string[][]> {
  const c = await connect();
  try {
    await c.query("SET TimeZone = 'UTC'");
    const out: string[][] = [];
    for (const q of contentQueries) out.push((await c.query(q)).rows.map((r) => JSON.stringify(r)));
    return out;
  } finally {
    await c.end();
  }
}

const textRows = (connectionString: string) => async () => {
  const c = new pg.Client({ connectionString, types: { getTypeParser: () => (v: string) => v } });
  await c.connect();
  return { query: async (sql: string) => ({ rows: (await c.query({ text: sql, rowMode: 'array' })).rows as unknown[][] }), end: () => c.end() };
};

/** COPY text format's escapes, undone. */
function copyField(f: string): string | null {
  if (f === '\\N') return null;
  return f.replace(/\\(.)/g, (_m, c: string) => ({ n: '\n', t: '\t', r: '\r', b: '\b', f: '\f', v: '\v' })[c] ?? c);
}

/** A dump as PGlite's exec can run it: psql meta-commands dropped, COPY blocks as INSERTs. */
function forPglite(script: string): string {
  const out: string[] = [];
  const lines = script.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const copy = /^COPY (\S+) \(([^)]*)\) FROM stdin;$/.exec(line);
    if (copy === null) {
      if (!line.startsWith('\\')) out.push(line);
      continue;
    }
    for (i++; lines[i] !== '\\.'; i++) {
      const values = lines[i]!.split('\t').map(copyField).map((v) => (v === null ? 'NULL' : `'${v.replaceAll("'", "''")}'`));
      out.push(`INSERT INTO ${copy[1]} (${copy[2]}) OVERRIDING SYSTEM VALUE VALUES (${values.join(', ')});`);
    }
  }
  return out.join('\n');
}

test('pg_dump --schema-only of a Tessera database runs and writes the schema', { skip }, async () => {
  const text = await dump(['--schema-only']);
  for (const want of ['CREATE TYPE public.mood AS ENUM', 'CREATE TABLE public.users', 'CREATE TABLE app.posts', 'ADD GENERATED ALWAYS AS IDENTITY', 'CREATE SEQUENCE public.invoice_no',
    'ALTER TABLE ONLY public.users ALTER COLUMN id SET DEFAULT nextval(\'public.users_id_seq\'::regclass)', 'CONSTRAINT users_score_check CHECK',
    'FOREIGN KEY (user_id) REFERENCES public.users(id) ON DELETE CASCADE', 'CREATE INDEX posts_title ON app.posts USING btree (title DESC)',
    'CREATE UNIQUE INDEX users_scored_email ON public.users USING btree (email) WHERE (score > 0)', "mood public.mood DEFAULT 'ok'::public.mood",
    'CREATE VIEW app.a_post_stats AS', 'CREATE VIEW public.a_busy_authors AS', 'FROM app.a_post_stats',
    "COMMENT ON SCHEMA app IS 'the application''s tables';", "COMMENT ON TABLE public.users IS 'people who sign in';",
    "COMMENT ON COLUMN app.posts.title IS 'shown in lists';", "COMMENT ON INDEX app.posts_title IS 'newest titles first';",
    "COMMENT ON VIEW public.a_busy_authors IS 'authors above the quietest post';"]) {
    assert.ok(text.includes(want), `the schema dump lacks ${want}`);
  }
  assert.ok(!text.includes('COPY '), 'a schema-only dump has no data');
});

test('a full pg_dump restores into a fresh Tessera and into PostgreSQL (PGlite) with equal contents', { skip }, async () => {
  const text = await dump([]);
  assert.match(text, /COPY public\.users \(id, email, mood, meta, tags, created, score\) FROM stdin;/);
  const expected = await contents(textRows(source!.connectionString()));
  assert.equal(expected[0]!.length, 4);

  // Into a fresh Tessera, through psql exactly as an operator would restore it.
  target = await startNodeProcess(storeB.path);
  const restore = spawnSync(psql, ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', target.connectionString()], { input: text, encoding: 'utf8', timeout: 60_000 });
  assert.equal(restore.status, 0, `psql restore into Tessera failed: ${restore.stderr}`);
  assert.deepEqual(await contents(textRows(target.connectionString())), expected);
  // The restored database works on: new rows take the next serial and identity values.
  const c = await target.client();
  const next = await c.query("INSERT INTO users (email) VALUES ('new@example.com') RETURNING id");
  assert.ok(Number(next.rows[0].id) > 4);
  await assert.rejects(c.query("INSERT INTO users (email) VALUES ('ann@example.com')"), (e: { code?: string }) => e.code === '23505');
  await c.end();

  // Into PostgreSQL: the same script (COPY as INSERT) on PGlite, after creating the owner role.
  const db = await PGlite.create();
  try {
    await db.exec('CREATE ROLE root SUPERUSER');
    await db.exec(forPglite(text));
    await db.exec('SET search_path = public'); // the dump emptied it for its own statements
    const viaPglite = await contents(async () => ({
      query: async (sql: string) => ({ rows: (await db.query<unknown[]>(sql, [], { rowMode: 'array', parsers: Object.fromEntries(Array.from({ length: 4000 }, (_v, i) => [i, (s: string) => s])) })).rows }),
      end: async () => undefined,
    }));
    assert.deepEqual(viaPglite, expected);
  } finally {
    await db.close();
  }
});
