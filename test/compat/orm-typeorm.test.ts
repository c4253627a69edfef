// Acceptance 3 of issue 8, for TypeORM: the realistic schema (users with a uuid key, posts
// with a serial key and an enum, comments, tags and a many-to-many join table, unique and
// foreign keys, jsonb, timestamps) as entity schemas, created by synchronize and (in a
// second database) by a migration run through DataSource.runMigrations; then CRUD with
// relations, transactions that commit and roll back, a unique violation as 23505, and
// introspection through the QueryRunner (getTable, hasColumn), against a started node.
import 'reflect-metadata';
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { DataSource, EntitySchema, QueryFailedError, type MigrationInterface, type QueryRunner } from 'typeorm';
import { startNodeProcess, tempStoreDir, type NodeProcess } from '../integration/node-process.ts';

interface UserRow { id?: string; email: string; createdAt?: Date; posts?: PostRow[] }
interface PostRow { id?: number; title: string; status?: 'draft' | 'published'; metadata?: unknown; author?: UserRow; tags?: TagRow[]; comments?: CommentRow[] }
interface CommentRow { id?: string; body: string; post?: PostRow; user?: UserRow }
interface TagRow { id?: number; name: string }

const User = new EntitySchema<UserRow>({
  name: 'User', tableName: 'users',
  columns: { id: { type: 'uuid', primary: true, generated: 'uuid' }, email: { type: 'varchar', length: 200, unique: true }, createdAt: { type: 'timestamptz', createDate: true } },
  relations: { posts: { type: 'one-to-many', target: 'Post', inverseSide: 'author' } },
});
const Post = new EntitySchema<PostRow>({
  name: 'Post', tableName: 'posts',
  columns: { id: { type: 'int', primary: true, generated: 'increment' }, title: { type: 'varchar' }, status: { type: 'enum', enum: ['draft', 'published'], enumName: 'post_status', default: 'draft' }, metadata: { type: 'jsonb', nullable: true } },
  relations: {
    author: { type: 'many-to-one', target: 'User', inverseSide: 'posts', onDelete: 'CASCADE', joinColumn: { name: 'author_id' }, nullable: false },
    tags: { type: 'many-to-many', target: 'Tag', joinTable: { name: 'post_tags' } },
    comments: { type: 'one-to-many', target: 'Comment', inverseSide: 'post' },
  },
  uniques: [{ name: 'posts_author_title', columns: ['author', 'title'] }],
});
const Comment = new EntitySchema<CommentRow>({
  name: 'Comment', tableName: 'comments',
  columns: { id: { type: 'bigint', primary: true, generated: 'increment' }, body: { type: 'text' } },
  relations: { post: { type: 'many-to-one', target: 'Post', inverseSide: 'comments', onDelete: 'CASCADE', joinColumn: { name: 'post_id' } }, user: { type: 'many-to-one', target: 'User', joinColumn: { name: 'user_id' } } },
});
const Tag = new EntitySchema<TagRow>({ name: 'Tag', tableName: 'tags', columns: { id: { type: 'int', primary: true, generated: 'increment' }, name: { type: 'varchar', unique: true } } });
const entities = [User, Post, Comment, Tag];

// The migrated database maps just users and posts.
const MUser = new EntitySchema<UserRow>({ name: 'User', tableName: 'users', columns: { id: { type: 'uuid', primary: true, generated: 'uuid' }, email: { type: 'varchar', length: 200, unique: true }, createdAt: { type: 'timestamptz', createDate: true } } });
const MPost = new EntitySchema<PostRow>({
  name: 'Post', tableName: 'posts',
  columns: { id: { type: 'int', primary: true, generated: 'increment' }, title: { type: 'varchar' }, status: { type: 'enum', enum: ['draft', 'published'], enumName: 'post_status', default: 'draft' }, metadata: { type: 'jsonb', nullable: true } },
  relations: { author: { type: 'many-to-one', target: 'User', onDelete: 'CASCADE', joinColumn: { name: 'author_id' }, nullable: false } },
});

/** The same schema as a hand-written migration, as `typeorm migration:create` users write them. */
class CreateSchema1700000000000 implements MigrationInterface {
  name = 'CreateSchema1700000000000';
  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TYPE "post_status" AS ENUM('draft', 'published')`);
    await q.query(`CREATE TABLE "users" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "email" character varying(200) NOT NULL, "createdAt" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "UQ_users_email" UNIQUE ("email"), CONSTRAINT "PK_users" PRIMARY KEY ("id"))`);
    await q.query(`CREATE TABLE "posts" ("id" SERIAL NOT NULL, "title" character varying NOT NULL, "status" "post_status" NOT NULL DEFAULT 'draft', "metadata" jsonb, "author_id" uuid NOT NULL, CONSTRAINT "posts_author_title" UNIQUE ("author_id", "title"), CONSTRAINT "PK_posts" PRIMARY KEY ("id"))`);
    await q.query(`ALTER TABLE "posts" ADD CONSTRAINT "FK_posts_author" FOREIGN KEY ("author_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE NO ACTION`);
  }
  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "posts"`);
    await q.query(`DROP TABLE "users"`);
    await q.query(`DROP TYPE "post_status"`);
  }
}

const store = tempStoreDir();
let node: NodeProcess | undefined;
let ds: DataSource | undefined;

before(async () => {
  node = await startNodeProcess(store.path);
  const c = await node.client();
  await c.query('CREATE DATABASE migrated');
  await c.end();
  ds = new DataSource({ type: 'postgres', url: node.connectionString(), entities, synchronize: true, logging: false });
  await ds.initialize();
});
after(async () => {
  await ds?.destroy().catch(() => undefined);
  await node?.kill();
  store.remove();
});

test('TypeORM: synchronize creates the schema, and a second synchronize finds nothing to change', async () => {
  const q = ds!.createQueryRunner();
  try {
    for (const t of ['users', 'posts', 'comments', 'tags', 'post_tags']) assert.equal(await q.hasTable(t), true, t);
    const pending = await ds!.driver.createSchemaBuilder().log();
    assert.deepEqual(pending.upQueries.map((u) => u.query), [], 'synchronize would change the schema it created');
  } finally {
    await q.release();
  }
});

test('TypeORM: CRUD with relations, transactions and a unique violation', async () => {
  const users = ds!.getRepository(User);
  const posts = ds!.getRepository(Post);
  const ann = await users.save({ email: 'ann@example.com' });
  const bob = await users.save({ email: 'bob@example.com' });
  assert.match(ann.id!, /^[0-9a-f-]{36}$/);
  const [sqlTag, news] = await ds!.getRepository(Tag).save([{ name: 'sql' }, { name: 'news' }]);
  const hello = await posts.save({ title: 'Hello', author: ann, metadata: { n: 1 }, tags: [sqlTag!, news!] });
  await posts.save([{ title: 'Second', status: 'published', author: ann }, { title: 'Hello', author: bob }]);
  await ds!.getRepository(Comment).save({ body: 'Nice', post: hello, user: bob });

  const loaded = await users.findOne({ where: { email: 'ann@example.com' }, relations: { posts: { tags: true, comments: true } }, order: { posts: { id: 'ASC', tags: { name: 'ASC' } } } });
  assert.deepEqual(loaded!.posts!.map((p) => p.title), ['Hello', 'Second']);
  assert.deepEqual(loaded!.posts![0]!.tags!.map((t) => t.name), ['news', 'sql']);
  assert.deepEqual(loaded!.posts![0]!.comments!.map((c) => c.body), ['Nice']);
  assert.deepEqual(loaded!.posts![0]!.metadata, { n: 1 });
  const byAuthor = await posts.createQueryBuilder('p').innerJoin('p.author', 'u').select('u.email', 'email').addSelect('count(*)::int', 'n').groupBy('u.email').orderBy('u.email').getRawMany();
  assert.deepEqual(byAuthor, [{ email: 'ann@example.com', n: 2 }, { email: 'bob@example.com', n: 1 }]);
  await posts.update({ id: hello.id! }, { status: 'published' });
  assert.equal((await posts.findOneByOrFail({ id: hello.id! })).status, 'published');

  await ds!.transaction(async (m) => {
    await m.getRepository(Tag).save({ name: 'kept' });
  });
  await assert.rejects(ds!.transaction(async (m) => {
    await m.getRepository(Tag).save({ name: 'discarded' });
    throw new Error('roll back');
  }), /roll back/);
  assert.deepEqual((await ds!.getRepository(Tag).find({ order: { id: 'ASC' } })).map((t) => t.name), ['sql', 'news', 'kept']);
  await assert.rejects(users.insert({ email: 'ann@example.com' }), (e: unknown) => e instanceof QueryFailedError && (e.driverError as { code?: string }).code === '23505');
  await users.delete({ id: ann.id! });
  assert.deepEqual((await posts.find()).map((p) => p.title), ['Hello']);
});

test('TypeORM: QueryRunner introspection (getTable, hasColumn, foreign keys, uniques)', async () => {
  const q = ds!.createQueryRunner();
  try {
    const table = await q.getTable('posts');
    assert.ok(table !== undefined);
    const cols = Object.fromEntries(table.columns.map((c) => [c.name, [c.type, c.isNullable, c.isPrimary, c.isGenerated]]));
    assert.deepEqual(cols, { id: ['integer', false, true, true], title: ['character varying', false, false, false], status: ['enum', false, false, false], metadata: ['jsonb', true, false, false], author_id: ['uuid', false, false, false] });
    assert.deepEqual(table.columns.find((c) => c.name === 'status')!.enum, ['draft', 'published']);
    assert.deepEqual(table.foreignKeys.map((f) => [f.columnNames, f.referencedTableName, f.referencedColumnNames, f.onDelete]), [[['author_id'], 'users', ['id'], 'CASCADE']]);
    assert.ok(table.uniques.some((u) => u.name === 'posts_author_title' && [...u.columnNames].sort().join() === 'author_id,title'), JSON.stringify(table.uniques));
    assert.equal(await q.hasColumn('posts', 'title'), true);
    assert.equal(await q.hasColumn('posts', 'nope'), false);
  } finally {
    await q.release();
  }
});

test('TypeORM: a migration run by DataSource.runMigrations, then reverted', async () => {
  const migrated = new DataSource({ type: 'postgres', url: node!.connectionString('migrated'), entities: [MUser, MPost], migrations: [CreateSchema1700000000000], logging: false });
  await migrated.initialize();
  try {
    const ran = await migrated.runMigrations();
    assert.deepEqual(ran.map((m) => m.name), ['CreateSchema1700000000000']);
    const q = migrated.createQueryRunner();
    assert.equal(await q.hasTable('posts'), true);
    await q.release();
    const ann = await migrated.getRepository(MUser).save({ email: 'ann@example.com' });
    const post = await migrated.getRepository(MPost).save({ title: 'From a migration', author: ann });
    assert.equal(post.status, 'draft');
    await migrated.undoLastMigration();
    const q2 = migrated.createQueryRunner();
    assert.equal(await q2.hasTable('posts'), false);
    await q2.release();
  } finally {
    await migrated.destroy();
  }
});
