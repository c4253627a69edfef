// The pure cores of authentication and access control, by tables of cases: SCRAM-SHA-256
// against RFC 7677's example exchange, password verifiers, hba rule matching, decideAccess.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { checkCleartextPassword, checkMd5Response, formatScramVerifier, md5Verifier, parseVerifier, scramVerifierOf, verifierForNewPassword } from '../../src/sql/auth/password.ts';
import { mockScramVerifier, scramServerFinal, scramServerFirst } from '../../src/sql/auth/scram.ts';
import { decideHba, defaultHbaRules, parseHba, type HbaConnection } from '../../src/sql/auth/hba.ts';
import { applyGrant, decideAccess, decideGrantOption, decideOwnership, defaultAcl, PUBLIC_GRANTEE, type ObjectAcl, type Privilege, type RoleGrants } from '../../src/sql/auth/privileges.ts';

test('SCRAM-SHA-256: the RFC 7677 example exchange', () => {
  const verifier = scramVerifierOf('pencil', Buffer.from('W22ZaJ0SNY7soEsUEjb6gQ==', 'base64'), 4096);
  const first = scramServerFirst('n,,n=user,r=rOprNGfwEbeRWgbNEkqO', verifier, false, '%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0');
  assert.ok(first.ok);
  assert.equal(first.value.message, 'r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096');
  const final = scramServerFinal(first.value.state, 'c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=');
  assert.deepEqual(final, { ok: true, value: 'v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=' });
});

test('SCRAM-SHA-256: refusals', () => {
  const verifier = scramVerifierOf('pencil', Buffer.from('W22ZaJ0SNY7soEsUEjb6gQ==', 'base64'), 4096);
  const start = (clientFirst: string, mock = false): ReturnType<typeof scramServerFirst> => scramServerFirst(clientFirst, verifier, mock, '%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0');
  const nonce = 'rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0';
  const goodFinal = `c=biws,r=${nonce},p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=`;
  const cases: [string, string, string | null][] = [
    ['channel binding asked for', 'p=tls-server-end-point,,n=user,r=rOprNGfwEbeRWgbNEkqO', null],
    ['garbage', 'hello', null],
    ['no nonce', 'n,,n=user', null],
  ];
  for (const [label, clientFirst] of cases) assert.equal(start(clientFirst).ok, false, label);
  const first = start('n,,n=user,r=rOprNGfwEbeRWgbNEkqO');
  assert.ok(first.ok);
  const finals: [string, string][] = [
    ['wrong proof', `c=biws,r=${nonce},p=AAAAZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=`],
    ['wrong nonce', `c=biws,r=${nonce}x,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=`],
    ['wrong channel binding echo', `c=eSws,r=${nonce},p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=`],
    ['no proof', `c=biws,r=${nonce}`],
  ];
  for (const [label, clientFinal] of finals) assert.equal(scramServerFinal(first.value.state, clientFinal).ok, false, label);
  // Even the right proof fails against a mock verifier (a user that does not exist).
  const mocked = start('n,,n=user,r=rOprNGfwEbeRWgbNEkqO', true);
  assert.ok(mocked.ok);
  assert.equal(scramServerFinal(mocked.value.state, goodFinal).ok, false);
  // 'y' (client could bind, server did not offer) is accepted, and echoed as c=eSws.
  assert.equal(start('y,,n=user,r=abc').ok, true);
});

test('password verifiers: SCRAM and md5 formats, cleartext and md5 checks', () => {
  const salt = Buffer.alloc(16, 7);
  const text = formatScramVerifier(scramVerifierOf('s3cret', salt));
  assert.match(text, /^SCRAM-SHA-256\$4096:[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+:[A-Za-z0-9+/=]+$/);
  const scram = parseVerifier(text)!;
  assert.equal(checkCleartextPassword('s3cret', 'u', scram), true);
  assert.equal(checkCleartextPassword('S3cret', 'u', scram), false);
  const md5 = md5Verifier('pw', 'alice');
  assert.equal(md5, 'md5' + createHash('md5').update('pwalice').digest('hex'));
  const stored = parseVerifier(md5)!;
  assert.equal(stored.kind, 'md5');
  assert.equal(checkCleartextPassword('pw', 'alice', stored), true);
  const challenge = Buffer.from([1, 2, 3, 4]);
  const response = 'md5' + createHash('md5').update(Buffer.concat([Buffer.from(md5.slice(3)), challenge])).digest('hex');
  assert.equal(checkMd5Response(response, { hash: md5 }, challenge), true);
  assert.equal(checkMd5Response(response, { hash: md5 }, Buffer.from([4, 3, 2, 1])), false);
  assert.equal(verifierForNewPassword(md5, salt), md5, 'an already hashed password is stored as given');
  assert.equal(parseVerifier('plain'), null);
  assert.equal(parseVerifier('SCRAM-SHA-256$x:y$z:w'), null);
  const a = mockScramVerifier('ghost', Buffer.alloc(32, 1), 4096);
  assert.deepEqual(a.salt, mockScramVerifier('ghost', Buffer.alloc(32, 1), 4096).salt);
  assert.notDeepEqual(a.salt, mockScramVerifier('other', Buffer.alloc(32, 1), 4096).salt);
});

test('hba: first matching rule by type, database, user and address', () => {
  const parsed = parseHba(`
    # comment
    hostssl  all        admin        10.0.0.0/8     cert
    host     analytics  all          192.168.1.0/24 md5
    hostnossl all       all          127.0.0.1      trust
    host     all        alice,bob    ::1/128        password
    host     all        all          all            scram-sha-256   # trailing comment
  `);
  assert.ok(parsed.ok);
  const conn = (c: Partial<HbaConnection>): HbaConnection => ({ ssl: false, database: 'db', user: 'u', address: '203.0.113.9', ...c });
  const cases: [Partial<HbaConnection>, string | null][] = [
    [{ ssl: true, user: 'admin', address: '10.1.2.3' }, 'cert'],
    [{ ssl: false, user: 'admin', address: '10.1.2.3' }, 'scram-sha-256'],
    [{ database: 'analytics', address: '192.168.1.77' }, 'md5'],
    [{ database: 'analytics', address: '192.168.2.77' }, 'scram-sha-256'],
    [{ address: '127.0.0.1' }, 'trust'],
    [{ address: '::ffff:127.0.0.1' }, 'trust'],
    [{ address: '127.0.0.1', ssl: true }, 'scram-sha-256'],
    [{ address: '::1', user: 'bob' }, 'password'],
    [{ address: '::1', user: 'carol' }, 'scram-sha-256'],
  ];
  for (const [c, method] of cases) assert.equal(decideHba(parsed.rules, conn(c))?.method ?? null, method, JSON.stringify(c));
  assert.equal(decideHba([], conn({})), null);
  const bad: [string, RegExp][] = [
    ['host all all', /expected 5 fields/],
    ['local all all all trust', /connection type/],
    ['host all all all kerberos', /unknown authentication method/],
    ['host all all 300.1.1.1/8 trust', /not an IP address/],
    ['host all all 10.0.0.0/33 trust', /bad prefix/],
  ];
  for (const [text, error] of bad) {
    const r = parseHba(`# ok\n${text}`);
    assert.ok(!r.ok && error.test(r.error) && r.error.startsWith('line 2:'), text);
  }
});

test('hba defaults: with certificates TLS + SCRAM/cert for all; without, loopback trusted', () => {
  const withCerts = defaultHbaRules(true);
  assert.equal(decideHba(withCerts, { ssl: true, database: 'd', user: 'u', address: '127.0.0.1' })?.method, 'cert-scram-sha-256');
  assert.equal(decideHba(withCerts, { ssl: false, database: 'd', user: 'u', address: '127.0.0.1' }), null);
  const dev = defaultHbaRules(false);
  assert.equal(decideHba(dev, { ssl: false, database: 'd', user: 'u', address: '127.0.0.1' })?.method, 'trust');
  assert.equal(decideHba(dev, { ssl: false, database: 'd', user: 'u', address: '::1' })?.method, 'trust');
  assert.equal(decideHba(dev, { ssl: false, database: 'd', user: 'u', address: '10.0.0.5' })?.method, 'scram-sha-256');
});

const roles: Record<string, RoleGrants> = {
  root: { superuser: true, inherit: true, memberOf: [] },
  alice: { superuser: false, inherit: true, memberOf: ['analysts'] },
  frank: { superuser: false, inherit: false, memberOf: ['analysts'] },
  analysts: { superuser: false, inherit: true, memberOf: ['staff'] },
  staff: { superuser: false, inherit: true, memberOf: [] },
  owner: { superuser: false, inherit: true, memberOf: [] },
  ownerfriend: { superuser: false, inherit: true, memberOf: ['owner'] },
  nobody: { superuser: false, inherit: true, memberOf: [] },
  // A superuser role's members do not inherit SUPERUSER.
  sumember: { superuser: false, inherit: true, memberOf: ['root'] },
};
const lookup = (name: string): RoleGrants | null => roles[name] ?? null;

test('decideAccess: superuser, owner, direct, inherited, PUBLIC, NOINHERIT, unknown', () => {
  const table: ObjectAcl = { owner: 'owner', acl: [{ grantee: 'staff', privileges: ['SELECT'], grantable: [] }, { grantee: 'alice', privileges: ['INSERT'], grantable: ['INSERT'] }] };
  const publicSelect: ObjectAcl = { owner: 'owner', acl: [{ grantee: PUBLIC_GRANTEE, privileges: ['SELECT'], grantable: [] }] };
  const cases: [string, Privilege, ObjectAcl, string | false][] = [
    ['root', 'DELETE', table, 'superuser'],
    ['owner', 'TRUNCATE', table, 'owner'],
    ['ownerfriend', 'UPDATE', table, 'owner'],
    ['alice', 'INSERT', table, 'grant'],
    ['alice', 'SELECT', table, 'grant'], // via analysts -> staff
    ['alice', 'DELETE', table, false],
    ['frank', 'SELECT', table, false], // NOINHERIT
    ['analysts', 'SELECT', table, 'grant'],
    ['nobody', 'SELECT', table, false],
    ['nobody', 'SELECT', publicSelect, 'grant'],
    ['nobody', 'INSERT', publicSelect, false],
    ['ghost', 'SELECT', publicSelect, false],
    ['sumember', 'SELECT', table, false],
  ];
  for (const [user, privilege, acl, expected] of cases) {
    const d = decideAccess(lookup, user, privilege, acl);
    assert.deepEqual(d, expected === false ? { ok: false } : { ok: true, via: expected }, `${user} ${privilege}`);
  }
  assert.equal(decideOwnership(lookup, 'ownerfriend', table), true);
  assert.equal(decideOwnership(lookup, 'alice', table), false);
  assert.equal(decideGrantOption(lookup, 'alice', 'INSERT', table), true);
  assert.equal(decideGrantOption(lookup, 'alice', 'SELECT', table), false);
  assert.equal(decideAccess(lookup, 'nobody', 'CONNECT', defaultAcl('database', 'root')).ok, true);
  assert.equal(decideAccess(lookup, 'nobody', 'CREATE', defaultAcl('schema', 'root')).ok, false);
  assert.equal(decideAccess(lookup, 'nobody', 'USAGE', defaultAcl('schema', 'root')).ok, true);
});

test('applyGrant: grant, grant option, revoke of the option only, revoke', () => {
  let acl = applyGrant([], 'a', ['SELECT', 'INSERT'], true, false);
  assert.deepEqual(acl, [{ grantee: 'a', privileges: ['SELECT', 'INSERT'], grantable: [] }]);
  acl = applyGrant(acl, 'a', ['SELECT'], true, true);
  assert.deepEqual(acl, [{ grantee: 'a', privileges: ['SELECT', 'INSERT'], grantable: ['SELECT'] }]);
  acl = applyGrant(acl, 'a', ['SELECT'], false, true);
  assert.deepEqual(acl, [{ grantee: 'a', privileges: ['SELECT', 'INSERT'], grantable: [] }]);
  acl = applyGrant(acl, 'a', ['SELECT', 'INSERT'], false, false);
  assert.deepEqual(acl, []);
});
