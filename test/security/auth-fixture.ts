// A node with certificates (made in-process by `tessera cert`'s code), an hba file that
// gives each authentication method its own user, and those users created over a root
// client-certificate connection. Shared by the auth client tests and the security tests.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { createCa, createClientCert, createNodeCert } from '../../src/server/certs/index.ts';
import { md5Verifier } from '../../src/sql/auth/password.ts';
import { startNodeProcess, tempStoreDir, type NodeProcess } from '../integration/node-process.ts';

export const passwords = { alice: 'alice-secret', md5user: 'md5-secret', pwuser: 'cleartext-secret', bob: 'bob-secret' } as const;

/** hba rules: a method per user, everything else TLS with a certificate or SCRAM. */
export const hbaText = `
# TYPE    DATABASE USER      ADDRESS       METHOD
hostssl   all      md5user   all           md5
hostssl   all      pwuser    all           password
host      all      plainpw   all           password
hostssl   all      certuser  all           cert
hostssl   all      blocked   all           reject
hostssl   all      all       127.0.0.1/32  cert-scram-sha-256
`;

export interface AuthFixture {
  readonly node: NodeProcess;
  readonly certsDir: string;
  /** TLS options that verify the node (verify-full) and, for `user`, present its client certificate. */
  ssl(user?: string): pg.ClientConfig['ssl'];
  connect(config: Partial<pg.ClientConfig>): Promise<pg.Client>;
  cleanup(): Promise<void>;
}

export async function startAuthNode(prefix: string): Promise<AuthFixture> {
  const store = tempStoreDir(`${prefix}-store-`);
  const certs = tempStoreDir(`${prefix}-certs-`);
  const options = { certsDir: certs.path, caKeyPath: join(certs.path, 'ca.key'), lifetimeDays: 2, overwrite: false };
  await createCa(options);
  await createNodeCert(options, ['localhost', '127.0.0.1']);
  for (const user of ['root', 'certuser', 'alice']) await createClientCert(options, user);
  const hbaPath = join(certs.path, 'hba.conf');
  writeFileSync(hbaPath, hbaText);
  let node: NodeProcess;
  try {
    node = await startNodeProcess(store.path, ['--certs-dir', certs.path, '--hba-file', hbaPath]);
  } catch (err) {
    store.remove();
    certs.remove();
    throw err;
  }
  const ca = readFileSync(join(certs.path, 'ca.crt'), 'utf8');
  const ssl = (user?: string): pg.ClientConfig['ssl'] => ({
    ca,
    servername: 'localhost',
    ...(user === undefined ? {} : { cert: readFileSync(join(certs.path, `client.${user}.crt`), 'utf8'), key: readFileSync(join(certs.path, `client.${user}.key`), 'utf8') }),
  });
  const connect = async (config: Partial<pg.ClientConfig>): Promise<pg.Client> => {
    const c = new pg.Client({ host: '127.0.0.1', port: node.sqlPort, database: 'defaultdb', ...config });
    c.on('error', () => undefined);
    try {
      await c.connect();
    } catch (err) {
      await c.end().catch(() => undefined);
      throw err;
    }
    return c;
  };
  const root = await connect({ user: 'root', ssl: ssl('root') });
  try {
    await root.query(`CREATE USER alice PASSWORD '${passwords.alice}'`);
    await root.query(`CREATE USER bob PASSWORD '${passwords.bob}'`);
    await root.query(`CREATE USER md5user PASSWORD '${md5Verifier(passwords.md5user, 'md5user')}'`);
    await root.query(`CREATE USER pwuser PASSWORD '${passwords.pwuser}'`);
    await root.query(`CREATE USER plainpw PASSWORD 'plain-secret'`);
    await root.query('CREATE USER certuser');
    await root.query(`CREATE USER blocked PASSWORD 'x'`);
    await root.query('CREATE TABLE secrets (id int PRIMARY KEY, v text)');
    await root.query(`INSERT INTO secrets VALUES (1, 'top')`);
    await root.query('GRANT SELECT ON secrets TO alice, md5user, pwuser, certuser');
    await root.query('REVOKE CONNECT ON DATABASE postgres FROM PUBLIC');
  } finally {
    await root.end();
  }
  return {
    node,
    certsDir: certs.path,
    ssl,
    connect,
    async cleanup() {
      await node.kill();
      store.remove();
      certs.remove();
    },
  };
}
