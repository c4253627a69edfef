// Acceptance 3 of issue 8, for Knex: the realistic schema (users with a uuid key, posts
// with a serial key and a native enum, comments, tags and a many-to-many join table,
// unique and foreign keys, jsonb, timestamps) created by Knex's migrator, then CRUD with
// relations, transactions that commit and roll back, a unique violation as 23505, and
// introspection (columnInfo, hasTable, hasColumn), all against a started Tessera node.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import knexFactory, { type Knex } from 'knex';
import { startNodeProcess, tempStoreDir, type NodeProcess } from '../integration/node-process.ts';

const store = tempStoreDir();
let node: NodeProcess | undefined;
let knex: Knex | undefined;

// Migrations as Knex runs them from files, given in memory (a migration source).
const migrations: Record<string, { up(k: Knex): Promise<void>; down(k: Knex): Promise<void> }> = {
  '001_users_posts': {
    up: async (k) => {
      await k.schema.createTable('users', (t) => {
        t.uuid('id').primary().defaultTo(k.raw('gen_random_uuid()'));
        t.string('email', 200).notNullable().unique();
        t.string('name');
        t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(k.fn.now());
      });
      await k.schema.createTable('posts', (t) => {
        t.increments('id');
        t.uuid('author_id').notNullable().references('users.id').onDelete('CASCADE');
        t.enu('status', ['draft', 'published'], { useNative: true, enumName: 'post_status' }).notNullable().defaultTo('draft');
        t.jsonb('metadata');
        t.string('title').notNullable();
        t.unique(['author_id', 'title']);
      });
    },
    down: async (k) => {
      await k.schema.dropTable('posts');
      await k.schema.dropTable('users');
      await k.raw('DROP TYPE post_status');
    },
  },
  '002_comments_tags': {
    up: async (k) => {
      await k.schema.createTable('comments', (t) => {
        t.bigIncrements('id');
        t.integer('post_id').notNullable().references('posts.id').onDelete('CASCADE');
        t.uuid('user_id').notNullable().references('users.id');
        t.text('body').notNullable();
      });
      await k.schema.createTable('tags', (t) => {
        t.increments('id');
        t.string('name').notNullable().unique();
      });
      await k.schema.createTable('post_tags', (t) => {
        t.integer('post_id').notNullable().references('posts.id').onDelete('CASCADE');
        t.integer('tag_id').notNullable().references('tags.id');
        t.primary(['post_id', 'tag_id']);
      });
    },
    down: async (k) => {
      await k.schema.dropTable('post_tags');
      await k.schema.dropTable('tags');
      await k.schema.dropTable('comments');
    },
  },
};

const migrationSource: Knex.MigrationSource<string> = {
  getMigrations: async () => Object.keys(migrations),
  getMigrationName: (name) => name,
  getMigration: async (name) => migrations[name]!,
};

before(async () => {
  node = await startNodeProcess(store.path);
  knex = knexFactory({ client: 'pg', connection: node.connectionString(), pool: { min: 0, max: 4 } });
});
after(async () => {
  await knex?.destroy();
  await node?.kill();
  store.remove();
});

test('Knex: migrations create the schema, and roll back and forward', async () => {
  const k = knex!;
  const [batch, applied] = await k.migrate.latest({ migrationSource });
  assert.equal(batch, 1);
  assert.deepEqual(applied, ['001_users_posts', '002_comments_tags']);
  for (const t of ['users', 'posts', 'comments', 'tags', 'post_tags']) assert.equal(await k.schema.hasTable(t), true, t);
  await k.migrate.rollback({ migrationSource });
  assert.equal(await k.schema.hasTable('tags'), false);
  assert.equal(await k.schema.hasTable('users'), false);
  const [again] = await k.migrate.latest({ migrationSource });
  assert.equal(again, 1);
  assert.deepEqual((await k('knex_migrations').select('name').orderBy('id')).map((r: { name: string }) => r.name), ['001_users_posts', '002_comments_tags']);
});

test('Knex: CRUD with relations, returning, joins and eager-style loading', async () => {
  const k = knex!;
  const [ann] = await k('users').insert({ email: 'ann@example.com', name: 'Ann' }).returning('*');
  const [bob] = await k('users').insert({ email: 'bob@example.com' }).returning(['id', 'email', 'created_at']);
  assert.match(ann.id, /^[0-9a-f-]{36}$/);
  assert.ok(bob.created_at instanceof Date);
  const [post] = await k('posts').insert({ author_id: ann.id, title: 'Hello', metadata: { tags: ['a'], n: 1 } }).returning(['id', 'status', 'metadata']);
  assert.equal(post.status, 'draft');
  assert.deepEqual(post.metadata, { tags: ['a'], n: 1 });
  await k('posts').insert([{ author_id: ann.id, title: 'Second', status: 'published' }, { author_id: bob.id, title: 'Hello' }]);
  const [sql, news] = await k('tags').insert([{ name: 'sql' }, { name: 'news' }]).returning('id');
  await k('post_tags').insert([{ post_id: post.id, tag_id: sql.id }, { post_id: post.id, tag_id: news.id }]);
  await k('comments').insert({ post_id: post.id, user_id: bob.id, body: 'Nice' });

  const byAuthor = await k('posts').join('users', 'users.id', 'posts.author_id').select('users.email', k.raw('count(*)::int AS n')).groupBy('users.email').orderBy('users.email');
  assert.deepEqual(byAuthor, [{ email: 'ann@example.com', n: 2 }, { email: 'bob@example.com', n: 1 }]);
  const tagged = await k('tags').join('post_tags', 'post_tags.tag_id', 'tags.id').where('post_tags.post_id', post.id).orderBy('tags.name').pluck('tags.name');
  assert.deepEqual(tagged, ['news', 'sql']);
  const withComments = await k('posts').leftJoin('comments', 'comments.post_id', 'posts.id').where('posts.author_id', ann.id).select('posts.title', 'comments.body').orderBy('posts.id');
  assert.deepEqual(withComments, [{ title: 'Hello', body: 'Nice' }, { title: 'Second', body: null }]);
  assert.deepEqual(await k('posts').whereRaw("metadata->>'n' = ?", ['1']).pluck('title'), ['Hello']);

  const updated = await k('posts').where({ id: post.id }).update({ status: 'published', metadata: k.raw("metadata || '{\"edited\": true}'") }).returning(['status', 'metadata']);
  assert.deepEqual(updated, [{ status: 'published', metadata: { tags: ['a'], n: 1, edited: true } }]);
  // Bob's comment still references him (no cascade on comments.user_id): PostgreSQL's 23503.
  await assert.rejects(k('users').where({ id: bob.id }).del(), (e: { code?: string }) => e.code === '23503');
  await k('comments').where({ user_id: bob.id }).del();
  assert.equal(await k('users').where({ id: bob.id }).del(), 1);
  assert.deepEqual(await k('posts').where({ title: 'Hello' }).pluck('author_id'), [ann.id]);
  const page = await k('posts').select('title').orderBy('id').limit(1).offset(1);
  assert.deepEqual(page, [{ title: 'Second' }]);
});

test('Knex: transactions commit and roll back; a unique violation is 23505', async () => {
  const k = knex!;
  await k.transaction(async (trx) => {
    await trx('tags').insert({ name: 'kept' });
  });
  await assert.rejects(k.transaction(async (trx) => {
    await trx('tags').insert({ name: 'discarded' });
    throw new Error('roll back');
  }), /roll back/);
  assert.deepEqual(await k('tags').whereIn('name', ['kept', 'discarded']).pluck('name'), ['kept']);
  await assert.rejects(k('users').insert({ email: 'ann@example.com' }), (e: { code?: string; constraint?: string }) => e.code === '23505');
  await assert.rejects(k('comments').insert({ post_id: 999_999, user_id: '00000000-0000-0000-0000-000000000000', body: 'x' }), (e: { code?: string }) => e.code === '23503');
});

test('Knex: introspection with columnInfo, hasTable and hasColumn', async () => {
  const k = knex!;
  const users = await k('users').columnInfo();
  assert.deepEqual(users['id'], { type: 'uuid', maxLength: null, nullable: false, defaultValue: 'gen_random_uuid()' });
  assert.deepEqual(users['email'], { type: 'character varying', maxLength: 200, nullable: false, defaultValue: null });
  assert.equal(users['created_at']!.type, 'timestamp with time zone');
  const posts = await k('posts').columnInfo();
  assert.equal(posts['status']!.type, 'USER-DEFINED');
  assert.equal(posts['metadata']!.type, 'jsonb');
  assert.match(String(posts['id']!.defaultValue), /^nextval\('posts_id_seq'::regclass\)$/);
  assert.equal(await k.schema.hasColumn('posts', 'title'), true);
  assert.equal(await k.schema.hasColumn('posts', 'nope'), false);
  assert.equal(await k.schema.hasTable('nope'), false);
});
