// TLS: with certificates SSLRequest is answered 'S' and the session runs over TLS 1.2+,
// verified by the client against the CA (verify-full); without them 'N'. Certificates are
// made with openssl here (the `tessera cert` commands are still to come); the test skips
// visibly when openssl is missing.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect as netConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { WireServer } from '../../src/wire/index.ts';
import { testEnv } from '../../src/util/index.ts';
import { ScriptedSqlService } from './scripted-session.ts';

const openssl = spawnSync('sh', ['-c', 'command -v openssl'], { encoding: 'utf8' }).stdout.trim();
const skip = openssl === '' ? 'openssl is not installed' : false;

function makeCerts(dir: string): { ca: string; key: string; cert: string } {
  const run = (args: string[]): void => void execFileSync(openssl, args, { cwd: dir, stdio: 'ignore' });
  run(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '2', '-subj', '/CN=Tessera test CA']);
  run(['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', 'node.key', '-out', 'node.csr', '-subj', '/CN=node']);
  writeFileSync(join(dir, 'ext.cnf'), 'subjectAltName=DNS:localhost,IP:127.0.0.1\n');
  run(['x509', '-req', '-in', 'node.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'node.crt', '-days', '2', '-extfile', 'ext.cnf']);
  const read = (f: string): string => readFileSync(join(dir, f), 'utf8');
  return { ca: read('ca.crt'), key: read('node.key'), cert: read('node.crt') };
}

describe('TLS', { skip }, () => {
  let dir: string;
  let certs: { ca: string; key: string; cert: string };
  let server: WireServer;
  let port: number;
  const clients: pg.Client[] = [];

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tessera-tls-'));
    certs = makeCerts(dir);
    server = new WireServer(new ScriptedSqlService(), { env: testEnv(), tls: { key: certs.key, cert: certs.cert } });
    port = (await server.listen('127.0.0.1', 0)).port;
  });
  after(async () => {
    await Promise.allSettled(clients.map((c) => c.end()));
    await server.close({ drainMs: 100 });
    rmSync(dir, { recursive: true, force: true });
  });

  async function client(ssl: pg.ClientConfig['ssl']): Promise<pg.Client> {
    const c = new pg.Client({ host: '127.0.0.1', port, user: 'tester', database: 'db', ssl });
    c.on('error', () => undefined);
    clients.push(c);
    await c.connect();
    return c;
  }

  test('verify-full: the client checks the chain and the host name, then queries over TLS', async () => {
    const c = await client({ ca: certs.ca, rejectUnauthorized: true, servername: 'localhost' });
    assert.deepEqual((await c.query('select 1')).rows, [{ '?column?': 1 }]);
    const socket = (c as unknown as { connection: { stream: { getProtocol?: () => string | null } } }).connection.stream;
    assert.match(socket.getProtocol?.() ?? '', /^TLSv1\.[23]$/);
    assert.deepEqual((await c.query('select $1::text', ['over tls'])).rows, [{ text: 'over tls' }]);
  });

  test('a client that does not trust the CA is refused by its own check', async () => {
    await assert.rejects(client({ rejectUnauthorized: true, servername: 'localhost' }), /self-signed|unable to verify|certificate/i);
  });

  test('plain-text clients still work while TLS is optional', async () => {
    const c = await client(false);
    assert.equal((await c.query('select 1')).rowCount, 1);
  });

  test('bytes after SSLRequest before the handshake are refused (CVE-2021-23214)', async () => {
    const sslRequest = Buffer.from([0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f]);
    const reply = await new Promise<Buffer>((resolve, reject) => {
      const s = netConnect(port, '127.0.0.1', () => s.write(Buffer.concat([sslRequest, Buffer.from('Q\0\0\0\x0dselect 1\0')])));
      let got = Buffer.alloc(0);
      s.on('data', (d: Buffer) => (got = Buffer.concat([got, d])));
      s.on('close', () => resolve(got));
      s.on('error', reject);
    });
    assert.equal(reply[0], 0x45); // 'E': no 'S', an ErrorResponse, then close
    assert.match(reply.toString('latin1'), /08P01/);
  });
});
