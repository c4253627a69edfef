// Acceptance 3 of issue 8, for Prisma 7: Prisma Client through @prisma/adapter-pg (no
// native query engine) over the realistic schema (users with a uuid key, posts with a
// serial key and an enum, comments, tags and a many-to-many join model, unique and foreign
// keys, jsonb, timestamps), against a started Tessera node.
//
// What runs offline and what does not: the Prisma CLI's migrate and db commands need the
// native schema engine, which it downloads (not possible on these machines). So the schema
// is applied as the migration.sql `prisma migrate diff --from-empty` writes for it (below,
// kept by hand), and introspection is done with $queryRaw on information_schema instead of
// `prisma db pull`. `prisma generate` itself needs no engine: the test generates the client
// into a temporary directory, pointing PRISMA_SCHEMA_ENGINE_BINARY at a stub so that the CLI
// does not try to download the engine it does not use.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { PrismaPg } from '@prisma/adapter-pg';
import { startNodeProcess, tempStoreDir, type NodeProcess } from '../integration/node-process.ts';

const schemaPrisma = `
generator client {
  provider = "prisma-client"
  output   = "./generated"
}
datasource db {
  provider = "postgresql"
}
enum PostStatus {
  draft
  published
  @@map("post_status")
}
model User {
  id        String    @id @default(uuid()) @db.Uuid
  email     String    @unique
  createdAt DateTime  @default(now()) @map("created_at") @db.Timestamptz(6)
  posts     Post[]
  comments  Comment[]
  @@map("users")
}
model Post {
  id       Int        @id @default(autoincrement())
  authorId String     @map("author_id") @db.Uuid
  status   PostStatus @default(draft)
  metadata Json?
  title    String
  author   User       @relation(fields: [authorId], references: [id], onDelete: Cascade)
  comments Comment[]
  tags     PostTag[]
  @@unique([authorId, title])
  @@map("posts")
}
model Comment {
  id     BigInt @id @default(autoincrement())
  postId Int    @map("post_id")
  userId String @map("user_id") @db.Uuid
  body   String
  post   Post   @relation(fields: [postId], references: [id], onDelete: Cascade)
  user   User   @relation(fields: [userId], references: [id])
  @@map("comments")
}
model Tag {
  id    Int       @id @default(autoincrement())
  name  String    @unique
  posts PostTag[]
  @@map("tags")
}
model PostTag {
  postId Int  @map("post_id")
  tagId  Int  @map("tag_id")
  post   Post @relation(fields: [postId], references: [id], onDelete: Cascade)
  tag    Tag  @relation(fields: [tagId], references: [id])
  @@id([postId, tagId])
  @@map("post_tags")
}
`;

// The migration.sql Prisma's migrate writes for the schema above.
const migrationSql = [
  `CREATE TYPE "post_status" AS ENUM ('draft', 'published')`,
  `CREATE TABLE "users" ("id" UUID NOT NULL, "email" TEXT NOT NULL, "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP, CONSTRAINT "users_pkey" PRIMARY KEY ("id"))`,
  `CREATE TABLE "posts" ("id" SERIAL NOT NULL, "author_id" UUID NOT NULL, "status" "post_status" NOT NULL DEFAULT 'draft', "metadata" JSONB, "title" TEXT NOT NULL, CONSTRAINT "posts_pkey" PRIMARY KEY ("id"))`,
  `CREATE TABLE "comments" ("id" BIGSERIAL NOT NULL, "post_id" INTEGER NOT NULL, "user_id" UUID NOT NULL, "body" TEXT NOT NULL, CONSTRAINT "comments_pkey" PRIMARY KEY ("id"))`,
  `CREATE TABLE "tags" ("id" SERIAL NOT NULL, "name" TEXT NOT NULL, CONSTRAINT "tags_pkey" PRIMARY KEY ("id"))`,
  `CREATE TABLE "post_tags" ("post_id" INTEGER NOT NULL, "tag_id" INTEGER NOT NULL, CONSTRAINT "post_tags_pkey" PRIMARY KEY ("post_id","tag_id"))`,
  `CREATE UNIQUE INDEX "users_email_key" ON "users"("email")`,
  `CREATE UNIQUE INDEX "posts_author_id_title_key" ON "posts"("author_id", "title")`,
  `CREATE UNIQUE INDEX "tags_name_key" ON "tags"("name")`,
  `ALTER TABLE "posts" ADD CONSTRAINT "posts_author_id_fkey" FOREIGN KEY ("author_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE`,
  `ALTER TABLE "comments" ADD CONSTRAINT "comments_post_id_fkey" FOREIGN KEY ("post_id") REFERENCES "posts"("id") ON DELETE CASCADE ON UPDATE CASCADE`,
  `ALTER TABLE "comments" ADD CONSTRAINT "comments_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE RESTRICT ON UPDATE CASCADE`,
  `ALTER TABLE "post_tags" ADD CONSTRAINT "post_tags_post_id_fkey" FOREIGN KEY ("post_id") REFERENCES "posts"("id") ON DELETE CASCADE ON UPDATE CASCADE`,
  `ALTER TABLE "post_tags" ADD CONSTRAINT "post_tags_tag_id_fkey" FOREIGN KEY ("tag_id") REFERENCES "tags"("id") ON DELETE RESTRICT ON UPDATE CASCADE`,
];

const repoRoot = resolve(import.meta.dirname, '../..');
const store = tempStoreDir();
// Generated inside the project (under node_modules/.cache) so that it resolves @prisma/client.
mkdirSync(join(repoRoot, 'node_modules/.cache'), { recursive: true });
const work = mkdtempSync(join(repoRoot, 'node_modules/.cache/tessera-prisma-'));
let node: NodeProcess | undefined;
// The generated client's types exist only after generation: it is used untyped here.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
let prisma: any;

before(async () => {
  writeFileSync(join(work, 'schema.prisma'), schemaPrisma);
  const stub = join(work, 'no-schema-engine');
  writeFileSync(stub, '#!/bin/sh\nexit 1\n');
  chmodSync(stub, 0o755);
  const gen = spawnSync(process.execPath, [join(repoRoot, 'node_modules/prisma/build/index.js'), 'generate', '--schema', join(work, 'schema.prisma')], {
    cwd: repoRoot, encoding: 'utf8', timeout: 120_000, env: { ...process.env, PRISMA_SCHEMA_ENGINE_BINARY: stub, PRISMA_HIDE_UPDATE_MESSAGE: '1', CHECKPOINT_DISABLE: '1' },
  });
  assert.equal(gen.status, 0, `prisma generate failed: ${gen.stdout}${gen.stderr}`);
  node = await startNodeProcess(store.path);
  const c = await node.client();
  for (const s of migrationSql) await c.query(s);
  await c.end();
  const { PrismaClient } = (await import(join(work, 'generated/client.ts'))) as { PrismaClient: new (o: unknown) => unknown };
  prisma = new PrismaClient({ adapter: new PrismaPg({ connectionString: node.connectionString() }) });
});
after(async () => {
  await prisma?.$disconnect();
  await node?.kill();
  store.remove();
  rmSync(work, { recursive: true, force: true });
});

test('Prisma: CRUD with nested writes, includes and relation filters', async () => {
  const ann = await prisma.user.create({
    data: { email: 'ann@example.com', posts: { create: [{ title: 'Hello', metadata: { n: 1, tags: ['a'] } }, { title: 'Second', status: 'published' }] } },
    include: { posts: { orderBy: { id: 'asc' } } },
  });
  assert.match(ann.id, /^[0-9a-f-]{36}$/);
  assert.ok(ann.createdAt instanceof Date);
  assert.deepEqual(ann.posts.map((p: { title: string; status: string }) => [p.title, p.status]), [['Hello', 'draft'], ['Second', 'published']]);
  assert.deepEqual(ann.posts[0].metadata, { n: 1, tags: ['a'] });
  const bob = await prisma.user.create({ data: { email: 'bob@example.com' } });
  const hello = ann.posts[0];
  await prisma.tag.createMany({ data: [{ name: 'sql' }, { name: 'news' }] });
  const tags = await prisma.tag.findMany({ orderBy: { name: 'asc' } });
  await prisma.postTag.createMany({ data: tags.map((t: { id: number }) => ({ postId: hello.id, tagId: t.id })) });
  await prisma.comment.create({ data: { body: 'Nice', postId: hello.id, userId: bob.id } });

  const loaded = await prisma.post.findUnique({ where: { id: hello.id }, include: { author: true, comments: { include: { user: true } }, tags: { include: { tag: true }, orderBy: { tagId: 'asc' } } } });
  assert.equal(loaded.author.email, 'ann@example.com');
  assert.deepEqual(loaded.comments.map((c: { body: string; user: { email: string } }) => [c.body, c.user.email]), [['Nice', 'bob@example.com']]);
  assert.equal(typeof loaded.comments[0].id, 'bigint');
  assert.deepEqual(loaded.tags.map((t: { tag: { name: string } }) => t.tag.name).sort(), ['news', 'sql']);
  const withTag = await prisma.post.findMany({ where: { tags: { some: { tag: { name: 'sql' } } } }, select: { title: true } });
  assert.deepEqual(withTag, [{ title: 'Hello' }]);
  const counts = await prisma.user.findMany({ select: { email: true, _count: { select: { posts: true } } }, orderBy: { email: 'asc' } });
  assert.deepEqual(counts, [{ email: 'ann@example.com', _count: { posts: 2 } }, { email: 'bob@example.com', _count: { posts: 0 } }]);
  const grouped = await prisma.post.groupBy({ by: ['status'], _count: { _all: true }, orderBy: { status: 'asc' } });
  assert.deepEqual(grouped.map((g: { status: string; _count: { _all: number } }) => [g.status, g._count._all]), [['draft', 1], ['published', 1]]);

  const updated = await prisma.post.update({ where: { id: hello.id }, data: { status: 'published', metadata: { n: 2 } } });
  assert.equal(updated.status, 'published');
  assert.deepEqual(updated.metadata, { n: 2 });
  const upserted = await prisma.tag.upsert({ where: { name: 'sql' }, update: { name: 'postgres' }, create: { name: 'never' } });
  assert.equal(upserted.name, 'postgres');
  await prisma.comment.deleteMany({ where: { userId: bob.id } });
  await prisma.user.delete({ where: { id: ann.id } });
  assert.equal(await prisma.post.count(), 0);
});

test('Prisma: transactions (batch and interactive) commit and roll back; a unique violation is P2002', async () => {
  await prisma.$transaction([prisma.tag.create({ data: { name: 'kept' } }), prisma.tag.create({ data: { name: 'kept too' } })]);
  await assert.rejects(prisma.$transaction(async (tx: typeof prisma) => {
    await tx.tag.create({ data: { name: 'discarded' } });
    throw new Error('roll back');
  }), /roll back/);
  const names = (await prisma.tag.findMany({ where: { name: { in: ['kept', 'kept too', 'discarded'] } }, orderBy: { name: 'asc' } })).map((t: { name: string }) => t.name);
  assert.deepEqual(names, ['kept', 'kept too']);
  await prisma.user.create({ data: { email: 'carol@example.com' } });
  await assert.rejects(prisma.user.create({ data: { email: 'carol@example.com' } }), (e: { code?: string }) => e.code === 'P2002');
});

test('Prisma: introspection of the migrated schema through $queryRaw', async () => {
  const tables = await prisma.$queryRaw`SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name`;
  assert.deepEqual(tables.map((t: { table_name: string }) => t.table_name), ['comments', 'post_tags', 'posts', 'tags', 'users']);
  const columns = await prisma.$queryRaw`SELECT column_name, data_type, is_nullable FROM information_schema.columns WHERE table_name = 'posts' ORDER BY ordinal_position`;
  assert.deepEqual(columns.map((c: { column_name: string; data_type: string; is_nullable: string }) => [c.column_name, c.data_type, c.is_nullable]), [
    ['id', 'integer', 'NO'], ['author_id', 'uuid', 'NO'], ['status', 'USER-DEFINED', 'NO'], ['metadata', 'jsonb', 'YES'], ['title', 'text', 'NO'],
  ]);
  const fks = await prisma.$queryRaw`SELECT conname, pg_get_constraintdef(oid) AS def FROM pg_constraint WHERE conrelid = 'comments'::regclass AND contype = 'f' ORDER BY conname`;
  assert.deepEqual(fks.map((f: { conname: string }) => f.conname), ['comments_post_id_fkey', 'comments_user_id_fkey']);
  assert.match(fks[0].def, /^FOREIGN KEY \(post_id\) REFERENCES posts\(id\) ON UPDATE CASCADE ON DELETE CASCADE$/);
});
