// Acceptance 3 of issue 8, for Kysely: the realistic schema (users with a uuid key, posts
// with a serial key and a native enum, comments, tags and a many-to-many join table,
// unique and foreign keys, jsonb, timestamps) created by Kysely's Migrator, introspected
// with db.introspection, then CRUD with relations, transactions that commit and roll back,
// and a unique violation as 23505, against a started Tessera node.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Kysely, PostgresDialect, sql } from 'kysely';
import { Migrator, type Migration } from 'kysely/migration';
import pg from 'pg';
import { startNodeProcess, tempStoreDir, type NodeProcess } from '../integration/node-process.ts';

const store = tempStoreDir();
let node: NodeProcess | undefined;
// The tables are untyped here (Kysely<any>): the test is about the database, not the typings.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
let db: Kysely<any> | undefined;

const migrations: Record<string, Migration> = {
  '001_users_posts': {
    up: async (d) => {
      await d.schema.createType('post_status').asEnum(['draft', 'published']).execute();
      await d.schema.createTable('users')
        .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
        .addColumn('email', 'varchar(200)', (c) => c.notNull().unique())
        .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
        .execute();
      await d.schema.createTable('posts')
        .addColumn('id', 'serial', (c) => c.primaryKey())
        .addColumn('author_id', 'uuid', (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('status', sql`post_status`, (c) => c.notNull().defaultTo('draft'))
        .addColumn('metadata', 'jsonb')
        .addColumn('title', 'text', (c) => c.notNull())
        .addUniqueConstraint('posts_author_title', ['author_id', 'title'])
        .execute();
      await d.schema.createIndex('posts_title_idx').on('posts').column('title').execute();
    },
    down: async (d) => {
      await d.schema.dropTable('posts').execute();
      await d.schema.dropTable('users').execute();
      await d.schema.dropType('post_status').execute();
    },
  },
  '002_comments_tags': {
    up: async (d) => {
      await d.schema.createTable('comments')
        .addColumn('id', 'bigint', (c) => c.primaryKey().generatedAlwaysAsIdentity())
        .addColumn('post_id', 'integer', (c) => c.notNull().references('posts.id').onDelete('cascade'))
        .addColumn('user_id', 'uuid', (c) => c.notNull().references('users.id'))
        .addColumn('body', 'text', (c) => c.notNull())
        .execute();
      await d.schema.createTable('tags').addColumn('id', 'serial', (c) => c.primaryKey()).addColumn('name', 'text', (c) => c.notNull().unique()).execute();
      await d.schema.createTable('post_tags')
        .addColumn('post_id', 'integer', (c) => c.notNull().references('posts.id').onDelete('cascade'))
        .addColumn('tag_id', 'integer', (c) => c.notNull().references('tags.id'))
        .addPrimaryKeyConstraint('post_tags_pkey', ['post_id', 'tag_id'])
        .execute();
    },
    down: async (d) => {
      await d.schema.dropTable('post_tags').execute();
      await d.schema.dropTable('tags').execute();
      await d.schema.dropTable('comments').execute();
    },
  },
};

before(async () => {
  node = await startNodeProcess(store.path);
  db = new Kysely({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: node.connectionString(), max: 4 }) }) });
});
after(async () => {
  await db?.destroy();
  await node?.kill();
  store.remove();
});

test('Kysely: the Migrator applies, reverts and re-applies the migrations', async () => {
  const migrator = new Migrator({ db: db!, provider: { getMigrations: async () => migrations } });
  const first = await migrator.migrateToLatest();
  assert.equal(first.error, undefined);
  assert.deepEqual(first.results?.map((r) => [r.migrationName, r.status]), [['001_users_posts', 'Success'], ['002_comments_tags', 'Success']]);
  const down = await migrator.migrateDown();
  assert.deepEqual(down.results?.map((r) => [r.migrationName, r.direction, r.status]), [['002_comments_tags', 'Down', 'Success']]);
  const again = await migrator.migrateToLatest();
  assert.deepEqual(again.results?.map((r) => r.migrationName), ['002_comments_tags']);
});

test('Kysely: introspection sees the tables, their columns, types, defaults and identity', async () => {
  const tables = await db!.introspection.getTables();
  const byName = new Map(tables.map((t) => [t.name, t]));
  assert.deepEqual([...byName.keys()].sort(), ['comments', 'post_tags', 'posts', 'tags', 'users']);
  const cols = (t: string): Record<string, [string, boolean, boolean, boolean]> =>
    Object.fromEntries(byName.get(t)!.columns.map((c) => [c.name, [c.dataType, c.isNullable, c.hasDefaultValue, c.isAutoIncrementing]]));
  assert.deepEqual(cols('posts'), {
    id: ['int4', false, true, true], author_id: ['uuid', false, false, false], status: ['post_status', false, true, false],
    metadata: ['jsonb', true, false, false], title: ['text', false, false, false],
  });
  assert.deepEqual(cols('users'), { id: ['uuid', false, true, false], email: ['varchar', false, false, false], created_at: ['timestamptz', false, true, false] });
  // An identity column has no pg_attrdef default (atthasdef false), as in PostgreSQL.
  assert.deepEqual(cols('comments')['id'], ['int8', false, false, true]);
  assert.ok((await db!.introspection.getSchemas()).some((s) => s.name === 'public'));
});

test('Kysely: CRUD with relations, transactions and a unique violation', async () => {
  const d = db!;
  const ann = await d.insertInto('users').values({ email: 'ann@example.com' }).returningAll().executeTakeFirstOrThrow();
  const bob = await d.insertInto('users').values({ email: 'bob@example.com' }).returning('id').executeTakeFirstOrThrow();
  const post = await d.insertInto('posts').values({ author_id: ann.id, title: 'Hello', metadata: JSON.stringify({ n: 1 }) }).returning(['id', 'status', 'metadata']).executeTakeFirstOrThrow();
  assert.equal(post.status, 'draft');
  assert.deepEqual(post.metadata, { n: 1 });
  await d.insertInto('posts').values([{ author_id: ann.id, title: 'Second', status: 'published' }, { author_id: bob.id, title: 'Hello' }]).execute();
  const tags = await d.insertInto('tags').values([{ name: 'sql' }, { name: 'news' }]).returning('id').execute();
  await d.insertInto('post_tags').values(tags.map((t) => ({ post_id: post.id, tag_id: t.id }))).execute();
  const comment = await d.insertInto('comments').values({ post_id: post.id, user_id: bob.id, body: 'Nice' }).returning('id').executeTakeFirstOrThrow();
  assert.equal(typeof comment.id, 'string'); // bigint comes back as text from node-postgres

  const counts = await d.selectFrom('posts').innerJoin('users', 'users.id', 'posts.author_id').select(['users.email', (e) => e.fn.countAll<string>().as('n')]).groupBy('users.email').orderBy('users.email').execute();
  assert.deepEqual(counts, [{ email: 'ann@example.com', n: '2' }, { email: 'bob@example.com', n: '1' }]);
  const names = await d.selectFrom('tags').innerJoin('post_tags', 'post_tags.tag_id', 'tags.id').where('post_tags.post_id', '=', post.id).select('tags.name').orderBy('tags.name').execute();
  assert.deepEqual(names.map((r) => r.name), ['news', 'sql']);
  const nested = await d.selectFrom('posts').select((eb) => ['title', sql<string[]>`(SELECT array_agg(c.body ORDER BY c.id) FROM comments c WHERE c.post_id = ${eb.ref('posts.id')})`.as('bodies')]).where('author_id', '=', ann.id).orderBy('id').execute();
  assert.deepEqual(nested, [{ title: 'Hello', bodies: ['Nice'] }, { title: 'Second', bodies: null }]);
  await d.updateTable('posts').set({ status: 'published' }).where('id', '=', post.id).execute();
  assert.equal((await d.selectFrom('posts').select('status').where('id', '=', post.id).executeTakeFirstOrThrow()).status, 'published');

  await d.transaction().execute(async (trx) => {
    await trx.insertInto('tags').values({ name: 'kept' }).execute();
  });
  await assert.rejects(d.transaction().execute(async (trx) => {
    await trx.insertInto('tags').values({ name: 'discarded' }).execute();
    throw new Error('roll back');
  }), /roll back/);
  assert.deepEqual((await d.selectFrom('tags').select('name').where('name', 'in', ['kept', 'discarded']).execute()).map((r) => r.name), ['kept']);
  await assert.rejects(d.insertInto('users').values({ email: 'ann@example.com' }).execute(), (e: { code?: string }) => e.code === '23505');
  await d.deleteFrom('users').where('id', '=', ann.id).execute();
  assert.deepEqual((await d.selectFrom('posts').select('title').execute()).map((r) => r.title), ['Hello']);
});
