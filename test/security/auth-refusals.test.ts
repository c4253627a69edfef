// Acceptance 2 of issue 6: every way in that should fail, fails with the right SQLSTATE,
// tells an unknown user nothing a wrong password would not, and is logged.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect as tcpConnect } from 'node:net';
import { serialize } from 'pg-protocol';
import { passwords, startAuthNode, type AuthFixture } from './auth-fixture.ts';

let f: AuthFixture;

before(async () => {
  f = await startAuthNode('tessera-auth-refusals');
});

after(async () => {
  await f?.cleanup();
});

async function refused(config: Parameters<AuthFixture['connect']>[0]): Promise<{ code: string; message: string; severity: string }> {
  try {
    const c = await f.connect(config);
    await c.end();
  } catch (err) {
    const e = err as { code?: string; message: string; severity?: string };
    return { code: e.code ?? '', message: e.message, severity: e.severity ?? '' };
  }
  assert.fail(`connecting as ${config.user} should have failed`);
}

test('a wrong password: FATAL 28P01', async () => {
  const e = await refused({ user: 'alice', password: 'not-the-password', ssl: f.ssl() });
  assert.deepEqual(e, { code: '28P01', message: 'password authentication failed for user "alice"', severity: 'FATAL' });
});

test('an unknown user gets the same answer as a wrong password (SCRAM runs to the proof)', async () => {
  const e = await refused({ user: 'ghost', password: 'whatever', ssl: f.ssl() });
  assert.deepEqual(e, { code: '28P01', message: 'password authentication failed for user "ghost"', severity: 'FATAL' });
  // A user without a password (root, without its certificate) looks the same too.
  const noPassword = await refused({ user: 'root', password: 'x', ssl: f.ssl() });
  assert.deepEqual(noPassword, { code: '28P01', message: 'password authentication failed for user "root"', severity: 'FATAL' });
  const md5Unknown = await refused({ user: 'md5user', password: 'wrong', ssl: f.ssl() });
  assert.equal(md5Unknown.code, '28P01');
});

test('the SCRAM exchange of an unknown user is shaped like a real one (same salt each time, no early refusal)', async () => {
  const first = await scramServerFirst('ghost');
  const again = await scramServerFirst('ghost');
  const real = await scramServerFirst('alice');
  for (const m of [first, again, real]) assert.match(m, /^r=[^,]+,s=[A-Za-z0-9+/=]{24},i=4096$/);
  assert.equal(saltOf(first), saltOf(again));
});

test('a user without CONNECT on the database: FATAL 42501; without SELECT on a table: 42501', async () => {
  const e = await refused({ user: 'bob', password: passwords.bob, ssl: f.ssl(), database: 'postgres' });
  assert.equal(e.code, '42501');
  assert.equal(e.message, 'permission denied for database "postgres"');
  const bob = await f.connect({ user: 'bob', password: passwords.bob, ssl: f.ssl() });
  try {
    await assert.rejects(bob.query('select * from secrets'), (err: unknown) => (err as { code?: string }).code === '42501');
    assert.equal((await bob.query('select 1 as ok')).rows[0].ok, 1);
  } finally {
    await bob.end();
  }
});

test('no password goes over a plain connection where TLS is required', async () => {
  // The default-style rules only match TLS: a plain connection finds no rule (28000).
  const plain = await refused({ user: 'alice', password: passwords.alice, ssl: false });
  assert.equal(plain.code, '28000');
  assert.match(plain.message, /no pg_hba.conf entry for host "127.0.0.1", user "alice", database "defaultdb", no encryption/);
  // A `password` rule on a plain connection: refused before any password is asked for.
  const answer = await firstAnswerToStartup('plainpw');
  assert.equal(answer.type, 'E');
  assert.match(answer.text, /28000/);
  assert.match(answer.text, /requires an SSL-encrypted connection/);
});

test('a reject rule, a NOLOGIN role and another user\'s certificate are refused with 28000', async () => {
  assert.equal((await refused({ user: 'blocked', password: 'x', ssl: f.ssl() })).code, '28000');
  const root = await f.connect({ user: 'root', ssl: f.ssl('root') });
  try {
    await root.query('CREATE ROLE nologin PASSWORD \'pw\'');
  } finally {
    await root.end();
  }
  const nologin = await refused({ user: 'nologin', password: 'pw', ssl: f.ssl() });
  assert.deepEqual([nologin.code, nologin.message], ['28000', 'role "nologin" is not permitted to log in']);
  const wrongCert = await refused({ user: 'certuser', ssl: f.ssl('alice') });
  assert.deepEqual([wrongCert.code, wrongCert.message], ['28000', 'certificate authentication failed for user "certuser"']);
});

test('failed logins are logged with their reason', async () => {
  await refused({ user: 'ghost', password: 'x', ssl: f.ssl() });
  await new Promise((r) => setTimeout(r, 200));
  const lines = f.node.stderr().split('\n').filter((l) => l.includes('authentication failed'));
  assert.ok(lines.some((l) => l.includes('"user":"ghost"') && l.includes('no such role')), lines.join('\n'));
  assert.ok(lines.some((l) => l.includes('"user":"alice"') && l.includes('SCRAM proof does not match')), lines.join('\n'));
});

/** Starts a SCRAM exchange over TLS with a raw client and returns server-first-message. */
async function scramServerFirst(user: string): Promise<string> {
  const pg = await import('pg');
  // node-postgres exposes the exchange only through its session; drive it by hand instead.
  const client = new pg.default.Client({ host: '127.0.0.1', port: f.node.sqlPort, user, database: 'defaultdb', password: 'irrelevant', ssl: f.ssl() });
  client.on('error', () => undefined);
  let serverFirst = '';
  const connection = (client as unknown as { connection: { on(e: string, cb: (m: { data: string }) => void): void } }).connection;
  connection.on('authenticationSASLContinue', (m) => {
    serverFirst = m.data;
  });
  await client.connect().catch(() => undefined);
  await client.end().catch(() => undefined);
  return serverFirst;
}

function saltOf(serverFirst: string): string {
  return /s=([^,]+)/.exec(serverFirst)?.[1] ?? '';
}

/** The first backend message after a plain-text StartupMessage: its type and printable text. */
function firstAnswerToStartup(user: string): Promise<{ type: string; text: string }> {
  return new Promise((resolve, reject) => {
    const socket = tcpConnect(f.node.sqlPort, '127.0.0.1', () => socket.write(serialize.startup({ user, database: 'defaultdb' })));
    let data = Buffer.alloc(0);
    const timer = setTimeout(() => reject(new Error('no answer')), 5000);
    socket.on('data', (chunk: Buffer) => {
      data = Buffer.concat([data, chunk]);
      if (data.length < 5 || data.length < 1 + data.readInt32BE(1)) return;
      clearTimeout(timer);
      socket.destroy();
      resolve({ type: String.fromCharCode(data[0]!), text: data.subarray(5).toString('latin1') });
    });
    socket.on('error', reject);
  });
}
