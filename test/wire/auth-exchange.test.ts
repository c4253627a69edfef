// The authentication exchange at the protocol level, over the scripted session: hba rules
// choose the method; node-postgres drives SCRAM, md5 and cleartext; a raw client checks
// what happens when a client misbehaves in the middle of an exchange.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { serialize } from 'pg-protocol';
import { WireServer } from '../../src/wire/index.ts';
import { parseHba } from '../../src/sql/index.ts';
import { formatScramVerifier, md5Verifier, scramVerifierOf } from '../../src/sql/auth/password.ts';
import { testEnv } from '../../src/util/index.ts';
import { ScriptedSqlService } from './scripted-session.ts';
import { RawClient } from './raw-client.ts';

class PasswordService extends ScriptedSqlService {
  readonly verifiers = new Map<string, string>([
    ['scram', formatScramVerifier(scramVerifierOf('scram-pw', randomBytes(16)))],
    ['md5', md5Verifier('md5-pw', 'md5')],
  ]);
  passwordVerifier(user: string): Promise<string | null> {
    return Promise.resolve(this.verifiers.get(user) ?? null);
  }
}

const rules = parseHba(`
host all trusted all trust
host all plain   all password
host all nobody  all reject
host all all     all md5
`);
let server: WireServer;
let port: number;

before(async () => {
  assert.ok(rules.ok);
  server = new WireServer(new PasswordService(), { env: testEnv(), hba: rules.rules });
  port = (await server.listen('127.0.0.1', 0)).port;
});

after(async () => {
  await server.close({ drainMs: 100 });
});

async function login(user: string, password?: string): Promise<string> {
  const c = new pg.Client({ host: '127.0.0.1', port, user, database: 'db', ...(password === undefined ? {} : { password }) });
  c.on('error', () => undefined);
  try {
    await c.connect();
    await c.end();
    return 'ok';
  } catch (err) {
    await c.end().catch(() => undefined);
    return (err as { code?: string }).code ?? String(err);
  }
}

test('the hba rule picks the method; md5 rules give SCRAM users SCRAM', async () => {
  assert.equal(await login('trusted'), 'ok');
  assert.equal(await login('md5', 'md5-pw'), 'ok');
  assert.equal(await login('md5', 'wrong'), '28P01');
  assert.equal(await login('scram', 'scram-pw'), 'ok');
  assert.equal(await login('scram', 'wrong'), '28P01');
  assert.equal(await login('ghost', 'x'), '28P01');
  assert.equal(await login('nobody', 'x'), '28000');
  assert.equal(await login('plain', 'x'), '28000');
});

test('under an md5 rule an unknown user sees the SCRAM exchange a SCRAM user sees', async () => {
  const first = async (user: string): Promise<string> => {
    const c = await RawClient.open(port);
    c.send(serialize.startup({ user, database: 'db' }));
    const m = await c.waitFor((x) => x.name.startsWith('authentication'));
    c.close();
    return m.name;
  };
  assert.equal(await first('ghost'), 'authenticationSASL');
  assert.equal(await first('scram'), 'authenticationSASL');
  assert.equal(await first('md5'), 'authenticationMD5Password');
});

test('another message in the middle of SCRAM is FATAL 08P01', async () => {
  const c = await RawClient.open(port);
  c.send(serialize.startup({ user: 'scram', database: 'db' }));
  await c.waitFor((m) => m.name === 'authenticationSASL');
  c.send(serialize.query('select 1'));
  const err = await c.waitFor((m) => m.name === 'error');
  assert.equal((err as unknown as { code: string }).code, '08P01');
  await c.closed;
});

test('an unknown SASL mechanism is refused; a client that stops mid-exchange is dropped at the startup timeout', async () => {
  const c = await RawClient.open(port);
  c.send(serialize.startup({ user: 'scram', database: 'db' }));
  await c.waitFor((m) => m.name === 'authenticationSASL');
  c.send(serialize.sendSASLInitialResponseMessage('SCRAM-SHA-256-PLUS', 'p=tls-server-end-point,,n=,r=abc'));
  const err = await c.waitFor((m) => m.name === 'error');
  assert.equal((err as unknown as { code: string }).code, '28000');
  // A server of its own with a short startup deadline, so that load cannot trip the others.
  assert.ok(rules.ok);
  const strict = new WireServer(new PasswordService(), { env: testEnv(), hba: rules.rules, limits: { startupTimeoutMs: 300 } });
  const strictPort = (await strict.listen('127.0.0.1', 0)).port;
  try {
    const silent = await RawClient.open(strictPort);
    silent.send(serialize.startup({ user: 'scram', database: 'db' }));
    await silent.waitFor((m) => m.name === 'authenticationSASL');
    const started = Date.now();
    await silent.closed;
    assert.ok(Date.now() - started < 3000);
  } finally {
    await strict.close({ drainMs: 100 });
  }
});
