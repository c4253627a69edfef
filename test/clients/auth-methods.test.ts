// Each authentication method against a started node with real clients: node-postgres and
// postgres.js (both implement SCRAM-SHA-256, md5 and cleartext), psql when installed.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import postgres from 'postgres';
import { passwords, startAuthNode, type AuthFixture } from '../security/auth-fixture.ts';

const psql = spawnSync('sh', ['-c', 'command -v psql'], { encoding: 'utf8' }).stdout.trim();
let f: AuthFixture;

before(async () => {
  f = await startAuthNode('tessera-auth-methods');
});

after(async () => {
  await f?.cleanup();
});

test('pg: SCRAM-SHA-256 over TLS (verify-full)', async () => {
  const c = await f.connect({ user: 'alice', password: passwords.alice, ssl: f.ssl() });
  try {
    assert.deepEqual((await c.query('select current_user as u, v from secrets')).rows, [{ u: 'alice', v: 'top' }]);
  } finally {
    await c.end();
  }
});

test('pg: md5 for a user whose password is stored as md5', async () => {
  const c = await f.connect({ user: 'md5user', password: passwords.md5user, ssl: f.ssl() });
  try {
    assert.equal((await c.query('select count(*)::int as n from secrets')).rows[0].n, 1);
  } finally {
    await c.end();
  }
});

test('pg: cleartext password over TLS', async () => {
  const c = await f.connect({ user: 'pwuser', password: passwords.pwuser, ssl: f.ssl() });
  try {
    assert.equal((await c.query('select 1 as one')).rows[0].one, 1);
  } finally {
    await c.end();
  }
});

test('pg: client certificate (cert method and cert-scram-sha-256 for root)', async () => {
  const c = await f.connect({ user: 'certuser', ssl: f.ssl('certuser') });
  const r = await f.connect({ user: 'root', ssl: f.ssl('root') });
  try {
    assert.equal((await c.query('select current_user as u')).rows[0].u, 'certuser');
    assert.equal((await r.query('show is_superuser')).rows[0].is_superuser, 'on');
    assert.equal((await c.query('show is_superuser')).rows[0].is_superuser, 'off');
  } finally {
    await c.end();
    await r.end();
  }
});

test('postgres.js: SCRAM-SHA-256 and md5', async () => {
  const common = { host: '127.0.0.1', port: f.node.sqlPort, database: 'defaultdb', ssl: f.ssl() as object, max: 1, fetch_types: false, onnotice: () => undefined };
  const scram = postgres({ ...common, username: 'alice', password: passwords.alice });
  const md5 = postgres({ ...common, username: 'md5user', password: passwords.md5user });
  try {
    assert.deepEqual([...(await scram`select current_user as u`)], [{ u: 'alice' }]);
    assert.deepEqual([...(await md5`select v from secrets`)], [{ v: 'top' }]);
  } finally {
    await scram.end();
    await md5.end();
  }
});

test('psql: SCRAM with sslmode=verify-full, and a client certificate', { skip: psql === '' ? 'psql is not installed' : false }, () => {
  const ca = join(f.certsDir, 'ca.crt');
  const url = `postgresql://alice@localhost:${f.node.sqlPort}/defaultdb?sslmode=verify-full&sslrootcert=${ca}`;
  const out = execFileSync(psql, [url, '-X', '-A', '-t', '-c', 'select current_user'], { encoding: 'utf8', timeout: 30_000, env: { ...process.env, PGPASSWORD: passwords.alice } });
  assert.equal(out.trim(), 'alice');
  const certUrl = `postgresql://certuser@localhost:${f.node.sqlPort}/defaultdb?sslmode=verify-full&sslrootcert=${ca}&sslcert=${join(f.certsDir, 'client.certuser.crt')}&sslkey=${join(f.certsDir, 'client.certuser.key')}`;
  const out2 = execFileSync(psql, [certUrl, '-X', '-A', '-t', '-c', 'select current_user'], { encoding: 'utf8', timeout: 30_000, env: { ...process.env, PGPASSWORD: '' } });
  assert.equal(out2.trim(), 'certuser');
});
