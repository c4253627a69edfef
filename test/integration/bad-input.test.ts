// Acceptance: bad input keeps the node serving everyone else, each with the right error.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { randomBytes } from 'node:crypto';
import type pg from 'pg';
import { startNodeProcess, tempStoreDir, runCli, type NodeProcess } from './node-process.ts';

const store = tempStoreDir();
let node: NodeProcess;
let client: pg.Client;

before(async () => {
  node = await startNodeProcess(store.path);
  client = await node.client();
  await client.query('create table t (id int primary key, v text not null, n int)');
  await client.query("insert into t values (1, 'a', 10)");
});
after(async () => {
  await client?.end().catch(() => undefined);
  await node?.kill();
  store.remove();
});

async function stillServes(): Promise<void> {
  const fresh = await node.client();
  try {
    const { rows } = await fresh.query('select v from t where id = 1');
    assert.deepEqual(rows, [{ v: 'a' }]);
  } finally {
    await fresh.end();
  }
}

/** Sends raw bytes on a fresh connection and resolves when the server closes it. */
function sendRaw(bytes: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const socket = connect(node.sqlPort, '127.0.0.1');
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error('server did not close the connection within 10 s'));
    }, 10_000);
    socket.on('data', (d) => chunks.push(d));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(Buffer.concat(chunks));
    });
    socket.write(bytes, () => socket.end());
  });
}

async function expectCode(sql: string, code: string): Promise<void> {
  await assert.rejects(client.query(sql), (err: { code?: string }) => {
    assert.equal(err.code, code, `${sql} should fail with ${code}`);
    return true;
  });
}

test('random bytes on a new connection', async () => {
  for (let i = 0; i < 20; i++) await sendRaw(randomBytes(1 + (i * 37) % 300));
  await stillServes();
});

test('a truncated startup message and a truncated query message', async () => {
  const startup = Buffer.alloc(8);
  startup.writeInt32BE(200, 0); // claims 200 bytes, sends 8
  startup.writeInt32BE(196608, 4);
  await sendRaw(startup);
  const query = Buffer.from([0x51, 0, 0, 0, 100, 0x73]);
  await sendRaw(query);
  await stillServes();
});

test('an oversized length is refused without buffering it', async () => {
  const huge = Buffer.alloc(8);
  huge.writeInt32BE(0x7fffffff, 0);
  huge.writeInt32BE(196608, 4);
  await sendRaw(huge);
  await stillServes();
});

test('SQL errors carry the right SQLSTATE and leave the session usable', async () => {
  await expectCode('selec 1', '42601');
  await expectCode('select * from no_such_table', '42P01');
  await expectCode("select 'abc'::int", '22P02');
  await expectCode("insert into t values (1, 'dup', 0)", '23505');
  await expectCode('insert into t values (2, null, 0)', '23502');
  await expectCode('select 1 / 0', '22012');
  await expectCode('select n / 0 from t', '22012');
  // The extended protocol reports the error for the Execute that caused it.
  await assert.rejects(client.query('insert into t values ($1, $2, $3)', [1, 'dup', 0]), (err: { code?: string }) => err.code === '23505');
  await assert.rejects(client.query('insert into t values ($1, $2, $3)', [3, null, 0]), (err: { code?: string }) => err.code === '23502');
  const { rows } = await client.query('select count(*)::int as n from t');
  assert.deepEqual(rows, [{ n: 1 }]);
  await stillServes();
});

test('an unknown database is 3D000', async () => {
  await assert.rejects(node.client('no_such_db'), (err: { code?: string }) => err.code === '3D000');
  await stillServes();
});

test('a taken port fails with a clear error and exit code 1', async () => {
  const other = tempStoreDir();
  try {
    const { code, stderr } = await runCli(['start-single-node', '--store', other.path, '--sql-addr', `127.0.0.1:${node.sqlPort}`, '--http-addr', '127.0.0.1:0']);
    assert.equal(code, 1);
    assert.match(stderr, /already in use/);
  } finally {
    other.remove();
  }
});

test('GET /health answers 200 while serving', async () => {
  const res = await fetch(`http://127.0.0.1:${node.httpPort}/health`);
  assert.equal(res.status, 200);
  const metrics = await fetch(`http://127.0.0.1:${node.httpPort}/metrics`);
  assert.equal(metrics.status, 200);
  assert.match(await metrics.text(), /tessera_/);
});
