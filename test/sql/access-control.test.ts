// Roles and privileges through the Session: CREATE/ALTER/DROP ROLE, GRANT/REVOKE on
// databases, schemas and tables, role membership with inheritance, owners, and the check
// every statement passes (42501).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { SqlError, type Session } from '../../src/sql/index.ts';
import { parseVerifier } from '../../src/sql/auth/password.ts';
import { rows, run, startSql, type TestCluster } from './harness.ts';

let cluster: TestCluster;
let root: Session;

before(async () => {
  cluster = await startSql();
  root = await cluster.session();
});

after(async () => {
  await cluster.close();
});

function as(user: string, database = 'defaultdb'): Promise<Session> {
  return cluster.service.openSession({ user, database, options: new Map(), remoteAddress: 'test' });
}

async function fails(session: Session, sql: string, code: string, message?: RegExp): Promise<void> {
  await assert.rejects(run(session, sql), (err: unknown) => {
    assert.ok(err instanceof SqlError, String(err));
    assert.equal(err.code, code, `${sql}: ${err.message}`);
    if (message !== undefined) assert.match(err.message, message);
    return true;
  });
}

test('CREATE USER stores a SCRAM verifier, never the password; LOGIN and NOLOGIN decide who connects', async () => {
  await run(root, "CREATE USER alice PASSWORD 'secret'");
  await run(root, 'CREATE ROLE readers');
  const verifier = await cluster.service.passwordVerifier!('alice');
  assert.ok(verifier !== null && verifier.startsWith('SCRAM-SHA-256$4096:'));
  assert.ok(!verifier.includes('secret'));
  assert.equal(parseVerifier(verifier)?.kind, 'scram-sha-256');
  assert.equal(await cluster.service.passwordVerifier!('nobody'), null);
  const alice = await as('alice');
  assert.deepEqual(await rows(alice, 'select current_user'), ['alice']);
  await alice.close();
  await assert.rejects(as('readers'), (e: unknown) => e instanceof SqlError && e.code === '28000' && /not permitted to log in/.test(e.message));
  await assert.rejects(as('ghost'), (e: unknown) => e instanceof SqlError && e.code === '28000');
  await fails(root, 'CREATE ROLE alice', '42710');
  await fails(root, 'CREATE ROLE public', '42601', /reserved/);
  await fails(root, 'CREATE ROLE pg_mine', '42939');
  await fails(root, 'CREATE ROLE x CONNECTION LIMIT -2', '22023');
  await fails(root, 'CREATE ROLE x IN ROLE readers', '0A000');
  await fails(root, "CREATE ROLE x VALID UNTIL 'soon'", '22007');
});

test('table privileges: SELECT/INSERT/UPDATE/DELETE are checked on every statement (42501)', async () => {
  await run(root, 'CREATE TABLE t (id int PRIMARY KEY, v text)');
  await run(root, "INSERT INTO t VALUES (1, 'a'), (2, 'b')");
  await run(root, "CREATE USER bob PASSWORD 'pw'");
  const bob = await as('bob');
  await fails(bob, 'select * from t', '42501', /permission denied for table t/);
  await fails(bob, "insert into t values (3, 'c')", '42501');
  await fails(bob, 'explain select * from t', '42501');
  await fails(bob, 'select 1 where exists (select 1 from t)', '42501');
  await fails(bob, 'copy t to stdout', '42501');
  await fails(bob, 'copy (select v from t) to stdout', '42501');
  await run(root, 'GRANT SELECT ON TABLE t TO bob');
  assert.deepEqual(await rows(bob, 'select v from t order by id'), ['a', 'b']);
  await fails(bob, "insert into t values (3, 'c')", '42501');
  await fails(bob, 'delete from t where id = 1', '42501');
  await run(root, 'GRANT INSERT, DELETE ON t TO bob');
  await run(bob, "insert into t values (3, 'c')");
  await run(bob, 'delete from t where id = 3');
  await fails(bob, "update t set v = 'z' where id = 1", '42501');
  // A prepared statement is checked at each execution, not only when it was planned.
  await bob.prepare('q', 'select count(*) from t', []);
  await run(root, 'REVOKE SELECT ON t FROM bob');
  await bob.bind('', 'q', [], [], []);
  await assert.rejects(async () => {
    for await (const e of bob.execute('', 0)) void e;
  }, (e: unknown) => e instanceof SqlError && e.code === '42501');
  await bob.sync();
  await fails(bob, 'select * from t', '42501');
  await bob.close();
});

test('GRANT ALL, PUBLIC, WITH GRANT OPTION and revoking it', async () => {
  await run(root, 'CREATE TABLE g (id int PRIMARY KEY)');
  await run(root, 'CREATE USER carol');
  await run(root, 'CREATE USER dave');
  const carol = await as('carol');
  const dave = await as('dave');
  await fails(carol, 'GRANT SELECT ON g TO dave', '42501');
  await run(root, 'GRANT SELECT ON g TO carol WITH GRANT OPTION');
  await run(carol, 'GRANT SELECT ON g TO dave');
  assert.deepEqual(await rows(dave, 'select count(*) from g'), ['0']);
  await run(root, 'REVOKE GRANT OPTION FOR SELECT ON g FROM carol');
  await fails(carol, 'GRANT SELECT ON g TO dave', '42501');
  assert.deepEqual(await rows(carol, 'select count(*) from g'), ['0']);
  await run(root, 'REVOKE SELECT ON g FROM dave');
  await fails(dave, 'select * from g', '42501');
  await run(root, 'GRANT ALL ON g TO PUBLIC');
  await run(dave, 'insert into g values (1)');
  await fails(root, 'GRANT CONNECT ON TABLE g TO dave', '0LP01');
  await fails(root, 'GRANT SELECT ON TABLE nope TO dave', '42P01');
  await fails(root, 'GRANT SELECT ON g TO nobody', '42704');
  await run(root, 'REVOKE ALL ON g FROM PUBLIC');
  await fails(dave, 'select * from g', '42501');
  await carol.close();
  await dave.close();
});

test('role membership: inherited privileges, NOINHERIT, cycles refused, revoke', async () => {
  await run(root, 'CREATE TABLE m (id int PRIMARY KEY)');
  await run(root, 'CREATE ROLE analysts');
  await run(root, 'CREATE ROLE staff');
  await run(root, 'GRANT SELECT ON m TO staff');
  await run(root, 'GRANT staff TO analysts');
  await run(root, 'CREATE USER erin');
  await run(root, 'CREATE USER frank NOINHERIT');
  await run(root, 'GRANT analysts TO erin, frank');
  const erin = await as('erin');
  const frank = await as('frank');
  assert.deepEqual(await rows(erin, 'select count(*) from m'), ['0']);
  await fails(frank, 'select * from m', '42501');
  await fails(root, 'GRANT erin TO staff', '0LP01');
  await fails(root, 'GRANT staff TO staff', '0LP01');
  await run(root, 'REVOKE analysts FROM erin');
  await fails(erin, 'select * from m', '42501');
  await erin.close();
  await frank.close();
});

test('owners: the creator owns a table; others cannot drop it; CREATE on a schema is a privilege', async () => {
  await run(root, 'CREATE USER gina');
  await run(root, 'CREATE USER hal');
  const gina = await as('gina');
  const hal = await as('hal');
  await fails(gina, 'CREATE TABLE mine (id int PRIMARY KEY)', '42501', /permission denied for schema public/);
  await run(root, 'GRANT CREATE ON SCHEMA public TO gina, hal');
  await run(gina, 'CREATE TABLE mine (id int PRIMARY KEY)');
  await run(gina, 'insert into mine values (1)');
  assert.deepEqual(await rows(gina, 'select id from mine'), ['1']);
  await fails(hal, 'select * from mine', '42501');
  await fails(hal, 'DROP TABLE mine', '42501', /must be owner of table mine/);
  await fails(hal, 'CREATE INDEX ON mine (id)', '42501');
  await run(gina, 'GRANT SELECT ON mine TO hal');
  assert.deepEqual(await rows(hal, 'select id from mine'), ['1']);
  await fails(root, 'DROP ROLE gina', '2BP01');
  await run(gina, 'DROP TABLE mine');
  await run(root, 'REVOKE CREATE ON SCHEMA public FROM gina, hal');
  await gina.close();
  await hal.close();
  await run(root, 'DROP ROLE gina');
  await assert.rejects(as('gina'), (e: unknown) => e instanceof SqlError && e.code === '28000');
});

test('CONNECT on a database; USAGE on a schema', async () => {
  await run(root, 'CREATE USER ivy');
  await run(root, 'REVOKE CONNECT ON DATABASE postgres FROM PUBLIC');
  await assert.rejects(as('ivy', 'postgres'), (e: unknown) => e instanceof SqlError && e.code === '42501' && e.severity === 'FATAL');
  await run(root, 'GRANT CONNECT ON DATABASE postgres TO ivy');
  const ivy = await as('ivy', 'postgres');
  await ivy.close();
  await run(root, 'GRANT CONNECT ON DATABASE postgres TO PUBLIC');
  await run(root, 'CREATE TABLE u (id int PRIMARY KEY)');
  await run(root, 'GRANT SELECT ON u TO ivy');
  const ivy2 = await as('ivy');
  assert.deepEqual(await rows(ivy2, 'select count(*) from u'), ['0']);
  await run(root, 'REVOKE USAGE ON SCHEMA public FROM PUBLIC');
  await fails(ivy2, 'select * from u', '42501', /permission denied for schema public/);
  await run(root, 'GRANT USAGE ON SCHEMA public TO PUBLIC');
  await ivy2.close();
});

test('ALTER ROLE: own password only; CREATEROLE manages non-superusers; DROP ROLE rules', async () => {
  await run(root, "CREATE USER jack PASSWORD 'one'");
  await run(root, 'CREATE USER kate CREATEROLE');
  const jack = await as('jack');
  const kate = await as('kate');
  const before = await cluster.service.passwordVerifier!('jack');
  await run(jack, "ALTER USER jack PASSWORD 'two'");
  assert.notEqual(await cluster.service.passwordVerifier!('jack'), before);
  await fails(jack, 'ALTER USER jack SUPERUSER', '42501');
  await fails(jack, 'CREATE ROLE nope', '42501');
  await run(kate, 'CREATE ROLE helpers LOGIN');
  await run(kate, 'ALTER ROLE helpers NOLOGIN');
  await fails(kate, 'ALTER ROLE root NOSUPERUSER', '42501');
  await fails(kate, 'CREATE ROLE boss SUPERUSER', '42501');
  await fails(kate, 'DROP ROLE root', '55006');
  await fails(kate, 'DROP ROLE kate', '55006');
  await run(kate, 'DROP ROLE helpers');
  const r = await run(kate, 'DROP ROLE IF EXISTS helpers');
  assert.deepEqual(r.notices, ['role "helpers" does not exist, skipping']);
  await fails(root, 'ALTER ROLE root NOSUPERUSER', '42501');
  await run(root, 'ALTER USER jack PASSWORD NULL');
  assert.equal(await cluster.service.passwordVerifier!('jack'), null);
  await jack.close();
  await kate.close();
});

test('role changes are transactional: a rolled-back CREATE ROLE leaves nothing', async () => {
  await run(root, 'BEGIN');
  await run(root, 'CREATE ROLE temp_role');
  await run(root, 'GRANT temp_role TO root');
  await run(root, 'ROLLBACK');
  await fails(root, 'DROP ROLE temp_role', '42704');
});

test('ALTER SYSTEM SET server.host_based_authentication.configuration: superuser only, rules must parse', async () => {
  const setting = 'server.host_based_authentication.configuration';
  await run(root, `ALTER SYSTEM SET ${setting} = 'host all all all scram-sha-256'`);
  assert.deepEqual((await cluster.service.hbaRules!())?.map((r) => r.method), ['scram-sha-256']);
  await fails(root, `ALTER SYSTEM SET ${setting} = 'host all all all kerberos'`, '22023', /line 1: unknown authentication method/);
  await fails(root, `ALTER SYSTEM SET ${setting} = '# nothing'`, '22023');
  await fails(root, "ALTER SYSTEM SET work_mem = '1MB'", '0A000');
  await run(root, 'CREATE USER lena');
  const lena = await as('lena');
  await fails(lena, `ALTER SYSTEM RESET ${setting}`, '42501');
  await lena.close();
  await run(root, `ALTER SYSTEM RESET ${setting}`);
  assert.equal(await cluster.service.hbaRules!(), null);
});

test('SET ROLE: members take on a role (NOINHERIT members too); others are refused; RESET ROLE returns', async () => {
  await run(root, 'CREATE TABLE sr (id int PRIMARY KEY)');
  await run(root, 'CREATE ROLE sr_readers');
  await run(root, 'GRANT SELECT ON sr TO sr_readers');
  await run(root, 'CREATE USER mona NOINHERIT');
  await run(root, 'CREATE USER ned');
  await run(root, 'GRANT sr_readers TO mona');
  const mona = await as('mona');
  const ned = await as('ned');
  await fails(mona, 'select * from sr', '42501');
  await run(mona, 'SET ROLE sr_readers');
  assert.deepEqual(await rows(mona, 'select current_user'), ['sr_readers']);
  assert.deepEqual(await rows(mona, 'select count(*) from sr'), ['0']);
  await run(mona, 'RESET ROLE');
  await fails(mona, 'select * from sr', '42501');
  // Transactional like any setting: a rolled-back SET ROLE is undone.
  await run(mona, 'BEGIN');
  await run(mona, 'SET ROLE sr_readers');
  await run(mona, 'ROLLBACK');
  await fails(mona, 'select * from sr', '42501');
  await fails(ned, 'SET ROLE sr_readers', '42501', /permission denied to set role "sr_readers"/);
  await fails(ned, 'SET ROLE nobody_at_all', '22023');
  // A superuser that SETs ROLE to a plain role loses its superuser rights.
  await run(root, 'SET ROLE ned');
  await fails(root, 'select * from sr', '42501');
  await run(root, 'SET ROLE NONE');
  assert.deepEqual(await rows(root, 'select count(*) from sr'), ['0']);
  await mona.close();
  await ned.close();
});

test('VALID UNTIL: a password past its date authenticates no more; infinity and ALTER bring it back', async () => {
  // The harness runs on a ManualClock that stands at its default instant.
  const nowMs = 1_700_000_000_000;
  const past = new Date(nowMs - 86_400_000).toISOString();
  const future = new Date(nowMs + 86_400_000).toISOString();
  await run(root, `CREATE USER olga PASSWORD 'pw' VALID UNTIL '${past}'`);
  assert.equal(await cluster.service.passwordVerifier!('olga'), null);
  await run(root, `ALTER USER olga VALID UNTIL '${future}'`);
  assert.ok((await cluster.service.passwordVerifier!('olga'))?.startsWith('SCRAM-SHA-256$'));
  await run(root, `ALTER USER olga VALID UNTIL '${past.slice(0, 10)} 00:00:00+00'`);
  assert.equal(await cluster.service.passwordVerifier!('olga'), null);
  await run(root, "ALTER USER olga VALID UNTIL 'infinity'");
  assert.ok((await cluster.service.passwordVerifier!('olga')) !== null);
});


test('CONNECTION LIMIT: sessions of a role beyond it get FATAL 53300; a closed one frees its place', async () => {
  await run(root, 'CREATE USER pat CONNECTION LIMIT 1');
  const first = await as('pat');
  await assert.rejects(as('pat'), (e: unknown) => e instanceof SqlError && e.code === '53300' && e.message === 'too many connections for role "pat"');
  await first.close();
  await first.close();
  const again = await as('pat');
  await run(root, 'ALTER USER pat CONNECTION LIMIT 0');
  await assert.rejects(as('pat'), (e: unknown) => e instanceof SqlError && e.code === '53300');
  await run(root, 'ALTER USER pat CONNECTION LIMIT -1');
  const third = await as('pat');
  await again.close();
  await third.close();
});
