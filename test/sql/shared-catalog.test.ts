// Two sql services over one kv, as two nodes of a cluster: each caches the catalog. With
// `sharedCatalog`, a name the cache does not know is looked up again after a fresh load,
// so DDL committed through one node is visible through the other at once (no waiting for
// the periodic refresh): tables, schemas, types and databases; a name that exists nowhere
// is still reported missing. Without it (a single node) nothing is reloaded.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createLocalKv, openEngine } from '../../src/kv/index.ts';
import { createTxnCoordinator } from '../../src/txn/index.ts';
import { createSqlService, type Session, type TesseraSqlService } from '../../src/sql/index.ts';
import { ManualClock, testEnv } from '../../src/util/index.ts';
import { rows, run, sqlErrorOf } from './harness.ts';

async function twoNodes(sharedCatalog: boolean): Promise<{ a: TesseraSqlService; b: TesseraSqlService; close(): Promise<void> }> {
  const env = testEnv(1, new ManualClock());
  const engine = await openEngine({ memory: true });
  const kv = await createLocalKv(env, engine);
  const coord = createTxnCoordinator(env, kv.sender, { config: { intentWaitMs: 20 }, sleep: () => new Promise((r) => setImmediate(r)) });
  const a = await createSqlService({ env, txns: coord, autoAnalyze: { intervalMs: 0 }, sharedCatalog });
  const b = await createSqlService({ env, txns: coord, autoAnalyze: { intervalMs: 0 }, sharedCatalog });
  await a.bootstrap();
  await b.bootstrap();
  return {
    a,
    b,
    async close() {
      coord.close();
      await kv.close();
      await engine.close();
    },
  };
}

const open = (svc: TesseraSqlService, database = 'defaultdb'): Promise<Session> => svc.openSession({ user: 'root', database, options: new Map(), remoteAddress: 'test' });

test('DDL through one node is visible through another at once', async () => {
  const { a, b, close } = await twoNodes(true);
  try {
    const sa = await open(a);
    const sb = await open(b);
    await run(sa, 'CREATE TABLE t (id int PRIMARY KEY, v text)');
    await run(sa, "INSERT INTO t VALUES (1, 'one')");
    assert.deepEqual(await rows(sb, 'SELECT id, v FROM t'), ['1|one']);
    // The extended protocol (prepare) too, with a schema and a type made on node A.
    await run(sa, "CREATE SCHEMA s; CREATE TYPE s.mood AS ENUM ('ok', 'sad'); CREATE TABLE s.u (id int PRIMARY KEY, m s.mood)");
    await sb.prepare('', "INSERT INTO s.u VALUES (1, 'sad')", []);
    await run(sa, "CREATE TYPE color AS ENUM ('red')");
    assert.deepEqual(await rows(sb, "SELECT 'red'::color"), ['red']);
    // DDL through node B on what node A just made (utility statements resolve names too).
    await run(sa, 'CREATE SCHEMA s2; CREATE TABLE w (id int PRIMARY KEY)');
    await run(sb, 'CREATE TABLE s2.x (id int PRIMARY KEY)');
    await run(sb, 'ALTER TABLE w ADD COLUMN note text');
    await run(sa, "INSERT INTO s2.x VALUES (7); INSERT INTO w VALUES (1, 'n')");
    assert.deepEqual(await rows(sb, 'SELECT x.id, w.note FROM s2.x, w'), ['7|n']);
    // A database made on node A can be connected to through node B.
    await run(sa, 'CREATE DATABASE other');
    const other = await open(b, 'other');
    await other.close();
    // What exists nowhere is still missing, with its SQLSTATE.
    assert.equal((await sqlErrorOf(sb, 'SELECT * FROM nowhere')).code, '42P01');
    assert.equal((await sqlErrorOf(sb, 'SELECT * FROM nope.t')).code, '42P01');
    assert.equal((await sqlErrorOf(sb, 'CREATE TABLE nope.t (id int)')).code, '3F000');
    await assert.rejects(open(b, 'nodb'), (e: unknown) => (e as { code?: string }).code === '3D000');
    await sa.close();
    await sb.close();
  } finally {
    await close();
  }
});

test('a single node (no sharedCatalog) does not reload: the other service stays unaware until refreshed', async () => {
  const { a, b, close } = await twoNodes(false);
  try {
    const sa = await open(a);
    const sb = await open(b);
    await run(sa, 'CREATE TABLE t (id int PRIMARY KEY)');
    assert.equal((await sqlErrorOf(sb, 'SELECT * FROM t')).code, '42P01');
    await b.refreshCatalog();
    assert.deepEqual(await rows(sb, 'SELECT count(*) FROM t'), ['0']);
    await sa.close();
    await sb.close();
  } finally {
    await close();
  }
});
