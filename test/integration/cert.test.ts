// `tessera cert create-ca | create-node | create-client` make files a node and clients use
// for TLS with full verification; no openssl needed.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { X509Certificate } from 'node:crypto';
import pg from 'pg';
import { runCli, startNodeProcess, tempStoreDir, type NodeProcess } from './node-process.ts';

const dir = tempStoreDir('tessera-cert-');
const store = tempStoreDir();
let node: NodeProcess | undefined;
after(async () => {
  await node?.kill();
  store.remove();
  dir.remove();
});

test('cert commands make a CA, a node and a client certificate that verify', async () => {
  const certs = join(dir.path, 'certs');
  const caKey = join(dir.path, 'ca.key');
  const flags = ['--certs-dir', certs, '--ca-key', caKey];
  assert.equal((await runCli(['cert', 'create-ca', ...flags])).code, 0);
  assert.equal((await runCli(['cert', 'create-node', 'localhost', '127.0.0.1', ...flags])).code, 0);
  assert.equal((await runCli(['cert', 'create-client', 'root', ...flags])).code, 0);

  const ca = new X509Certificate(readFileSync(join(certs, 'ca.crt')));
  const nodeCert = new X509Certificate(readFileSync(join(certs, 'node.crt')));
  const client = new X509Certificate(readFileSync(join(certs, 'client.root.crt')));
  assert.ok(nodeCert.verify(ca.publicKey) && client.verify(ca.publicKey));
  assert.ok(nodeCert.checkHost('localhost') !== undefined && nodeCert.checkIP('127.0.0.1') !== undefined);
  assert.match(client.subject, /CN=root/);

  const again = await runCli(['cert', 'create-ca', ...flags]);
  assert.equal(again.code, 1);
  assert.match(again.stderr, /already exists/);
  const noHost = await runCli(['cert', 'create-node', ...flags]);
  assert.equal(noHost.code, 2);

  node = await startNodeProcess(store.path, ['--certs-dir', certs]);
  // The node requires a client certificate or SCRAM by default: root's certificate authenticates it.
  const ssl = { ca: readFileSync(join(certs, 'ca.crt'), 'utf8'), servername: 'localhost' };
  const c = new pg.Client({ host: '127.0.0.1', port: node.sqlPort, user: 'root', database: 'defaultdb', ssl: { ...ssl, cert: readFileSync(join(certs, 'client.root.crt'), 'utf8'), key: readFileSync(join(certs, 'client.root.key'), 'utf8') } });
  await c.connect();
  try {
    assert.equal((await c.query('select current_user as u')).rows[0].u, 'root');
  } finally {
    await c.end();
  }
  const noCert = new pg.Client({ host: '127.0.0.1', port: node.sqlPort, user: 'root', database: 'defaultdb', password: 'none', ssl });
  noCert.on('error', () => undefined);
  await assert.rejects(noCert.connect(), (e: unknown) => (e as { code?: string }).code === '28P01');
});
