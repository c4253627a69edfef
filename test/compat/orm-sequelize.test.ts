// Acceptance 3 of issue 8, for Sequelize: the realistic schema (users with a uuid key,
// posts with a serial key and an ENUM, comments, tags and a many-to-many join table,
// unique and foreign keys, jsonb, timestamps) created by sync() from models with
// hasMany/belongsTo/belongsToMany associations, then CRUD with eager loading, managed
// transactions that commit and roll back, a unique violation, and introspection through
// the query interface, against a started Tessera node. Sequelize sends, among others,
// SET TIME ZONE INTERVAL '+00:00' HOUR TO MINUTE and DO blocks for its ENUM types.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { DataTypes, Sequelize, UniqueConstraintError, type ModelStatic, type Model } from 'sequelize';
import { startNodeProcess, tempStoreDir, type NodeProcess } from '../integration/node-process.ts';

const store = tempStoreDir();
let node: NodeProcess | undefined;
let sequelize: Sequelize | undefined;
// Models are declared at run time; their attributes are checked through plain objects.
let User: ModelStatic<Model>;
let Post: ModelStatic<Model>;
let Comment: ModelStatic<Model>;
let Tag: ModelStatic<Model>;

before(async () => {
  node = await startNodeProcess(store.path);
  sequelize = new Sequelize(node.connectionString(), { logging: false, pool: { max: 4 } });
  const s = sequelize;
  User = s.define('User', {
    id: { type: DataTypes.UUID, defaultValue: DataTypes.UUIDV4, primaryKey: true },
    email: { type: DataTypes.STRING(200), allowNull: false, unique: true },
    name: DataTypes.STRING,
  }, { tableName: 'users' });
  Post = s.define('Post', {
    title: { type: DataTypes.STRING, allowNull: false },
    status: { type: DataTypes.ENUM('draft', 'published'), allowNull: false, defaultValue: 'draft' },
    metadata: DataTypes.JSONB,
  }, { tableName: 'posts', indexes: [{ unique: true, fields: ['authorId', 'title'] }] });
  Comment = s.define('Comment', { id: { type: DataTypes.BIGINT, autoIncrement: true, primaryKey: true }, body: { type: DataTypes.TEXT, allowNull: false } }, { tableName: 'comments' });
  Tag = s.define('Tag', { name: { type: DataTypes.STRING, allowNull: false, unique: true } }, { tableName: 'tags' });
  User.hasMany(Post, { foreignKey: { name: 'authorId', allowNull: false }, onDelete: 'CASCADE' });
  Post.belongsTo(User, { foreignKey: 'authorId', as: 'author' });
  Post.hasMany(Comment, { foreignKey: { name: 'postId', allowNull: false }, onDelete: 'CASCADE' });
  Comment.belongsTo(User, { foreignKey: { name: 'userId', allowNull: false } });
  Post.belongsToMany(Tag, { through: 'post_tags' });
  Tag.belongsToMany(Post, { through: 'post_tags' });
});
after(async () => {
  await sequelize?.close();
  await node?.kill();
  store.remove();
});

test('Sequelize: sync() creates the tables, and again with force', async () => {
  await sequelize!.sync({ force: true });
  await sequelize!.sync({ force: true }); // drops and recreates: the ENUM's DO block runs again
  const tables = (await sequelize!.getQueryInterface().showAllTables()).map(String).sort();
  assert.deepEqual(tables, ['comments', 'post_tags', 'posts', 'tags', 'users']);
});

test('Sequelize: CRUD with associations and eager loading', async () => {
  const ann = await User.create({ email: 'ann@example.com', name: 'Ann' });
  const bob = await User.create({ email: 'bob@example.com' });
  const hello = await Post.create({ title: 'Hello', authorId: ann.get('id'), metadata: { n: 1, tags: ['a'] } });
  await Post.create({ title: 'Second', status: 'published', authorId: ann.get('id') });
  await Post.create({ title: 'Hello', authorId: bob.get('id') });
  const [sqlTag, news] = await Tag.bulkCreate([{ name: 'sql' }, { name: 'news' }], { returning: true });
  await (hello as unknown as { addTags(tags: Model[]): Promise<void> }).addTags([sqlTag!, news!]);
  await Comment.create({ body: 'Nice', postId: hello.get('id'), userId: bob.get('id') });

  const loaded = await User.findOne({ where: { email: 'ann@example.com' }, include: [{ model: Post, include: [Tag, Comment] }], order: [[Post, 'id', 'ASC'], [Post, Tag, 'name', 'ASC']] });
  const posts = loaded!.get('Posts') as Model[];
  assert.deepEqual(posts.map((p) => p.get('title')), ['Hello', 'Second']);
  assert.deepEqual((posts[0]!.get('Tags') as Model[]).map((t) => t.get('name')), ['news', 'sql']);
  assert.deepEqual((posts[0]!.get('Comments') as Model[]).map((c) => c.get('body')), ['Nice']);
  assert.deepEqual(posts[0]!.get('metadata'), { n: 1, tags: ['a'] });
  const withAuthor = await Post.findAll({ where: { title: 'Hello' }, include: [{ model: User, as: 'author' }], order: [['id', 'ASC']] });
  assert.deepEqual(withAuthor.map((p) => (p.get('author') as Model).get('email')), ['ann@example.com', 'bob@example.com']);
  assert.equal(await Post.count({ where: { status: 'draft' } }), 2);

  const [affected] = await Post.update({ status: 'published' }, { where: { id: hello.get('id') } });
  assert.equal(affected, 1);
  await hello.reload();
  assert.equal(hello.get('status'), 'published');
  await Comment.destroy({ where: { userId: bob.get('id') } });
  await bob.destroy();
  assert.deepEqual((await Post.findAll({ order: [['id', 'ASC']] })).map((p) => p.get('title')), ['Hello', 'Second']);
});

test('Sequelize: managed transactions commit and roll back; a duplicate is a UniqueConstraintError', async () => {
  const s = sequelize!;
  await s.transaction(async (t) => {
    await Tag.create({ name: 'kept' }, { transaction: t });
  });
  await assert.rejects(s.transaction(async (t) => {
    await Tag.create({ name: 'discarded' }, { transaction: t });
    throw new Error('roll back');
  }), /roll back/);
  assert.deepEqual((await Tag.findAll({ where: { name: ['kept', 'discarded'] } })).map((t) => t.get('name')), ['kept']);
  await assert.rejects(User.create({ email: 'ann@example.com' }), (e: unknown) => e instanceof UniqueConstraintError && (e.parent as { code?: string }).code === '23505');
});

test('Sequelize: describeTable introspects columns, types, defaults, keys and ENUM values', async () => {
  const qi = sequelize!.getQueryInterface();
  const posts = await qi.describeTable('posts');
  assert.equal(posts['id']!.type, 'INTEGER');
  assert.equal(posts['id']!.primaryKey, true);
  assert.match(String(posts['id']!.defaultValue), /nextval\(/);
  assert.equal(posts['title']!.type, 'CHARACTER VARYING(255)');
  assert.equal(posts['title']!.allowNull, false);
  assert.equal(posts['status']!.type, 'USER-DEFINED');
  assert.deepEqual((posts['status'] as unknown as { special: string[] }).special, ['draft', 'published']);
  assert.equal(posts['metadata']!.type, 'JSONB');
  assert.equal(posts['createdAt']!.type, 'TIMESTAMP WITH TIME ZONE');
  const users = await qi.describeTable('users');
  assert.equal(users['id']!.type, 'UUID');
  assert.equal(users['email']!.type, 'CHARACTER VARYING(200)');
});
