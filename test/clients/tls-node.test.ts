// A real node with --certs-dir serves TLS (verify-full with pg and, when installed, psql)
// and, by default, requires TLS plus a client certificate or SCRAM of every connection;
// without certificates it refuses a non-loopback SQL address unless --insecure.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { runCli, startNodeProcess, tempStoreDir, type NodeProcess } from '../integration/node-process.ts';

const openssl = spawnSync('sh', ['-c', 'command -v openssl'], { encoding: 'utf8' }).stdout.trim();
const psql = spawnSync('sh', ['-c', 'command -v psql'], { encoding: 'utf8' }).stdout.trim();
const store = tempStoreDir('tessera-clients-tls-');
const certs = tempStoreDir('tessera-certs-');
let node: NodeProcess | undefined;

before(async () => {
  if (openssl === '') return;
  const run = (args: string[]): void => void execFileSync(openssl, args, { cwd: certs.path, stdio: 'ignore' });
  run(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '2', '-subj', '/CN=Tessera test CA']);
  run(['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', 'node.key', '-out', 'node.csr', '-subj', '/CN=node']);
  writeFileSync(join(certs.path, 'ext.cnf'), 'subjectAltName=DNS:localhost,IP:127.0.0.1\n');
  run(['x509', '-req', '-in', 'node.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'node.crt', '-days', '2', '-extfile', 'ext.cnf']);
  // root authenticates with a client certificate (CN=root) signed by the same CA.
  run(['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', 'client.root.key', '-out', 'client.root.csr', '-subj', '/CN=root']);
  run(['x509', '-req', '-in', 'client.root.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'client.root.crt', '-days', '2']);
  node = await startNodeProcess(store.path, ['--certs-dir', certs.path]);
});

after(async () => {
  await node?.kill();
  store.remove();
  certs.remove();
});

const rootSsl = (): pg.ClientConfig['ssl'] => ({
  ca: readFileSync(join(certs.path, 'ca.crt'), 'utf8'),
  servername: 'localhost',
  cert: readFileSync(join(certs.path, 'client.root.crt'), 'utf8'),
  key: readFileSync(join(certs.path, 'client.root.key'), 'utf8'),
});

test('--certs-dir: pg with verify-full and a client certificate queries over TLS', { skip: openssl === '' ? 'openssl is not installed' : false }, async () => {
  const c = new pg.Client({ host: '127.0.0.1', port: node!.sqlPort, user: 'root', database: 'defaultdb', ssl: rootSsl() });
  await c.connect();
  try {
    assert.equal((await c.query('select 1 as one')).rows[0].one, 1);
  } finally {
    await c.end();
  }
});

test('--certs-dir: by default plain text is refused (28000) and root without a certificate or password fails (28P01)', { skip: openssl === '' ? 'openssl is not installed' : false }, async () => {
  const plain = new pg.Client({ host: '127.0.0.1', port: node!.sqlPort, user: 'root', database: 'defaultdb', password: 'x' });
  await assert.rejects(plain.connect(), (e: unknown) => (e as { code?: string }).code === '28000' && /no pg_hba.conf entry .*no encryption/.test((e as Error).message));
  const noCert = new pg.Client({ host: '127.0.0.1', port: node!.sqlPort, user: 'root', database: 'defaultdb', password: 'guess', ssl: { ca: readFileSync(join(certs.path, 'ca.crt'), 'utf8'), servername: 'localhost' } });
  await assert.rejects(noCert.connect(), (e: unknown) => (e as { code?: string }).code === '28P01');
  assert.match(node!.stderr(), /authentication rules default: TLS with SCRAM-SHA-256 or a client certificate/);
});

test('cluster setting: ALTER SYSTEM SET server.host_based_authentication.configuration applies to the next connection', { skip: openssl === '' ? 'openssl is not installed' : false }, async () => {
  const root = new pg.Client({ host: '127.0.0.1', port: node!.sqlPort, user: 'root', database: 'defaultdb', ssl: rootSsl() });
  await root.connect();
  const carl = (ssl: boolean): pg.Client => {
    const c = new pg.Client({ host: '127.0.0.1', port: node!.sqlPort, user: 'carl', database: 'defaultdb', password: 'carl-pw', ...(ssl ? { ssl: { ca: readFileSync(join(certs.path, 'ca.crt'), 'utf8'), servername: 'localhost' } } : {}) });
    c.on('error', () => undefined);
    return c;
  };
  const code = async (c: pg.Client): Promise<string> => {
    try {
      await c.connect();
      await c.end();
      return 'ok';
    } catch (e) {
      return (e as { code?: string }).code ?? String(e);
    }
  };
  try {
    await root.query("CREATE USER carl PASSWORD 'carl-pw'");
    assert.equal(await code(carl(true)), 'ok');
    assert.equal(await code(carl(false)), '28000');
    await root.query(`ALTER SYSTEM SET server.host_based_authentication.configuration = 'hostssl all carl all reject
hostssl all all all cert-scram-sha-256
host all carl 127.0.0.1/32 scram-sha-256'`);
    assert.equal(await code(carl(true)), '28000');
    assert.equal(await code(carl(false)), 'ok');
    await assert.rejects(root.query("ALTER SYSTEM SET server.host_based_authentication.configuration = 'host all all'"), (e: unknown) => (e as { code?: string }).code === '22023');
    await root.query('ALTER SYSTEM RESET server.host_based_authentication.configuration');
    assert.equal(await code(carl(true)), 'ok');
    assert.equal(await code(carl(false)), '28000');
  } finally {
    await root.end();
  }
});

test('--certs-dir: psql sslmode=verify-full', { skip: openssl === '' || psql === '' ? 'openssl or psql is not installed' : false }, () => {
  const url = `postgresql://root@localhost:${node!.sqlPort}/defaultdb?sslmode=verify-full&sslrootcert=${join(certs.path, 'ca.crt')}&sslcert=${join(certs.path, 'client.root.crt')}&sslkey=${join(certs.path, 'client.root.key')}`;
  const out = execFileSync(psql, [url, '-X', '-A', '-t', '-c', 'select 42'], { encoding: 'utf8', timeout: 30_000 });
  assert.equal(out.trim(), '42');
});

test('a non-loopback SQL address without certificates is refused unless --insecure', async () => {
  const dir = tempStoreDir();
  try {
    const res = await runCli(['start-single-node', '--store', dir.path, '--sql-addr', '0.0.0.0:0', '--http-addr', '127.0.0.1:0']);
    assert.notEqual(res.code, 0);
    assert.match(res.stderr, /refusing to serve SQL on 0\.0\.0\.0 without certificates/);
  } finally {
    dir.remove();
  }
});
