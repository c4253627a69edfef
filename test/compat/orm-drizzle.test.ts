// Acceptance 3 of issue 8, for Drizzle: the realistic schema (test/compat/fixtures/
// drizzle-schema.ts: users with a uuid key, posts with a serial key and a native enum,
// comments with an identity key, tags and a many-to-many join table with a named composite
// primary key, unique and foreign keys, an index, jsonb, timestamps) created by the
// drizzle-kit CLI's `push`, which introspects the database (pg_index's indkey unnested,
// pg_opclass, information_schema's identity columns, pg_constraint...) and diffs it against
// the schema. A second push must find nothing to do, and a schema with one more column must
// be one ALTER TABLE. Then drizzle-orm's query builder and relational queries, transactions
// that commit and roll back, and unique violations as 23505, against a started Tessera node.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify, stripVTControlCharacters } from 'node:util';
import { and, asc, count, eq, sql } from 'drizzle-orm';
import { drizzle, type NodePgDatabase } from 'drizzle-orm/node-postgres';
import pg from 'pg';
import { startNodeProcess, tempStoreDir, type NodeProcess } from '../integration/node-process.ts';
import * as schema from './fixtures/drizzle-schema.ts';

const { comments, posts, postTags, tags, users } = schema;
const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const schemaFile = join('test', 'compat', 'fixtures', 'drizzle-schema.ts');

/** Runs `drizzle-kit push` against the node; returns what it printed. */
async function push(url: string, env: Record<string, string> = {}): Promise<string> {
  const args = [join(root, 'node_modules', 'drizzle-kit', 'bin.cjs'), 'push', '--dialect', 'postgresql', '--schema', schemaFile, '--url', url, '--verbose', '--force'];
  const { stdout, stderr } = await promisify(execFile)(process.execPath, args, { cwd: root, env: { ...process.env, ...env }, timeout: 120_000 });
  // The spinner's escape codes aside, stdout is the statements and the verdict.
  return stripVTControlCharacters(`${stdout}${stderr}`);
}

/** The SQL statements a push printed (between its warning line and its verdict). */
function statements(out: string): string[] {
  return out.split(/;\s*\n/).map((s) => s.slice(s.search(/(CREATE|ALTER|DROP) /)).trim()).filter((s) => /^(CREATE|ALTER|DROP) /.test(s));
}

const store = tempStoreDir();
let node: NodeProcess | undefined;
let pool: pg.Pool | undefined;
let db: NodePgDatabase<typeof schema> | undefined;

before(async () => {
  node = await startNodeProcess(store.path);
  pool = new pg.Pool({ connectionString: node.connectionString(), max: 4 });
  db = drizzle(pool, { schema });
});
after(async () => {
  await pool?.end();
  await node?.kill();
  store.remove();
});

test('Drizzle: drizzle-kit push creates the schema, a second push finds nothing to do, a new column is one ALTER', async () => {
  const url = node!.connectionString();
  const first = await push(url);
  assert.match(first, /Changes applied/, first);
  const created = statements(first);
  assert.ok(created.some((s) => s.startsWith('CREATE TYPE "public"."post_status"')), first);
  assert.equal(created.filter((s) => s.startsWith('CREATE TABLE')).length, 5, first);
  assert.ok(created.some((s) => s.startsWith('CREATE INDEX "posts_title_idx"')), first);

  // A difference between what was just created and what introspection reads back would be
  // a statement here.
  const again = await push(url);
  assert.match(again, /No changes detected/, again);
  assert.deepEqual(statements(again), []);

  const withBio = await push(url, { TESSERA_DRIZZLE_BIO: '1' });
  assert.deepEqual(statements(withBio), ['ALTER TABLE "users" ADD COLUMN "bio" text']);
  assert.match(withBio, /Changes applied/);
  const columns = await pool!.query<{ column_name: string }>("SELECT column_name FROM information_schema.columns WHERE table_name = 'users' ORDER BY ordinal_position");
  assert.deepEqual(columns.rows.map((r) => r.column_name), ['id', 'email', 'profile', 'created_at', 'bio']);
  const pk = await pool!.query<{ conname: string }>("SELECT conname FROM pg_constraint WHERE conrelid = 'post_tags'::regclass AND contype = 'p'");
  assert.deepEqual(pk.rows, [{ conname: 'post_tags_post_id_tag_id_pk' }]);
});

test('Drizzle: CRUD with relations, relational queries, transactions and a unique violation', async () => {
  const d = db!;
  const [ann] = await d.insert(users).values({ email: 'ann@example.com', profile: { theme: 'dark' } }).returning();
  const [bob] = await d.insert(users).values({ email: 'bob@example.com' }).returning({ id: users.id });
  assert.match(ann!.id, /^[0-9a-f-]{36}$/);
  assert.ok(ann!.createdAt instanceof Date);
  assert.deepEqual(ann!.profile, { theme: 'dark' });

  const [hello] = await d.insert(posts).values({ authorId: ann!.id, title: 'Hello', metadata: { n: 1 } }).returning();
  assert.equal(hello!.status, 'draft');
  await d.insert(posts).values([{ authorId: ann!.id, title: 'Second', status: 'published', publishedAt: new Date('2024-03-01T10:00:00Z') }, { authorId: bob!.id, title: 'Hello' }]);
  const tagRows = await d.insert(tags).values([{ name: 'sql' }, { name: 'news' }]).returning({ id: tags.id });
  await d.insert(postTags).values(tagRows.map((t) => ({ postId: hello!.id, tagId: t.id })));
  await d.insert(comments).values([{ postId: hello!.id, userId: bob!.id, body: 'Nice' }, { postId: hello!.id, userId: ann!.id, body: 'Thanks' }]);

  const perAuthor = await d.select({ email: users.email, n: count() }).from(posts).innerJoin(users, eq(users.id, posts.authorId)).groupBy(users.email).orderBy(asc(users.email));
  assert.deepEqual(perAuthor, [{ email: 'ann@example.com', n: 2 }, { email: 'bob@example.com', n: 1 }]);
  const tagged = await d.select({ name: tags.name }).from(tags).innerJoin(postTags, eq(postTags.tagId, tags.id)).where(eq(postTags.postId, hello!.id)).orderBy(tags.name);
  assert.deepEqual(tagged.map((t) => t.name), ['news', 'sql']);

  // Relational queries: drizzle builds them from lateral subqueries and json_build_array.
  const annWithPosts = await d.query.users.findFirst({
    where: eq(users.email, 'ann@example.com'),
    columns: { email: true },
    with: { posts: { columns: { title: true, status: true }, orderBy: [asc(posts.id)], with: { comments: { columns: { body: true }, orderBy: [asc(comments.id)] }, postTags: { columns: {}, with: { tag: { columns: { name: true } } } } } } },
  });
  assert.deepEqual(annWithPosts, {
    email: 'ann@example.com',
    posts: [
      { title: 'Hello', status: 'draft', comments: [{ body: 'Nice' }, { body: 'Thanks' }], postTags: [{ tag: { name: 'sql' } }, { tag: { name: 'news' } }] },
      { title: 'Second', status: 'published', comments: [], postTags: [] },
    ],
  });
  const published = await d.query.posts.findMany({ where: eq(posts.status, 'published'), with: { author: { columns: { email: true } } } });
  assert.equal(published.length, 1);
  assert.equal(published[0]!.author.email, 'ann@example.com');
  assert.equal(published[0]!.publishedAt?.toISOString(), '2024-03-01T10:00:00.000Z');

  const [updated] = await d.update(posts).set({ status: 'published', metadata: sql`${posts.metadata} || '{"edited": true}'::jsonb` }).where(eq(posts.id, hello!.id)).returning({ status: posts.status, metadata: posts.metadata });
  assert.deepEqual(updated, { status: 'published', metadata: { n: 1, edited: true } });

  await d.transaction(async (tx) => {
    await tx.insert(tags).values({ name: 'kept' });
  });
  await assert.rejects(d.transaction(async (tx) => {
    await tx.insert(tags).values({ name: 'discarded' });
    tx.rollback();
  }), /Rollback/i);
  const kept = await d.select({ name: tags.name }).from(tags).where(sql`${tags.name} in ('kept', 'discarded')`);
  assert.deepEqual(kept, [{ name: 'kept' }]);

  // drizzle-orm wraps the driver's error; the SQLSTATE is on its cause.
  await assert.rejects(d.insert(users).values({ email: 'ann@example.com' }), (e: { code?: string; cause?: { code?: string } }) => (e.cause?.code ?? e.code) === '23505');
  await assert.rejects(d.insert(posts).values({ authorId: ann!.id, title: 'Hello' }), (e: { code?: string; cause?: { code?: string } }) => (e.cause?.code ?? e.code) === '23505');

  await d.delete(comments).where(and(eq(comments.postId, hello!.id), eq(comments.userId, bob!.id)));
  await d.delete(users).where(eq(users.id, ann!.id));
  assert.deepEqual(await d.select({ title: posts.title }).from(posts), [{ title: 'Hello' }]);
  assert.deepEqual(await d.select({ n: count() }).from(comments), [{ n: 0 }]);
});
