// Advisory locks: pg_advisory_lock and its variants are real locks held in KV, so two
// SQL services over one KV (two nodes of a cluster) exclude each other, and a session's
// locks go when it unlocks, its transaction ends (xact variants) or it closes.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createLocalKv, openEngine } from '../../src/kv/index.ts';
import { createTxnCoordinator } from '../../src/txn/index.ts';
import { createSqlService, type Session, type TesseraSqlService } from '../../src/sql/index.ts';
import { ManualClock, testEnv } from '../../src/util/index.ts';
import { rows, run, sqlErrorOf } from '../sql/harness.ts';

let nodeA: TesseraSqlService;
let nodeB: TesseraSqlService;
let closeAll: () => Promise<void>;
const sessions: Session[] = [];

before(async () => {
  const env = testEnv(1, new ManualClock());
  const engine = await openEngine({ memory: true });
  const kv = await createLocalKv(env, engine);
  const coord = createTxnCoordinator(env, kv.sender, { config: { intentWaitMs: 20 }, sleep: () => new Promise((r) => setImmediate(r)) });
  // Two services over one KV: they share nothing in memory, only the keyspace.
  nodeA = await createSqlService({ env, txns: coord });
  await nodeA.bootstrap();
  nodeB = await createSqlService({ env, txns: coord });
  await nodeB.bootstrap();
  closeAll = async () => {
    for (const s of sessions) await s.close();
    coord.close();
    await kv.close();
    await engine.close();
  };
});
after(async () => closeAll());

async function open(service: TesseraSqlService): Promise<Session> {
  const s = await service.openSession({ user: 'root', database: 'defaultdb', options: new Map(), remoteAddress: 'test' });
  sessions.push(s);
  return s;
}

const one = async (s: Session, sql: string): Promise<string> => (await rows(s, sql))[0]!;

test('an exclusive lock taken on one node is seen on another until it is unlocked', async () => {
  const a = await open(nodeA);
  const b = await open(nodeB);
  assert.equal(await one(a, 'select pg_try_advisory_lock(1)'), 't');
  assert.equal(await one(a, 'select pg_try_advisory_lock(1)'), 't', 're-entrant in the holding session');
  assert.equal(await one(b, 'select pg_try_advisory_lock(1)'), 'f');
  assert.equal(await one(a, 'select pg_advisory_unlock(1)'), 't');
  assert.equal(await one(b, 'select pg_try_advisory_lock(1)'), 'f', 'still held once more');
  assert.equal(await one(a, 'select pg_advisory_unlock(1)'), 't');
  assert.equal(await one(a, 'select pg_advisory_unlock(1)'), 'f', 'not held any more');
  assert.equal(await one(b, 'select pg_try_advisory_lock(1)'), 't');
  assert.equal(await one(b, 'select pg_advisory_unlock(1)'), 't');
});

test('pg_advisory_lock waits until the holder releases', async () => {
  const a = await open(nodeA);
  const b = await open(nodeB);
  assert.deepEqual(await rows(a, 'select pg_advisory_lock(7)'), ['']);
  let acquired = false;
  const waiting = rows(b, 'select pg_advisory_lock(7)').then((r) => {
    acquired = true;
    return r;
  });
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(acquired, false, 'b must wait while a holds the lock');
  await run(a, 'select pg_advisory_unlock(7)');
  assert.deepEqual(await waiting, ['']);
  assert.equal(await one(a, 'select pg_try_advisory_lock(7)'), 'f');
  await run(b, 'select pg_advisory_unlock_all()');
  assert.equal(await one(a, 'select pg_try_advisory_lock(7)'), 't');
  await run(a, 'select pg_advisory_unlock_all()');
});

test('transaction-level locks end with their transaction; session locks with the session', async () => {
  const a = await open(nodeA);
  const b = await open(nodeB);
  await run(a, 'begin');
  await run(a, 'select pg_advisory_xact_lock(5)');
  assert.equal(await one(b, 'select pg_try_advisory_lock(5)'), 'f');
  await run(a, 'commit');
  assert.equal(await one(b, 'select pg_try_advisory_xact_lock(5)'), 't', 'free after commit (and b takes it for its implicit txn only)');
  assert.equal(await one(a, 'select pg_try_advisory_lock(5)'), 't', "b's xact lock ended with its statement");
  const c = await open(nodeB);
  assert.equal(await one(c, 'select pg_try_advisory_lock(5)'), 'f');
  await a.close();
  assert.equal(await one(c, 'select pg_try_advisory_lock(5)'), 't', 'a closed: its locks are gone');
  await run(c, 'select pg_advisory_unlock_all()');
});

test('shared locks share; an exclusive one waits for them; two-integer keys are their own keys', async () => {
  const a = await open(nodeA);
  const b = await open(nodeB);
  assert.equal(await one(a, 'select pg_try_advisory_lock_shared(9)'), 't');
  assert.equal(await one(b, 'select pg_try_advisory_lock_shared(9)'), 't');
  assert.equal(await one(b, 'select pg_try_advisory_lock(9)'), 'f');
  assert.equal(await one(a, 'select pg_advisory_unlock_shared(9)'), 't');
  assert.equal(await one(b, 'select pg_try_advisory_lock(9)'), 't', 'only b itself shares it now');
  assert.equal(await one(a, 'select pg_try_advisory_lock(0, 9)'), 't', '(0, 9) is not the bigint key 9 that b holds');
  await run(b, 'select pg_advisory_unlock_all()');
  assert.equal(await one(a, 'select pg_try_advisory_lock(1, 9)'), 't');
  assert.equal(await one(b, 'select pg_try_advisory_lock(1, 9)'), 'f');
  assert.equal(await one(b, 'select pg_try_advisory_lock(9)'), 't');
  await run(a, 'select pg_advisory_unlock_all()');
  await run(b, 'select pg_advisory_unlock_all()');
  assert.equal((await sqlErrorOf(a, 'select pg_advisory_lock(x) from (select 1 as x) t')).code, '0A000');
});

test('a waiting pg_advisory_lock stops at statement_timeout and on cancel', async () => {
  const a = await open(nodeA);
  const b = await open(nodeB);
  await run(a, 'select pg_advisory_lock(11)');
  await run(b, "set statement_timeout = '150ms'");
  const started = Date.now();
  assert.equal((await sqlErrorOf(b, 'select pg_advisory_lock(11)')).code, '57014');
  assert.ok(Date.now() - started < 5000, 'stopped waiting promptly');
  await run(b, 'set statement_timeout = 0');
  const waiting = sqlErrorOf(b, 'select pg_advisory_lock(11)');
  await new Promise((r) => setTimeout(r, 50));
  b.cancel();
  assert.equal((await waiting).code, '57014');
  await run(a, 'select pg_advisory_unlock_all()');
  assert.equal(await one(b, 'select pg_try_advisory_lock(11)'), 't', 'the cancelled waiter holds nothing');
  await run(b, 'select pg_advisory_unlock_all()');
});
