// Acceptance 1 of issue 8: psql's describe commands against Tessera show what PostgreSQL
// (PGlite, PostgreSQL 18 in WASM, behind a socket) shows for the same schema. Outputs are
// compared after normalising what legitimately differs: column padding and the owner's
// name (root on Tessera, postgres there). Skips visibly when psql is not installed.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import { startNodeProcess, tempStoreDir, type NodeProcess } from '../integration/node-process.ts';
import { startPgliteServer, type PgliteServer } from './pglite-server.ts';

const exec = promisify(execFile);
const psqlPath = spawnSync('sh', ['-c', 'command -v psql'], { encoding: 'utf8' }).stdout.trim();
const skip = psqlPath === '' ? 'psql is not installed (apt-get install postgresql-client)' : false;
const store = tempStoreDir();
let tessera: NodeProcess | undefined;
let oracle: PgliteServer | undefined;

const schema = [
  "create type mood as enum ('sad', 'ok', 'happy')",
  'create table users (id serial primary key, name text not null, email varchar(100) unique, created timestamptz default now())',
  'create table tags (id bigint generated always as identity primary key, name text unique, feeling mood, labels text[])',
  'create table posts (id bigint primary key, user_id int not null, title text, body text)',
  'create index posts_user on posts (user_id)',
  'create unique index posts_title on posts (title desc)',
  'create view user_posts as select u.name, count(p.id) as n, max(p.title) as last_title from users u left join posts p on p.user_id = u.id group by u.name',
  "comment on table posts is 'what users write'",
  "comment on column users.email is 'where we write to'",
];

before(async () => {
  if (skip !== false) return;
  tessera = await startNodeProcess(store.path);
  const c = await tessera.client();
  for (const s of schema) await c.query(s);
  await c.end();
  oracle = await startPgliteServer();
  for (const s of schema) await oracle.db.exec(s);
});
after(async () => {
  await tessera?.kill();
  await oracle?.close();
  store.remove();
});

/** psql's output as trimmed cells per line: padding and separator lines dropped, owners named alike. */
function normalise(out: string): string[] {
  return out
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !/^[-+]+$/.test(l))
    .map((l) => l.split('|').map((c) => c.trim()).join(' | '))
    .map((l) => l.replace(/\b(root|postgres|pg_database_owner)\b/g, '<owner>'))
    // Sizes on disk (\dt+) depend on the storage engine, not on what the catalog says.
    .map((l) => l.replace(/\| \d+ (bytes|kB|MB) \|/g, '| <size> |'));
}

async function psql(url: string, command: string): Promise<string> {
  const { stdout } = await exec(psqlPath, [url, '-X', '-v', 'ON_ERROR_STOP=1', '-c', command], { encoding: 'utf8', timeout: 30_000 });
  return stdout;
}

async function compare(command: string): Promise<void> {
  const mine = normalise(await psql(tessera!.connectionString(), command));
  const theirs = normalise(await psql(oracle!.connectionString(), command));
  assert.deepEqual(mine, theirs, `${command}: Tessera's output differs from PostgreSQL's`);
}

for (const command of ['\\dt', '\\di', '\\dn', '\\ds', '\\dv', '\\df', '\\dT', '\\dt users', '\\di posts*', '\\d users', '\\d+ users', '\\d posts', '\\d tags', '\\d users_id_seq', '\\du', '\\d user_posts', '\\dv user*', '\\dt+ posts', '\\dd', '\\d+ posts']) {
  test(`psql ${command} shows what PostgreSQL shows`, { skip }, async () => compare(command));
}

test('psql \\l lists the databases', { skip }, async () => {
  // PGlite is PostgreSQL 18, whose pg_database psql 15 cannot list (daticulocale was renamed):
  // the listing is checked against what PostgreSQL 15 prints for its columns (the database
  // named postgres reads <owner> after normalising).
  const out = normalise(await psql(tessera!.connectionString(), '\\l'));
  assert.equal(out[1], 'Name | Owner | Encoding | Collate | Ctype | ICU Locale | Locale Provider | Access privileges');
  for (const db of ['defaultdb', '<owner>']) assert.ok(out.some((l) => l.startsWith(`${db} | <owner> | UTF8 | C | C |  | libc |`)), out.join('\n'));
});

test('psql \\d on a missing relation reports it like PostgreSQL', { skip }, async () => {
  const res = spawnSync(psqlPath, [tessera!.connectionString(), '-X', '-c', '\\d nosuch'], { encoding: 'utf8', timeout: 30_000 });
  assert.match(res.stderr, /Did not find any relation named "nosuch"/);
});
